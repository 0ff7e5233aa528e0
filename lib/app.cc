#include "app.h"

#include <fcgiapp.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "bearer_auth.h"
#include "log.h"
#include "page.h"

namespace site {

namespace {

std::string Basename(const char* path) {
  std::string p = path;
  size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

Request::Environment ReadEnvironment(FCGX_ParamArray envp) {
  Request::Environment env;
  for (char** e = envp; e != nullptr && *e != nullptr; ++e) {
    std::string kv = *e;
    size_t eq = kv.find('=');
    if (eq != std::string::npos) env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return env;
}

// Reads the body, never more than CONTENT_LENGTH and never more than `cap`
// (fcgi2's echo example: never read stdin without a CONTENT_LENGTH). A
// chunked body has none under mod_proxy_fcgi (the web server passes
// HTTP_TRANSFER_ENCODING instead): it is read to its end, and refused as
// soon as it passes `cap`.
Status ReadBody(FCGX_Stream* in, const Request::Environment& env, int64_t cap, std::string* body) {
  const Status too_large = Status::TooLarge("The form is larger than this site accepts (" +
                                            std::to_string(cap / 1024) + " KiB).");
  auto it = env.find("CONTENT_LENGTH");
  if (it == env.end() || it->second.empty()) {
    auto te = env.find("HTTP_TRANSFER_ENCODING");
    if (te == env.end() || te->second.empty()) return Status::OK();
    char buf[16384];
    for (int n; (n = FCGX_GetStr(buf, sizeof buf, in)) > 0;) {
      if (static_cast<int64_t>(body->size()) + n > cap) return too_large;
      body->append(buf, static_cast<size_t>(n));
    }
    return Status::OK();
  }
  const std::string& text = it->second;
  if (text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) {
    return Status::BadRequest("The request's Content-Length is not a number.");
  }
  int64_t length = std::stoll(text);
  if (length > cap) return too_large;
  body->resize(static_cast<size_t>(length));
  int got = FCGX_GetStr(body->data(), static_cast<int>(length), in);
  if (got != length) return Status::BadRequest("The request body ended early.");
  return Status::OK();
}

std::string Join(const std::vector<std::string>& words, const std::string& separator) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : separator) + w;
  return out;
}

Status CheckMethod(const ProgramOptions& options, const std::string& method) {
  if (options.methods.empty() ||
      std::find(options.methods.begin(), options.methods.end(), method) != options.methods.end()) {
    return Status::OK();
  }
  return Status::MethodNotAllowed(
      options.method_hint.empty() ? "This address takes " + Join(options.methods, " or ") + " only."
                                  : options.method_hint);
}

// A program that streams its body may answer before reading it: an early
// 401, or a 503 while the database is down. Left unread, even a small body
// made lighttpd end the kept-alive connection after the answer, without
// "Connection: close" (it finds the request body unfinished only once the
// answer is complete): the client's next request on it got no answer at
// all (tests/integration/test_soak.py: installs during a database outage,
// whenever the body came in a packet after the headers). So a body of at
// most kDrainBytes is read to its end before the answer is sent (read after
// it, it still lost the race); a larger one is not, so that an early 401
// still ends a large upload at once.
constexpr int64_t kDrainBytes = 64 * 1024;

void DrainSmallBody(FCGX_Stream* in, const Request& req) {
  const std::string& text = req.Env("CONTENT_LENGTH");
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos ||
      std::stoll(text) > kDrainBytes) {
    return;
  }
  char buf[16384];
  int64_t drained = 0;
  for (int n; drained <= kDrainBytes && (n = FCGX_GetStr(buf, sizeof buf, in)) > 0;) drained += n;
}

void Send(const Response& resp, FCGX_Stream* out) {
  std::string bytes = resp.Serialize();
  FCGX_PutStr(bytes.data(), static_cast<int>(bytes.size()), out);
}

}  // namespace

App::App(Config c) : config(std::move(c)) {
  db = std::make_unique<Db>(DatabaseOptions(config));
  templates = std::make_unique<Templates>(config.templates_dir);
}

void RenderErrorPage(App& app, const Request& req, const Status& s, Response* resp) {
  int code = HttpStatusOf(s);
  std::string message = s.message();
  if (code == 500) {
    Log(LogLevel::kError, req.client_address(), "500 for " + req.Env("REQUEST_URI") + ": " +
                                                    s.ToString());
    message = "Something went wrong on our side. Please try again; if it keeps happening, "
              "tell your site administrator.";
  } else if (code == 503) {
    message = "The site is temporarily unavailable. Please try again in a minute.";
  }
  *resp = Response();
  if (code == 503) resp->SetHeader("Retry-After", "30");
  resp->set_status(code);
  auto dict = NewPage(ReasonPhrase(code), nullptr);
  dict->SetValue("MESSAGE", message);
  if (!RenderPage(app, "error.tpl", *dict, resp).ok()) {
    resp->SetHeader("Content-Type", "text/plain; charset=utf-8");
    resp->set_body(message + "\n");
  }
}

int RunFastCgi(const char* argv0, Handler handler, ProgramOptions options) {
  SetLogProgramName(Basename(argv0));
  Config config;
  Status s = LoadConfigFromEnvironment(&config);
  if (s.ok()) s = CheckConfigDirectories(config);
  if (!s.ok()) {
    Log(LogLevel::kError, "", "cannot start: " + s.message());
    return 1;
  }
  if (options.paths.empty()) {
    Log(LogLevel::kError, "", "cannot start: cgi-bin/routes has no URL for this program");
    return 1;
  }
  App app(config);
  if (FCGX_Init() != 0) {
    Log(LogLevel::kError, "", "FCGX_Init failed");
    return 1;
  }
  FCGX_Request fcgi;
  FCGX_InitRequest(&fcgi, 0, 0);
  while (FCGX_Accept_r(&fcgi) == 0) {
    Response resp;
    std::unique_ptr<Request> req;
    try {
      Request::Environment env = ReadEnvironment(fcgi.envp);
      std::string body;
      s = options.stream_body ? Status::OK()
                              : ReadBody(fcgi.in, env, app.config.max_form_bytes, &body);
      if (!s.ok()) body.clear();
      req = std::make_unique<Request>(std::move(env), std::move(body));
      if (options.stream_body) {
        FCGX_Stream* in = fcgi.in;
        req->set_body_reader([in](char* buf, size_t size) {
          int n = FCGX_GetStr(buf, static_cast<int>(size), in);
          return n > 0 ? static_cast<size_t>(n) : size_t{0};
        });
      }
      if (s.ok() &&
          std::find(options.paths.begin(), options.paths.end(), req->path()) == options.paths.end()) {
        s = Status::NotFound("There is no page at this address.");
      }
      if (s.ok()) s = CheckMethod(options, req->Env("REQUEST_METHOD"));
      if (s.ok()) s = app.db->EnsureConnected();
      if (s.ok()) s = handler(app, *req, &resp);
    } catch (const std::exception& e) {
      s = Status::Internal(std::string("uncaught exception: ") + e.what());
    } catch (...) {
      s = Status::Internal("uncaught non-standard exception");
    }
    if (!req) req = std::make_unique<Request>(Request::Environment(), std::string());
    if (!s.ok()) {
      try {
        bool json = options.errors == ErrorStyle::kJson ||
                    (options.errors == ErrorStyle::kByAccept && req->WantsJson());
        if (json) {
          RenderApiError(*req, s, &resp);
        } else {
          RenderErrorPage(app, *req, s, &resp);
        }
      } catch (...) {
        resp = Response();
        resp.set_status(500);
        resp.SetHeader("Content-Type", "text/plain; charset=utf-8");
        resp.set_body("Internal Server Error\n");
      }
    }
    if (s.code() == Status::Code::kMethodNotAllowed) {
      resp.SetHeader("Allow", Join(options.methods, ", "));  // RFC 9110 15.5.6
    }
    if (options.stream_body) DrainSmallBody(fcgi.in, *req);
    Send(resp, fcgi.out);
    FCGX_Finish_r(&fcgi);
  }
  return 0;
}

}  // namespace site
