#include "status.h"

namespace site {

namespace {

// The one table of our statuses: each code's name (for logs), its HTTP
// status, reason phrase and JSON "error" name. Then the HTTP statuses that
// no Status code has (a redirect, the web server's own answers).
struct CodeRow {
  Status::Code code;
  const char* name;
  int http;
  const char* reason;
  const char* error;
};

constexpr CodeRow kCodes[] = {
    {Status::Code::kOk, "OK", 200, "OK", ""},
    {Status::Code::kBadRequest, "BadRequest", 400, "Bad Request", "bad_request"},
    {Status::Code::kUnauthorized, "Unauthorized", 401, "Unauthorized", "unauthorized"},
    {Status::Code::kForbidden, "Forbidden", 403, "Forbidden", "forbidden"},
    {Status::Code::kNotFound, "NotFound", 404, "Not Found", "not_found"},
    {Status::Code::kMethodNotAllowed, "MethodNotAllowed", 405, "Method Not Allowed",
     "method_not_allowed"},
    {Status::Code::kConflict, "Conflict", 409, "Conflict", "conflict"},
    {Status::Code::kTooLarge, "TooLarge", 413, "Payload Too Large", "too_large"},
    {Status::Code::kInvalid, "Invalid", 422, "Unprocessable Entity", "invalid"},
    {Status::Code::kTooManyRequests, "TooManyRequests", 429, "Too Many Requests",
     "too_many_requests"},
    {Status::Code::kUnavailable, "Unavailable", 503, "Service Unavailable", "unavailable"},
    {Status::Code::kInternal, "Internal", 500, "Internal Server Error", "internal_error"},
};

struct HttpRow {
  int http;
  const char* reason;
};

constexpr HttpRow kOtherHttp[] = {
    {303, "See Other"},
    {408, "Request Timeout"},
    {411, "Length Required"},
    {414, "URI Too Long"},
    {431, "Request Header Fields Too Large"},
};

const CodeRow* RowOf(Status::Code code) {
  for (const CodeRow& r : kCodes) {
    if (r.code == code) return &r;
  }
  return nullptr;
}

const CodeRow* RowOfHttp(int http_status) {
  for (const CodeRow& r : kCodes) {
    if (r.http == http_status) return &r;
  }
  return nullptr;
}

}  // namespace

const char* CodeName(Status::Code code) {
  const CodeRow* r = RowOf(code);
  return r ? r->name : "Unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(CodeName(code_)) + ": " + message_;
}

int HttpStatusOf(const Status& s) {
  const CodeRow* r = RowOf(s.code());
  return r ? r->http : 500;
}

const char* ReasonPhrase(int http_status) {
  if (const CodeRow* r = RowOfHttp(http_status)) return r->reason;
  for (const HttpRow& r : kOtherHttp) {
    if (r.http == http_status) return r.reason;
  }
  return "Unknown";
}

const char* ErrorName(int http_status) {
  const CodeRow* r = RowOfHttp(http_status);
  return r && http_status >= 400 ? r->error : "internal_error";
}

}  // namespace site
