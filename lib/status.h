// Status: the one error type that crosses module borders.
//
// Modeled on LevelDB's Status: named constructors, a cheap ok(), and a
// message meant for the person who reads the answer. HttpStatusOf() is the
// only place that maps a Status to an HTTP status code.
#pragma once

#include <string>
#include <utility>

namespace site {

class Status {
 public:
  enum class Code {
    kOk,
    kBadRequest,       // the client sent something malformed
    kUnauthorized,     // not signed in / no valid credentials
    kForbidden,        // signed in, but not allowed
    kNotFound,
    kMethodNotAllowed,  // the URL exists, but not for this method (405)
    kConflict,
    kTooLarge,         // request body over our limit
    kInvalid,          // well-formed but fails validation (422)
    kTooManyRequests,  // throttled
    kUnavailable,      // the database (or another dependency) is unreachable
    kInternal,         // a bug or an unexpected library failure
  };

  Status() = default;  // OK

  static Status OK() { return Status(); }
  static Status BadRequest(std::string m) { return Status(Code::kBadRequest, std::move(m)); }
  static Status Unauthorized(std::string m) { return Status(Code::kUnauthorized, std::move(m)); }
  static Status Forbidden(std::string m) { return Status(Code::kForbidden, std::move(m)); }
  static Status NotFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
  static Status MethodNotAllowed(std::string m) {
    return Status(Code::kMethodNotAllowed, std::move(m));
  }
  static Status Conflict(std::string m) { return Status(Code::kConflict, std::move(m)); }
  static Status TooLarge(std::string m) { return Status(Code::kTooLarge, std::move(m)); }
  static Status Invalid(std::string m) { return Status(Code::kInvalid, std::move(m)); }
  static Status TooManyRequests(std::string m) { return Status(Code::kTooManyRequests, std::move(m)); }
  static Status Unavailable(std::string m) { return Status(Code::kUnavailable, std::move(m)); }
  static Status Internal(std::string m) { return Status(Code::kInternal, std::move(m)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns e.g. "Unavailable: database unreachable", for logs.
  std::string ToString() const;

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

// Returns the HTTP status code that answers a request which ended in `s`.
int HttpStatusOf(const Status& s);

// Returns the reason phrase of an HTTP status code ("Not Found").
const char* ReasonPhrase(int http_status);

// Returns the code's name, "NotFound" (logs, test output).
const char* CodeName(Status::Code code);

// Returns the JSON "error" name of an HTTP error status ("not_found"), or
// "internal_error" for one that no Status code answers.
const char* ErrorName(int http_status);

}  // namespace site
