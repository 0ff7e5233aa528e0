#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <cctype>
#include <optional>
#include <string>

#include "crypto.h"
#include "scratch_db.h"
#include "session.h"
#include "test_util.h"

using site::Access;
using site::Request;
using site::Response;
using site::SessionInfo;
using site::Status;
using site_test::CookieValueFrom;

namespace {

// A scratch database with one Content Manager who can sign in.
struct SessionDb : site_test::MigratedDb {
  SessionDb() {
    person = AddPerson("Ann", "Lee", "ann", Access::kContentManager, "ann@example.com");
  }

  // Starts a session for `id` and returns the cookie value it set.
  std::string Start(int64_t id, Response* resp = nullptr) {
    Response local;
    if (resp == nullptr) resp = &local;
    Request req({{"REQUEST_METHOD", "POST"}, {"REMOTE_ADDR", "198.51.100.4"}}, "");
    Status s = site::StartSession(db(), config(), req, id, resp);
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    std::string cookie = CookieValueFrom(*resp, site::kSessionCookie);
    BOOST_TEST_REQUIRE(!cookie.empty(), resp->Header("Set-Cookie"));
    return cookie;
  }

  // Looks the session up as a request carrying `cookie_header` would.
  std::optional<SessionInfo> Find(const std::string& cookie_header) {
    Request::Environment env = {{"REQUEST_METHOD", "GET"}, {"REMOTE_ADDR", "198.51.100.4"}};
    if (!cookie_header.empty()) env["HTTP_COOKIE"] = cookie_header;
    Request req(env, "");
    std::optional<SessionInfo> out;
    out.emplace();  // must be reset when there is no session
    Status s = site::FindSession(db(), config(), req, &out);
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    return out;
  }

  std::optional<SessionInfo> FindId(const std::string& id) { return Find("session=" + id); }

  int64_t person = 0;
};

Request PostWithForm(const std::string& body, const std::string& query = "") {
  return Request({{"REQUEST_METHOD", "POST"},
                  {"QUERY_STRING", query},
                  {"CONTENT_TYPE", "application/x-www-form-urlencoded"},
                  {"CONTENT_LENGTH", std::to_string(body.size())}},
                 body);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(session_test, SessionDb, NEEDS_DB)

BOOST_AUTO_TEST_CASE(start_then_find) {
  Response resp;
  std::string id = Start(person, &resp);
  BOOST_TEST(id.size() == 64u);
  BOOST_TEST(id.find_first_not_of("0123456789abcdef") == std::string::npos, id);

  std::optional<SessionInfo> s = FindId(id);
  BOOST_TEST_REQUIRE(s.has_value());
  BOOST_TEST(s->person_id == person);
  BOOST_TEST(s->username == "ann");
  BOOST_TEST(s->display_name == "Ann Lee");
  BOOST_TEST(s->access == Access::kContentManager);
  BOOST_TEST(s->csrf_token.size() == 64u);
  BOOST_TEST(s->csrf_token.find_first_not_of("0123456789abcdef") == std::string::npos);
  BOOST_TEST(s->csrf_token != id);

  // Found again on the next request, with the same token; other cookies around it do not matter.
  std::optional<SessionInfo> again = Find("theme=dark; session=" + id + "; lang=en");
  BOOST_TEST_REQUIRE(again.has_value());
  BOOST_TEST(again->csrf_token == s->csrf_token);
  BOOST_TEST(QueryStr("SELECT client_address FROM sessions") == "198.51.100.4");
}

BOOST_AUTO_TEST_CASE(cookie_attributes) {
  struct Case {
    bool cookie_secure;
    const char* https;
    bool secure;
  };
  const Case cases[] = {{false, "", false}, {true, "", true}, {false, "on", true}};
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT("cookie_secure=" << c.cookie_secure << " HTTPS=" << c.https) {
      config().cookie_secure = c.cookie_secure;
      Request req({{"REMOTE_ADDR", "198.51.100.4"}, {"HTTPS", c.https}}, "");
      Response resp;
      BOOST_TEST_REQUIRE(site::StartSession(db(), config(), req, person, &resp).ok());
      std::string h = resp.Header("Set-Cookie");
      BOOST_TEST(h.rfind(c.secure ? "__Host-session=" : "session=", 0) == 0u, h);
      BOOST_TEST(h.find("; Path=/") != std::string::npos, h);
      BOOST_TEST(h.find("; HttpOnly") != std::string::npos, h);
      BOOST_TEST(h.find("; SameSite=Strict") != std::string::npos, h);
      BOOST_TEST(h.find("Max-Age") == std::string::npos, h);  // ends with the browser session
      BOOST_TEST((h.find("; Secure") != std::string::npos) == c.secure, h);
    }
  }
}

// Under HTTPS only the __Host- cookie counts: a plain "session" cookie
// may have been set by a sibling host name (Domain=the parent domain), and
// must not choose the session.
BOOST_AUTO_TEST_CASE(under_https_only_the_host_cookie_is_read) {
  std::string id = Start(person);
  auto find = [&](const std::string& cookie, const char* https) {
    Request req({{"REQUEST_METHOD", "GET"}, {"REMOTE_ADDR", "198.51.100.4"}, {"HTTPS", https},
                 {"HTTP_COOKIE", cookie}}, "");
    std::optional<SessionInfo> out;
    BOOST_TEST_REQUIRE(site::FindSession(db(), config(), req, &out).ok());
    return out.has_value();
  };
  BOOST_TEST(find("__Host-session=" + id, "on"));
  BOOST_TEST(!find("session=" + id, "on"));
  BOOST_TEST(find("session=" + id, ""));
  BOOST_TEST(!find("__Host-session=" + id, ""));
}

BOOST_AUTO_TEST_CASE(only_the_digest_is_stored) {
  std::string id = Start(person);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM sessions") == 1);
  BOOST_TEST(QueryStr("SELECT id_digest FROM sessions") == site::Sha256Hex(id));
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM sessions WHERE id_digest = ?", {id}) == 0);
  // Presenting the stored digest as a cookie signs nobody in.
  BOOST_TEST(!FindId(site::Sha256Hex(id)).has_value());
}

BOOST_AUTO_TEST_CASE(each_session_gets_its_own_id_and_token) {
  std::string a = Start(person), b = Start(person);
  BOOST_TEST(a != b);
  std::optional<SessionInfo> sa = FindId(a), sb = FindId(b);
  BOOST_TEST_REQUIRE(sa.has_value());
  BOOST_TEST_REQUIRE(sb.has_value());
  BOOST_TEST(sa->csrf_token != sb->csrf_token);
}

BOOST_AUTO_TEST_CASE(wrong_or_malformed_cookies_find_nothing) {
  std::string id = Start(person);
  std::string upper = id;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string cases[] = {
      "",                                      // no cookie header at all
      "session=",                              // empty
      "session=" + site::RandomHex(32),        // well-formed, unknown
      "session=" + id.substr(0, 63),           // one short
      "session=" + id + "0",                   // one long
      "session=" + upper,                      // upper-case hex
      "session=" + id.substr(0, 62) + "zz",    // not hex
      "session=abc",
      "session=' OR '1'='1",
      "other=" + id,                           // right value, wrong name
      "Session=" + id,
  };
  for (const std::string& header : cases) {
    BOOST_TEST_CONTEXT("'" << header << "'") { BOOST_TEST(!Find(header).has_value()); }
  }
  BOOST_TEST(FindId(id).has_value());  // the real one still works
}

BOOST_AUTO_TEST_CASE(idle_timeout) {
  config().session_idle_minutes = 30;
  std::string id = Start(person);
  // 29 minutes idle: still signed in.
  Exec("UPDATE sessions SET last_seen_at = UTC_TIMESTAMP() - INTERVAL 29 MINUTE");
  BOOST_TEST(FindId(id).has_value());
  // 31 minutes idle: gone.
  Exec("UPDATE sessions SET last_seen_at = UTC_TIMESTAMP() - INTERVAL 31 MINUTE");
  BOOST_TEST(!FindId(id).has_value());
  // A shorter idle setting applies to existing sessions too.
  Exec("UPDATE sessions SET last_seen_at = UTC_TIMESTAMP() - INTERVAL 10 MINUTE");
  BOOST_TEST(FindId(id).has_value());
  config().session_idle_minutes = 5;
  Exec("UPDATE sessions SET last_seen_at = UTC_TIMESTAMP() - INTERVAL 10 MINUTE");
  BOOST_TEST(!FindId(id).has_value());
}

BOOST_AUTO_TEST_CASE(activity_refreshes_last_seen_at_most_once_a_minute) {
  config().session_idle_minutes = 30;
  std::string id = Start(person);
  const std::string age = "SELECT TIMESTAMPDIFF(SECOND, last_seen_at, UTC_TIMESTAMP()) FROM sessions";

  // Seen 20 seconds ago: not written again.
  Exec("UPDATE sessions SET last_seen_at = UTC_TIMESTAMP() - INTERVAL 20 SECOND");
  BOOST_TEST_REQUIRE(FindId(id).has_value());
  BOOST_TEST(QueryInt(age) >= 20);

  // Seen 20 minutes ago: refreshed to now...
  Exec("UPDATE sessions SET last_seen_at = UTC_TIMESTAMP() - INTERVAL 20 MINUTE");
  BOOST_TEST_REQUIRE(FindId(id).has_value());
  BOOST_TEST(QueryInt(age) < 60);
  // ...so another 20 idle minutes later it is still alive (40 minutes after it started).
  Exec("UPDATE sessions SET last_seen_at = last_seen_at - INTERVAL 20 MINUTE, "
       "created_at = created_at - INTERVAL 40 MINUTE");
  BOOST_TEST(FindId(id).has_value());
}

BOOST_AUTO_TEST_CASE(absolute_timeout) {
  config().session_absolute_hours = 12;
  std::string id = Start(person);
  // Started 11 hours ago and active all along: still signed in.
  Exec("UPDATE sessions SET created_at = UTC_TIMESTAMP() - INTERVAL 11 HOUR");
  BOOST_TEST(FindId(id).has_value());
  // Started 13 hours ago: gone, however recent the last request.
  Exec("UPDATE sessions SET created_at = UTC_TIMESTAMP() - INTERVAL 13 HOUR, "
       "last_seen_at = UTC_TIMESTAMP()");
  BOOST_TEST(!FindId(id).has_value());
}

BOOST_AUTO_TEST_CASE(deactivated_or_demoted_person_has_no_session) {
  std::string id = Start(person);
  BOOST_TEST_REQUIRE(FindId(id).has_value());

  // Changed behind the session's back (not through UpdatePerson, which
  // deletes the rows): the person's record is read on every request.
  Exec("UPDATE people SET active = 0 WHERE id = ?", {person});
  BOOST_TEST(!FindId(id).has_value());
  Exec("UPDATE people SET active = 1 WHERE id = ?", {person});
  BOOST_TEST(FindId(id).has_value());

  Exec("UPDATE people SET access = 'none' WHERE id = ?", {person});
  BOOST_TEST(!FindId(id).has_value());

  // Promotion shows at once too.
  Exec("UPDATE people SET access = 'admin' WHERE id = ?", {person});
  std::optional<SessionInfo> s = FindId(id);
  BOOST_TEST_REQUIRE(s.has_value());
  BOOST_TEST(s->access == Access::kAdmin);

  // And a deleted person's sessions go with them.
  Exec("DELETE FROM people WHERE id = ?", {person});
  BOOST_TEST(!FindId(id).has_value());
}

BOOST_AUTO_TEST_CASE(display_name_follows_the_record) {
  std::string id = Start(person);
  Exec("UPDATE people SET first_name = '' WHERE id = ?", {person});
  std::optional<SessionInfo> s = FindId(id);
  BOOST_TEST_REQUIRE(s.has_value());
  BOOST_TEST(s->display_name == "Lee");
  Exec("UPDATE people SET first_name = 'Ann', last_name = '' WHERE id = ?", {person});
  s = FindId(id);
  BOOST_TEST_REQUIRE(s.has_value());
  BOOST_TEST(s->display_name == "Ann");
}

BOOST_AUTO_TEST_CASE(end_session_deletes_the_row_and_clears_the_cookie) {
  std::string id = Start(person);
  std::string other = Start(person);
  BOOST_TEST_REQUIRE(QueryInt("SELECT COUNT(*) FROM sessions") == 2);

  Request req({{"REQUEST_METHOD", "POST"}, {"HTTP_COOKIE", "session=" + id}}, "");
  Response resp;
  Status s = site::EndSession(db(), config(), req, &resp);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM sessions WHERE id_digest = ?", {site::Sha256Hex(id)}) ==
             0);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM sessions") == 1);  // only this one ended
  std::string h = resp.Header("Set-Cookie");
  BOOST_TEST(h.rfind("session=;", 0) == 0u, h);
  BOOST_TEST(h.find("Max-Age=0") != std::string::npos, h);
  BOOST_TEST(h.find("HttpOnly") != std::string::npos, h);
  BOOST_TEST(!FindId(id).has_value());
  BOOST_TEST(FindId(other).has_value());
}

BOOST_AUTO_TEST_CASE(end_session_without_a_session_still_clears_the_cookie) {
  Start(person);
  for (const char* header : {"", "session=nonsense", "session=0000"}) {
    BOOST_TEST_CONTEXT("'" << header << "'") {
      Request::Environment env = {{"REQUEST_METHOD", "POST"}};
      if (*header) env["HTTP_COOKIE"] = header;
      Response resp;
      Status s = site::EndSession(db(), config(), Request(env, ""), &resp);
      BOOST_TEST(s.ok(), s.ToString());
      BOOST_TEST(resp.Header("Set-Cookie").find("Max-Age=0") != std::string::npos);
    }
  }
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM sessions") == 1);
}

BOOST_AUTO_TEST_CASE(csrf_check) {
  std::string id = Start(person);
  std::optional<SessionInfo> session = FindId(id);
  BOOST_TEST_REQUIRE(session.has_value());
  const std::string token = session->csrf_token;
  std::optional<SessionInfo> other = FindId(Start(person));
  BOOST_TEST_REQUIRE(other.has_value());

  BOOST_TEST(site::CheckCsrf(*session, PostWithForm("csrf_token=" + token + "&a=1")).ok());

  struct Case {
    const char* what;
    Request req;
  };
  std::string upper = token;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const Case cases[] = {
      {"missing", PostWithForm("a=1")},
      {"empty", PostWithForm("csrf_token=")},
      {"wrong", PostWithForm("csrf_token=" + site::RandomHex(32))},
      {"another session's", PostWithForm("csrf_token=" + other->csrf_token)},
      {"truncated", PostWithForm("csrf_token=" + token.substr(0, 63))},
      {"extended", PostWithForm("csrf_token=" + token + "0")},
      {"upper case", PostWithForm("csrf_token=" + upper)},
      {"only in the query string", PostWithForm("a=1", "csrf_token=" + token)},
      {"a GET with the token in the query",
       Request({{"REQUEST_METHOD", "GET"}, {"QUERY_STRING", "csrf_token=" + token}}, "")},
      {"wrong one first", PostWithForm("csrf_token=x&csrf_token=" + token)},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      Status s = site::CheckCsrf(*session, c.req);
      BOOST_TEST(s.code() == Status::Code::kForbidden);
      BOOST_TEST(!s.message().empty());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
