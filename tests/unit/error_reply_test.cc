// error_reply: every style of error answer, with no server.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "bearer_token.h"
#include "error_reply.h"
#include "request.h"
#include "response.h"
#include "status.h"
#include "templates.h"
#include "test_util.h"

using site::ErrorStyle;
using site::Request;
using site::Response;
using site::Status;

namespace {

std::string NewToken() {
  std::string token;
  Status s = site::NewBearerToken(&token);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  return token;
}

// A GET, with an Authorization header when `header` is set and an Accept
// header when `accept` is.
Request ApiRequest(const std::optional<std::string>& header, const std::string& accept = "") {
  Request::Environment env = {{"REQUEST_METHOD", "GET"},
                              {"REMOTE_ADDR", "198.51.100.10"},
                              {"REQUEST_URI", "/tokenInfo"}};
  if (header) env["HTTP_AUTHORIZATION"] = *header;
  if (!accept.empty()) env["HTTP_ACCEPT"] = accept;
  return Request(env, "");
}

nlohmann::json JsonBody(const Response& resp) {
  nlohmann::json j = nlohmann::json::parse(resp.body(), nullptr, false);
  BOOST_TEST(!j.is_discarded(), "not JSON: " << resp.body());
  return j;
}

struct Fixture {
  site::Templates templates{site_test::TemplatesDir()};

  Response Render(ErrorStyle style, const Request& req, const Status& s) {
    Response resp;
    resp.set_body("stale body");
    resp.SetHeader("X-Stale", "1");
    site::RenderError(&templates, style, req, s, &resp);
    return resp;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(error_reply_test, Fixture)

BOOST_AUTO_TEST_CASE(json_401_without_a_token) {
  const std::optional<std::string> headers[] = {std::nullopt, std::string(""),
                                                std::string("Basic dXNlcjpwYXNz")};
  for (const auto& header : headers) {
    BOOST_TEST_CONTEXT("'" << header.value_or("<none>") << "'") {
      Response resp = Render(ErrorStyle::kJson, ApiRequest(header),
                             Status::Unauthorized("Authentication required"));
      BOOST_TEST(resp.status() == 401);
      BOOST_TEST(resp.Header("WWW-Authenticate") == "Bearer realm=\"site\"");
      BOOST_TEST(resp.body().find("\"message\": \"Authentication required\"") != std::string::npos,
                 resp.body());
      nlohmann::json j = JsonBody(resp);
      BOOST_TEST(j.value("error", "") == "unauthorized");
      BOOST_TEST(resp.Header("X-Stale") == "");
    }
  }
}

BOOST_AUTO_TEST_CASE(json_401_with_a_token) {
  const std::string token = NewToken();
  for (const char* message : {"Token has expired",
                              "Token is not valid; it may have been replaced by a newer token"}) {
    BOOST_TEST_CONTEXT(message) {
      Response resp = Render(ErrorStyle::kJson, ApiRequest("Bearer " + token),
                             Status::Unauthorized(message));
      BOOST_TEST(resp.status() == 401);
      std::string challenge = resp.Header("WWW-Authenticate");
      BOOST_TEST(challenge.rfind("Bearer realm=\"site\"", 0) == 0u, challenge);
      BOOST_TEST(challenge.find("error=\"invalid_token\"") != std::string::npos, challenge);
      BOOST_TEST(challenge.find("error_description=\"" + std::string(message) + "\"") !=
                     std::string::npos,
                 challenge);
      BOOST_TEST(challenge.find(token) == std::string::npos);  // never echoed
      BOOST_TEST(resp.body().find(token) == std::string::npos);
      BOOST_TEST(JsonBody(resp).value("message", "") == message);
    }
  }
}

BOOST_AUTO_TEST_CASE(json_status_table) {
  struct Case {
    Status status;
    int http;
    std::string message;  // expected in the body
    bool retry_after;
  };
  const std::string internal_detail =
      "database error 1064 during query: You have an error in your SQL syntax near 'SELECT "
      "token_digest FROM bearer_tokens'";
  const Case cases[] = {
      {Status::BadRequest("collectionFile is empty."), 400, "collectionFile is empty.", false},
      {Status::Forbidden("Admin access required"), 403, "Admin access required", false},
      {Status::NotFound("There is no person with this id."), 404,
       "There is no person with this id.", false},
      {Status::Conflict("This person is inactive."), 409, "This person is inactive.", false},
      {Status::TooLarge("too big"), 413, "too big", false},
      {Status::TooManyRequests("Too many failed attempts"), 429, "Too many failed attempts", true},
      {Status::Unavailable("database unreachable"), 503, site::kUnavailableMessage, true},
      {Status::Internal(internal_detail), 500, site::kInternalErrorMessage, false},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.status.ToString()) {
      Response resp = Render(ErrorStyle::kJson, ApiRequest(std::nullopt), c.status);
      BOOST_TEST(resp.status() == c.http);
      BOOST_TEST(resp.Header("Content-Type").rfind("application/json", 0) == 0u,
                 resp.Header("Content-Type"));
      BOOST_TEST(resp.Header("Cache-Control") == "no-store");
      BOOST_TEST((resp.Header("Retry-After") != "") == c.retry_after, resp.Header("Retry-After"));
      if (c.retry_after) {
        BOOST_TEST(resp.Header("Retry-After").find_first_not_of("0123456789") == std::string::npos);
      }
      nlohmann::json j = JsonBody(resp);
      BOOST_TEST(j.value("error", "") == site::ErrorName(c.http));
      BOOST_TEST(j.value("message", "") == c.message);
      for (const char* leak : {"1064", "SQL", "SELECT", "token_digest", "stale"}) {
        BOOST_TEST(resp.body().find(leak) == std::string::npos, "leaks " << leak);
      }
    }
  }
}

// The same fixed 500 and 503 texts on a page as in JSON: one set of them.
BOOST_AUTO_TEST_CASE(html_page_has_the_same_texts) {
  struct Case {
    Status status;
    int http;
    std::string message;
  };
  const Case cases[] = {
      {Status::NotFound("There is no person with this id."), 404,
       "There is no person with this id."},
      {Status::Unavailable("database unreachable at /run/mysqld.sock"), 503,
       site::kUnavailableMessage},
      {Status::Internal("database error 1064 near 'SELECT'"), 500, site::kInternalErrorMessage},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.status.ToString()) {
      Response resp = Render(ErrorStyle::kHtmlPage, ApiRequest(std::nullopt), c.status);
      BOOST_TEST(resp.status() == c.http);
      BOOST_TEST(resp.Header("Content-Type").rfind("text/html", 0) == 0u);
      BOOST_TEST(resp.body().find("<html") != std::string::npos, resp.body());
      BOOST_TEST(resp.body().find(site::ReasonPhrase(c.http)) != std::string::npos);
      // ctemplate escapes the apostrophe-free texts unchanged.
      BOOST_TEST(resp.body().find(c.message) != std::string::npos, resp.body());
      BOOST_TEST(resp.body().find("1064") == std::string::npos);
      BOOST_TEST(resp.body().find("mysqld.sock") == std::string::npos);
      BOOST_TEST(resp.Header("WWW-Authenticate") == "");  // pages sign in with a form
    }
  }
}

BOOST_AUTO_TEST_CASE(html_message_is_escaped) {
  Response resp = Render(ErrorStyle::kHtmlPage, ApiRequest(std::nullopt),
                         Status::BadRequest("<script>alert(1)</script>"));
  BOOST_TEST(resp.status() == 400);
  BOOST_TEST(resp.body().find("<script>alert") == std::string::npos, resp.body());
  BOOST_TEST(resp.body().find("&lt;script&gt;") != std::string::npos, resp.body());
}

BOOST_AUTO_TEST_CASE(by_accept_follows_the_request) {
  Status s = Status::Forbidden("Only an Admin can create bearer tokens.");
  Response page = Render(ErrorStyle::kByAccept, ApiRequest(std::nullopt, "text/html"), s);
  BOOST_TEST(page.Header("Content-Type").rfind("text/html", 0) == 0u);
  Response json =
      Render(ErrorStyle::kByAccept, ApiRequest(std::nullopt, "application/json"), s);
  BOOST_TEST(json.Header("Content-Type").rfind("application/json", 0) == 0u);
  BOOST_TEST(JsonBody(json).value("message", "") == s.message());
  BOOST_TEST(json.status() == 403);
}

BOOST_AUTO_TEST_CASE(token_expiry_header_is_kept) {
  Response resp;
  resp.SetHeader(site::kTokenExpirationHeader, "2027-11-28 06:04:30 UTC");
  resp.SetHeader("X-Other", "1");
  site::RenderError(&templates, ErrorStyle::kJson, ApiRequest(std::nullopt),
                    Status::Conflict("updatable=\"false\""), &resp);
  BOOST_TEST(resp.status() == 409);
  BOOST_TEST(resp.Header(site::kTokenExpirationHeader) == "2027-11-28 06:04:30 UTC");
  BOOST_TEST(resp.Header("X-Other") == "");
}

BOOST_AUTO_TEST_CASE(a_missing_template_falls_back_to_text) {
  site::Templates nowhere("/nonexistent-templates-dir");
  Response resp;
  site::RenderError(&nowhere, ErrorStyle::kHtmlPage, ApiRequest(std::nullopt),
                    Status::NotFound("There is no page at this address."), &resp);
  BOOST_TEST(resp.status() == 404);
  BOOST_TEST(resp.Header("Content-Type").rfind("text/plain", 0) == 0u);
  BOOST_TEST(resp.body() == "There is no page at this address.\n");
}

BOOST_AUTO_TEST_SUITE_END()
