// Request: one HTTP request as a FastCGI program sees it: the CGI
// environment plus the body. Built from FastCGI in app.cc, or directly by
// tests, so that handlers can be exercised without a web server.
//
// Query strings, urlencoded/multipart form bodies and cookies are parsed by
// cgicc. Form fields come only from the body of a POST, query parameters
// only from the query string: a value never moves between the two.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "status.h"

namespace site {

class Request {
 public:
  using Environment = std::map<std::string, std::string>;

  // REQUIRES: `body` holds at most CONTENT_LENGTH bytes, already capped.
  Request(Environment env, std::string body);

  // Returns the CGI variable `name`, or "" when absent.
  const std::string& Env(const std::string& name) const;

  const std::string& method() const { return Env("REQUEST_METHOD"); }
  bool IsPost() const { return method() == "POST"; }
  // The URL path of the request without its query, e.g. "/people/edit":
  // SCRIPT_NAME + PATH_INFO. Apache's Alias puts it all in SCRIPT_NAME;
  // lighttpd's prefix mapping ("/people") puts the rest in PATH_INFO.
  std::string path() const { return Env("SCRIPT_NAME") + Env("PATH_INFO"); }
  const std::string& client_address() const { return Env("REMOTE_ADDR"); }
  // True when the client reached us over TLS (HTTPS=on from the web server).
  bool IsHttps() const;
  // True iff the client asked for JSON (Accept names application/json): the
  // pages' scripts do; their errors then come as JSON, not as a page.
  bool WantsJson() const { return Env("HTTP_ACCEPT").find("application/json") != std::string::npos; }

  // Reads CONTENT_LENGTH: OK with *length set (nullopt when the request
  // has none, as a chunked body under mod_proxy_fcgi), or BadRequest when it
  // is not a number of at most 18 digits.
  Status ContentLength(std::optional<int64_t>* length) const;
  // The same for an environment not yet made into a Request.
  static Status ContentLength(const Environment& env, std::optional<int64_t>* length);

  // Returns the first value of query parameter `name`, or "".
  std::string Query(const std::string& name) const;
  // Returns the first value of POST form field `name`, or "".
  std::string Form(const std::string& name) const;
  bool HasForm(const std::string& name) const;
  // Returns the value of cookie `name`, or "".
  std::string Cookie(const std::string& name) const;

  // For programs that stream their body (ProgramOptions::stream_body):
  // reads up to `size` more bytes of it; 0 at its end.
  size_t ReadBody(char* buf, size_t size) const { return body_reader_ ? body_reader_(buf, size) : 0; }
  void set_body_reader(std::function<size_t(char*, size_t)> reader) {
    body_reader_ = std::move(reader);
  }

 private:
  using Fields = std::multimap<std::string, std::string>;

  std::map<std::string, std::string> env_;
  Fields query_;
  Fields form_;
  std::map<std::string, std::string> cookies_;
  std::function<size_t(char*, size_t)> body_reader_;
};

// Parses a record id from a query parameter or form field: 1 to 10 digits,
// greater than zero. Returns nullopt for anything else.
std::optional<int64_t> ParseId(const std::string& text);

}  // namespace site
