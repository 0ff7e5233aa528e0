#include "token_store.h"

#include "bearer_token.h"
#include "people.h"

namespace site {

namespace {

DbValue ActorValue(int64_t actor_id) {
  if (actor_id <= 0) return nullptr;
  return actor_id;
}

Status RecordEvent(Db* db, int64_t person_id, int64_t actor_id, const char* event,
                   const std::string& hint, const std::string& client_address) {
  return db->Exec(
      "INSERT INTO bearer_token_events (person_id, actor_id, event, hint, client_address, "
      "created_at) VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(6))",
      {person_id, ActorValue(actor_id), std::string(event), hint, client_address});
}

}  // namespace

Status CreateBearerToken(Db* db, const std::string& secret, int64_t person_id, int64_t actor_id,
                         const std::string& client_address, NewToken* out) {
  std::string token;
  Status s = NewBearerToken(&token);
  if (!s.ok()) return s;

  // Run again from the top after a conflict (RunInTransaction): the same
  // token, with the times and "replaced" as the database sees them then.
  std::string created_at, expires_at, hint;
  bool replaced = false;
  s = RunInTransaction(db, [&]() -> Status {
    // Locking the person's row serializes concurrent creations for them, so
    // "replaced" is exact and the last writer's token is the one that stays.
    bool active = false;
    Status step = LockPerson(db, person_id, &active);
    if (!step.ok()) return step;
    if (!active) {
      return Status::Conflict("This person is inactive; activate them before creating a token.");
    }
    // The clock, read once the lock is ours: a creation that waited for it
    // is never dated before the one it waited for.
    std::vector<DbRow> rows;
    step = db->Query("SELECT UTC_TIMESTAMP() AS now", {}, &rows);
    if (!step.ok()) return step;
    std::time_t now = 0;
    if (rows.empty() || !ParseUtc(rows[0].Str("now"), &now)) {
      return Status::Internal("bad database time");
    }
    created_at = FormatUtc(now);
    expires_at = FormatUtc(BearerTokenExpiry(now));

    step = db->Query("SELECT hint FROM bearer_tokens WHERE person_id = ?", {person_id}, &rows);
    if (!step.ok()) return step;
    replaced = !rows.empty();
    hint = BearerTokenHint(token);
    step = db->Exec(
        "INSERT INTO bearer_tokens (person_id, token_digest, hint, created_at, expires_at, "
        "created_by, last_used_at, last_used_address) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL) "
        "ON DUPLICATE KEY UPDATE token_digest = VALUES(token_digest), hint = VALUES(hint), "
        "created_at = VALUES(created_at), expires_at = VALUES(expires_at), "
        "created_by = VALUES(created_by), last_used_at = NULL, last_used_address = NULL",
        {person_id, BearerTokenDigest(token, secret), hint, created_at, expires_at,
         ActorValue(actor_id)});
    if (!step.ok()) return step;
    return RecordEvent(db, person_id, actor_id, replaced ? "replaced" : "created", hint,
                       client_address);
  });
  if (!s.ok()) return s;
  out->token = std::move(token);
  out->hint = hint;
  out->created_at = created_at;
  out->expires_at = expires_at;
  out->replaced = replaced;
  return Status::OK();
}

namespace {

// Deletes the token and records `event`; *had says whether there was one.
Status DeleteToken(Db* db, int64_t person_id, int64_t actor_id, const std::string& address,
                   const char* event, bool* had) {
  std::vector<DbRow> rows;
  Status s = db->Query("SELECT hint FROM bearer_tokens WHERE person_id = ? FOR UPDATE",
                       {person_id}, &rows);
  if (!s.ok()) return s;
  *had = !rows.empty();
  if (!*had) return Status::OK();
  s = db->Exec("DELETE FROM bearer_tokens WHERE person_id = ?", {person_id});
  if (!s.ok()) return s;
  return RecordEvent(db, person_id, actor_id, event, rows[0].Str("hint"), address);
}

}  // namespace

Status RevokeBearerToken(Db* db, int64_t person_id, int64_t actor_id,
                         const std::string& client_address, bool* revoked) {
  return RunInTransaction(db, [&] {
    return DeleteToken(db, person_id, actor_id, client_address, "revoked", revoked);
  });
}

Status EndBearerTokenOf(Db* db, int64_t person_id, int64_t actor_id,
                        const std::string& client_address) {
  bool had = false;
  return DeleteToken(db, person_id, actor_id, client_address, "ended", &had);
}

Status GetTokenStatus(Db* db, int64_t person_id, TokenStatus* out) {
  *out = TokenStatus();
  std::vector<DbRow> rows;
  Status s = db->Query(
      "SELECT hint, created_at, expires_at, last_used_at, last_used_address, "
      "expires_at <= UTC_TIMESTAMP() AS expired FROM bearer_tokens WHERE person_id = ?",
      {person_id}, &rows);
  if (!s.ok() || rows.empty()) return s;
  const DbRow& r = rows[0];
  out->exists = true;
  out->hint = r.Str("hint");
  out->created_at = r.Str("created_at");
  out->expires_at = r.Str("expires_at");
  out->last_used_at = r.Str("last_used_at");
  out->last_used_address = r.Str("last_used_address");
  out->expired = r.Int("expired") != 0;
  return Status::OK();
}

Status FindTokenByDigest(Db* db, const std::string& digest, bool* found, StoredToken* out) {
  *found = false;
  std::vector<DbRow> rows;
  Status s = db->Query(
      "SELECT t.person_id, t.hint, t.created_at, t.expires_at, "
      "t.expires_at <= UTC_TIMESTAMP() AS expired, "
      "TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), t.expires_at) AS seconds_left, "
      "t.last_used_at IS NULL OR t.last_used_at < UTC_TIMESTAMP() - INTERVAL ? SECOND "
      "AS use_due, p.username, p.first_name, p.last_name, p.access, p.active "
      "FROM bearer_tokens t JOIN people p ON p.id = t.person_id WHERE t.token_digest = ?",
      {static_cast<int64_t>(kTokenUseResolutionSeconds), digest}, &rows);
  if (!s.ok() || rows.empty()) return s;
  const DbRow& r = rows[0];
  StoredToken t;
  t.person_id = r.Int("person_id");
  t.hint = r.Str("hint");
  t.created_at = r.Str("created_at");
  t.expires_at = r.Str("expires_at");
  t.expired = r.Int("expired") != 0;
  t.seconds_left = r.Int("seconds_left");
  t.use_due = r.Int("use_due") != 0;
  t.username = r.Str("username");
  t.first_name = r.Str("first_name");
  t.last_name = r.Str("last_name");
  if (!AccessFromDb(r.Str("access"), &t.access)) t.access = Access::kNone;
  t.person_active = r.Int("active") != 0;
  *out = std::move(t);
  *found = true;
  return Status::OK();
}

Status ListExpiringTokens(Db* db, int within_days, const std::vector<int64_t>* only_people,
                          std::vector<ExpiringToken>* out) {
  out->clear();
  if (only_people != nullptr && only_people->empty()) return Status::OK();
  if (only_people != nullptr && only_people->size() > 1000) {
    return Status::Internal("ListExpiringTokens: more than 1000 people");
  }
  std::string sql =
      "SELECT t.person_id, p.username, p.first_name, p.last_name, t.hint, t.expires_at, "
      "TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), t.expires_at) AS seconds_left "
      "FROM bearer_tokens t JOIN people p ON p.id = t.person_id "
      "WHERE t.expires_at > UTC_TIMESTAMP() AND t.expires_at <= UTC_TIMESTAMP() + INTERVAL ? DAY";
  std::vector<DbValue> params = {static_cast<int64_t>(within_days)};
  if (only_people != nullptr) {
    sql += " AND t.person_id IN (";
    for (size_t i = 0; i < only_people->size(); ++i) {
      sql += i == 0 ? "?" : ", ?";
      params.emplace_back((*only_people)[i]);
    }
    sql += ")";
  }
  sql += " ORDER BY t.expires_at, t.person_id";
  std::vector<DbRow> rows;
  Status s = db->Query(sql, params, &rows);
  if (!s.ok()) return s;
  for (const DbRow& r : rows) {
    ExpiringToken t;
    t.person_id = r.Int("person_id");
    t.username = r.Str("username");
    t.first_name = r.Str("first_name");
    t.last_name = r.Str("last_name");
    t.hint = r.Str("hint");
    t.expires_at = r.Str("expires_at");
    t.days_left = (r.Int("seconds_left") + 86399) / 86400;
    out->push_back(std::move(t));
  }
  return Status::OK();
}

Status RecordTokenUse(Db* db, const std::string& digest, const std::string& client_address) {
  return db->Exec(
      "UPDATE bearer_tokens SET last_used_at = UTC_TIMESTAMP(), last_used_address = ? "
      "WHERE token_digest = ?",
      {client_address, digest});
}

Status ListTokenEvents(Db* db, int64_t person_id, int limit, std::vector<TokenEvent>* out) {
  out->clear();
  std::vector<DbRow> rows;
  Status s = db->Query(
      "SELECT e.event, e.hint, a.first_name, a.last_name, e.client_address, "
      "DATE_FORMAT(e.created_at, '%Y-%m-%d %H:%i:%s') AS created_at "
      "FROM bearer_token_events e LEFT JOIN people a ON a.id = e.actor_id "
      "WHERE e.person_id = ? ORDER BY e.created_at DESC, e.id DESC LIMIT ?",
      {person_id, static_cast<int64_t>(limit)}, &rows);
  if (!s.ok()) return s;
  for (const DbRow& r : rows) {
    out->push_back(TokenEvent{r.Str("event"), r.Str("hint"),
                              DisplayName(r.Str("first_name"), r.Str("last_name")),
                              r.Str("client_address"), r.Str("created_at")});
  }
  return Status::OK();
}

}  // namespace site
