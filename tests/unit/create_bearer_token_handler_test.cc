// create_bearer_token_handler: the Create Bearer Token button, through Serve.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <string>

#include "bearer_token.h"
#include "create_bearer_token_handler.h"
#include "handler_fixture.h"

using site::Access;
using site::Response;
using site_test::Contains;

namespace {

const std::map<std::string, std::string> kJson = {{"HTTP_ACCEPT", "application/json"}};

struct CreateDb : site_test::HandlerFixture {
  CreateDb() : HandlerFixture(site::CreateBearerTokenProgram()) {
    admin = SignIn(AddUser("Ada", "ada", Access::kAdmin));
    manager = SignIn(AddUser("Carl", "carl", Access::kContentManager));
    bob = AddPerson("Bob", "Jones", "bob", Access::kAdmin, "bob@example.com");
  }
  Response Create(const site_test::SignedIn* who, int64_t person,
                  const std::map<std::string, std::string>& extra = kJson) {
    return Post("/createBearerToken", {{"person_id", std::to_string(person)}}, who, extra);
  }
  site_test::SignedIn admin, manager;
  int64_t bob = 0;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(create_bearer_token_handler_test, CreateDb, NEEDS_DB)

BOOST_AUTO_TEST_CASE(an_admin_gets_the_token_once) {
  Response resp = Create(&admin, bob);
  BOOST_TEST_REQUIRE(resp.status() == 200, resp.body());
  BOOST_TEST(resp.Header("Cache-Control") == "no-store");
  nlohmann::json j = site_test::JsonOf(resp);
  std::string token = j.value("token", "");
  BOOST_TEST(site::IsWellFormedBearerToken(token), token);
  BOOST_TEST(j.value("replaced", true) == false);
  BOOST_TEST(j["person"].value("name", "") == "Bob Jones");
  // Stored as its digest only.
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM bearer_tokens WHERE person_id = ? AND token_digest = ?",
                      {bob, site::BearerTokenDigest(token, config().token_secret)}) == 1);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM bearer_tokens WHERE token_digest = ?", {token}) == 0);
  // Expires one calendar year after creation.
  std::time_t created = 0, expires = 0;
  BOOST_TEST_REQUIRE(site::ParseUtc(j.value("created_at", "").substr(0, 19), &created));
  BOOST_TEST_REQUIRE(site::ParseUtc(j.value("expires_at", "").substr(0, 19), &expires));
  BOOST_TEST(expires == site::BearerTokenExpiry(created));
}

BOOST_AUTO_TEST_CASE(a_second_token_replaces_the_first) {
  std::string first = site_test::JsonOf(Create(&admin, bob)).value("token", "");
  Response second = Create(&admin, bob);
  BOOST_TEST(site_test::JsonOf(second).value("replaced", false) == true);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM bearer_tokens WHERE person_id = ?", {bob}) == 1);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM bearer_tokens WHERE token_digest = ?",
                      {site::BearerTokenDigest(first, config().token_secret)}) == 0);
}

BOOST_AUTO_TEST_CASE(without_a_form_post_the_page_shows_it) {
  Response resp = Create(&admin, bob, {});
  BOOST_TEST_REQUIRE(resp.status() == 200);
  BOOST_TEST(resp.Header("Content-Type").rfind("text/html", 0) == 0u);
  BOOST_TEST(resp.Header("Cache-Control") == "no-store");
  BOOST_TEST(Contains(resp.body(), site::kTokenPrefix), resp.body());
}

BOOST_AUTO_TEST_CASE(who_may_not_create_one) {
  Response cm = Create(&manager, bob);
  BOOST_TEST(cm.status() == 403);
  BOOST_TEST(site_test::JsonOf(cm).value("message", "") == "Only an Admin can create bearer tokens.");
  Response nobody = Create(nullptr, bob);
  BOOST_TEST(nobody.status() == 401);
  Response page = Create(nullptr, bob, {});
  BOOST_TEST(page.status() == 303);
  BOOST_TEST(page.Header("Location") == "/login?next=%2Fpeople");
  Response forged = Post("/createBearerToken",
                         {{"csrf_token", "forged"}, {"person_id", std::to_string(bob)}}, &admin, kJson);
  BOOST_TEST(forged.status() == 403);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM bearer_tokens") == 0);
}

BOOST_AUTO_TEST_CASE(unknown_people_and_get) {
  BOOST_TEST(Create(&admin, 999999).status() == 404);
  Response get = Get("/createBearerToken?person_id=" + std::to_string(bob), &admin);
  BOOST_TEST(get.status() == 405);
  BOOST_TEST(get.Header("Allow") == "POST");
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM bearer_tokens") == 0);
}

BOOST_AUTO_TEST_SUITE_END()
