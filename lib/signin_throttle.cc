#include "signin_throttle.h"

#include <algorithm>

namespace site {

Status CheckSignInAllowed(Db* db, const Config& config, const std::string& address,
                          int* retry_after_seconds) {
  *retry_after_seconds = 0;
  std::vector<DbRow> rows;
  // The oldest failure that still counts tells when the address may retry.
  Status s = db->Query(
      "SELECT COUNT(*), TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(6), "
      "MIN(failed_at) + INTERVAL ? MINUTE) FROM signin_failures "
      "WHERE client_address = ? AND failed_at >= UTC_TIMESTAMP(6) - INTERVAL ? MINUTE",
      {static_cast<int64_t>(config.signin_window_minutes), address,
       static_cast<int64_t>(config.signin_window_minutes)},
      &rows);
  if (!s.ok()) return s;
  if (rows.empty() || rows[0].Int(0) < config.signin_max_failures) return Status::OK();
  *retry_after_seconds = static_cast<int>(std::max<int64_t>(1, rows[0].Int(1) + 1));
  int minutes = (*retry_after_seconds + 59) / 60;
  return Status::TooManyRequests(
      "Too many failed sign-in attempts from your address. Try again in " +
      std::to_string(minutes) + (minutes == 1 ? " minute." : " minutes."));
}

Status RecordSignInFailure(Db* db, const Config& config, const std::string& address) {
  Status s = db->Exec(
      "INSERT INTO signin_failures (client_address, failed_at) VALUES (?, UTC_TIMESTAMP(6))",
      {address});
  if (!s.ok()) return s;
  // Keep the table small: failures older than the window no longer count.
  return db->Exec(
      "DELETE FROM signin_failures WHERE failed_at < UTC_TIMESTAMP(6) - INTERVAL ? MINUTE "
      "LIMIT 100",
      {static_cast<int64_t>(config.signin_window_minutes)});
}

}  // namespace site
