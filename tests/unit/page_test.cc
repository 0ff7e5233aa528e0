#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>

#include "templates.h"
#include "page.h"
#include "scratch_db.h"
#include "session.h"
#include "test_util.h"

using site::Access;
using site::Request;
using site::Response;
using site::SessionInfo;
using site::Status;

namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Settings with the real templates; no database is opened.
site::Config TemplatesOnlyConfig() {
  site::Config c;
  c.db_socket = "/nonexistent/site-unit-tests.sock";
  c.db_name = "unused";
  c.db_user = "unused";
  c.templates_dir = site_test::TemplatesDir();
  return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(page_test)

BOOST_AUTO_TEST_CASE(safe_local_path) {
  const std::pair<std::string, std::string> cases[] = {
      // Paths on this site come back unchanged.
      {"/people", "/people"},
      {"/", "/"},
      {"/people?q=a", "/people?q=a"},
      {"/people/edit?id=3&x=%2F%2Fevil", "/people/edit?id=3&x=%2F%2Fevil"},
      {"/people?q=caf\xc3\xa9", "/people?q=caf\xc3\xa9"},
      {"/a/b/../c", "/a/b/../c"},
      // Everything else becomes /people.
      {"", "/people"},
      {"people", "/people"},
      {"?q=a", "/people"},
      {"//evil.example", "/people"},
      {"//evil.example/people", "/people"},
      {"/\\evil.example", "/people"},
      {"\\\\evil.example", "/people"},
      {"/people\\..\\x", "/people"},
      {"http://evil.example/", "/people"},
      {"https:/people", "/people"},
      {"javascript:alert(1)", "/people"},
      {" /people", "/people"},
      {"/people x", "/people"},
      {"/\t/evil.example", "/people"},
      {"/\n/evil.example", "/people"},
      {"/people\r\nSet-Cookie: a=b", "/people"},
      {std::string("/people\0x", 9), "/people"},
      {"/people\x7f", "/people"},
      {"/" + std::string(1999, 'a'), "/" + std::string(1999, 'a')},  // 2000 characters
      {"/" + std::string(2000, 'a'), "/people"},                      // 2001 characters
  };
  for (const auto& [next, expected] : cases) {
    BOOST_TEST_CONTEXT("'" << next.substr(0, 40) << "'") {
      BOOST_TEST(site::SafeLocalPath(next) == expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(page_without_session) {
  site::Templates templates(TemplatesOnlyConfig().templates_dir);
  auto dict = site::NewPage("Not <Found> & \"gone\"", nullptr);
  dict->SetValue("MESSAGE", "<script>alert('x')</script>");
  Response resp;
  resp.set_status(404);
  Status s = site::RenderPage(&templates, "error.tpl", *dict, &resp);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  const std::string& html = resp.body();
  BOOST_TEST(resp.status() == 404);  // unchanged
  BOOST_TEST(Contains(html, "<!DOCTYPE html>"), html);    // the layout is included
  BOOST_TEST(Contains(html, "</html>"), html);
  BOOST_TEST(Contains(html, "<title>Not &lt;Found&gt; &amp; &quot;gone&quot;"), html);
  BOOST_TEST(Contains(html, "<h1>Not &lt;Found&gt; &amp; &quot;gone&quot;</h1>"), html);
  BOOST_TEST(Contains(html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), html);
  BOOST_TEST(!Contains(html, "<script"), html);
  BOOST_TEST(!Contains(html, "Sign out"), html);
  BOOST_TEST(!Contains(html, "csrf_token"), html);
}

BOOST_AUTO_TEST_CASE(page_with_session_shows_who_and_the_sign_out_form) {
  site::Templates templates(TemplatesOnlyConfig().templates_dir);
  SessionInfo session;
  session.person_id = 7;
  session.username = "ann";
  session.display_name = "Ann <b>Lee</b>";
  session.access = Access::kContentManager;
  session.csrf_token = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  auto dict = site::NewPage("People", &session);
  dict->SetValue("MESSAGE", "hello");
  Response resp;
  Status s = site::RenderPage(&templates, "error.tpl", *dict, &resp);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  const std::string& html = resp.body();
  BOOST_TEST(resp.status() == 200);
  BOOST_TEST(Contains(html, "Ann &lt;b&gt;Lee&lt;/b&gt;"), html);
  BOOST_TEST(!Contains(html, "<b>Lee"), html);
  BOOST_TEST(Contains(html, "Content Manager"), html);
  BOOST_TEST(Contains(html, "Sign out"), html);
  BOOST_TEST(Contains(html, "action=\"/logout\""), html);
  BOOST_TEST(Contains(html, "name=\"csrf_token\" value=\"" + session.csrf_token + "\""), html);
  BOOST_TEST(Contains(html, "<title>People"), html);
}

BOOST_AUTO_TEST_CASE(render_missing_template_leaves_the_response_alone) {
  site::Templates templates(TemplatesOnlyConfig().templates_dir);
  auto dict = site::NewPage("x", nullptr);
  Response resp;
  resp.set_body("before");
  Status s = site::RenderPage(&templates, "no_such_template.tpl", *dict, &resp);
  BOOST_TEST(!s.ok());
  BOOST_TEST(site::HttpStatusOf(s) == 500);
  BOOST_TEST(resp.body() == "before");
}

BOOST_FIXTURE_TEST_CASE(session_or_redirect, site_test::MigratedDb, NEEDS_DB) {
  site::Db* db = this->db();
  int64_t ann = AddPerson("Ann", "Lee", "ann", Access::kAdmin);

  // No session: a redirect to sign-in that comes back here.
  {
    Request req({{"REQUEST_METHOD", "GET"}, {"REQUEST_URI", "/people?q=a&page=2"}}, "");
    Response resp;
    std::optional<SessionInfo> session;
    Status s = site::SessionOrRedirect(db, config(), req, &resp, &session);
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    BOOST_TEST(!session.has_value());
    BOOST_TEST(resp.status() == 303);
    std::string location = resp.Header("Location");
    BOOST_TEST(location.rfind("/login?next=", 0) == 0u, location);
    // The next parameter decodes back to the page asked for.
    Request back({{"REQUEST_METHOD", "GET"}, {"QUERY_STRING", location.substr(7)}}, "");
    BOOST_TEST(back.Query("next") == "/people?q=a&page=2", location);
  }
  // A foreign REQUEST_URI never becomes the place to come back to.
  {
    Request req({{"REQUEST_METHOD", "GET"}, {"REQUEST_URI", "//evil.example/x"}}, "");
    Response resp;
    std::optional<SessionInfo> session;
    BOOST_TEST_REQUIRE(site::SessionOrRedirect(db, config(), req, &resp, &session).ok());
    std::string location = resp.Header("Location");
    Request back({{"REQUEST_METHOD", "GET"}, {"QUERY_STRING", location.substr(7)}}, "");
    BOOST_TEST(back.Query("next") == "/people", location);
  }
  // With a session: no redirect, the session is given.
  {
    Response start;
    BOOST_TEST_REQUIRE(
        site::StartSession(db, config(), Request({}, ""), ann, &start).ok());
    std::string cookie = site_test::CookieValueFrom(start, site::kSessionCookie);
    Request req({{"REQUEST_METHOD", "GET"},
                 {"REQUEST_URI", "/people"},
                 {"HTTP_COOKIE", "session=" + cookie}},
                "");
    Response resp;
    std::optional<SessionInfo> session;
    Status s = site::SessionOrRedirect(db, config(), req, &resp, &session);
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    BOOST_TEST_REQUIRE(session.has_value());
    BOOST_TEST(session->person_id == ann);
    BOOST_TEST(session->access == Access::kAdmin);
    BOOST_TEST(resp.status() == 200);
    BOOST_TEST(resp.Header("Location") == "");
  }
}

BOOST_AUTO_TEST_SUITE_END()
