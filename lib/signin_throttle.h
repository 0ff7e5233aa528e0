// Sign-in throttling: after `signin_max_failures` failed sign-ins from one
// client address within `signin_window_minutes`, further attempts from that
// address are refused (429) until the oldest failure leaves the window.
// Counted in the database, so every web node sees the same count.
#pragma once

#include <functional>
#include <string>

#include "config.h"
#include "db.h"
#include "status.h"

namespace site {

// Returns OK when `address` may try to sign in; TooManyRequests (with
// *retry_after_seconds set) when it must wait.
Status CheckSignInAllowed(Db* db, const Config& config, const std::string& address,
                          int* retry_after_seconds);

// Runs one sign-in attempt from `address` under the throttle, exactly:
// behind the address's throttle_locks row, so that attempts from one
// address (on one server or across a Galera cluster) are checked one at a
// time; refused with TooManyRequests (and *retry_after_seconds) without
// running `attempt` when the address is at its limit; else `attempt` runs
// (it checks the password) and sets *failed, and a failure is recorded in
// the same transaction. So at most signin_max_failures attempts are ever
// checked within the window, however many come at once, and concurrent
// good sign-ins from one address (an office behind one NAT address) wait
// for each other instead of counting against each other. `attempt` may run
// again after a Galera conflict (RunInTransaction); its answer is used only
// from the run that committed.
Status ThrottledSignIn(Db* db, const Config& config, const std::string& address,
                       const std::function<Status(bool* failed)>& attempt,
                       int* retry_after_seconds);

// Records one failed sign-in from `address` (tools and tests; sign-ins
// record theirs in ThrottledSignIn).
Status RecordSignInFailure(Db* db, const Config& config, const std::string& address);

// Writes the (throttle, address) row of throttle_locks inside the caller's
// transaction: the attempts of one address that the throttle counts pass
// this one at a time. REQUIRES: a transaction (RunInTransaction).
Status LockThrottle(Db* db, const std::string& throttle, const std::string& address);

// Removes (some of) the lock rows of addresses not seen for a day; each
// throttle calls it after it records a failure.
Status PruneThrottleLocks(Db* db);

}  // namespace site
