// /login: the sign-in page (GET) and sign-in (POST).
//
// The form carries a CSRF token even though there is no session yet
// (login CSRF): the token is also set in a short-lived cookie, and a POST
// whose field and cookie differ is refused (double-submit).
#pragma once

#include "app.h"

namespace site {

// Answers one request of login's URLs (the table above).
Status HandleLogin(App& app, const Request& req, Response* resp);

// The login program: HandleLogin with its URLs from the route table.
Program LoginProgram();

}  // namespace site
