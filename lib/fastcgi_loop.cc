#include "fastcgi_loop.h"

#include <fcgiapp.h>

#include <memory>
#include <optional>
#include <string>

#include "log.h"
#include "text.h"

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

// Reads the body of the request of `env` into *body, never more than CONTENT_LENGTH and
// never more than `cap` (fcgi2's echo example: never read stdin without a
// CONTENT_LENGTH). A chunked body has none under mod_proxy_fcgi (the web
// server passes HTTP_TRANSFER_ENCODING instead): it is read to its end, and
// refused as soon as it passes `cap`.
Status ReadFormBody(FCGX_Stream* in, const Request::Environment& env, int64_t cap,
                    std::string* body) {
  const Status too_large = Status::TooLarge("The form is larger than this site accepts (" +
                                            FormatBytes(static_cast<uint64_t>(cap)) + ").");
  std::optional<int64_t> length;
  Status s = Request::ContentLength(env, &length);
  if (!s.ok()) return s;
  if (!length) {
    auto te = env.find("HTTP_TRANSFER_ENCODING");
    if (te == env.end() || te->second.empty()) return Status::OK();
    char buf[16384];
    for (int n; (n = FCGX_GetStr(buf, sizeof buf, in)) > 0;) {
      if (static_cast<int64_t>(body->size()) + n > cap) return too_large;
      body->append(buf, static_cast<size_t>(n));
    }
    return Status::OK();
  }
  if (*length > cap) return too_large;
  body->resize(static_cast<size_t>(*length));
  int got = FCGX_GetStr(body->data(), static_cast<int>(*length), in);
  if (got != *length) return Status::BadRequest("The request body ended early.");
  return Status::OK();
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
  std::optional<int64_t> length;
  if (!req.ContentLength(&length).ok() || !length || *length > kDrainBytes) return;
  char buf[16384];
  int64_t drained = 0;
  for (int n; drained <= kDrainBytes && (n = FCGX_GetStr(buf, sizeof buf, in)) > 0;) drained += n;
}

void Send(const Response& resp, FCGX_Stream* out) {
  std::string bytes = resp.Serialize();
  FCGX_PutStr(bytes.data(), static_cast<int>(bytes.size()), out);
}

// Builds the request of `fcgi` and answers it.
Response Answer(App& app, FCGX_Request* fcgi) {
  Request::Environment env = ReadEnvironment(fcgi->envp);
  if (app.program.options.stream_body) {
    Request req(std::move(env), std::string());
    FCGX_Stream* in = fcgi->in;
    req.set_body_reader([in](char* buf, size_t size) {
      int n = FCGX_GetStr(buf, static_cast<int>(size), in);
      return n > 0 ? static_cast<size_t>(n) : size_t{0};
    });
    Response resp = Serve(app, req);
    DrainSmallBody(fcgi->in, req);
    return resp;
  }
  std::string body;
  Status s = ReadFormBody(fcgi->in, env, app.config.max_form_bytes, &body);
  if (!s.ok()) return ErrorResponse(app, Request(std::move(env), std::string()), s);
  return Serve(app, Request(std::move(env), std::move(body)));
}

}  // namespace

int RunFastCgi(const char* argv0, const Program& program) {
  SetLogProgramName(Basename(argv0));
  Config config;
  Status s = LoadConfigFromEnvironment(&config);
  if (s.ok()) s = CheckConfigDirectories(config);
  if (!s.ok()) {
    Log(LogLevel::kError, "", "cannot start: " + s.message());
    return 1;
  }
  if (program.options.paths.empty()) {
    Log(LogLevel::kError, "", "cannot start: cgi-bin/routes has no URL for this program");
    return 1;
  }
  App app(config, program);
  if (FCGX_Init() != 0) {
    Log(LogLevel::kError, "", "FCGX_Init failed");
    return 1;
  }
  FCGX_Request fcgi;
  FCGX_InitRequest(&fcgi, 0, 0);
  while (FCGX_Accept_r(&fcgi) == 0) {
    Response resp;
    try {
      resp = Answer(app, &fcgi);
    } catch (...) {
      // Building the Request failed (cgicc threw on a malformed body, or
      // memory ran out): Serve never ran.
      resp = ErrorResponse(app, Request(Request::Environment(), std::string()),
                           Status::Internal("cannot read the request"));
    }
    Send(resp, fcgi.out);
    FCGX_Finish_r(&fcgi);
  }
  return 0;
}

}  // namespace site
