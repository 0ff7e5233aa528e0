#include "response.h"

#include <strings.h>

#include <algorithm>

#include "status.h"

namespace site {

namespace {

bool SameName(const std::string& a, const std::string& b) {
  return a.size() == b.size() && strcasecmp(a.c_str(), b.c_str()) == 0;
}

// A header value must not end the header early: CR and LF would let a value
// that came from a client inject headers of its own.
std::string SafeHeaderValue(const std::string& v) {
  std::string out = v;
  std::replace_if(out.begin(), out.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return out;
}

}  // namespace

Response::Response() {
  SetHeader("Content-Type", "text/html; charset=utf-8");
  SetHeader("Cache-Control", "no-store");
  SetHeader("Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  SetHeader("X-Content-Type-Options", "nosniff");
  SetHeader("X-Frame-Options", "DENY");
  SetHeader("Referrer-Policy", "same-origin");
}

void Response::SetHeader(const std::string& name, const std::string& value) {
  headers_.erase(std::remove_if(headers_.begin(), headers_.end(),
                                [&](const auto& h) { return SameName(h.first, name); }),
                 headers_.end());
  AddHeader(name, value);
}

void Response::AddHeader(const std::string& name, const std::string& value) {
  headers_.emplace_back(name, SafeHeaderValue(value));
}

std::string Response::Header(const std::string& name) const {
  for (const auto& h : headers_) {
    if (SameName(h.first, name)) return h.second;
  }
  return "";
}

void Response::Redirect(const std::string& location) {
  status_ = 303;
  SetHeader("Location", location);
  // A short note (RFC 9110 15.4 asks for one), and not only for old
  // clients: mod_proxy_fcgi passes an answer on when its first body bytes
  // come, and one without a body only after it has read and dropped the
  // whole request body: an upload without a session waited for all of it.
  SetHeader("Content-Type", "text/plain; charset=utf-8");
  body_ = "See " + Header("Location") + "\n";
}

std::string CookieName(const std::string& name, const CookieOptions& options) {
  return options.secure ? "__Host-" + name : name;
}

void Response::SetCookie(const std::string& name, const std::string& value,
                         const CookieOptions& options) {
  std::string c = name + "=" + value + "; Path=/; HttpOnly; SameSite=Strict";
  if (options.secure) c += "; Secure";
  if (options.max_age >= 0) c += "; Max-Age=" + std::to_string(options.max_age);
  AddHeader("Set-Cookie", c);
}

std::string Response::Serialize() const {
  std::string out = "Status: " + std::to_string(status_) + " " + ReasonPhrase(status_) + "\r\n";
  for (const auto& h : headers_) out += h.first + ": " + h.second + "\r\n";
  // Always, and always right: Apache is told to trust it (ap_trust_cgilike_cl
  // in site-common.conf), which is what lets an early answer (a 401 before
  // the upload's body) end at once instead of after the whole body is read.
  out += "Content-Length: " + std::to_string(body_.size()) + "\r\n";
  out += "\r\n";
  out += body_;
  return out;
}

}  // namespace site
