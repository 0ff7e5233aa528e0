// The shared auth library of the API programs: reads the bearer token from
// the Authorization header that the web server passes (HTTP_AUTHORIZATION),
// never from the query string or a form field, and answers as the README's
// table says (RFC 6750).
#pragma once

#include <cstdint>
#include <string>

#include "access.h"
#include "bearer_token.h"
#include "config.h"
#include "db.h"
#include "request.h"
#include "response.h"
#include "status.h"

namespace site {

// The messages of the table, verbatim: build servers' logs show them.
extern const char kAuthRequiredMessage[];   // "Authentication required"
extern const char kTokenExpiredMessage[];   // "Token has expired"
extern const char kTokenInvalidMessage[];   // not valid, may have been replaced
extern const char kAdminRequiredMessage[];  // "Admin access required"

// Who a token acts as, read at this request.
struct BearerIdentity {
  int64_t person_id = 0;
  std::string username;
  std::string display_name;
  Access access = Access::kNone;
  std::string hint;
  std::string created_at;  // UTC, "YYYY-MM-DD HH:MM:SS"
  std::string expires_at;
  int64_t days_left = 0;   // whole days until expiry (a part-day counts as one)
  bool expires_soon = false;  // less than kTokenExpiryWarningDays left
};

// The header that carries TokenExpiryWarning on successful answers.
constexpr char kTokenExpiryWarningHeader[] = "Authentication-Token-Expiry-Warning";

// Authenticates the request's bearer token. Returns OK with *who filled, or
// Unauthorized (kAuthRequired/kTokenExpired/kTokenInvalid), TooManyRequests
// (instead of Unauthorized, once this address has presented too many
// malformed or unknown tokens lately) or Unavailable.
// The person's access and active flag are read now, not at creation. Records
// last use at most once a minute per token: one indexed lookup otherwise.
Status AuthenticateBearer(Db* db, const Config& config, const Request& req, BearerIdentity* who);

// "this token expires on 2027-11-28, in 12 days: create a new one on your
// record" when `who`'s token expires soon, else "".
std::string TokenExpiryWarning(const BearerIdentity& who);

// `message`, followed by "; " and TokenExpiryWarning when there is one: the
// `message` of every successful API answer.
std::string WithTokenExpiryWarning(const std::string& message, const BearerIdentity& who);

// Sets kTokenExpirationHeader (bearer_token.h), which every authenticated
// response carries, to the token's expiry, and kTokenExpiryWarningHeader
// when the token expires soon.
void SetTokenExpirationHeader(const BearerIdentity& who, Response* resp);

// Returns true iff `who` has Admin access; otherwise answers `resp` with
// 403 "Admin access required" (RFC 6750 insufficient_scope) and returns false.
bool RequireAdminOrReply(const BearerIdentity& who, const Request& req, Response* resp);

}  // namespace site
