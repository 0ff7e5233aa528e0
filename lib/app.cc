#include "app.h"

#include <algorithm>
#include <exception>
#include <string>

namespace site {

namespace {

std::string Join(const std::vector<std::string>& words, const std::string& separator) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : separator) + w;
  return out;
}

// The checks every request passes before its handler: a path and a method
// of this program, and (unless the program says otherwise) a database
// connection.
Status Admit(App& app, const Request& req) {
  const ProgramOptions& options = app.program.options;
  if (std::find(options.paths.begin(), options.paths.end(), req.path()) == options.paths.end()) {
    return Status::NotFound("There is no page at this address.");
  }
  const std::string& method = req.method();
  if (!options.methods.empty() &&
      std::find(options.methods.begin(), options.methods.end(), method) == options.methods.end()) {
    return Status::MethodNotAllowed(options.method_hint.empty()
                                        ? "This address takes " + Join(options.methods, " or ") +
                                              " only."
                                        : options.method_hint);
  }
  return options.needs_database ? app.db->EnsureConnected() : Status::OK();
}

// The error reply for `s`, from what the handler left in `resp` (of which
// RenderError keeps only the token expiry header).
Response ErrorReply(App& app, const Request& req, const Status& s, Response resp) {
  try {
    RenderError(app.templates.get(), app.program.options.errors, req, s, &resp);
  } catch (...) {
    // The last resort: rendering itself failed (out of memory, a broken
    // template cache). Nothing of the request goes into this answer.
    resp = Response();
    resp.set_status(500);
    resp.SetHeader("Content-Type", "text/plain; charset=utf-8");
    resp.set_body(std::string(kInternalErrorMessage) + "\n");
  }
  if (s.code() == Status::Code::kMethodNotAllowed) {
    resp.SetHeader("Allow", Join(app.program.options.methods, ", "));  // RFC 9110 15.5.6
  }
  return resp;
}

}  // namespace

ProgramOptions RouteOptions(const std::string& program) {
  ProgramOptions options;
  for (const Route& r : AllRoutes()) {
    if (program != r.program) continue;
    options.paths.emplace_back(r.path);
    options.errors = r.errors;  // the same on every row (tools/routes.sh checks)
    options.stream_body = options.stream_body || r.upload;
  }
  return options;
}

Program MakeProgram(Handler handler, const std::string& route, std::vector<std::string> methods,
                    std::string method_hint) {
  Program p;
  p.handler = handler;
  p.options = RouteOptions(route);
  p.options.methods = std::move(methods);
  p.options.method_hint = std::move(method_hint);
  return p;
}

App::App(Config c, Program p) : config(std::move(c)), program(std::move(p)) {
  db = std::make_unique<Db>(DatabaseOptions(config));
  templates = std::make_unique<Templates>(config.templates_dir);
}

Response ErrorResponse(App& app, const Request& req, const Status& s) {
  return ErrorReply(app, req, s, Response());
}

Response Serve(App& app, const Request& req) {
  Response resp;
  Status s;
  try {
    s = Admit(app, req);
    if (s.ok()) s = app.program.handler(app, req, &resp);
  } catch (const std::exception& e) {
    s = Status::Internal(std::string("uncaught exception: ") + e.what());
  } catch (...) {
    s = Status::Internal("uncaught non-standard exception");
  }
  if (s.ok()) return resp;
  return ErrorReply(app, req, s, std::move(resp));
}

}  // namespace site
