#include "signin_throttle.h"

#include <algorithm>

namespace site {

namespace {

Status InsertSignInFailure(Db* db, const std::string& address) {
  return db->Exec(
      "INSERT INTO signin_failures (client_address, failed_at) VALUES (?, UTC_TIMESTAMP(6))",
      {address});
}

// Keeps the tables small, after a failure: failures older than the window
// no longer count, and an address not seen for a day needs no lock row.
Status PruneSignInTables(Db* db, const Config& config) {
  Status s = db->Exec(
      "DELETE FROM signin_failures WHERE failed_at < UTC_TIMESTAMP(6) - INTERVAL ? MINUTE "
      "LIMIT 100",
      {static_cast<int64_t>(config.signin_window_minutes)});
  return s.ok() ? PruneThrottleLocks(db) : s;
}

}  // namespace

Status CheckSignInAllowed(Db* db, const Config& config, const std::string& address,
                          int* retry_after_seconds) {
  *retry_after_seconds = 0;
  std::vector<DbRow> rows;
  // The oldest failure that still counts tells when the address may retry.
  Status s = db->Query(
      "SELECT COUNT(*) AS failures, TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(6), "
      "MIN(failed_at) + INTERVAL ? MINUTE) AS seconds_left FROM signin_failures "
      "WHERE client_address = ? AND failed_at >= UTC_TIMESTAMP(6) - INTERVAL ? MINUTE",
      {static_cast<int64_t>(config.signin_window_minutes), address,
       static_cast<int64_t>(config.signin_window_minutes)},
      &rows);
  if (!s.ok()) return s;
  if (rows.empty() || rows[0].Int("failures") < config.signin_max_failures) return Status::OK();
  *retry_after_seconds = static_cast<int>(std::max<int64_t>(1, rows[0].Int("seconds_left") + 1));
  int minutes = (*retry_after_seconds + 59) / 60;
  return Status::TooManyRequests(
      "Too many failed sign-in attempts from your address. Try again in " +
      std::to_string(minutes) + (minutes == 1 ? " minute." : " minutes."));
}

Status LockThrottle(Db* db, const std::string& throttle, const std::string& address) {
  // A write, not SELECT ... FOR UPDATE: Galera certifies writes only, so
  // only a write makes two nodes' attempts from one address collide.
  return db->Exec(
      "INSERT INTO throttle_locks (throttle, client_address, touched_at) "
      "VALUES (?, ?, UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE touched_at = UTC_TIMESTAMP(6)",
      {throttle, address});
}

Status PruneThrottleLocks(Db* db) {
  return db->Exec("DELETE FROM throttle_locks WHERE touched_at < UTC_TIMESTAMP(6) - INTERVAL 1 DAY "
                  "LIMIT 100",
                  {});
}

Status ThrottledSignIn(Db* db, const Config& config, const std::string& address,
                       const std::function<Status(bool* failed)>& attempt,
                       int* retry_after_seconds) {
  bool failed = false;
  Status s = RunInTransaction(db, [&]() -> Status {
    failed = false;
    Status step = LockThrottle(db, "signin", address);
    if (!step.ok()) return step;
    step = CheckSignInAllowed(db, config, address, retry_after_seconds);
    if (!step.ok()) return step;
    step = attempt(&failed);
    if (!step.ok() || !failed) return step;
    return InsertSignInFailure(db, address);
  });
  if (!s.ok() || !failed) return s;
  return PruneSignInTables(db, config);
}

Status RecordSignInFailure(Db* db, const Config& config, const std::string& address) {
  Status s = InsertSignInFailure(db, address);
  return s.ok() ? PruneSignInTables(db, config) : s;
}

}  // namespace site
