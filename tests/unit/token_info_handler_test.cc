// token_info_handler: /tokenInfo, through Serve.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <string>

#include "bearer_auth.h"
#include "bearer_token.h"
#include "handler_fixture.h"
#include "token_info_handler.h"

using site::Access;
using site::Response;
using site_test::Contains;

namespace {

struct TokenInfoDb : site_test::HandlerFixture {
  TokenInfoDb() : HandlerFixture(site::TokenInfoProgram()) {}
  Response Info(const std::string& authorization, const std::string& method = "GET") {
    return site::Serve(app(), MakeRequest(method, "/tokenInfo", "",
                                          {{"HTTP_AUTHORIZATION", authorization}}));
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(token_info_handler_test, TokenInfoDb, NEEDS_DB)

BOOST_AUTO_TEST_CASE(an_admins_token_says_who_and_until_when) {
  int64_t ada = AddPerson("Ada", "Lovelace", "ada", Access::kAdmin, "ada@example.com");
  std::string token = Token(ada);
  Response resp = Info("Bearer " + token);
  BOOST_TEST_REQUIRE(resp.status() == 200, resp.body());
  nlohmann::json j = site_test::JsonOf(resp);
  BOOST_TEST(j["person"].value("id", 0) == ada);
  BOOST_TEST(j["person"].value("name", "") == "Ada Lovelace");
  BOOST_TEST(j["person"].value("access", "") == "Admin");
  int days = j["token"].value("days_left", 0);
  BOOST_TEST((days == 365 || days == 366), days);
  BOOST_TEST(resp.Header(site::kTokenExpirationHeader) == j["token"].value("expires_at", ""));
  BOOST_TEST(!Contains(resp.body(), token));
}

BOOST_AUTO_TEST_CASE(the_guides_messages) {
  Response none = site::Serve(app(), MakeRequest("GET", "/tokenInfo"));
  BOOST_TEST(none.status() == 401);
  BOOST_TEST(site_test::JsonOf(none).value("message", "") == "Authentication required");
  BOOST_TEST(none.Header("WWW-Authenticate") == "Bearer realm=\"site\"");
  Response malformed = Info("Bearer not-one-of-ours");
  BOOST_TEST(malformed.status() == 401);
  BOOST_TEST(site_test::JsonOf(malformed).value("message", "") == "Authentication required");
  std::string unknown;
  BOOST_TEST_REQUIRE(site::NewBearerToken(&unknown).ok());
  Response invalid = Info("Bearer " + unknown);
  BOOST_TEST(invalid.status() == 401);
  BOOST_TEST(site_test::JsonOf(invalid).value("message", "") == site::kTokenInvalidMessage);
  BOOST_TEST(Contains(invalid.Header("WWW-Authenticate"), "error=\"invalid_token\""));
}

BOOST_AUTO_TEST_CASE(an_expired_token) {
  int64_t ada = AddPerson("Ada", "Lovelace", "ada", Access::kAdmin, "ada@example.com");
  std::string token = Token(ada);
  Exec("UPDATE bearer_tokens SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND");
  Response resp = Info("Bearer " + token);
  BOOST_TEST(resp.status() == 401);
  BOOST_TEST(site_test::JsonOf(resp).value("message", "") == "Token has expired");
}

BOOST_AUTO_TEST_CASE(a_content_managers_token_is_403_naming_whose) {
  int64_t carl = AddPerson("Carl", "Cm", "carl", Access::kContentManager, "carl@example.com");
  Response resp = Info("Bearer " + Token(carl));
  BOOST_TEST(resp.status() == 403);
  nlohmann::json j = site_test::JsonOf(resp);
  BOOST_TEST(j.value("message", "") == "Admin access required");
  BOOST_TEST(j["person"].value("username", "") == "carl");
  BOOST_TEST(Contains(resp.Header("WWW-Authenticate"), "insufficient_scope"));
  BOOST_TEST(resp.Header(site::kTokenExpirationHeader) != "");
}

BOOST_AUTO_TEST_CASE(post_is_405) {
  Response resp = Info("Bearer x", "POST");
  BOOST_TEST(resp.status() == 405);
  BOOST_TEST(resp.Header("Allow") == "GET, HEAD");
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM bearer_auth_failures") == 0);  // not even counted
}

BOOST_AUTO_TEST_CASE(a_token_expiring_soon_says_so_in_the_message_and_a_header) {
  int64_t ada = AddPerson("Ada", "Lovelace", "ada", Access::kAdmin, "ada@example.com");
  std::string token = Token(ada);
  Response fresh = Info("Bearer " + token);
  BOOST_TEST(site_test::JsonOf(fresh).value("message", "") == "Token is valid");
  BOOST_TEST(site_test::JsonOf(fresh)["token"].value("expires_soon", true) == false);
  BOOST_TEST(fresh.Header(site::kTokenExpiryWarningHeader) == "");
  Exec("UPDATE bearer_tokens SET expires_at = UTC_TIMESTAMP() + INTERVAL 12 DAY - INTERVAL 1 HOUR");
  Response soon = Info("Bearer " + token);
  BOOST_TEST_REQUIRE(soon.status() == 200);
  nlohmann::json j = site_test::JsonOf(soon);
  std::string day = j["token"].value("expires_at", "").substr(0, 10);
  std::string warning =
      "this token expires on " + day + ", in 12 days: create a new one on your record";
  BOOST_TEST(j.value("message", "") == "Token is valid; " + warning);
  BOOST_TEST(j["token"].value("expires_soon", false) == true);
  BOOST_TEST(soon.Header(site::kTokenExpiryWarningHeader) == warning);
}

BOOST_AUTO_TEST_SUITE_END()
