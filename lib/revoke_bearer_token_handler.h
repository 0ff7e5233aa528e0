// /revokeBearerToken (POST): the Revoke button of the People edit page.
// Ends the token of the person whose record is open (form field person_id).
// Signed-in Admins only, with the session's CSRF token.
#pragma once

#include "app.h"

namespace site {

// Answers one request of revokeBearerToken's URLs (the table above).
Status HandleRevokeBearerToken(App& app, const Request& req, Response* resp);

// The revokeBearerToken program: HandleRevokeBearerToken with its URLs from the route table.
Program RevokeBearerTokenProgram();

}  // namespace site
