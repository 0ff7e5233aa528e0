// HandlerFixture: one program's App over a scratch database and a scratch
// files area, and requests made the way the web server passes them, served
// through site::Serve (path and method checks, the handler, error replies):
// a handler's test needs no web server.
//
// Include after <boost/test/unit_test.hpp>.
#pragma once

#include <stdlib.h>

#include <cgicc/CgiUtils.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "app.h"
#include "password.h"
#include "request.h"
#include "response.h"
#include "scratch_db.h"
#include "session.h"
#include "token_store.h"

namespace site_test {

// Form fields in order, as a browser sends them.
using Fields = std::vector<std::pair<std::string, std::string>>;

inline std::string UrlEncoded(const Fields& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    body += (body.empty() ? "" : "&") + cgicc::form_urlencode(name) + "=" +
            cgicc::form_urlencode(value);
  }
  return body;
}

// Who is signed in: the Cookie header to send and the session's CSRF token.
struct SignedIn {
  int64_t person_id = 0;
  std::string cookie;  // "session=..."
  std::string csrf;
};

class HandlerFixture : public MigratedDb {
 public:
  explicit HandlerFixture(site::Program program) : program_(std::move(program)) {
    char tmpl[] = "/tmp/site_handler_XXXXXX";
    const char* dir = mkdtemp(tmpl);
    BOOST_TEST_REQUIRE(dir != nullptr);
    files_dir_ = dir;
    config().files_dir = files_dir_;
    config().password_iterations = 1000;  // fast; the rule is password_test's
    config().token_secret = "handler-test-secret";
  }
  ~HandlerFixture() {
    app_.reset();
    std::error_code ec;
    std::filesystem::remove_all(files_dir_, ec);
  }

  // The program's App, built at first use from config() as it is then.
  site::App& app() {
    if (!app_) app_ = std::make_unique<site::App>(config(), program_);
    return *app_;
  }
  const std::string& files_dir() const { return files_dir_; }

  // A request as the web server passes it: `target` is path plus query.
  site::Request MakeRequest(const std::string& method, const std::string& target,
                            const std::string& body = "",
                            const std::map<std::string, std::string>& extra = {}) const {
    size_t q = target.find('?');
    site::Request::Environment env = {{"REQUEST_METHOD", method},
                                      {"SCRIPT_NAME", target.substr(0, q)},
                                      {"REQUEST_URI", target},
                                      {"REMOTE_ADDR", "192.0.2.44"}};
    if (q != std::string::npos) env["QUERY_STRING"] = target.substr(q + 1);
    if (!body.empty()) {
      env["CONTENT_LENGTH"] = std::to_string(body.size());
      env["CONTENT_TYPE"] = "application/x-www-form-urlencoded";
    }
    for (const auto& [k, v] : extra) env[k] = v;
    return site::Request(env, body);
  }

  site::Response Get(const std::string& target, const SignedIn* who = nullptr,
                     std::map<std::string, std::string> extra = {}) {
    if (who != nullptr) extra["HTTP_COOKIE"] = who->cookie;
    return site::Serve(app(), MakeRequest("GET", target, "", extra));
  }

  // A form POST; with `who`, signed in and (unless `fields` has one) with
  // the session's CSRF token first.
  site::Response Post(const std::string& target, Fields fields, const SignedIn* who = nullptr,
                      std::map<std::string, std::string> extra = {}) {
    if (who != nullptr) {
      extra["HTTP_COOKIE"] = who->cookie;
      bool has_csrf = false;
      for (const auto& f : fields) has_csrf |= f.first == site::kCsrfField;
      if (!has_csrf) fields.insert(fields.begin(), {site::kCsrfField, who->csrf});
    }
    return site::Serve(app(), MakeRequest("POST", target, UrlEncoded(fields), extra));
  }

  // A request whose body the handler streams (uploads), fed from `body`;
  // with `read`, it counts the body bytes the handler read.
  site::Response Stream(const std::string& method, const std::string& target,
                        const std::string& body, std::map<std::string, std::string> extra,
                        size_t* read = nullptr) {
    extra["CONTENT_LENGTH"] = std::to_string(body.size());
    site::Request req = MakeRequest(method, target, "", extra);
    auto offset = std::make_shared<size_t>(0);
    req.set_body_reader([offset, body, read](char* buf, size_t size) {
      size_t n = std::min(size, body.size() - *offset);
      std::copy(body.data() + *offset, body.data() + *offset + n, buf);
      *offset += n;
      if (read != nullptr) *read = *offset;
      return n;
    });
    return site::Serve(app(), req);
  }

  // Adds a person who may sign in with `password`.
  int64_t AddUser(const std::string& first, const std::string& username, site::Access access,
                  const std::string& password = "correct horse battery") {
    std::string hash;
    site::Status s = site::HashPassword(password, 1000, &hash);
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    return AddPerson(first, "Tester", username, access, username + "@example.com", true, hash);
  }

  // Starts a session for `person_id` as the sign-in page does.
  SignedIn SignIn(int64_t person_id) {
    site::Response start;
    site::Status s =
        site::StartSession(db(), config(), MakeRequest("POST", "/login"), person_id, &start);
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    SignedIn who;
    who.person_id = person_id;
    who.cookie = std::string(site::kSessionCookie) + "=" +
                 CookieValueFrom(start, site::kSessionCookie);
    std::optional<site::SessionInfo> session;
    s = site::FindSession(db(), config(), MakeRequest("GET", "/people", "", {{"HTTP_COOKIE", who.cookie}}),
                          &session);
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    BOOST_TEST_REQUIRE(session.has_value());
    who.csrf = session->csrf_token;
    return who;
  }

  // Creates a bearer token for `person_id`; returns the token.
  std::string Token(int64_t person_id) {
    site::NewToken t;
    site::Status s = site::CreateBearerToken(db(), config().token_secret, person_id, person_id,
                                             "192.0.2.1", &t);
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    return t.token;
  }

 private:
  site::Program program_;
  std::string files_dir_;
  std::unique_ptr<site::App> app_;
};

// The JSON body of `resp`, parsed (a failed check when it is not JSON).
inline nlohmann::json JsonOf(const site::Response& resp) {
  nlohmann::json j = nlohmann::json::parse(resp.body(), nullptr, false);
  BOOST_TEST(!j.is_discarded(), "not JSON: " << resp.body());
  return j;
}

inline bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace site_test
