#include "error_reply.h"

#include "bearer_token.h"
#include "json_body.h"
#include "log.h"
#include "page.h"

namespace site {

const char kInternalErrorMessage[] =
    "Internal error; please try again, and tell the site administrator if it persists";
const char kUnavailableMessage[] = "Service temporarily unavailable; please try again later";

namespace {

void RenderJson(const Request& req, int code, const std::string& message, Response* resp) {
  if (code == 401) {
    std::string token;
    bool presented =
        ParseBearerHeader(req.Env("HTTP_AUTHORIZATION"), &token) != BearerHeader::kAbsent;
    resp->SetHeader("WWW-Authenticate",
                    presented ? BearerChallenge("invalid_token", message) : BearerChallenge());
  }
  SetJsonBody(resp, {{"error", ErrorName(code)}, {"message", message}}, code);
}

void RenderHtml(Templates* templates, int code, const std::string& message, Response* resp) {
  resp->set_status(code);
  auto dict = NewPage(ReasonPhrase(code), nullptr);
  dict->SetValue("MESSAGE", message);
  if (!RenderPage(templates, "error.tpl", *dict, resp).ok()) {
    resp->SetHeader("Content-Type", "text/plain; charset=utf-8");
    resp->set_body(message + "\n");
  }
}

}  // namespace

void RenderError(Templates* templates, ErrorStyle style, const Request& req, const Status& s,
                 Response* resp) {
  const int code = HttpStatusOf(s);
  std::string message = s.message();
  if (code == 500) {
    Log(LogLevel::kError, req.client_address(),
        "500 for " + req.Env("REQUEST_URI") + ": " + s.ToString());
    message = kInternalErrorMessage;
  } else if (code == 503) {
    message = kUnavailableMessage;
  }
  // An authenticated request keeps telling its client when the token expires.
  const std::string expiration = resp->Header(kTokenExpirationHeader);
  *resp = Response();
  if (!expiration.empty()) resp->SetHeader(kTokenExpirationHeader, expiration);
  if (code == 429) resp->SetHeader("Retry-After", "60");
  if (code == 503) resp->SetHeader("Retry-After", "30");
  bool json = style == ErrorStyle::kJson || (style == ErrorStyle::kByAccept && req.WantsJson());
  if (json) {
    RenderJson(req, code, message, resp);
  } else {
    RenderHtml(templates, code, message, resp);
  }
}

}  // namespace site
