// Response: status, headers and body of one answer, serialized in the CGI
// response format ("Status: 200 OK" + headers + blank line + body) that
// both Apache's mod_fcgid and lighttpd's mod_fastcgi expect.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace site {

struct CookieOptions {
  bool secure = false;    // only over HTTPS
  int max_age = -1;       // seconds; -1: a browser-session cookie; 0: delete
};

// The name a cookie of ours goes by: "__Host-" + `name` when it is Secure.
// Browsers take a __Host- cookie only from the host itself (Secure, Path=/,
// no Domain, as SetCookie writes them), so a page on a sibling host name
// (a collection files host under the same domain) cannot set one that
// shadows ours; over plain HTTP the prefix is not allowed, and `name` stays.
std::string CookieName(const std::string& name, const CookieOptions& options);

class Response {
 public:
  // Starts as "200 OK, text/html" with the security headers every page
  // carries: a CSP without inline script, no framing, no MIME sniffing, no
  // referrer to other sites, and no caching of pages that show personal data.
  Response();

  int status() const { return status_; }
  void set_status(int status) { status_ = status; }
  const std::string& body() const { return body_; }
  void set_body(std::string body) { body_ = std::move(body); }

  // Replaces every header named `name` (case-insensitive) with one value.
  void SetHeader(const std::string& name, const std::string& value);
  // Adds a header, keeping others of the same name (Set-Cookie).
  void AddHeader(const std::string& name, const std::string& value);
  // Returns the first value of header `name`, or "".
  std::string Header(const std::string& name) const;

  // Answers 303 See Other to `location` (a path on this site).
  void Redirect(const std::string& location);

  // Sets an HttpOnly, SameSite=Strict cookie on path "/".
  // REQUIRES: name and value hold only cookie-safe characters (we send hex).
  void SetCookie(const std::string& name, const std::string& value, const CookieOptions& options);

  // Returns the CGI-format bytes to send to the web server.
  std::string Serialize() const;

 private:
  int status_ = 200;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string body_;
};

}  // namespace site
