// App: what a FastCGI program keeps for its whole life (settings, the
// database connection, the template cache), and the accept loop that turns
// each FastCGI request into a call of the program's handler.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config.h"
#include "db.h"
#include "request.h"
#include "response.h"
#include "status.h"
#include "templates.h"

namespace site {

struct App {
  Config config;
  std::unique_ptr<Db> db;
  std::unique_ptr<Templates> templates;

  // Builds the database handle and template cache from `config`.
  explicit App(Config config);
};

// A request handler: fills `resp`, or returns a non-OK Status that the loop
// answers with the matching error page (HttpStatusOf). The handler may
// assume the database connection was checked at the start of the request.
using Handler = Status (*)(App& app, const Request& req, Response* resp);

// How a program answers errors: admin pages with an HTML page, API
// programs with JSON (and RFC 6750 headers, see bearer_auth.h), and pages
// that scripts also call with whichever the request's Accept header asks.
enum class ErrorStyle { kHtmlPage, kJson, kByAccept };

// Loads the config named by $SITE_CONFIG (exiting with a message naming the
// bad setting), then serves FastCGI requests until the web server stops us.
// Every request gets fresh Request/Response objects; no request state
// outlives its request. Exceptions stop here and answer 500.
struct ProgramOptions {
  ErrorStyle errors = ErrorStyle::kHtmlPage;
  // False: the loop reads the body (at most max_form_bytes) before the
  // handler runs. True: the handler reads it itself, in chunks, through
  // Request::ReadBody (uploads).
  bool stream_body = false;
  // The URL paths (Request::path) this program answers, exactly. Any other
  // path is a 404 before the handler runs. From the route table:
  // RoutePaths("program") (routes.h). Empty: the program refuses to start.
  std::vector<std::string> paths;
  // The request methods this program answers (REQUEST_METHOD), e.g.
  // {"POST"}. Any other is a 405 with `Allow` naming these, before the
  // handler runs. Empty: every method.
  std::vector<std::string> methods;
  // The 405's message, for the client's log (a default names `methods`).
  std::string method_hint;
};

int RunFastCgi(const char* argv0, Handler handler, ProgramOptions options = ProgramOptions());

// Answers `resp` with the error page for `s` (status, message, and for 503
// a Retry-After). Internal details are logged, never shown.
void RenderErrorPage(App& app, const Request& req, const Status& s, Response* resp);

}  // namespace site
