#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "response.h"
#include "test_util.h"

using site::CookieOptions;
using site::Response;

namespace {

struct Parsed {
  std::string status_line;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool well_formed = false;
};

// Splits CGI output into status line, headers and body, checking that every
// line ends in CRLF and that no bare CR or LF appears in the header block.
Parsed Parse(const std::string& out) {
  Parsed p;
  size_t end = out.find("\r\n\r\n");
  if (end == std::string::npos) return p;
  std::string head = out.substr(0, end + 2);
  p.body = out.substr(end + 4);
  size_t pos = 0;
  bool first = true;
  while (pos < head.size()) {
    size_t eol = head.find("\r\n", pos);
    std::string line = head.substr(pos, eol - pos);
    if (line.find_first_of("\r\n") != std::string::npos) return p;
    if (first) {
      p.status_line = line;
      first = false;
    } else {
      size_t colon = line.find(": ");
      if (colon == std::string::npos) return p;
      p.headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
    }
    pos = eol + 2;
  }
  p.well_formed = true;
  return p;
}

size_t CountHeaders(const Parsed& p, const std::string& lower_name) {
  size_t n = 0;
  for (const auto& [name, value] : p.headers) {
    std::string l = name;
    for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (l == lower_name) ++n;
  }
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(response_test)

BOOST_AUTO_TEST_CASE(defaults_are_200_html) {
  Response r;
  BOOST_TEST(r.status() == 200);
  BOOST_TEST(r.body() == "");
  BOOST_TEST(r.Header("Content-Type") == "text/html; charset=utf-8");
}

BOOST_AUTO_TEST_CASE(serialization_format) {
  Response r;
  r.set_body("<p>hello</p>\n");
  std::string out = r.Serialize();
  BOOST_TEST(out.rfind("Status: 200 OK\r\n", 0) == 0u, out);
  Parsed p = Parse(out);
  BOOST_TEST_REQUIRE(p.well_formed, out);
  BOOST_TEST(p.status_line == "Status: 200 OK");
  BOOST_TEST(p.body == "<p>hello</p>\n");
  BOOST_TEST(out.size() >= 4u);
  BOOST_TEST(out.find("Content-Type: text/html; charset=utf-8\r\n") != std::string::npos);
  // The body follows the one blank line, exactly.
  BOOST_TEST(out.substr(out.size() - r.body().size() - 4) == "\r\n\r\n" + r.body());
}

BOOST_AUTO_TEST_CASE(status_lines) {
  const std::pair<int, const char*> cases[] = {
      {200, "Status: 200 OK\r\n"},
      {303, "Status: 303 See Other\r\n"},
      {400, "Status: 400 Bad Request\r\n"},
      {403, "Status: 403 Forbidden\r\n"},
      {404, "Status: 404 Not Found\r\n"},
      {413, "Status: 413 Payload Too Large\r\n"},
      {422, "Status: 422 Unprocessable Entity\r\n"},
      {429, "Status: 429 Too Many Requests\r\n"},
      {500, "Status: 500 Internal Server Error\r\n"},
      {503, "Status: 503 Service Unavailable\r\n"},
  };
  for (const auto& [code, line] : cases) {
    BOOST_TEST_CONTEXT(code) {
      Response r;
      r.set_status(code);
      BOOST_TEST(r.status() == code);
      BOOST_TEST(r.Serialize().rfind(line, 0) == 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(security_headers_present_by_default) {
  Response r;
  std::string csp = r.Header("Content-Security-Policy");
  BOOST_TEST(csp.find("default-src 'self'") != std::string::npos, csp);
  BOOST_TEST(csp.find("script-src 'self'") != std::string::npos, csp);
  BOOST_TEST(csp.find("frame-ancestors 'none'") != std::string::npos, csp);
  BOOST_TEST(csp.find("object-src 'none'") != std::string::npos, csp);
  BOOST_TEST(csp.find("unsafe-inline") == std::string::npos, csp);
  BOOST_TEST(csp.find("unsafe-eval") == std::string::npos, csp);
  BOOST_TEST(r.Header("X-Content-Type-Options") == "nosniff");
  BOOST_TEST(r.Header("X-Frame-Options") == "DENY");
  BOOST_TEST(r.Header("Referrer-Policy") == "same-origin");
  BOOST_TEST(r.Header("Cache-Control") == "no-store");

  Parsed p = Parse(r.Serialize());
  BOOST_TEST_REQUIRE(p.well_formed);
  for (const char* name : {"content-type", "cache-control", "content-security-policy",
                           "x-content-type-options", "x-frame-options", "referrer-policy"}) {
    BOOST_TEST_CONTEXT(name) { BOOST_TEST(CountHeaders(p, name) == 1u); }
  }
}

BOOST_AUTO_TEST_CASE(set_header_replaces_case_insensitively) {
  Response r;
  r.SetHeader("content-type", "text/plain; charset=utf-8");
  BOOST_TEST(r.Header("Content-Type") == "text/plain; charset=utf-8");
  BOOST_TEST(r.Header("CONTENT-TYPE") == "text/plain; charset=utf-8");
  Parsed p = Parse(r.Serialize());
  BOOST_TEST_REQUIRE(p.well_formed);
  BOOST_TEST(CountHeaders(p, "content-type") == 1u);

  r.AddHeader("X-Thing", "one");
  r.AddHeader("x-thing", "two");
  r.SetHeader("X-THING", "three");
  p = Parse(r.Serialize());
  BOOST_TEST(CountHeaders(p, "x-thing") == 1u);
  BOOST_TEST(r.Header("X-Thing") == "three");
}

BOOST_AUTO_TEST_CASE(add_header_keeps_others) {
  Response r;
  r.AddHeader("Vary", "Cookie");
  r.AddHeader("Vary", "Accept");
  BOOST_TEST(r.Header("Vary") == "Cookie");  // the first
  Parsed p = Parse(r.Serialize());
  BOOST_TEST_REQUIRE(p.well_formed);
  BOOST_TEST(CountHeaders(p, "vary") == 2u);
  BOOST_TEST(r.Header("X-Missing") == "");
}

BOOST_AUTO_TEST_CASE(cr_and_lf_in_header_values_are_neutralised) {
  const std::string attacks[] = {
      "a\r\nSet-Cookie: session=evil",
      "a\nSet-Cookie: session=evil",
      "a\rSet-Cookie: session=evil",
      "a\r\n\r\n<script>alert(1)</script>",
  };
  for (const std::string& value : attacks) {
    BOOST_TEST_CONTEXT(value) {
      Response r;
      r.SetHeader("X-Echo", value);
      r.AddHeader("X-Echo-Too", value);
      r.Redirect("/people?q=" + value);
      r.SetCookie("c", value, CookieOptions());
      for (const char* name : {"X-Echo", "X-Echo-Too", "Location", "Set-Cookie"}) {
        BOOST_TEST(r.Header(name).find_first_of("\r\n") == std::string::npos, name);
      }
      Parsed p = Parse(r.Serialize());
      BOOST_TEST_REQUIRE(p.well_formed);
      BOOST_TEST(CountHeaders(p, "set-cookie") == 1u);  // only ours
      BOOST_TEST(p.body == "See " + r.Header("Location") + "\n");
      for (const auto& [name, v] : p.headers) BOOST_TEST(name.find('<') == std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(cookie_attributes) {
  struct Case {
    bool secure;
    int max_age;
    const char* expected;
  };
  const Case cases[] = {
      {false, -1, "session=abc123; Path=/; HttpOnly; SameSite=Strict"},
      {true, -1, "session=abc123; Path=/; HttpOnly; SameSite=Strict; Secure"},
      {false, 3600, "session=abc123; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600"},
      {true, 0, "session=abc123; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=0"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.expected) {
      Response r;
      CookieOptions o;
      o.secure = c.secure;
      o.max_age = c.max_age;
      r.SetCookie("session", "abc123", o);
      std::string h = r.Header("Set-Cookie");
      BOOST_TEST(h == c.expected);
      BOOST_TEST(h.find("HttpOnly") != std::string::npos);
      BOOST_TEST(h.find("SameSite=Strict") != std::string::npos);
      BOOST_TEST((h.find("; Secure") != std::string::npos) == c.secure);
      BOOST_TEST((h.find("Max-Age") != std::string::npos) == (c.max_age >= 0));
    }
  }
}

BOOST_AUTO_TEST_CASE(several_cookies_are_all_sent) {
  Response r;
  r.SetCookie("a", "1", CookieOptions());
  r.SetCookie("b", "2", CookieOptions());
  Parsed p = Parse(r.Serialize());
  BOOST_TEST_REQUIRE(p.well_formed);
  BOOST_TEST(CountHeaders(p, "set-cookie") == 2u);
  BOOST_TEST(r.Header("Set-Cookie").rfind("a=1;", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(redirect_is_303_with_location) {
  Response r;
  r.set_body("<p>old body</p>");
  r.Redirect("/people?q=ann");
  BOOST_TEST(r.status() == 303);
  BOOST_TEST(r.Header("Location") == "/people?q=ann");
  // A short note, never the old body: mod_proxy_fcgi passes a bodiless
  // answer on only after it has read the whole request body.
  BOOST_TEST(r.body() == "See /people?q=ann\n");
  BOOST_TEST(r.Header("Content-Type") == "text/plain; charset=utf-8");
  std::string out = r.Serialize();
  BOOST_TEST(out.rfind("Status: 303 See Other\r\n", 0) == 0u, out);
  BOOST_TEST(out.find("\r\nLocation: /people?q=ann\r\n") != std::string::npos, out);
  BOOST_TEST(out.find("\r\nContent-Length: 18\r\n") != std::string::npos, out);
  // Redirecting again replaces the location.
  r.Redirect("/login");
  Parsed p = Parse(r.Serialize());
  BOOST_TEST_REQUIRE(p.well_formed);
  BOOST_TEST(CountHeaders(p, "location") == 1u);
  BOOST_TEST(r.Header("Location") == "/login");
  // The security headers survive a redirect.
  BOOST_TEST(r.Header("X-Frame-Options") == "DENY");
}

BOOST_AUTO_TEST_CASE(every_answer_states_its_exact_length) {
  // Apache believes it (ap_trust_cgilike_cl): a wrong one would cut or
  // hang an answer.
  for (const std::string& body : {std::string(), std::string("x"), std::string(70000, 'y'),
                                  std::string("caf\xc3\xa9\n")}) {
    Response r;
    r.set_body(body);
    Parsed p = Parse(r.Serialize());
    BOOST_TEST_REQUIRE(p.well_formed);
    BOOST_TEST(CountHeaders(p, "content-length") == 1u);
    BOOST_TEST(r.Serialize().find("\r\nContent-Length: " + std::to_string(body.size()) + "\r\n") !=
               std::string::npos);
    BOOST_TEST(p.body == body);
  }
}

BOOST_AUTO_TEST_SUITE_END()
