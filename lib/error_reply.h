// Error replies: the one place a non-OK Status becomes an answer, for every
// program. The API programs answer JSON ({"error", "message"}, RFC 6750's
// WWW-Authenticate on 401), the admin pages an HTML page (templates/
// error.tpl in the layout), and the pages' own scripts, which ask for
// JSON, get JSON. Internal details are logged, never shown: a 500 and a 503
// carry the same fixed text whichever the style.
#pragma once

#include "request.h"
#include "response.h"
#include "status.h"
#include "templates.h"

namespace site {

// The texts of every 500 and 503 the programs send (the web server's own
// are tools/webconf.sh's).
extern const char kInternalErrorMessage[];
extern const char kUnavailableMessage[];  // "Service temporarily unavailable; ..."

// How a program answers errors: admin pages with an HTML page, API programs
// with JSON, and pages that scripts also call with whichever the request's
// Accept header asks (Request::WantsJson).
enum class ErrorStyle { kHtmlPage, kJson, kByAccept };

// Replaces *resp with the answer for the non-OK `s`: its status
// (HttpStatusOf), its message (or the fixed 500/503 text, the 500's detail
// logged with the client's address and URL), Retry-After on 429 and 503,
// and in JSON a WWW-Authenticate challenge on 401 (error="invalid_token"
// when a bearer token was presented). The token expiry header a handler
// set (bearer_token.h) is kept. `templates` renders the HTML page; if it
// cannot, the page is plain text.
void RenderError(Templates* templates, ErrorStyle style, const Request& req,
                 const Status& s, Response* resp);

}  // namespace site
