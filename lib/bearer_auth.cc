#include "bearer_auth.h"

#include "json_body.h"

#include "bearer_token.h"
#include "log.h"
#include "people.h"
#include "signin_throttle.h"
#include "token_store.h"

namespace site {

const char kAuthRequiredMessage[] = "Authentication required";
const char kTokenExpiredMessage[] = "Token has expired";
const char kTokenInvalidMessage[] =
    "Token is not valid; it may have been replaced by a newer token";
const char kAdminRequiredMessage[] = "Admin access required";

namespace {

const char kTooManyMessage[] =
    "Too many failed authentication attempts from your address; try again later";

// Counts a presented token that is malformed or unknown, and answers it:
// with `failure`, or with 429 once the address has failed too often lately.
Status FailAttempt(Db* db, const Config& config, const std::string& address,
                   const Status& failure) {
  const int64_t window = config.bearer_failure_window_minutes;
  // Counted and recorded in one transaction behind the address's lock row
  // (LockThrottle): failures sent together count each other, on one server
  // or across a Galera cluster, so exactly bearer_max_failures get their
  // 401 within the window and the rest 429.
  Status s = RunInTransaction(db, [&]() -> Status {
    Status step = LockThrottle(db, "bearer", address);
    if (!step.ok()) return step;
    std::vector<DbRow> rows;
    step = db->Query(
        "SELECT COUNT(*) AS failures FROM bearer_auth_failures WHERE client_address = ? "
        "AND failed_at >= UTC_TIMESTAMP(6) - INTERVAL ? MINUTE",
        {address, window}, &rows);
    if (!step.ok()) return step;
    if (!rows.empty() && rows[0].Int("failures") >= config.bearer_max_failures) {
      return Status::TooManyRequests(kTooManyMessage);
    }
    return db->Exec(
        "INSERT INTO bearer_auth_failures (client_address, failed_at) VALUES (?, UTC_TIMESTAMP(6))",
        {address});
  });
  if (s.code() == Status::Code::kTooManyRequests) {
    Log(LogLevel::kWarning, address, "bearer authentication refused: too many failures");
  }
  if (!s.ok()) return s;
  s = db->Exec(
      "DELETE FROM bearer_auth_failures WHERE failed_at < UTC_TIMESTAMP(6) - INTERVAL ? MINUTE "
      "LIMIT 100",
      {window});
  if (s.ok()) s = PruneThrottleLocks(db);  // the lock rows are the bearer throttle's too
  if (!s.ok()) return s;
  Log(LogLevel::kWarning, address, "bearer authentication failed: " + failure.message());
  return failure;
}

}  // namespace

Status AuthenticateBearer(Db* db, const Config& config, const Request& req, BearerIdentity* who) {
  std::string token;
  BearerHeader parsed = ParseBearerHeader(req.Env("HTTP_AUTHORIZATION"), &token);
  if (parsed == BearerHeader::kAbsent) return Status::Unauthorized(kAuthRequiredMessage);

  const std::string& address = req.client_address();
  if (parsed == BearerHeader::kMalformed) {
    return FailAttempt(db, config, address, Status::Unauthorized(kAuthRequiredMessage));
  }

  // The hot path is one indexed lookup: the token by its unique digest,
  // joined to its person. Failures are counted only on the failure path, so
  // throttling an address answers its failed attempts with 429 but never
  // costs a valid token anything (nor blocks one behind a shared address).
  const std::string digest = BearerTokenDigest(token, config.token_secret);
  bool found = false;
  StoredToken t;
  Status s = FindTokenByDigest(db, digest, &found, &t);
  if (!s.ok()) return s;
  if (!found) return FailAttempt(db, config, address, Status::Unauthorized(kTokenInvalidMessage));
  // A token whose person is inactive is no longer valid (and not a guess).
  if (!t.person_active) return Status::Unauthorized(kTokenInvalidMessage);
  if (t.expired) return Status::Unauthorized(kTokenExpiredMessage);

  BearerIdentity id;
  id.person_id = t.person_id;
  id.hint = t.hint;
  id.created_at = t.created_at;
  id.expires_at = t.expires_at;
  id.days_left = (t.seconds_left + 86399) / 86400;  // a part-day counts as a day left
  id.expires_soon = t.seconds_left < int64_t{kTokenExpiryWarningDays} * 86400;
  id.username = t.username;
  id.display_name = DisplayName(t.first_name, t.last_name);
  id.access = t.access;
  if (t.use_due) {
    // Bookkeeping only: a failure is logged, not charged to the request.
    s = RecordTokenUse(db, digest, address);
    if (!s.ok()) Log(LogLevel::kWarning, address, "cannot record token use: " + s.message());
  }
  *who = std::move(id);
  return Status::OK();
}

std::string TokenExpiryWarning(const BearerIdentity& who) {
  if (!who.expires_soon) return "";
  return "this token expires on " + who.expires_at.substr(0, 10) + ", in " +
         std::to_string(who.days_left) + (who.days_left == 1 ? " day" : " days") +
         ": create a new one on your record";
}

std::string WithTokenExpiryWarning(const std::string& message, const BearerIdentity& who) {
  std::string warning = TokenExpiryWarning(who);
  return warning.empty() ? message : message + "; " + warning;
}

void SetTokenExpirationHeader(const BearerIdentity& who, Response* resp) {
  resp->SetHeader(kTokenExpirationHeader, who.expires_at + " UTC");
  std::string warning = TokenExpiryWarning(who);
  if (!warning.empty()) resp->SetHeader(kTokenExpiryWarningHeader, warning);
}

bool RequireAdminOrReply(const BearerIdentity& who, const Request& req, Response* resp) {
  if (who.access == Access::kAdmin) return true;
  resp->SetHeader("WWW-Authenticate", BearerChallenge("insufficient_scope", kAdminRequiredMessage));
  SetJsonBody(resp,
          {{"error", "forbidden"},
           {"message", kAdminRequiredMessage},
           {"person", {{"username", who.username}, {"access", AccessLabel(who.access)}}}},
          403);
  return false;
}

}  // namespace site
