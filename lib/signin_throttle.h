// Sign-in throttling: after `signin_max_failures` failed sign-ins from one
// client address within `signin_window_minutes`, further attempts from that
// address are refused (429) until the oldest failure leaves the window.
// Counted in the database, so every web node sees the same count.
#pragma once

#include <string>

#include "config.h"
#include "db.h"
#include "status.h"

namespace site {

// Returns OK when `address` may try to sign in; TooManyRequests (with
// *retry_after_seconds set) when it must wait.
Status CheckSignInAllowed(Db* db, const Config& config, const std::string& address,
                          int* retry_after_seconds);

// Reserves one sign-in attempt for `address`, before its password is
// checked: OK with *attempt_id set, the attempt counting as a failure from
// now on (so that attempts made at the same moment count each other); or
// TooManyRequests (with *retry_after_seconds) when the address is at its
// limit, the attempt not counted. Exact under races, on one server or a
// Galera cluster: attempts from one address reserve one at a time
// (throttle_locks), so at most signin_max_failures are ever checked within
// the window.
Status ReserveSignInAttempt(Db* db, const Config& config, const std::string& address,
                            int64_t* attempt_id, int* retry_after_seconds);

// The reserved attempt succeeded: it no longer counts as a failure.
Status ForgiveSignInAttempt(Db* db, int64_t attempt_id);

// Records one failed sign-in from `address` (what a reserved attempt that is
// not forgiven amounts to).
Status RecordSignInFailure(Db* db, const Config& config, const std::string& address);

// Writes the (throttle, address) row of throttle_locks inside the caller's
// transaction: the attempts of one address that the throttle counts pass
// this one at a time. REQUIRES: a transaction (RunInTransaction).
Status LockThrottle(Db* db, const std::string& throttle, const std::string& address);

}  // namespace site
