#include "session.h"

#include "crypto.h"
#include "people.h"

namespace site {

namespace {

constexpr size_t kSessionIdBytes = 32;  // 256 bits
constexpr size_t kMaxCookieChars = 2 * kSessionIdBytes;

// How often last_seen_at is refreshed, at most.
constexpr int kTouchIntervalSeconds = 60;

CookieOptions SessionCookieOptions(const Config& config, const Request& req) {
  CookieOptions o;
  o.secure = config.cookie_secure || req.IsHttps();
  return o;
}

// Returns the cookie's session id, or "" when the cookie is absent or not
// shaped like one of ours (nothing malformed reaches the database).
std::string CookieId(const Config& config, const Request& req) {
  // Only the name this request's scheme uses: under HTTPS a plain "session"
  // cookie may come from a sibling host (response.h, CookieName).
  std::string id = req.Cookie(CookieName(kSessionCookie, SessionCookieOptions(config, req)));
  if (id.size() != kMaxCookieChars ||
      id.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return "";
  }
  return id;
}

std::string CookieDigest(const Config& config, const Request& req) {
  std::string id = CookieId(config, req);
  return id.empty() ? "" : Sha256Hex(id);
}

// The session's CSRF token, derived from its id rather than stored, so that
// a copy of the database yields no token a forged form could carry.
std::string CsrfTokenFor(const std::string& session_id) {
  return HmacSha256Hex(session_id, "csrf token");
}

}  // namespace

Status StartSession(Db* db, const Config& config, const Request& req, int64_t person_id,
                    Response* resp) {
  std::string id = RandomHex(kSessionIdBytes);
  // Sweep a few expired sessions while we are writing anyway.
  Status s = db->Exec(
      "DELETE FROM sessions WHERE last_seen_at < UTC_TIMESTAMP() - INTERVAL ? MINUTE "
      "OR created_at < UTC_TIMESTAMP() - INTERVAL ? HOUR LIMIT 100",
      {static_cast<int64_t>(config.session_idle_minutes),
       static_cast<int64_t>(config.session_absolute_hours)});
  if (!s.ok()) return s;
  s = db->Exec(
      "INSERT INTO sessions (id_digest, person_id, client_address, created_at, last_seen_at) "
      "VALUES (?, ?, ?, UTC_TIMESTAMP(), UTC_TIMESTAMP())",
      {Sha256Hex(id), person_id, req.client_address()});
  if (!s.ok()) return s;
  CookieOptions o = SessionCookieOptions(config, req);
  resp->SetCookie(CookieName(kSessionCookie, o), id, o);
  return Status::OK();
}

Status FindSession(Db* db, const Config& config, const Request& req,
                   std::optional<SessionInfo>* out) {
  out->reset();
  std::string id = CookieId(config, req);
  if (id.empty()) return Status::OK();
  std::string digest = Sha256Hex(id);
  std::vector<DbRow> rows;
  Status s = db->Query(
      "SELECT s.person_id, p.username, p.first_name, p.last_name, p.access, "
      "s.last_seen_at < UTC_TIMESTAMP() - INTERVAL ? SECOND AS touch_due "
      "FROM sessions s JOIN people p ON p.id = s.person_id "
      "WHERE s.id_digest = ? AND p.active = 1 "
      "AND s.last_seen_at >= UTC_TIMESTAMP() - INTERVAL ? MINUTE "
      "AND s.created_at >= UTC_TIMESTAMP() - INTERVAL ? HOUR",
      {static_cast<int64_t>(kTouchIntervalSeconds), digest,
       static_cast<int64_t>(config.session_idle_minutes),
       static_cast<int64_t>(config.session_absolute_hours)},
      &rows);
  if (!s.ok() || rows.empty()) return s;
  const DbRow& r = rows[0];
  SessionInfo info;
  info.person_id = r.Int("person_id");
  info.csrf_token = CsrfTokenFor(id);
  info.username = r.Str("username");
  info.display_name = DisplayName(r.Str("first_name"), r.Str("last_name"));
  if (!AccessFromDb(r.Str("access"), &info.access) || !MayUseAdminSite(info.access)) {
    return Status::OK();
  }
  if (r.Int("touch_due") != 0) {
    s = db->Exec("UPDATE sessions SET last_seen_at = UTC_TIMESTAMP() WHERE id_digest = ?",
                 {digest});
    if (!s.ok()) return s;
  }
  *out = std::move(info);
  return Status::OK();
}

Status EndSession(Db* db, const Config& config, const Request& req, Response* resp) {
  std::string digest = CookieDigest(config, req);
  if (!digest.empty()) {
    Status s = db->Exec("DELETE FROM sessions WHERE id_digest = ?", {digest});
    if (!s.ok()) return s;
  }
  CookieOptions o = SessionCookieOptions(config, req);
  o.max_age = 0;
  resp->SetCookie(CookieName(kSessionCookie, o), "", o);
  return Status::OK();
}

Status CheckCsrf(const SessionInfo& session, const Request& req) {
  return CheckCsrfToken(session, req.Form(kCsrfField));
}

Status CheckCsrfToken(const SessionInfo& session, const std::string& token) {
  if (!ConstantTimeEquals(token, session.csrf_token)) {
    return Status::Forbidden(
        "This form has expired or did not come from this site. Reload the page and try again.");
  }
  return Status::OK();
}

Status EndSessionsOf(Db* db, int64_t person_id) {
  return db->Exec("DELETE FROM sessions WHERE person_id = ?", {person_id});
}

}  // namespace site
