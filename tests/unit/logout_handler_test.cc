// logout_handler: signing out, through Serve.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include "handler_fixture.h"
#include "logout_handler.h"

using site::Access;
using site::Response;

namespace {

struct LogoutDb : site_test::HandlerFixture {
  LogoutDb() : HandlerFixture(site::LogoutProgram()) {}
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(logout_handler_test, LogoutDb, NEEDS_DB)

BOOST_AUTO_TEST_CASE(signing_out_ends_the_session) {
  site_test::SignedIn ann = SignIn(AddUser("Ann", "ann", Access::kAdmin));
  Response resp = Post("/logout", {}, &ann);
  BOOST_TEST(resp.status() == 303);
  BOOST_TEST(resp.Header("Location") == "/login?signed_out=1");
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM sessions") == 0);
}

BOOST_AUTO_TEST_CASE(another_sites_form_cannot_sign_out) {
  site_test::SignedIn ann = SignIn(AddUser("Ann", "ann", Access::kAdmin));
  Response resp = Post("/logout", {{"csrf_token", "forged"}}, &ann);
  BOOST_TEST(resp.status() == 403);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM sessions") == 1);
}

BOOST_AUTO_TEST_CASE(get_is_405) {
  site_test::SignedIn ann = SignIn(AddUser("Ann", "ann", Access::kAdmin));
  Response resp = Get("/logout", &ann);
  BOOST_TEST(resp.status() == 405);
  BOOST_TEST(resp.Header("Allow") == "POST");
  BOOST_TEST(site_test::Contains(resp.body(), "Use the Sign out button to sign out."));
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM sessions") == 1);
}

BOOST_AUTO_TEST_SUITE_END()
