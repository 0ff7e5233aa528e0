// revoke_bearer_token_handler: the Revoke button, through Serve.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <string>

#include "handler_fixture.h"
#include "revoke_bearer_token_handler.h"

using site::Access;
using site::Response;

namespace {

struct RevokeDb : site_test::HandlerFixture {
  RevokeDb() : HandlerFixture(site::RevokeBearerTokenProgram()) {
    admin = SignIn(AddUser("Ada", "ada", Access::kAdmin));
    manager = SignIn(AddUser("Carl", "carl", Access::kContentManager));
    bob = AddPerson("Bob", "Jones", "bob", Access::kAdmin, "bob@example.com");
    Token(bob);
  }
  Response Revoke(const site_test::SignedIn* who, int64_t person, site_test::Fields extra = {}) {
    extra.push_back({"person_id", std::to_string(person)});
    return Post("/revokeBearerToken", extra, who);
  }
  int64_t Tokens() { return QueryInt("SELECT COUNT(*) FROM bearer_tokens WHERE person_id = ?", {bob}); }
  site_test::SignedIn admin, manager;
  int64_t bob = 0;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(revoke_bearer_token_handler_test, RevokeDb, NEEDS_DB)

BOOST_AUTO_TEST_CASE(an_admin_revokes) {
  Response resp = Revoke(&admin, bob);
  BOOST_TEST(resp.status() == 303);
  BOOST_TEST(resp.Header("Location") == "/people/edit?id=" + std::to_string(bob) + "&revoked=1");
  BOOST_TEST(Tokens() == 0);
  // Nothing left to revoke: the same page, without the notice.
  Response again = Revoke(&admin, bob);
  BOOST_TEST(again.Header("Location") == "/people/edit?id=" + std::to_string(bob));
}

BOOST_AUTO_TEST_CASE(who_may_not_revoke) {
  BOOST_TEST(Revoke(&manager, bob).status() == 403);
  Response nobody = Revoke(nullptr, bob);
  BOOST_TEST(nobody.status() == 303);
  BOOST_TEST(nobody.Header("Location").rfind("/login?next=", 0) == 0u);
  BOOST_TEST(Revoke(&admin, bob, {{"csrf_token", "forged"}}).status() == 403);
  BOOST_TEST(Revoke(&admin, 0).status() == 404);
  Response get = Get("/revokeBearerToken?person_id=" + std::to_string(bob), &admin);
  BOOST_TEST(get.status() == 405);
  BOOST_TEST(get.Header("Allow") == "POST");
  BOOST_TEST(Tokens() == 1);
}

BOOST_AUTO_TEST_SUITE_END()
