// login_handler: the sign-in page and sign-in, through Serve.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <string>

#include "handler_fixture.h"
#include "login_handler.h"

using site::Access;
using site::Response;
using site_test::Contains;

namespace {

struct LoginDb : site_test::HandlerFixture {
  LoginDb() : HandlerFixture(site::LoginProgram()) {}

  // A fresh sign-in form: its CSRF token, from the page and from its cookie.
  std::string FormToken() {
    Response form = Get("/login");
    BOOST_TEST_REQUIRE(form.status() == 200);
    std::string cookie = site_test::CookieValueFrom(form, "login_csrf");
    const std::string field = "name=\"csrf_token\" value=\"";
    size_t at = form.body().find(field);
    BOOST_TEST_REQUIRE(at != std::string::npos, form.body());
    BOOST_TEST_REQUIRE(form.body().substr(at + field.size(), 65) == cookie + "\"");
    return cookie;
  }

  Response SignInWith(const std::string& username, const std::string& password,
                      const std::string& next = "/people") {
    std::string token = FormToken();
    return Post("/login",
                {{"csrf_token", token}, {"next", next}, {"username", username},
                 {"password", password}},
                nullptr, {{"HTTP_COOKIE", "login_csrf=" + token}});
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(login_handler_test, LoginDb, NEEDS_DB)

BOOST_AUTO_TEST_CASE(the_form_carries_a_double_submit_token) {
  Response resp = Get("/login?next=%2Fcollections");
  BOOST_TEST(resp.status() == 200);
  BOOST_TEST(Contains(resp.body(), "name=\"next\" value=\"/collections\""), resp.body());
  std::string cookie = resp.Header("Set-Cookie");
  BOOST_TEST(Contains(cookie, "HttpOnly"), cookie);
  BOOST_TEST(Contains(cookie, "SameSite=Strict"), cookie);
  BOOST_TEST(site_test::CookieValueFrom(resp, "login_csrf").size() == 64u);
}

BOOST_AUTO_TEST_CASE(the_right_password_starts_a_session) {
  int64_t ann = AddUser("Ann", "ann", Access::kAdmin);
  Response resp = SignInWith("ann", "correct horse battery", "/people/edit?id=3");
  BOOST_TEST(resp.status() == 303);
  BOOST_TEST(resp.Header("Location") == "/people/edit?id=3");
  std::string session = site_test::CookieValueFrom(resp, site::kSessionCookie);
  BOOST_TEST(session.size() >= 32u);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM sessions WHERE person_id = ?", {ann}) == 1);
}

BOOST_AUTO_TEST_CASE(a_foreign_next_goes_to_people) {
  AddUser("Ann", "ann", Access::kContentManager);
  Response resp = SignInWith("ann", "correct horse battery", "//evil.example/x");
  BOOST_TEST(resp.status() == 303);
  BOOST_TEST(resp.Header("Location") == "/people");
}

BOOST_AUTO_TEST_CASE(every_failure_reads_the_same) {
  AddUser("Ann", "ann", Access::kAdmin);
  AddUser("Nobody", "nobody", Access::kNone);  // a plain record may not sign in
  const std::pair<std::string, std::string> cases[] = {
      {"ann", "wrong password"}, {"nosuchuser", "correct horse battery"},
      {"nobody", "correct horse battery"}, {std::string(65, 'a'), "x"}};
  for (const auto& [user, password] : cases) {
    BOOST_TEST_CONTEXT(user.substr(0, 10)) {
      Response resp = SignInWith(user, password);
      BOOST_TEST(resp.status() == 200);
      BOOST_TEST(Contains(resp.body(), "Incorrect username or password."), resp.body());
      BOOST_TEST(site_test::CookieValueFrom(resp, site::kSessionCookie).empty());
    }
  }
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM sessions") == 0);
}

BOOST_AUTO_TEST_CASE(a_form_without_its_cookie_is_refused) {
  AddUser("Ann", "ann", Access::kAdmin);
  std::string token = FormToken();
  Response resp = Post("/login", {{"csrf_token", token}, {"username", "ann"},
                                  {"password", "correct horse battery"}});
  BOOST_TEST(resp.status() == 403);
  BOOST_TEST(Contains(resp.body(), "Your sign-in form expired."), resp.body());
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM sessions") == 0);
}

BOOST_AUTO_TEST_CASE(too_many_failures_are_429_with_retry_after) {
  AddUser("Ann", "ann", Access::kAdmin);
  config().signin_max_failures = 2;
  BOOST_TEST(SignInWith("ann", "wrong").status() == 200);
  BOOST_TEST(SignInWith("ann", "wrong").status() == 200);
  Response resp = SignInWith("ann", "correct horse battery");
  BOOST_TEST(resp.status() == 429);
  BOOST_TEST(std::stoi(resp.Header("Retry-After")) > 0);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM sessions") == 0);
}

BOOST_AUTO_TEST_CASE(a_signed_in_visit_goes_on) {
  site_test::SignedIn ann = SignIn(AddUser("Ann", "ann", Access::kAdmin));
  Response resp = Get("/login?next=%2Fcollections", &ann);
  BOOST_TEST(resp.status() == 303);
  BOOST_TEST(resp.Header("Location") == "/collections");
}

BOOST_AUTO_TEST_SUITE_END()
