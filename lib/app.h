// App: what a FastCGI program keeps for its whole life (settings, the
// database connection, the template cache, the program's handler), and
// Serve, which turns one Request into its Response. The FastCGI accept
// loop is fastcgi_loop.h's; Serve needs no web server, so tests call it
// with a Request they build.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config.h"
#include "db.h"
#include "error_reply.h"
#include "request.h"
#include "response.h"
#include "routes.h"
#include "status.h"
#include "templates.h"

namespace site {

struct App;

// A request handler: fills `resp`, or returns a non-OK Status that Serve
// answers with the error reply of the program's style (error_reply.h). The
// handler may assume the database connection was checked at the start of
// the request, and that the path and method are ones its program takes.
using Handler = Status (*)(App& app, const Request& req, Response* resp);

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
  // True: a request waits for a database connection before the handler
  // runs, and is a 503 without one. False: the handler asks itself (the
  // health check, which says what is down).
  bool needs_database = true;
};

// The options the route table gives `program`: its paths, how its errors
// are answered, and stream_body when one of its URLs takes an upload.
// methods and method_hint are the program's own.
ProgramOptions RouteOptions(const std::string& program);

// One cgi-bin program: its handler and how it is served.
struct Program {
  Handler handler = nullptr;
  ProgramOptions options;
};

// The program of `handler` with RouteOptions(route) and, when given, the
// methods it takes and the 405's hint.
Program MakeProgram(Handler handler, const std::string& route,
                    std::vector<std::string> methods = {}, std::string method_hint = "");

struct App {
  Config config;
  Program program;
  std::unique_ptr<Db> db;
  std::unique_ptr<Templates> templates;

  // Builds the database handle (connected on first use) and the template
  // cache from `config`.
  App(Config config, Program program);
};

// Answers `req`: a 404 for a path the program does not take, a 405 (with
// Allow) for a method it does not take, a 503 when the database cannot be
// reached, else what the handler makes of it; a non-OK Status, and any
// exception the handler lets out (as a 500), become the error reply of the
// program's style. Never throws.
Response Serve(App& app, const Request& req);

// The error reply of the program's style for `s`, for a request that was
// refused before Serve (a body that could not be read). Never throws.
Response ErrorResponse(App& app, const Request& req, const Status& s);

}  // namespace site
