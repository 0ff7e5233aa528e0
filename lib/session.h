// Sessions of the admin site, stored in the database so that any web node
// can serve any request.
//
// The cookie carries a 256-bit random id (hex); the table holds only its
// SHA-256 digest. Each session has its own CSRF token, which every POST of
// the admin site must echo in the `csrf_token` form field. The person's
// access is read again on every request, so a demotion or deactivation
// takes effect at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "access.h"
#include "config.h"
#include "db.h"
#include "request.h"
#include "response.h"
#include "status.h"

namespace site {

// The session cookie; "__Host-session" when Secure (response.h, CookieName).
constexpr char kSessionCookie[] = "session";
constexpr char kCsrfField[] = "csrf_token";

struct SessionInfo {
  int64_t person_id = 0;
  std::string username;
  std::string display_name;
  Access access = Access::kNone;
  std::string csrf_token;
};

// Starts a session for `person_id` and sets its cookie on `resp`.
Status StartSession(Db* db, const Config& config, const Request& req, int64_t person_id,
                    Response* resp);

// Finds the live session named by the request's cookie. Sets *out to
// nullopt when there is none, it has timed out (idle or absolute), or its
// person may no longer use the admin site. Refreshes last_seen_at at most
// once a minute, so that reading pages does not write on every request.
Status FindSession(Db* db, const Config& config, const Request& req,
                   std::optional<SessionInfo>* out);

// Ends the request's session (if any) and clears the cookie.
Status EndSession(Db* db, const Config& config, const Request& req, Response* resp);

// Ends every session of `person_id` (deactivated, demoted, a new password).
Status EndSessionsOf(Db* db, int64_t person_id);

// Returns OK iff the POST's csrf_token field equals the session's token
// (constant-time); else Forbidden with a message for the person.
Status CheckCsrf(const SessionInfo& session, const Request& req);
// The same for a token read some other way (a streamed multipart field).
Status CheckCsrfToken(const SessionInfo& session, const std::string& token);

}  // namespace site
