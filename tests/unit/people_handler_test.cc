// people_handler: the People list, adding a person and the edit page,
// through Serve.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <string>

#include "handler_fixture.h"
#include "people_handler.h"

using site::Access;
using site::Response;
using site_test::Contains;

namespace {

struct PeopleDb : site_test::HandlerFixture {
  PeopleDb() : HandlerFixture(site::PeopleProgram()) {
    admin = SignIn(AddUser("Ada", "ada", Access::kAdmin));
    manager = SignIn(AddUser("Carl", "carl", Access::kContentManager));
  }
  site_test::SignedIn admin, manager;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(people_handler_test, PeopleDb, NEEDS_DB)

BOOST_AUTO_TEST_CASE(without_a_session_every_page_redirects_to_sign_in) {
  for (const char* target : {"/people", "/people/new", "/people/edit?id=1"}) {
    BOOST_TEST_CONTEXT(target) {
      Response resp = Get(target);
      BOOST_TEST(resp.status() == 303);
      BOOST_TEST(resp.Header("Location").rfind("/login?next=%2Fpeople", 0) == 0u,
                 resp.Header("Location"));
    }
  }
}

BOOST_AUTO_TEST_CASE(the_list_shows_and_escapes_and_searches) {
  AddPerson("<b>Eve</b>", "Smith", "", Access::kNone, "eve@example.com");
  AddPerson("Bob", "Jones", "", Access::kNone, "bob@example.com");
  Response resp = Get("/people", &manager);
  BOOST_TEST(resp.status() == 200);
  BOOST_TEST(Contains(resp.body(), "&lt;b&gt;Eve&lt;/b&gt; Smith"), resp.body());
  BOOST_TEST(!Contains(resp.body(), "<b>Eve"));
  BOOST_TEST(Contains(resp.body(), "Bob Jones"));
  Response found = Get("/people?q=jones", &manager);
  BOOST_TEST(Contains(found.body(), "Bob Jones"));
  BOOST_TEST(!Contains(found.body(), "Eve"));
  BOOST_TEST(Post("/people", {}, &admin).status() == 400);
}

BOOST_AUTO_TEST_CASE(adding_a_person) {
  Response resp = Post("/people/new", {{"first_name", "Grace"}, {"last_name", "Hopper"},
                                       {"email", "Grace@Example.com"}, {"username", ""},
                                       {"access", "none"}, {"active", "1"}},
                       &manager);
  BOOST_TEST_REQUIRE(resp.status() == 303, resp.body());
  int64_t id = QueryInt("SELECT id FROM people WHERE last_name = 'Hopper'");
  BOOST_TEST(resp.Header("Location") == "/people/edit?id=" + std::to_string(id) + "&saved=1");
  BOOST_TEST(QueryStr("SELECT email FROM people WHERE id = ?", {id}) == "grace@example.com");
}

BOOST_AUTO_TEST_CASE(a_post_without_the_sessions_csrf_token_changes_nothing) {
  int64_t before = QueryInt("SELECT COUNT(*) FROM people");
  Response resp = Post("/people/new", {{"csrf_token", "0000"}, {"first_name", "Mallory"},
                                       {"last_name", "X"}, {"access", "admin"}},
                       &admin);
  BOOST_TEST(resp.status() == 403);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM people") == before);
}

BOOST_AUTO_TEST_CASE(a_content_manager_cannot_grant_admin) {
  Response resp = Post("/people/new", {{"first_name", "Mal"}, {"last_name", "Lory"},
                                       {"username", "mal"}, {"password", "a long passphrase here"},
                                       {"access", "admin"}, {"active", "1"}},
                       &manager);
  BOOST_TEST(resp.status() == 422);
  BOOST_TEST(Contains(resp.body(), "Only an Admin can grant Admin access."), resp.body());
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM people WHERE username = 'mal'") == 0);
}

BOOST_AUTO_TEST_CASE(the_edit_page_and_its_token_section) {
  int64_t bob = AddPerson("Bob", "Jones", "bob", Access::kAdmin, "bob@example.com");
  std::string token = Token(bob);
  std::string target = "/people/edit?id=" + std::to_string(bob);
  Response as_admin = Get(target, &admin);
  BOOST_TEST(as_admin.status() == 200);
  BOOST_TEST(Contains(as_admin.body(), "Create Bearer Token"));
  BOOST_TEST(Contains(as_admin.body(), "action=\"/revokeBearerToken\""));
  BOOST_TEST(Contains(as_admin.body(), "Active"));
  BOOST_TEST(Contains(as_admin.body(), token.substr(token.size() - 4)));  // the hint
  BOOST_TEST(!Contains(as_admin.body(), token));                          // never the token
  Response as_manager = Get(target, &manager);
  BOOST_TEST(as_manager.status() == 200);
  BOOST_TEST(!Contains(as_manager.body(), "create-token-form"));
  BOOST_TEST(!Contains(as_manager.body(), "action=\"/revokeBearerToken\""));
  BOOST_TEST(Get("/people/edit?id=999999", &admin).status() == 404);
  BOOST_TEST(Get("/people/edit?id=abc", &admin).status() == 404);
}

BOOST_AUTO_TEST_CASE(saving_an_edit) {
  int64_t bob = AddPerson("Bob", "Jones", "", Access::kNone, "bob@example.com");
  std::string target = "/people/edit?id=" + std::to_string(bob);
  Response resp = Post(target, {{"first_name", "Robert"}, {"last_name", "Jones"},
                                {"email", "bob@example.com"}, {"access", "none"}, {"active", "1"}},
                       &manager);
  BOOST_TEST_REQUIRE(resp.status() == 303, resp.body());
  BOOST_TEST(QueryStr("SELECT first_name FROM people WHERE id = ?", {bob}) == "Robert");
  Response invalid = Post(target, {{"first_name", ""}, {"last_name", ""}, {"email", "not an email"},
                                   {"access", "none"}},
                          &manager);
  BOOST_TEST(invalid.status() == 422);
  BOOST_TEST(QueryStr("SELECT first_name FROM people WHERE id = ?", {bob}) == "Robert");
}

BOOST_AUTO_TEST_CASE(the_list_marks_tokens_expiring_soon) {
  int64_t bob = AddPerson("Bob", "Soon", "bob", Access::kAdmin, "bob@example.com");
  int64_t eve = AddPerson("Eve", "Later", "eve", Access::kAdmin, "eve@example.com");
  Token(bob);
  Token(eve);
  Exec("UPDATE bearer_tokens SET expires_at = UTC_TIMESTAMP() + INTERVAL 5 DAY - INTERVAL 1 HOUR "
       "WHERE person_id = ?", {bob});
  Response resp = Get("/people", &manager);
  BOOST_TEST_REQUIRE(resp.status() == 200);
  const std::string& html = resp.body();
  size_t bob_row = html.find("Bob Soon"), eve_row = html.find("Eve Later");
  BOOST_TEST_REQUIRE(bob_row != std::string::npos);
  BOOST_TEST_REQUIRE(eve_row != std::string::npos);
  std::string bob_line = html.substr(bob_row, html.find("</tr>", bob_row) - bob_row);
  std::string eve_line = html.substr(eve_row, html.find("</tr>", eve_row) - eve_row);
  BOOST_TEST(Contains(bob_line, "token expires in 5 days"), bob_line);
  BOOST_TEST(!Contains(eve_line, "token expires"), eve_line);
}

BOOST_AUTO_TEST_SUITE_END()
