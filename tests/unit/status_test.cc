#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <string>

#include "status.h"
#include "test_util.h"

using site::HttpStatusOf;
using site::ReasonPhrase;
using site::Status;

BOOST_AUTO_TEST_SUITE(status_test)

BOOST_AUTO_TEST_CASE(default_status_is_ok) {
  Status s;
  BOOST_TEST(s.ok());
  BOOST_TEST(s.code() == Status::Code::kOk);
  BOOST_TEST(s.message() == "");
  BOOST_TEST(s.ToString() == "OK");
  BOOST_TEST(Status::OK().ok());
  BOOST_TEST(HttpStatusOf(Status::OK()) == 200);
}

// Every named constructor: its code, the HTTP status it answers with, and
// how it reads in a log line.
BOOST_AUTO_TEST_CASE(every_code_maps_to_its_http_status) {
  struct Case {
    Status status;
    Status::Code code;
    int http;
    const char* reason;
    const char* to_string;
  };
  const Case cases[] = {
      {Status::BadRequest("m"), Status::Code::kBadRequest, 400, "Bad Request", "BadRequest: m"},
      {Status::Unauthorized("m"), Status::Code::kUnauthorized, 401, "Unauthorized",
       "Unauthorized: m"},
      {Status::Forbidden("m"), Status::Code::kForbidden, 403, "Forbidden", "Forbidden: m"},
      {Status::NotFound("m"), Status::Code::kNotFound, 404, "Not Found", "NotFound: m"},
      {Status::MethodNotAllowed("m"), Status::Code::kMethodNotAllowed, 405, "Method Not Allowed",
       "MethodNotAllowed: m"},
      {Status::Conflict("m"), Status::Code::kConflict, 409, "Conflict", "Conflict: m"},
      {Status::TooLarge("m"), Status::Code::kTooLarge, 413, "Payload Too Large", "TooLarge: m"},
      {Status::Invalid("m"), Status::Code::kInvalid, 422, "Unprocessable Entity", "Invalid: m"},
      {Status::TooManyRequests("m"), Status::Code::kTooManyRequests, 429, "Too Many Requests",
       "TooManyRequests: m"},
      {Status::Unavailable("m"), Status::Code::kUnavailable, 503, "Service Unavailable",
       "Unavailable: m"},
      {Status::Internal("m"), Status::Code::kInternal, 500, "Internal Server Error",
       "Internal: m"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT("code " << c.code) {
      BOOST_TEST(!c.status.ok());
      BOOST_TEST(c.status.code() == c.code);
      BOOST_TEST(c.status.message() == "m");
      BOOST_TEST(HttpStatusOf(c.status) == c.http);
      BOOST_TEST(std::string(ReasonPhrase(c.http)) == c.reason);
      BOOST_TEST(c.status.ToString() == c.to_string);
    }
  }
}

BOOST_AUTO_TEST_CASE(to_string_reads_like_a_log_line) {
  BOOST_TEST(Status::Unavailable("database unreachable").ToString() ==
             "Unavailable: database unreachable");
}

BOOST_AUTO_TEST_CASE(reason_phrases_of_other_codes) {
  const std::pair<int, const char*> cases[] = {
      {200, "OK"}, {303, "See Other"}, {405, "Method Not Allowed"}, {408, "Request Timeout"},
      {431, "Request Header Fields Too Large"},
      {0, "Unknown"}, {299, "Unknown"}, {999, "Unknown"},
  };
  for (const auto& [code, phrase] : cases) {
    BOOST_TEST_CONTEXT("HTTP " << code) { BOOST_TEST(std::string(ReasonPhrase(code)) == phrase); }
  }
}

BOOST_AUTO_TEST_CASE(json_error_names) {
  const std::pair<int, const char*> cases[] = {
      {400, "bad_request"}, {401, "unauthorized"}, {403, "forbidden"}, {404, "not_found"},
      {405, "method_not_allowed"}, {409, "conflict"}, {413, "too_large"}, {422, "invalid"},
      {429, "too_many_requests"}, {500, "internal_error"}, {503, "unavailable"},
      {200, "internal_error"}, {418, "internal_error"},
  };
  for (const auto& [code, name] : cases) {
    BOOST_TEST_CONTEXT("HTTP " << code) { BOOST_TEST(std::string(site::ErrorName(code)) == name); }
  }
}

BOOST_AUTO_TEST_CASE(copies_keep_code_and_message) {
  Status a = Status::Conflict("duplicate");
  Status b = a;
  BOOST_TEST(b.code() == Status::Code::kConflict);
  BOOST_TEST(b.message() == "duplicate");
  b = Status::OK();
  BOOST_TEST(b.ok());
  BOOST_TEST(b.message() == "");
  BOOST_TEST(a.code() == Status::Code::kConflict);
}

BOOST_AUTO_TEST_SUITE_END()
