// /createBearerToken (POST): the "Create Bearer Token" button of the People
// edit page. Creates a token for the person whose record is open
// (form field person_id), replacing their previous one.
//
// Signed-in Admins only, with the session's CSRF token, whatever the page
// showed. The page's script asks for JSON (Accept: application/json) and
// shows the token in a dialog; without JavaScript the form posts normally
// and the same content comes back as a page. Either way this response is
// the only one that ever holds the token (Cache-Control: no-store).
#pragma once

#include "app.h"

namespace site {

// Answers one request of createBearerToken's URLs (the table above).
Status HandleCreateBearerToken(App& app, const Request& req, Response* resp);

// The createBearerToken program: HandleCreateBearerToken with its URLs from the route table.
Program CreateBearerTokenProgram();

}  // namespace site
