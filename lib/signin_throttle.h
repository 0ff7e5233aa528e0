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

// Records one failed sign-in from `address`.
Status RecordSignInFailure(Db* db, const Config& config, const std::string& address);

}  // namespace site
