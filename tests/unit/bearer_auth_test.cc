#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <ctime>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bearer_auth.h"
#include "bearer_token.h"
#include "crypto.h"
#include "db.h"
#include "people.h"
#include "request.h"
#include "response.h"
#include "scratch_db.h"
#include "test_util.h"
#include "token_store.h"

using site::Access;
using site::BearerHeader;
using site::BearerIdentity;
using site::Request;
using site::Response;
using site::Status;


namespace {

const char kSecret[] = "unit-test-token-secret";
const char kAddressA[] = "198.51.100.10";
const char kAddressB[] = "203.0.113.20";


std::string NewToken() {
  std::string token;
  Status s = site::NewBearerToken(&token);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST_REQUIRE(site::IsWellFormedBearerToken(token), token);
  return token;
}

std::time_t Utc(const std::string& text) {
  std::time_t t = 0;
  BOOST_TEST_REQUIRE(site::ParseUtc(text, &t), "cannot parse '" << text << "'");
  return t;
}

// A GET from `address`, with an Authorization header when `header` is set.
Request ApiRequest(const std::optional<std::string>& header, const std::string& address = kAddressA) {
  Request::Environment env = {{"REQUEST_METHOD", "GET"},
                              {"REMOTE_ADDR", address},
                              {"REQUEST_URI", "/api/people"}};
  if (header) env["HTTP_AUTHORIZATION"] = *header;
  return Request(env, "");
}

// A scratch database with an Admin who hands out tokens, and a test secret.
struct AuthDb : site_test::MigratedDb {
  AuthDb() {
    config().token_secret = kSecret;
    admin = AddPerson("Ada", "Lovelace", "ada", Access::kAdmin, "ada@example.com");
  }

  site::NewToken Create(int64_t person, const std::string& secret = kSecret) {
    site::NewToken t;
    Status s = site::CreateBearerToken(db(), secret, person, admin, "192.0.2.1", &t);
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    BOOST_TEST_REQUIRE(site::IsWellFormedBearerToken(t.token), t.token);
    return t;
  }

  Status Auth(const std::optional<std::string>& header, BearerIdentity* who = nullptr,
              const std::string& address = kAddressA) {
    BearerIdentity local;
    return site::AuthenticateBearer(db(), config(), ApiRequest(header, address),
                                    who ? who : &local);
  }

  Status AuthToken(const std::string& token, BearerIdentity* who = nullptr,
                   const std::string& address = kAddressA) {
    return Auth("Bearer " + token, who, address);
  }

  int64_t Failures(const std::string& address) {
    return QueryInt("SELECT COUNT(*) FROM bearer_auth_failures WHERE client_address = ?",
                    {address});
  }

  int64_t admin = 0;
};

void CheckUnauthorized(const Status& s, const char* message) {
  BOOST_TEST(s.code() == Status::Code::kUnauthorized, s.ToString());
  BOOST_TEST(s.message() == message);
}

// The JSON body of an API error response, parsed.
nlohmann::json JsonBody(const Response& resp) {
  nlohmann::json j = nlohmann::json::parse(resp.body(), nullptr, false);
  BOOST_TEST(!j.is_discarded(), "not JSON: " << resp.body());
  return j;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(bearer_auth_test)

// ---------------------------------------------------------------------------
// AuthenticateBearer

BOOST_FIXTURE_TEST_CASE(without_a_usable_header_authentication_is_required, AuthDb, NEEDS_DB) {
  const std::string token = Create(admin).token;
  const std::optional<std::string> absent[] = {std::nullopt, std::string(""), std::string("  "),
                                               std::string("Basic dXNlcjpwYXNz")};
  for (const auto& header : absent) {
    BOOST_TEST_CONTEXT("'" << header.value_or("<none>") << "'") {
      CheckUnauthorized(Auth(header), site::kAuthRequiredMessage);
    }
  }
  BOOST_TEST(Failures(kAddressA) == 0);  // no header is not a failed attempt

  const std::string malformed[] = {"Bearer", "Bearer ", "Bearer garbage",
                                   "Bearer " + token.substr(0, token.size() - 1),
                                   "Bearer " + token + " " + token};
  for (const std::string& header : malformed) {
    BOOST_TEST_CONTEXT("'" << header << "'") {
      CheckUnauthorized(Auth(header), site::kAuthRequiredMessage);
    }
  }
  // The real token still works afterwards (5 failures are under the default limit).
  BOOST_TEST(AuthToken(token).ok());
}

BOOST_FIXTURE_TEST_CASE(valid_token_identifies_the_person, AuthDb, NEEDS_DB) {
  int64_t ann = AddPerson("Ann", "Lee", "ann", Access::kAdmin, "ann@example.com");
  site::NewToken created = Create(ann);
  BearerIdentity who;
  Status s = AuthToken(created.token, &who);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(who.person_id == ann);
  BOOST_TEST(who.username == "ann");
  BOOST_TEST(who.display_name == "Ann Lee");
  BOOST_TEST(who.access == Access::kAdmin);
  BOOST_TEST(who.hint == created.hint);
  BOOST_TEST(who.hint == site::BearerTokenHint(created.token));
  BOOST_TEST(who.created_at == created.created_at);
  BOOST_TEST(who.expires_at == created.expires_at);
  // A fresh token has a year left: 365 days (366 across a 29 February).
  std::time_t year = Utc(created.expires_at) - Utc(created.created_at);
  BOOST_TEST(who.days_left == year / 86400);
  BOOST_TEST((who.days_left == 365 || who.days_left == 366), who.days_left);

  // Any accepted spelling of the header works the same.
  for (const std::string& header : {"bearer " + created.token, " BEARER\t" + created.token + " "}) {
    BearerIdentity again;
    BOOST_TEST(Auth(header, &again).ok(), header);
    BOOST_TEST(again.person_id == ann);
  }
  BOOST_TEST(Failures(kAddressA) == 0);

  Response resp;
  site::SetTokenExpirationHeader(who, &resp);
  BOOST_TEST(resp.Header(site::kTokenExpirationHeader) == created.expires_at + " UTC");
}

BOOST_FIXTURE_TEST_CASE(days_left_counts_part_days, AuthDb, NEEDS_DB) {
  const std::string token = Create(admin).token;
  struct Case {
    const char* expires;
    int64_t days_left;
  };
  const Case cases[] = {
      {"UTC_TIMESTAMP() + INTERVAL 1 HOUR", 1},
      {"UTC_TIMESTAMP() + INTERVAL 2 DAY", 2},
      {"UTC_TIMESTAMP() + INTERVAL 2 DAY + INTERVAL 1 HOUR", 3},
      {"UTC_TIMESTAMP() + INTERVAL 30 DAY - INTERVAL 1 HOUR", 30},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.expires) {
      Exec(std::string("UPDATE bearer_tokens SET expires_at = ") + c.expires);
      BearerIdentity who;
      Status s = AuthToken(token, &who);
      BOOST_TEST_REQUIRE(s.ok(), s.ToString());
      BOOST_TEST(who.days_left == c.days_left);
    }
  }
}

BOOST_FIXTURE_TEST_CASE(unknown_token_is_invalid, AuthDb, NEEDS_DB) {
  Create(admin);
  CheckUnauthorized(AuthToken(NewToken()), site::kTokenInvalidMessage);
  BOOST_TEST(Failures(kAddressA) == 1);
}

BOOST_FIXTURE_TEST_CASE(replaced_token_is_invalid, AuthDb, NEEDS_DB) {
  site::NewToken first = Create(admin);
  BOOST_TEST_REQUIRE(AuthToken(first.token).ok());
  site::NewToken second = Create(admin);
  BOOST_TEST(second.replaced);
  CheckUnauthorized(AuthToken(first.token), site::kTokenInvalidMessage);
  BearerIdentity who;
  Status s = AuthToken(second.token, &who);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(who.person_id == admin);
  BOOST_TEST(who.hint == second.hint);
}

BOOST_FIXTURE_TEST_CASE(revoked_token_is_invalid, AuthDb, NEEDS_DB) {
  site::NewToken t = Create(admin);
  BOOST_TEST_REQUIRE(AuthToken(t.token).ok());
  bool revoked = false;
  Status s = site::RevokeBearerToken(db(), admin, admin, "192.0.2.1", &revoked);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(revoked);
  CheckUnauthorized(AuthToken(t.token), site::kTokenInvalidMessage);
}

BOOST_FIXTURE_TEST_CASE(deactivating_the_person_ends_the_token, AuthDb, NEEDS_DB) {
  int64_t ann = AddPerson("Ann", "Lee", "ann", Access::kAdmin, "ann@example.com");
  site::NewToken t = Create(ann);
  BOOST_TEST_REQUIRE(AuthToken(t.token).ok());

  site::Person p;
  BOOST_TEST_REQUIRE(site::GetPerson(db(), ann, &p).ok());
  p.active = false;
  site::FieldErrors errors;
  Status s = site::UpdatePerson(db(), p, "", &errors, admin, "203.0.113.5");
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());

  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM bearer_tokens WHERE person_id = ?", {ann}) == 0);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM bearer_token_events WHERE person_id = ? AND "
                      "event = 'ended' AND actor_id = ? AND client_address = '203.0.113.5' "
                      "AND hint = ?",
                      {ann, admin, t.hint}) == 1);
  CheckUnauthorized(AuthToken(t.token), site::kTokenInvalidMessage);

  // Reactivating does not bring the old token back.
  p.active = true;
  BOOST_TEST_REQUIRE(site::UpdatePerson(db(), p, "", &errors, admin, "203.0.113.5").ok());
  CheckUnauthorized(AuthToken(t.token), site::kTokenInvalidMessage);
}

BOOST_FIXTURE_TEST_CASE(person_made_inactive_behind_the_tokens_back, AuthDb, NEEDS_DB) {
  int64_t ann = AddPerson("Ann", "Lee", "ann", Access::kAdmin, "ann@example.com");
  site::NewToken t = Create(ann);
  BOOST_TEST_REQUIRE(AuthToken(t.token).ok());
  // Not through UpdatePerson: the row stays, but the person is read at each request.
  Exec("UPDATE people SET active = 0 WHERE id = ?", {ann});
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM bearer_tokens WHERE person_id = ?", {ann}) == 1);
  CheckUnauthorized(AuthToken(t.token), site::kTokenInvalidMessage);
  Exec("UPDATE people SET active = 1 WHERE id = ?", {ann});
  BOOST_TEST(AuthToken(t.token).ok());
  // A deleted person's token goes with them.
  Exec("DELETE FROM people WHERE id = ?", {ann});
  CheckUnauthorized(AuthToken(t.token), site::kTokenInvalidMessage);
}

BOOST_FIXTURE_TEST_CASE(expired_token, AuthDb, NEEDS_DB) {
  site::NewToken t = Create(admin);
  Exec("UPDATE bearer_tokens SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND");
  CheckUnauthorized(AuthToken(t.token), site::kTokenExpiredMessage);
  Exec("UPDATE bearer_tokens SET expires_at = UTC_TIMESTAMP() - INTERVAL 400 DAY");
  CheckUnauthorized(AuthToken(t.token), site::kTokenExpiredMessage);
  // An expired token is a known one: not counted as a guess.
  BOOST_TEST(Failures(kAddressA) == 0);
  // A new token works again.
  BOOST_TEST(AuthToken(Create(admin).token).ok());
}

BOOST_FIXTURE_TEST_CASE(access_is_read_at_each_request, AuthDb, NEEDS_DB) {
  int64_t ann = AddPerson("Ann", "Lee", "ann", Access::kAdmin, "ann@example.com");
  site::NewToken t = Create(ann);
  Request req = ApiRequest("Bearer " + t.token);

  BearerIdentity who;
  BOOST_TEST_REQUIRE(AuthToken(t.token, &who).ok());
  BOOST_TEST(who.access == Access::kAdmin);
  Response ok;
  BOOST_TEST(site::RequireAdminOrReply(who, req, &ok));
  BOOST_TEST(ok.status() == 200);
  BOOST_TEST(ok.Header("WWW-Authenticate") == "");

  // Demoted through the normal path: the token survives, the access does not.
  site::Person p;
  BOOST_TEST_REQUIRE(site::GetPerson(db(), ann, &p).ok());
  p.access = Access::kContentManager;
  site::FieldErrors errors;
  Status s = site::UpdatePerson(db(), p, "", &errors, admin, "192.0.2.1");
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());

  BearerIdentity demoted;
  s = AuthToken(t.token, &demoted);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(demoted.access == Access::kContentManager);
  Response resp;
  BOOST_TEST(!site::RequireAdminOrReply(demoted, req, &resp));
  BOOST_TEST(resp.status() == 403);
  BOOST_TEST(resp.body().find(site::kAdminRequiredMessage) != std::string::npos, resp.body());
  BOOST_TEST(resp.Header("Content-Type").rfind("application/json", 0) == 0u);
  std::string challenge = resp.Header("WWW-Authenticate");
  BOOST_TEST(challenge.rfind("Bearer realm=\"site\"", 0) == 0u, challenge);
  BOOST_TEST(challenge.find("error=\"insufficient_scope\"") != std::string::npos, challenge);
  nlohmann::json j = JsonBody(resp);
  BOOST_TEST(j.value("message", "") == site::kAdminRequiredMessage);

  // And promoted back by SQL: shows at once.
  Exec("UPDATE people SET access = 'admin' WHERE id = ?", {ann});
  BearerIdentity again;
  BOOST_TEST_REQUIRE(AuthToken(t.token, &again).ok());
  BOOST_TEST(again.access == Access::kAdmin);
}

BOOST_AUTO_TEST_CASE(require_admin_or_reply_by_access) {
  struct Case {
    Access access;
    bool allowed;
  };
  const Case cases[] = {
      {Access::kAdmin, true}, {Access::kContentManager, false}, {Access::kNone, false}};
  Request req = ApiRequest(std::string("Bearer x"));
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.access) {
      BearerIdentity who;
      who.person_id = 7;
      who.username = "ann";
      who.access = c.access;
      Response resp;
      BOOST_TEST(site::RequireAdminOrReply(who, req, &resp) == c.allowed);
      if (c.allowed) {
        BOOST_TEST(resp.status() == 200);
        BOOST_TEST(resp.body() == "");
      } else {
        BOOST_TEST(resp.status() == 403);
        BOOST_TEST(resp.body().find("Admin access required") != std::string::npos);
        BOOST_TEST(resp.Header("WWW-Authenticate").find("insufficient_scope") != std::string::npos);
        BOOST_TEST(resp.Header("Cache-Control") == "no-store");
      }
    }
  }
}

BOOST_FIXTURE_TEST_CASE(token_secret_matters, AuthDb, NEEDS_DB) {
  int64_t ann = AddPerson("Ann", "Lee", "ann", Access::kAdmin, "ann@example.com");
  config().token_secret = "secret-A";
  site::NewToken t = Create(ann, "secret-A");
  BOOST_TEST(AuthToken(t.token).ok());

  config().token_secret = "secret-B";
  CheckUnauthorized(AuthToken(t.token), site::kTokenInvalidMessage);
  config().token_secret = "";
  CheckUnauthorized(AuthToken(t.token), site::kTokenInvalidMessage);

  config().token_secret = "secret-A";
  BOOST_TEST(AuthToken(t.token).ok());

  // Without a secret, tokens are stored and found by plain SHA-256.
  int64_t bob = AddPerson("Bob", "Ray", "bob", Access::kAdmin, "bob@example.com");
  config().token_secret = "";
  site::NewToken plain = Create(bob, "");
  BOOST_TEST(QueryStr("SELECT token_digest FROM bearer_tokens WHERE person_id = ?", {bob}) ==
             site::Sha256Hex(plain.token));
  BOOST_TEST(AuthToken(plain.token).ok());
}

BOOST_FIXTURE_TEST_CASE(last_use_is_recorded_at_most_once_a_minute, AuthDb, NEEDS_DB) {
  site::NewToken t = Create(admin);
  const std::string used =
      "SELECT DATE_FORMAT(last_used_at, '%Y-%m-%d %H:%i:%s') FROM bearer_tokens WHERE person_id = ?";
  const std::string address = "SELECT last_used_address FROM bearer_tokens WHERE person_id = ?";
  BOOST_TEST(QueryInt("SELECT last_used_at IS NULL FROM bearer_tokens WHERE person_id = ?",
                      {admin}) == 1);

  // First use: recorded.
  BOOST_TEST_REQUIRE(AuthToken(t.token, nullptr, kAddressA).ok());
  BOOST_TEST(QueryInt("SELECT last_used_at IS NOT NULL FROM bearer_tokens WHERE person_id = ?",
                      {admin}) == 1);
  BOOST_TEST(QueryStr(address, {admin}) == kAddressA);

  // Used 30 seconds ago: not written again, not even the address.
  Exec("UPDATE bearer_tokens SET last_used_at = UTC_TIMESTAMP() - INTERVAL 30 SECOND");
  const std::string thirty = QueryStr(used, {admin});
  BOOST_TEST_REQUIRE(AuthToken(t.token, nullptr, kAddressB).ok());
  BOOST_TEST(QueryStr(used, {admin}) == thirty);
  BOOST_TEST(QueryStr(address, {admin}) == kAddressA);

  // Used 2 minutes ago: written again, with the new address.
  Exec("UPDATE bearer_tokens SET last_used_at = UTC_TIMESTAMP() - INTERVAL 2 MINUTE");
  const std::string two = QueryStr(used, {admin});
  BOOST_TEST_REQUIRE(AuthToken(t.token, nullptr, kAddressB).ok());
  const std::string after = QueryStr(used, {admin});
  BOOST_TEST(after != two);
  BOOST_TEST(after > two, after << " should be later than " << two);
  BOOST_TEST(QueryStr(address, {admin}) == kAddressB);

  // Only this token's row was touched.
  int64_t bob = AddPerson("Bob", "Ray", "bob", Access::kAdmin, "bob@example.com");
  Create(bob);
  BOOST_TEST_REQUIRE(AuthToken(Create(admin).token).ok());
  BOOST_TEST(QueryInt("SELECT last_used_at IS NULL FROM bearer_tokens WHERE person_id = ?",
                      {bob}) == 1);
}

// bearer_auth.h: TooManyRequests comes "instead of Unauthorized, once this
// address has presented too many malformed or unknown tokens lately": the
// guesses are refused, a valid token from the same address still works.
// A failure prunes the throttle's lock rows of addresses not seen for a day,
// as a sign-in failure does: only bearer failures must not grow the table.
BOOST_FIXTURE_TEST_CASE(a_failure_prunes_stale_throttle_locks, AuthDb, NEEDS_DB) {
  Exec("INSERT INTO throttle_locks (throttle, client_address, touched_at) VALUES "
       "('bearer', '192.0.2.99', UTC_TIMESTAMP(6) - INTERVAL 2 DAY)");
  CheckUnauthorized(AuthToken(NewToken(), nullptr, kAddressA), site::kTokenInvalidMessage);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM throttle_locks WHERE client_address = '192.0.2.99'") == 0);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM throttle_locks WHERE client_address = ?",
                      {std::string(kAddressA)}) == 1);
}

BOOST_FIXTURE_TEST_CASE(too_many_failures_from_one_address, AuthDb, NEEDS_DB) {
  config().bearer_max_failures = 3;
  config().bearer_failure_window_minutes = 10;
  const std::string valid = Create(admin).token;

  for (int i = 1; i <= 3; ++i) {
    BOOST_TEST_CONTEXT("unknown token #" << i) {
      CheckUnauthorized(AuthToken(NewToken(), nullptr, kAddressA), site::kTokenInvalidMessage);
    }
  }
  BOOST_TEST(Failures(kAddressA) == 3);
  Status s = AuthToken(NewToken(), nullptr, kAddressA);
  BOOST_TEST(s.code() == Status::Code::kTooManyRequests, s.ToString());
  BOOST_TEST(!s.message().empty());
  // A malformed one is refused the same way...
  s = Auth(std::string("Bearer garbage"), nullptr, kAddressA);
  BOOST_TEST(s.code() == Status::Code::kTooManyRequests, s.ToString());
  // ...but the valid token is not blocked behind the guesses.
  BearerIdentity who;
  s = AuthToken(valid, &who, kAddressA);
  BOOST_TEST(s.ok(), s.ToString());
  BOOST_TEST(who.person_id == admin);
  // No header at all is not a guess: still 401, not 429.
  CheckUnauthorized(Auth(std::nullopt, nullptr, kAddressA), site::kAuthRequiredMessage);

  // Another address is unaffected.
  BOOST_TEST(AuthToken(valid, nullptr, kAddressB).ok());
  CheckUnauthorized(AuthToken(NewToken(), nullptr, kAddressB), site::kTokenInvalidMessage);
  CheckUnauthorized(Auth(std::string("Bearer garbage"), nullptr, kAddressB),
                    site::kAuthRequiredMessage);

  // Failures still inside the window count...
  Exec("UPDATE bearer_auth_failures SET failed_at = UTC_TIMESTAMP(6) - INTERVAL 9 MINUTE "
       "WHERE client_address = ?",
       {std::string(kAddressA)});
  s = AuthToken(NewToken(), nullptr, kAddressA);
  BOOST_TEST(s.code() == Status::Code::kTooManyRequests, s.ToString());
  // ...those older than the window do not.
  Exec("UPDATE bearer_auth_failures SET failed_at = UTC_TIMESTAMP(6) - INTERVAL 11 MINUTE "
       "WHERE client_address = ?",
       {std::string(kAddressA)});
  CheckUnauthorized(AuthToken(NewToken(), nullptr, kAddressA), site::kTokenInvalidMessage);
  BOOST_TEST(AuthToken(valid, nullptr, kAddressA).ok());
}

BOOST_FIXTURE_TEST_CASE(malformed_tokens_count_as_failures, AuthDb, NEEDS_DB) {
  config().bearer_max_failures = 2;
  const std::string valid = Create(admin).token;
  CheckUnauthorized(Auth(std::string("Bearer nonsense"), nullptr, kAddressA),
                    site::kAuthRequiredMessage);
  CheckUnauthorized(Auth("Bearer " + valid.substr(1), nullptr, kAddressA),
                    site::kAuthRequiredMessage);
  BOOST_TEST(Failures(kAddressA) == 2);
  // Two malformed ones used up the allowance for unknown ones too.
  Status s = AuthToken(NewToken(), nullptr, kAddressA);
  BOOST_TEST(s.code() == Status::Code::kTooManyRequests, s.ToString());
  BOOST_TEST(AuthToken(valid, nullptr, kAddressA).ok());
  // Requests with no header at all are not attempts and are not refused.
  for (int i = 0; i < 3; ++i) {
    CheckUnauthorized(Auth(std::nullopt, nullptr, kAddressB), site::kAuthRequiredMessage);
  }
  BOOST_TEST(Failures(kAddressB) == 0);
  CheckUnauthorized(AuthToken(NewToken(), nullptr, kAddressB), site::kTokenInvalidMessage);
}

BOOST_FIXTURE_TEST_CASE(unreachable_database_is_unavailable, AuthDb, NEEDS_DB) {
  const std::string token = Create(admin).token;
  site::DbOptions bogus = Options(false);
  bogus.socket = "/nonexistent/dir/mysqld.sock";
  bogus.connect_timeout_seconds = 1;
  site::Db down(bogus);
  BearerIdentity who;
  // Never connected...
  Status s = site::AuthenticateBearer(&down, config(), ApiRequest("Bearer " + token), &who);
  BOOST_TEST(s.code() == Status::Code::kUnavailable, s.ToString());
  // ...and after a failed attempt to connect.
  BOOST_TEST(down.EnsureConnected().code() == Status::Code::kUnavailable);
  s = site::AuthenticateBearer(&down, config(), ApiRequest("Bearer " + token), &who);
  BOOST_TEST(s.code() == Status::Code::kUnavailable, s.ToString());
  // The real database still answers.
  BOOST_TEST(AuthToken(token).ok());
}

// Less than kTokenExpiryWarningDays left: said in the identity, the warning
// and the header; 30 days or more: none of them.
BOOST_FIXTURE_TEST_CASE(a_token_expiring_soon_says_so, AuthDb, NEEDS_DB) {
  site::NewToken t = Create(admin);
  struct Case {
    std::string interval;  // expires_at = now + this
    bool soon;
    int64_t days;
    std::string warning;
  };
  const Case cases[] = {
      {"365 DAY", false, 365, ""},
      {"30 DAY + INTERVAL 1 MINUTE", false, 31, ""},
      {"29 DAY + INTERVAL 23 HOUR", true, 30, "in 30 days"},
      {"12 DAY - INTERVAL 1 HOUR", true, 12, "in 12 days"},
      {"2 HOUR", true, 1, "in 1 day:"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.interval) {
      Exec("UPDATE bearer_tokens SET expires_at = UTC_TIMESTAMP() + INTERVAL " + c.interval);
      BearerIdentity who;
      Status s = Auth("Bearer " + t.token, &who);
      BOOST_TEST_REQUIRE(s.ok(), s.ToString());
      BOOST_TEST(who.expires_soon == c.soon);
      BOOST_TEST(who.days_left == c.days);
      std::string warning = site::TokenExpiryWarning(who);
      Response resp;
      site::SetTokenExpirationHeader(who, &resp);
      if (c.soon) {
        BOOST_TEST(warning == "this token expires on " + who.expires_at.substr(0, 10) + ", " +
                                  c.warning.substr(0, c.warning.find(':')) +
                                  ": create a new one on your record");
        BOOST_TEST(resp.Header(site::kTokenExpiryWarningHeader) == warning);
      } else {
        BOOST_TEST(warning.empty());
        BOOST_TEST(resp.Header(site::kTokenExpiryWarningHeader).empty());
      }
      BOOST_TEST(resp.Header(site::kTokenExpirationHeader) == who.expires_at + " UTC");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
