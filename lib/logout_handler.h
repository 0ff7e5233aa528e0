// /logout: signing out (POST only, with the session's CSRF token, so that
// another site cannot sign an admin out).
#pragma once

#include "app.h"

namespace site {

// Answers one request of logout's URLs (the table above).
Status HandleLogout(App& app, const Request& req, Response* resp);

// The logout program: HandleLogout with its URLs from the route table.
Program LogoutProgram();

}  // namespace site
