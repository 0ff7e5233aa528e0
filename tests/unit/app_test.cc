// app: Serve's checks before the handler, and the one way errors go out.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>

#include "app.h"
#include "bearer_token.h"
#include "handler_fixture.h"
#include "test_util.h"

using site::App;
using site::ErrorStyle;
using site::Program;
using site::Request;
using site::Response;
using site::Status;

namespace {

// What the stub handlers saw and do. Tests set these before serving.
int g_calls = 0;
Status g_result;

Status Stub(App&, const Request& req, Response* resp) {
  ++g_calls;
  resp->SetHeader(site::kTokenExpirationHeader, "2027-11-28 06:04:30 UTC");
  resp->set_body("handled " + req.path());
  return g_result;
}

Status Throws(App&, const Request&, Response*) {
  ++g_calls;
  throw std::runtime_error("secret detail at /var/lib/site");
}

Status ThrowsInt(App&, const Request&, Response*) {
  ++g_calls;
  throw 42;
}

Program StubProgram(site::Handler handler, ErrorStyle style) {
  Program p;
  p.handler = handler;
  p.options.errors = style;
  p.options.paths = {"/a", "/a/b"};
  p.options.methods = {"GET", "HEAD"};
  return p;
}

// A config whose database cannot be reached.
site::Config Unreachable() {
  site::Config c;
  c.db_socket = "/nonexistent/dir/for/site/unit/tests/mysqld.sock";
  c.db_name = "site";
  c.templates_dir = site_test::TemplatesDir();
  return c;
}

Request Make(const std::string& method, const std::string& path,
             const std::string& accept = "") {
  Request::Environment env = {{"REQUEST_METHOD", method},
                              {"SCRIPT_NAME", path},
                              {"REQUEST_URI", path},
                              {"REMOTE_ADDR", "192.0.2.9"}};
  if (!accept.empty()) env["HTTP_ACCEPT"] = accept;
  return Request(env, "");
}

struct Reset {
  Reset() {
    g_calls = 0;
    g_result = Status::OK();
  }
};

// Serve through a real database, for the handler's own outcomes.
struct StubDb : site_test::HandlerFixture {
  StubDb() : HandlerFixture(StubProgram(Stub, ErrorStyle::kJson)) {
    g_calls = 0;
    g_result = Status::OK();
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(app_test, Reset)

BOOST_AUTO_TEST_CASE(a_path_of_another_program_is_404_before_the_handler) {
  for (ErrorStyle style : {ErrorStyle::kJson, ErrorStyle::kHtmlPage}) {
    App app(Unreachable(), StubProgram(Stub, style));
    for (const char* path : {"/", "/a/", "/a/c", "/ab", "/A"}) {
      BOOST_TEST_CONTEXT(path) {
        Response resp = site::Serve(app, Make("GET", path));
        BOOST_TEST(resp.status() == 404);
        BOOST_TEST(site_test::Contains(resp.body(), "There is no page at this address."));
      }
    }
  }
  BOOST_TEST(g_calls == 0);
}

BOOST_AUTO_TEST_CASE(another_method_is_405_with_allow) {
  Program p = StubProgram(Stub, ErrorStyle::kJson);
  App app(Unreachable(), p);
  Response resp = site::Serve(app, Make("POST", "/a"));
  BOOST_TEST(resp.status() == 405);
  BOOST_TEST(resp.Header("Allow") == "GET, HEAD");
  BOOST_TEST(site_test::JsonOf(resp).value("message", "") == "This address takes GET or HEAD only.");

  p.options.method_hint = "Use POST with the archive in the collectionFile field.";
  App hinted(Unreachable(), p);
  resp = site::Serve(hinted, Make("DELETE", "/a/b"));
  BOOST_TEST(resp.status() == 405);
  BOOST_TEST(site_test::JsonOf(resp).value("message", "") == p.options.method_hint);
  BOOST_TEST(g_calls == 0);
}

BOOST_AUTO_TEST_CASE(an_unreachable_database_is_503_before_the_handler) {
  App json(Unreachable(), StubProgram(Stub, ErrorStyle::kJson));
  Response resp = site::Serve(json, Make("GET", "/a"));
  BOOST_TEST(resp.status() == 503);
  BOOST_TEST(resp.Header("Retry-After") == "30");
  BOOST_TEST(site_test::JsonOf(resp).value("message", "") == site::kUnavailableMessage);
  BOOST_TEST(!site_test::Contains(resp.body(), "nonexistent"));

  App page(Unreachable(), StubProgram(Stub, ErrorStyle::kByAccept));
  resp = site::Serve(page, Make("GET", "/a", "text/html"));
  BOOST_TEST(resp.status() == 503);
  BOOST_TEST(resp.Header("Content-Type").rfind("text/html", 0) == 0u);
  BOOST_TEST(site_test::Contains(resp.body(), site::kUnavailableMessage));
  BOOST_TEST(g_calls == 0);
}

BOOST_AUTO_TEST_CASE(error_response_answers_a_refused_body) {
  App app(Unreachable(), StubProgram(Stub, ErrorStyle::kHtmlPage));
  Response resp = site::ErrorResponse(app, Make("POST", "/a"),
                                      Status::TooLarge("The form is larger than this site accepts (1 MiB)."));
  BOOST_TEST(resp.status() == 413);
  BOOST_TEST(site_test::Contains(resp.body(), "(1 MiB)"));
  resp = site::ErrorResponse(app, Make("PUT", "/a"), Status::MethodNotAllowed("no"));
  BOOST_TEST(resp.Header("Allow") == "GET, HEAD");
  BOOST_TEST(g_calls == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(app_db_test, StubDb, NEEDS_DB)

BOOST_AUTO_TEST_CASE(the_handlers_response_is_the_answer) {
  Response resp = Get("/a/b");
  BOOST_TEST(g_calls == 1);
  BOOST_TEST(resp.status() == 200);
  BOOST_TEST(resp.body() == "handled /a/b");
}

BOOST_AUTO_TEST_CASE(a_handlers_status_is_the_one_way_out) {
  g_result = Status::Conflict("This collection is not updatable.");
  Response resp = Get("/a");
  BOOST_TEST(g_calls == 1);
  BOOST_TEST(resp.status() == 409);
  BOOST_TEST(site_test::JsonOf(resp).value("message", "") == "This collection is not updatable.");
  BOOST_TEST(!site_test::Contains(resp.body(), "handled"));  // the handler's body is gone
  // ...but an authenticated request still learns when its token expires.
  BOOST_TEST(resp.Header(site::kTokenExpirationHeader) == "2027-11-28 06:04:30 UTC");
}

BOOST_AUTO_TEST_CASE(an_exception_is_a_500_that_tells_nothing) {
  for (site::Handler h : {Throws, ThrowsInt}) {
    site::App app(config(), StubProgram(h, ErrorStyle::kJson));
    Response resp = site::Serve(app, MakeRequest("GET", "/a"));
    BOOST_TEST(resp.status() == 500);
    BOOST_TEST(site_test::JsonOf(resp).value("message", "") == site::kInternalErrorMessage);
    BOOST_TEST(!site_test::Contains(resp.body(), "secret"));
    BOOST_TEST(!site_test::Contains(resp.body(), "/var/lib"));
  }
  BOOST_TEST(g_calls == 2);
}

BOOST_AUTO_TEST_SUITE_END()
