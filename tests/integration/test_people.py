"""People: the list, search, paging, adding, the edit page and Save,
validation messages beside the fields, CSRF on every POST, escaping."""
import html
import http.client
import re
import urllib.parse
import unittest

from site_client import PASSWORD, Browser, tag
import site_client





def ids_in_list(page):
    return [int(i) for i in re.findall(r'href="/people/edit\?id=(\d+)"', page.body)]


class PeopleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = site_client.SITE
        cls.admin = f"padmin{tag()}"
        cls.site.add_person(cls.admin, "admin", PASSWORD)

    def setUp(self):
        self.b = Browser()
        self.b.sign_in_ok(self.admin, PASSWORD)

    def add(self, **fields):
        return self.b.post("/people/new", self.b.person_form(**fields))

    def test_add_person_then_edit_page_says_saved(self):
        t = tag()
        r = self.add(first_name="Grace", last_name=f"Hopper{t}", email=f"grace{t}@example.com")
        self.assertEqual(r.status, 303)
        m = re.match(r"^/people/edit\?id=(\d+)&saved=1$", r.location)
        self.assertTrue(m, r.location)
        page = self.b.get(r.location)
        self.assertEqual(page.status, 200)
        self.assertIn("Saved.", page.body)
        self.assertIn(f'value="grace{t}@example.com"', page.body)
        rows = self.site.sql(f"SELECT first_name, last_name, access, active FROM people WHERE id = {m.group(1)}")
        self.assertEqual(rows, [["Grace", f"Hopper{t}", "none", "1"]])

    def test_edit_page_has_button_bar_at_the_top_with_save(self):
        pid = self.site.add_person(f"bar{tag()}", "none")
        page = self.b.get(f"/people/edit?id={pid}")
        main = page.body[page.body.index("<main>"):]
        self.assertTrue(main.lstrip("<main>").lstrip().startswith('<div class="button-bar"'), main[:200])
        bar = main[:main.index("</div>")]
        self.assertIn('form="person-form"', bar)
        self.assertIn(">Save<", bar)

    def test_validation_messages_are_shown_beside_the_fields_and_nothing_is_saved(self):
        before = self.site.sql("SELECT COUNT(*) FROM people")
        r = self.add(first_name="", last_name="", email="not-an-email", username="x",
                     password="short")
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("first_name"), "Enter a first or last name.")
        self.assertEqual(r.field_error("email"), "Enter an email address like name@example.com.")
        self.assertEqual(r.field_error("username"),
                         "Use 3 to 64 letters, digits, dots, dashes, underscores or @.")
        self.assertEqual(r.field_error("password"), "Use at least 12 characters.")
        self.assertIn('aria-describedby="email-error"', r.body)
        self.assertIn('value="not-an-email"', r.body)  # what was typed stays in the form
        self.assertEqual(self.site.sql("SELECT COUNT(*) FROM people"), before)

    def test_someone_with_admin_site_access_needs_a_username(self):
        r = self.add(first_name="No", last_name="Username", access="content_manager")
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("username"),
                         "A person with access to the admin site needs a username.")

    def test_duplicate_username_and_email_are_refused_beside_the_field(self):
        t = tag()
        self.assertEqual(self.add(first_name="A", username=f"dup{t}", email=f"dup{t}@example.com").status, 303)
        r = self.add(first_name="B", username=f"dup{t}")
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("username"), "This username is already taken.")
        r = self.add(first_name="C", email=f"DUP{t}@example.com")  # emails compare lowercased
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("email"), "Another person already has this email address.")

    def test_edit_and_save(self):
        t = tag()
        pid = self.site.add_person(f"edit{t}", "none", first="Old", last="Name")
        r = self.b.post(f"/people/edit?id={pid}",
                        self.b.person_form(first_name="New", last_name="Name",
                                    email=f"new{t}@example.com", username=f"edit{t}"))
        self.assertEqual(r.status, 303)
        self.assertEqual(r.location, f"/people/edit?id={pid}&saved=1")
        page = self.b.get(r.location)
        self.assertIn('value="New"', page.body)
        self.assertEqual(self.site.sql(f"SELECT first_name, email FROM people WHERE id = {pid}"),
                         [["New", f"new{t}@example.com"]])

    def test_unchecking_active_deactivates_and_ends_their_sessions(self):
        t = tag()
        pid = self.site.add_person(f"deact{t}", "content_manager", PASSWORD)
        victim = Browser()
        victim.sign_in_ok(f"deact{t}", PASSWORD)
        r = self.b.post(f"/people/edit?id={pid}",
                        self.b.person_form(first_name="Test", last_name="x", username=f"deact{t}",
                                    access="content_manager", active=None))
        self.assertEqual(r.status, 303)
        self.assertEqual(self.site.sql(f"SELECT active FROM people WHERE id = {pid}"), [["0"]])
        self.assertEqual(self.site.sql(f"SELECT COUNT(*) FROM sessions WHERE person_id = {pid}"), [["0"]])
        self.assertEqual(victim.get("/people").status, 303)

    def test_password_set_on_the_edit_page_lets_the_person_sign_in(self):
        t = tag()
        pid = self.site.add_person(f"pw{t}", "content_manager")
        r = self.b.post(f"/people/edit?id={pid}",
                        self.b.person_form(first_name="Test", username=f"pw{t}",
                                    access="content_manager", password="a brand new password"))
        self.assertEqual(r.status, 303)
        self.assertEqual(Browser().sign_in(f"pw{t}", "a brand new password").status, 303)

    def test_a_form_over_one_mib_is_refused_with_413_and_changes_nothing(self):
        before = self.site.sql("SELECT COUNT(*) FROM people")
        big = self.b.person_form(first_name="x" * (1 << 20), last_name="Big")
        body = urllib.parse.urlencode(big).encode()
        self.assertEqual(self.b.request("POST", "/people/new", data=body).status, 413)
        # Chunked, so with no Content-Length for Apache to judge up front.
        parts = urllib.parse.urlparse(self.site.base)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        conn.request("POST", "/people/new", body=iter([body[i:i + 65536] for i in range(0, len(body), 65536)]),
                     headers={"Content-Type": "application/x-www-form-urlencoded",
                              "Cookie": f"session={self.b.cookie('session')}"},
                     encode_chunked=True)
        self.assertEqual(conn.getresponse().status, 413)
        conn.close()
        self.assertEqual(self.site.sql("SELECT COUNT(*) FROM people"), before)

    def test_a_new_password_set_for_someone_ends_their_sessions_but_not_ones_own(self):
        t = tag()
        pid = self.site.add_person(f"reset{t}", "content_manager", PASSWORD)
        victim = Browser()
        victim.sign_in_ok(f"reset{t}", PASSWORD)
        r = self.b.post(f"/people/edit?id={pid}",
                        self.b.person_form(username=f"reset{t}", access="content_manager",
                                           password="a freshly reset password"))
        self.assertEqual(r.status, 303)
        self.assertEqual(victim.get("/people").status, 303)
        own = int(self.site.sql(f"SELECT id FROM people WHERE username = '{self.admin}'")[0][0])
        r = self.b.post(f"/people/edit?id={own}",
                        self.b.person_form(username=self.admin, last_name=self.admin, access="admin",
                                           password=PASSWORD))
        self.assertEqual(r.status, 303)
        self.assertEqual(self.b.get("/people").status, 200)

    def test_unknown_or_malformed_id_is_404(self):
        self.assertEqual(self.b.get("/people/edit?id=999999999").status, 404)
        self.assertEqual(self.b.get("/people/edit?id=abc").status, 404)
        self.assertEqual(self.b.get("/people/nonsense").status, 404)

    def test_posts_without_valid_csrf_are_refused_and_change_nothing(self):
        t = tag()
        pid = self.site.add_person(f"csrf{t}", "none", first="Keep")
        before = self.site.sql("SELECT COUNT(*) FROM people")
        other = Browser()
        other.sign_in_ok(self.admin, PASSWORD)
        for token in (None, "", "0" * 64, other.csrf()):
            data = self.b.person_form(first_name="Changed", username=f"csrf{t}")
            if token is None:
                del data["csrf_token"]
            else:
                data["csrf_token"] = token
            self.assertEqual(self.b.post(f"/people/edit?id={pid}", data).status, 403, token)
            self.assertEqual(self.b.post("/people/new", data).status, 403, token)
        self.assertEqual(self.site.sql(f"SELECT first_name FROM people WHERE id = {pid}"), [["Keep"]])
        self.assertEqual(self.site.sql("SELECT COUNT(*) FROM people"), before)

    def test_script_in_a_name_is_shown_escaped(self):
        t = tag()
        evil = f'<script>alert("x{t}")</script>'
        r = self.add(first_name=evil, last_name=f"Evil{t}")
        self.assertEqual(r.status, 303)
        for page in (self.b.get(f"/people?q=Evil{t}"), self.b.get(r.location)):
            self.assertEqual(page.status, 200)
            self.assertNotIn(evil, page.body)
            self.assertNotIn("<script>", page.body)
            self.assertIn("&lt;script&gt;alert(", page.body)

    def test_search_by_name_prefix_last_name_email_and_username(self):
        t = tag()
        pid = self.site.add_person(f"user{t}", "none", first=f"Zelda{t}", last=f"Quokka{t}",
                                   email=f"mail{t}@example.org")
        for q in (f"Zelda{t}", f"zelda{t} quo", f"Quokka{t}", f"mail{t}@ex", f"user{t}"):
            page = self.b.get("/people?q=" + q.replace(" ", "+").replace("@", "%40"))
            self.assertEqual(ids_in_list(page), [pid], q)
        page = self.b.get(f"/people?q=nobody{t}")
        self.assertEqual(ids_in_list(page), [])
        self.assertIn("No people found.", page.body)

    def test_search_wildcards_are_literal(self):
        page = self.b.get("/people?q=%25")  # "%" matches nobody, it is not a wildcard
        self.assertEqual(ids_in_list(page), [])
        page = self.b.get("/people?q=_")
        self.assertEqual(ids_in_list(page), [])

    def test_paging_forward_and_back_covers_everyone_once_in_order(self):
        t = tag()
        made = [self.site.add_person(f"pg{t}{i:02d}", "none", first=f"P{i:02d}", last=f"Pager{t}")
                for i in range(60)]
        seen, pages, path = [], [], f"/people?q=Pager{t}"
        while path:
            page = self.b.get(path)
            self.assertEqual(page.status, 200)
            ids = ids_in_list(page)
            pages.append((path, ids))
            seen += ids
            m = re.search(r'<a rel="next" href="([^"]+)"', page.body)
            path = html.unescape(m.group(1)) if m else None
        self.assertEqual([len(ids) for _, ids in pages], [25, 25, 10])
        self.assertEqual(seen, made)  # names sort as P00..P59, the order they were made
        # Previous from the third page gives the second page again.
        third = self.b.get(pages[2][0])
        m = re.search(r'<a rel="prev" href="([^"]+)"', third.body)
        self.assertEqual(ids_in_list(self.b.get(html.unescape(m.group(1)))), pages[1][1])
        self.assertNotIn('rel="prev"', self.b.get(pages[0][0]).body)


if __name__ == "__main__":
    unittest.main()
