#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <ctime>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bearer_auth.h"
#include "bearer_token.h"
#include "crypto.h"
#include "db.h"
#include "people.h"
#include "request.h"
#include "scratch_db.h"
#include "test_util.h"
#include "token_store.h"

using site::Access;
using site::NewToken;
using site::Status;
using site::TokenEvent;
using site::TokenStatus;

namespace {

const char kSecret[] = "unit-test-token-secret";
const char kAdminAddress[] = "192.0.2.44";

std::time_t Utc(const std::string& text) {
  std::time_t t = 0;
  BOOST_TEST_REQUIRE(site::ParseUtc(text, &t), "cannot parse '" << text << "'");
  return t;
}

// A scratch database with an Admin (the actor) and a person who gets tokens.
struct StoreDb : site_test::MigratedDb {
  StoreDb() {
    config().token_secret = kSecret;
    admin = AddPerson("Ada", "Lovelace", "ada", Access::kAdmin, "ada@example.com");
    person = AddPerson("Pat", "Kim", "pat", Access::kContentManager, "pat@example.com");
  }

  NewToken Create(int64_t who, int64_t actor, const std::string& address = kAdminAddress) {
    NewToken t;
    Status s = site::CreateBearerToken(db(), kSecret, who, actor, address, &t);
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    return t;
  }

  TokenStatus StatusOf(int64_t who) {
    TokenStatus st;
    st.exists = true;  // must be reset when there is no token
    st.hint = "left over";
    Status s = site::GetTokenStatus(db(), who, &st);
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    return st;
  }

  std::vector<TokenEvent> Events(int64_t who, int limit = 100) {
    std::vector<TokenEvent> events(1);  // must be cleared
    Status s = site::ListTokenEvents(db(), who, limit, &events);
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    return events;
  }

  Status Authenticate(site::Db* conn, const std::string& token, const std::string& address) {
    site::Request req({{"REQUEST_METHOD", "GET"},
                       {"REMOTE_ADDR", address},
                       {"HTTP_AUTHORIZATION", "Bearer " + token}},
                      "");
    site::BearerIdentity who;
    return site::AuthenticateBearer(conn, config(), req, &who);
  }

  int64_t Rows(int64_t who) {
    return QueryInt("SELECT COUNT(*) FROM bearer_tokens WHERE person_id = ?", {who});
  }

  int64_t admin = 0;
  int64_t person = 0;
};

std::string EventNames(const std::vector<TokenEvent>& events) {
  std::string s;
  for (const TokenEvent& e : events) s += (s.empty() ? "" : ",") + e.event;
  return s;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(token_store_test, StoreDb, NEEDS_DB)

BOOST_AUTO_TEST_CASE(unknown_person_is_not_found) {
  for (int64_t id : {int64_t{999999}, int64_t{0}, int64_t{-1}}) {
    BOOST_TEST_CONTEXT("person " << id) {
      NewToken t;
      Status s = site::CreateBearerToken(db(), kSecret, id, admin, kAdminAddress, &t);
      BOOST_TEST(s.code() == Status::Code::kNotFound, s.ToString());
      BOOST_TEST(t.token.empty());
    }
  }
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM bearer_tokens") == 0);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM bearer_token_events") == 0);
}

BOOST_AUTO_TEST_CASE(inactive_person_is_a_conflict) {
  int64_t gone = AddPerson("Old", "Timer", "old", Access::kAdmin, "old@example.com", false);
  NewToken t;
  Status s = site::CreateBearerToken(db(), kSecret, gone, admin, kAdminAddress, &t);
  BOOST_TEST(s.code() == Status::Code::kConflict, s.ToString());
  BOOST_TEST(!s.message().empty());
  BOOST_TEST(t.token.empty());
  BOOST_TEST(Rows(gone) == 0);
  BOOST_TEST(Events(gone).empty());
  // The transaction was rolled back: the connection works normally after it.
  BOOST_TEST(Create(person, admin).token.size() == site::kTokenLength);
}

BOOST_AUTO_TEST_CASE(create_then_replace) {
  NewToken first = Create(person, admin);
  BOOST_TEST(!first.replaced);
  BOOST_TEST(site::IsWellFormedBearerToken(first.token), first.token);
  BOOST_TEST(first.hint == site::BearerTokenHint(first.token));
  BOOST_TEST(Rows(person) == 1);
  BOOST_TEST(QueryStr("SELECT token_digest FROM bearer_tokens WHERE person_id = ?", {person}) ==
             site::BearerTokenDigest(first.token, kSecret));

  NewToken second = Create(person, admin);
  BOOST_TEST(second.replaced);
  BOOST_TEST(second.token != first.token);
  BOOST_TEST(Rows(person) == 1);
  BOOST_TEST(QueryStr("SELECT token_digest FROM bearer_tokens WHERE person_id = ?", {person}) ==
             site::BearerTokenDigest(second.token, kSecret));
  BOOST_TEST(QueryStr("SELECT hint FROM bearer_tokens WHERE person_id = ?", {person}) ==
             second.hint);

  // Another person's first token is not a replacement.
  NewToken admins = Create(admin, admin);
  BOOST_TEST(!admins.replaced);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM bearer_tokens") == 2);
}

BOOST_AUTO_TEST_CASE(expires_one_year_after_creation) {
  NewToken t = Create(person, admin);
  BOOST_TEST(site::FormatUtc(site::BearerTokenExpiry(Utc(t.created_at))) == t.expires_at);
  std::time_t days = (Utc(t.expires_at) - Utc(t.created_at)) / 86400;
  BOOST_TEST((days == 365 || days == 366), days);
  BOOST_TEST(t.expires_at.substr(4) == t.created_at.substr(4));  // unless created on 29 Feb
  // What was returned is what was stored, and the database agrees on "one year".
  BOOST_TEST(QueryStr("SELECT DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s') FROM bearer_tokens "
                      "WHERE person_id = ?",
                      {person}) == t.created_at);
  BOOST_TEST(QueryStr("SELECT DATE_FORMAT(expires_at, '%Y-%m-%d %H:%i:%s') FROM bearer_tokens "
                      "WHERE person_id = ?",
                      {person}) == t.expires_at);
  BOOST_TEST(QueryInt("SELECT expires_at = created_at + INTERVAL 1 YEAR FROM bearer_tokens "
                      "WHERE person_id = ?",
                      {person}) == 1);
  BOOST_TEST(QueryInt("SELECT created_by FROM bearer_tokens WHERE person_id = ?", {person}) ==
             admin);
}

BOOST_AUTO_TEST_CASE(token_status) {
  TokenStatus none = StatusOf(person);
  BOOST_TEST(!none.exists);
  BOOST_TEST(!none.expired);
  BOOST_TEST(none.hint.empty());

  NewToken t = Create(person, admin);
  TokenStatus active = StatusOf(person);
  BOOST_TEST(active.exists);
  BOOST_TEST(!active.expired);
  BOOST_TEST(active.hint == t.hint);
  BOOST_TEST(active.created_at == t.created_at);
  BOOST_TEST(active.expires_at == t.expires_at);
  BOOST_TEST(active.last_used_at == "");
  BOOST_TEST(active.last_used_address == "");

  BOOST_TEST_REQUIRE(Authenticate(db(), t.token, "198.51.100.77").ok());
  TokenStatus used = StatusOf(person);
  BOOST_TEST(used.last_used_at != "");
  BOOST_TEST(used.last_used_at >= used.created_at);
  BOOST_TEST(used.last_used_address == "198.51.100.77");

  Exec("UPDATE bearer_tokens SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND "
       "WHERE person_id = ?",
       {person});
  TokenStatus expired = StatusOf(person);
  BOOST_TEST(expired.exists);
  BOOST_TEST(expired.expired);
  BOOST_TEST(expired.hint == t.hint);

  // Someone else's status is unaffected.
  BOOST_TEST(!StatusOf(admin).exists);
}

BOOST_AUTO_TEST_CASE(find_token_by_digest) {
  NewToken t = Create(person, admin);
  const std::string digest = site::BearerTokenDigest(t.token, kSecret);
  bool found = false;
  site::StoredToken got;
  BOOST_TEST_REQUIRE(site::FindTokenByDigest(db(), digest, &found, &got).ok());
  BOOST_TEST_REQUIRE(found);
  BOOST_TEST(got.person_id == person);
  BOOST_TEST(got.hint == t.hint);
  BOOST_TEST(got.created_at == t.created_at);
  BOOST_TEST(got.expires_at == t.expires_at);
  BOOST_TEST(!got.expired);
  BOOST_TEST(got.seconds_left > 364 * 86400);
  BOOST_TEST(got.use_due);  // never used
  BOOST_TEST(got.username == "pat");
  BOOST_TEST(got.first_name == "Pat");
  BOOST_TEST(got.last_name == "Kim");
  BOOST_TEST(got.access == Access::kContentManager);
  BOOST_TEST(got.person_active);

  // The person as they are now, not as when the token was made.
  Exec("UPDATE people SET active = 0, access = 'admin' WHERE id = ?", {person});
  BOOST_TEST_REQUIRE(site::FindTokenByDigest(db(), digest, &found, &got).ok());
  BOOST_TEST_REQUIRE(found);
  BOOST_TEST(!got.person_active);
  BOOST_TEST(got.access == Access::kAdmin);

  Exec("UPDATE bearer_tokens SET expires_at = UTC_TIMESTAMP() - INTERVAL 10 SECOND, "
       "last_used_at = UTC_TIMESTAMP() - INTERVAL 30 SECOND WHERE person_id = ?",
       {person});
  BOOST_TEST_REQUIRE(site::FindTokenByDigest(db(), digest, &found, &got).ok());
  BOOST_TEST(got.expired);
  BOOST_TEST(got.seconds_left <= -10);
  BOOST_TEST(!got.use_due);  // used within the last minute
  Exec("UPDATE bearer_tokens SET last_used_at = UTC_TIMESTAMP() - INTERVAL 61 SECOND");
  BOOST_TEST_REQUIRE(site::FindTokenByDigest(db(), digest, &found, &got).ok());
  BOOST_TEST(got.use_due);

  // An unknown digest (a replaced token's, or the token itself) is not found
  // and leaves *out alone.
  got.hint = "untouched";
  for (const std::string& unknown : {t.token, site::BearerTokenDigest(t.token, "other secret")}) {
    found = true;
    BOOST_TEST_REQUIRE(site::FindTokenByDigest(db(), unknown, &found, &got).ok());
    BOOST_TEST(!found);
    BOOST_TEST(got.hint == "untouched");
  }
}

BOOST_AUTO_TEST_CASE(record_token_use) {
  NewToken t = Create(person, admin);
  NewToken other = Create(admin, admin);
  const std::string digest = site::BearerTokenDigest(t.token, kSecret);
  BOOST_TEST_REQUIRE(site::RecordTokenUse(db(), digest, "203.0.113.9").ok());
  TokenStatus used = StatusOf(person);
  BOOST_TEST(used.last_used_address == "203.0.113.9");
  BOOST_TEST(used.last_used_at >= used.created_at);
  BOOST_TEST(StatusOf(admin).last_used_at == "");  // only that token's row

  // A token replaced meanwhile does not inherit the old one's use; a digest
  // that matches nothing is no error.
  NewToken replacement = Create(person, admin);
  BOOST_TEST_REQUIRE(site::RecordTokenUse(db(), digest, "203.0.113.10").ok());
  BOOST_TEST(StatusOf(person).last_used_at == "");
  BOOST_TEST(StatusOf(person).hint == replacement.hint);
  BOOST_TEST(StatusOf(admin).last_used_at == "");
}

BOOST_AUTO_TEST_CASE(revoke) {
  NewToken t = Create(person, admin);
  bool revoked = false;
  Status s = site::RevokeBearerToken(db(), person, admin, kAdminAddress, &revoked);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(revoked);
  BOOST_TEST(Rows(person) == 0);
  BOOST_TEST(!StatusOf(person).exists);
  BOOST_TEST(!Authenticate(db(), t.token, "198.51.100.1").ok());

  // Nothing left to revoke: false, and no event.
  revoked = true;
  s = site::RevokeBearerToken(db(), person, admin, kAdminAddress, &revoked);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(!revoked);
  revoked = true;
  s = site::RevokeBearerToken(db(), admin, admin, kAdminAddress, &revoked);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(!revoked);
  BOOST_TEST(EventNames(Events(person)) == "revoked,created");
  BOOST_TEST(Events(admin).empty());

  // Revoking one person's token leaves another's alone.
  NewToken a = Create(admin, admin);
  NewToken p = Create(person, admin);
  BOOST_TEST_REQUIRE(site::RevokeBearerToken(db(), person, admin, kAdminAddress, &revoked).ok());
  BOOST_TEST(revoked);
  BOOST_TEST(Rows(admin) == 1);
  BOOST_TEST(Authenticate(db(), a.token, "198.51.100.1").ok());
}

BOOST_AUTO_TEST_CASE(events_newest_first_with_actor_names) {
  int64_t bob = AddPerson("Bob", "Ray", "bob", Access::kAdmin, "bob@example.com");
  NewToken first = Create(person, admin, "192.0.2.1");
  NewToken second = Create(person, admin, "192.0.2.2");
  bool revoked = false;
  BOOST_TEST_REQUIRE(site::RevokeBearerToken(db(), person, bob, "192.0.2.3", &revoked).ok());
  BOOST_TEST_REQUIRE(revoked);
  NewToken third = Create(person, 0, "192.0.2.4");  // no recorded actor (e.g. a tool)
  Create(admin, admin);                             // someone else's events stay out

  struct Expected {
    const char* event;
    std::string hint;
    const char* actor;
    const char* address;
  };
  const Expected expected[] = {
      {"created", third.hint, "", "192.0.2.4"},
      {"revoked", second.hint, "Bob Ray", "192.0.2.3"},
      {"replaced", second.hint, "Ada Lovelace", "192.0.2.2"},
      {"created", first.hint, "Ada Lovelace", "192.0.2.1"},
  };
  std::vector<TokenEvent> events = Events(person);
  BOOST_TEST_REQUIRE(events.size() == 4u, EventNames(events));
  for (size_t i = 0; i < events.size(); ++i) {
    BOOST_TEST_CONTEXT("event " << i) {
      BOOST_TEST(events[i].event == expected[i].event);
      BOOST_TEST(events[i].hint == expected[i].hint);
      BOOST_TEST(events[i].actor_name == expected[i].actor);
      BOOST_TEST(events[i].client_address == expected[i].address);
      BOOST_TEST(events[i].created_at.size() == 19u, events[i].created_at);
      std::time_t at = 0;
      BOOST_TEST(site::ParseUtc(events[i].created_at, &at), events[i].created_at);
      if (i > 0) BOOST_TEST(events[i].created_at <= events[i - 1].created_at);
    }
  }

  // The limit keeps the newest.
  std::vector<TokenEvent> two = Events(person, 2);
  BOOST_TEST(EventNames(two) == "created,revoked");
  BOOST_TEST(EventNames(Events(admin)) == "created");
  BOOST_TEST(Events(bob).empty());
}

BOOST_AUTO_TEST_CASE(events_with_identical_times_keep_their_order) {
  // Several changes within one microsecond tick must still list newest first.
  Create(person, admin);
  Create(person, admin);
  bool revoked = false;
  BOOST_TEST_REQUIRE(site::RevokeBearerToken(db(), person, admin, kAdminAddress, &revoked).ok());
  Exec("UPDATE bearer_token_events SET created_at = '2026-01-01 00:00:00.000000'");
  BOOST_TEST(EventNames(Events(person)) == "revoked,replaced,created");
}

BOOST_AUTO_TEST_CASE(stored_rows_never_contain_the_token) {
  NewToken old = Create(person, admin);
  NewToken t = Create(person, admin);
  BOOST_TEST_REQUIRE(Authenticate(db(), t.token, "198.51.100.9").ok());  // fills last_used_*
  bool revoked = false;
  BOOST_TEST_REQUIRE(site::RevokeBearerToken(db(), admin, admin, kAdminAddress, &revoked).ok());
  NewToken admins = Create(admin, admin);

  const std::string secrets[] = {
      old.token, t.token, admins.token,
      // The random bodies, and any large piece of them.
      old.token.substr(site::kTokenPrefixLength, site::kTokenRandomChars),
      t.token.substr(site::kTokenPrefixLength, 16),
      t.token.substr(site::kTokenPrefixLength + 20, 16),
      admins.token.substr(site::kTokenPrefixLength + 27, 16),
  };
  for (const char* table : {"bearer_tokens", "bearer_token_events", "bearer_auth_failures"}) {
    std::vector<site::DbRow> rows;
    Status s = db()->Query(std::string("SELECT * FROM ") + table, {}, &rows);
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    for (const site::DbRow& row : rows) {
      for (size_t c = 0; c < row.size(); ++c) {
        for (const std::string& secret : secrets) {
          BOOST_TEST(row.Str(c).find(secret) == std::string::npos,
                     table << " column " << c << " holds '" << secret << "': " << row.Str(c));
        }
      }
    }
  }
  // The digest is keyed: not the plain SHA-256 of the token.
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM bearer_tokens WHERE token_digest = ?",
                      {site::Sha256Hex(t.token)}) == 0);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM bearer_tokens WHERE token_digest = ?",
                      {site::BearerTokenDigest(t.token, kSecret)}) == 1);
}

BOOST_AUTO_TEST_CASE(concurrent_creations_leave_exactly_one_valid_token) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 10;
  // Guesses are expected below: do not let throttling hide the answer.
  config().bearer_max_failures = 1000;

  std::vector<std::unique_ptr<site::Db>> conns;
  for (int i = 0; i < kThreads; ++i) {
    conns.push_back(Connect(false));
    BOOST_TEST_REQUIRE(bool(conns.back()));
  }

  struct Result {
    Status status;
    NewToken token;
  };
  std::vector<std::vector<Result>> results(kThreads);
  std::atomic<int> arrived{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int round = 0; round < kRounds; ++round) {
        // All threads start each round together.
        arrived.fetch_add(1);
        while (arrived.load() < (round + 1) * kThreads) std::this_thread::yield();
        Result r;
        r.status = site::CreateBearerToken(conns[i].get(), kSecret, person, admin,
                                           "192.0.2." + std::to_string(i + 1), &r.token);
        results[i].push_back(std::move(r));
      }
    });
  }
  for (std::thread& t : threads) t.join();

  std::vector<std::string> tokens;
  int first_creations = 0;
  for (int i = 0; i < kThreads; ++i) {
    BOOST_TEST_REQUIRE(results[i].size() == static_cast<size_t>(kRounds));
    for (const Result& r : results[i]) {
      BOOST_TEST(r.status.ok(), "thread " << i << ": " << r.status.ToString());
      if (!r.status.ok()) continue;
      tokens.push_back(r.token.token);
      if (!r.token.replaced) ++first_creations;
    }
  }
  BOOST_TEST_REQUIRE(tokens.size() == static_cast<size_t>(kThreads * kRounds));
  BOOST_TEST(std::set<std::string>(tokens.begin(), tokens.end()).size() == tokens.size());
  BOOST_TEST(first_creations == 1);  // "replaced" is exact under contention

  BOOST_TEST(Rows(person) == 1);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM bearer_token_events WHERE person_id = ? AND "
                      "event = 'created'",
                      {person}) == 1);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM bearer_token_events WHERE person_id = ? AND "
                      "event = 'replaced'",
                      {person}) == kThreads * kRounds - 1);

  std::vector<std::string> valid;
  for (const std::string& token : tokens) {
    Status s = Authenticate(db(), token, "198.51.100.200");
    if (s.ok()) {
      valid.push_back(token);
    } else {
      BOOST_TEST(s.code() == Status::Code::kUnauthorized, s.ToString());
    }
  }
  BOOST_TEST_REQUIRE(valid.size() == 1u);
  // The one that works is the stored one, and the last one recorded.
  BOOST_TEST(QueryStr("SELECT token_digest FROM bearer_tokens WHERE person_id = ?", {person}) ==
             site::BearerTokenDigest(valid[0], kSecret));
  std::vector<TokenEvent> newest = Events(person, 1);
  BOOST_TEST_REQUIRE(newest.size() == 1u);
  BOOST_TEST(newest[0].hint == site::BearerTokenHint(valid[0]));
}

BOOST_AUTO_TEST_CASE(list_expiring_tokens) {
  int64_t sam = AddPerson("Sam", "Lee", "sam", Access::kAdmin, "sam@example.com");
  int64_t kit = AddPerson("Kit", "Ray", "kit", Access::kAdmin, "kit@example.com");
  NewToken a = Create(admin, admin), p = Create(person, admin), k = Create(kit, admin);
  Create(sam, admin);
  Exec("UPDATE bearer_tokens SET expires_at = UTC_TIMESTAMP() + INTERVAL 12 DAY WHERE person_id = ?",
       {person});
  Exec("UPDATE bearer_tokens SET expires_at = UTC_TIMESTAMP() + INTERVAL 3 HOUR WHERE person_id = ?",
       {kit});
  Exec("UPDATE bearer_tokens SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 DAY WHERE person_id = ?",
       {sam});  // expired: not "expiring"
  std::vector<site::ExpiringToken> all;
  Status s = site::ListExpiringTokens(db(), 30, nullptr, &all);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST_REQUIRE(all.size() == 2u);
  BOOST_TEST(all[0].person_id == kit);  // soonest first
  BOOST_TEST(all[0].days_left == 1);
  BOOST_TEST(all[0].hint == k.hint);
  BOOST_TEST(all[0].username == "kit");
  BOOST_TEST(all[1].person_id == person);
  BOOST_TEST(all[1].days_left == 12);
  BOOST_TEST(all[1].hint == p.hint);
  // Within 1 day: only Kit's. Only some people: only theirs.
  BOOST_TEST_REQUIRE(site::ListExpiringTokens(db(), 1, nullptr, &all).ok());
  BOOST_TEST(all.size() == 1u);
  std::vector<int64_t> ids = {admin, person};
  BOOST_TEST_REQUIRE(site::ListExpiringTokens(db(), 30, &ids, &all).ok());
  BOOST_TEST_REQUIRE(all.size() == 1u);
  BOOST_TEST(all[0].person_id == person);
  std::vector<int64_t> none;
  BOOST_TEST_REQUIRE(site::ListExpiringTokens(db(), 30, &none, &all).ok());
  BOOST_TEST(all.empty());
  BOOST_TEST(!a.token.empty());
}

BOOST_AUTO_TEST_SUITE_END()
