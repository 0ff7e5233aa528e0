#include "status.h"

namespace site {

namespace {

const char* CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk: return "OK";
    case Status::Code::kBadRequest: return "BadRequest";
    case Status::Code::kUnauthorized: return "Unauthorized";
    case Status::Code::kForbidden: return "Forbidden";
    case Status::Code::kNotFound: return "NotFound";
    case Status::Code::kMethodNotAllowed: return "MethodNotAllowed";
    case Status::Code::kConflict: return "Conflict";
    case Status::Code::kTooLarge: return "TooLarge";
    case Status::Code::kInvalid: return "Invalid";
    case Status::Code::kTooManyRequests: return "TooManyRequests";
    case Status::Code::kUnavailable: return "Unavailable";
    case Status::Code::kInternal: return "Internal";
  }
  return "Unknown";
}

}  // namespace

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(CodeName(code_)) + ": " + message_;
}

int HttpStatusOf(const Status& s) {
  switch (s.code()) {
    case Status::Code::kOk: return 200;
    case Status::Code::kBadRequest: return 400;
    case Status::Code::kUnauthorized: return 401;
    case Status::Code::kForbidden: return 403;
    case Status::Code::kNotFound: return 404;
    case Status::Code::kMethodNotAllowed: return 405;
    case Status::Code::kConflict: return 409;
    case Status::Code::kTooLarge: return 413;
    case Status::Code::kInvalid: return 422;
    case Status::Code::kTooManyRequests: return 429;
    case Status::Code::kUnavailable: return 503;
    case Status::Code::kInternal: return 500;
  }
  return 500;
}

const char* ReasonPhrase(int http_status) {
  switch (http_status) {
    case 200: return "OK";
    case 303: return "See Other";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
  }
  return "Unknown";
}

}  // namespace site
