"""Sign-in, sign-out and sign-in throttling, through Apache and MariaDB."""
import unittest

from site_client import PASSWORD, Browser, tag
import site_client

GENERIC = "Incorrect username or password."



class SignInTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = site_client.SITE
        cls.admin = tag("admin")
        cls.site.add_person(cls.admin, "admin", PASSWORD, first="Ada", last="Admin")

    def tearDown(self):
        # Failures from this test run share 127.0.0.1; never let one test's
        # failures throttle the next.
        self.site.sql("DELETE FROM signin_failures")

    def test_sign_in_page_has_form_csrf_and_security_headers(self):
        r = Browser().get("/login")
        self.assertEqual(r.status, 200)
        self.assertIn('name="csrf_token"', r.body)
        self.assertIn("frame-ancestors 'none'", r.header("Content-Security-Policy"))
        self.assertNotIn("unsafe-inline", r.header("Content-Security-Policy"))
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
        self.assertEqual(r.header("Referrer-Policy"), "same-origin")

    def test_success_sets_session_cookie_and_opens_people(self):
        b = Browser()
        r = b.sign_in(self.admin, PASSWORD)
        self.assertEqual(r.status, 303)
        self.assertEqual(r.location, "/people")
        cookie = [c for c in r.header_all("Set-Cookie") if c.startswith("session=")][0]
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Strict", cookie)
        self.assertNotIn("Secure", cookie)  # plain http on loopback
        self.assertRegex(b.cookie("session"), r"^[0-9a-f]{64}$")  # 256 bits
        page = b.get("/people")
        self.assertEqual(page.status, 200)
        self.assertIn("Ada Admin", page.body)

    def test_session_table_holds_only_a_digest_of_the_cookie(self):
        b = Browser()
        b.sign_in_ok(self.admin, PASSWORD)
        raw = b.cookie("session")
        self.assertEqual(self.site.sql(f"SELECT COUNT(*) FROM sessions WHERE id_digest = '{raw}'"),
                         [["0"]])
        self.assertEqual(
            self.site.sql(f"SELECT COUNT(*) FROM sessions WHERE id_digest = '{b.session_digest()}'"),
            [["1"]])

    def test_wrong_password_and_unknown_user_get_the_same_generic_message(self):
        wrong = Browser().sign_in(self.admin, "not the password at all")
        unknown = Browser().sign_in(tag("nobody"), PASSWORD)
        for r in (wrong, unknown):
            self.assertEqual(r.status, 200)
            self.assertIn(GENERIC, r.body)
            self.assertIsNone(r.location)

    def test_person_without_admin_site_access_cannot_sign_in(self):
        plain = tag("plain")
        self.site.add_person(plain, "none", PASSWORD)
        r = Browser().sign_in(plain, PASSWORD)
        self.assertIn(GENERIC, r.body)
        self.assertNotEqual(r.status, 303)

    def test_inactive_person_cannot_sign_in(self):
        name = tag("gone")
        pid = self.site.add_person(name, "admin", PASSWORD)
        self.site.sql(f"UPDATE people SET active = 0 WHERE id = {pid}")
        r = Browser().sign_in(name, PASSWORD)
        self.assertIn(GENERIC, r.body)

    def test_the_username_ignores_case_and_surrounding_spaces(self):
        """README, "Usernames": one name in any letter case, with or
        without the space a phone's keyboard adds."""
        for typed in (self.admin.upper(), f" {self.admin} ", self.admin.capitalize() + " "):
            with self.subTest(typed=typed):
                self.assertEqual(Browser().sign_in(typed, PASSWORD).status, 303)

    def test_lookalike_usernames_do_not_sign_in(self):
        # utf8mb4_unicode_ci alone would take the first two as the username.
        for typed in ("\u00e1" + self.admin[1:], "\uff41" + self.admin[1:],
                      self.admin[:3] + " " + self.admin[3:]):
            with self.subTest(typed=typed):
                r = Browser().sign_in(typed, PASSWORD)
                self.assertEqual(r.status, 200)
                self.assertIn("Incorrect username or password.", r.body)
            self.site.sql("DELETE FROM signin_failures")

    def test_sign_in_post_without_csrf_is_refused(self):
        b = Browser()
        b.get("/login")
        r = b.post("/login", {"username": self.admin, "password": PASSWORD})
        self.assertEqual(r.status, 403)
        self.assertIsNone(b.cookie("session"))

    def test_sign_in_post_with_a_token_not_matching_the_cookie_is_refused(self):
        b = Browser()
        b.get("/login")
        other = Browser().get("/login")
        r = b.post("/login", {"csrf_token": Browser.csrf_of(other), "username": self.admin,
                              "password": PASSWORD})
        self.assertEqual(r.status, 403)
        self.assertIsNone(b.cookie("session"))

    def test_next_returns_to_the_page_asked_for(self):
        b = Browser()
        r = b.get("/people/new")
        self.assertEqual(r.status, 303)
        self.assertEqual(r.location, "/login?next=%2Fpeople%2Fnew")
        r = b.sign_in(self.admin, PASSWORD, next_path="/people/new")
        self.assertEqual(r.location, "/people/new")

    def test_next_never_leads_to_another_site(self):
        for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example", "people"):
            r = Browser().sign_in(self.admin, PASSWORD, next_path=evil)
            self.assertEqual(r.location, "/people", evil)

    def test_sign_out_ends_the_session(self):
        b = Browser()
        b.sign_in_ok(self.admin, PASSWORD)
        old_cookie = b.cookie("session")
        r = b.post("/logout", {"csrf_token": b.csrf()})
        self.assertEqual(r.status, 303)
        self.assertEqual(r.location, "/login?signed_out=1")
        self.assertEqual(b.get("/people").status, 303)
        # The old cookie, replayed, no longer opens anything.
        replay = Browser()
        replay.set_cookie("session", old_cookie)
        self.assertEqual(replay.get("/people").status, 303)

    def test_sign_out_without_csrf_is_refused_and_session_survives(self):
        b = Browser()
        b.sign_in_ok(self.admin, PASSWORD)
        r = b.post("/logout", {})
        self.assertEqual(r.status, 403)
        self.assertEqual(b.get("/people").status, 200)

    def test_get_logout_is_not_allowed(self):
        r = Browser().get("/logout")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.header("Allow"), "POST")


class ThrottleTest(unittest.TestCase):
    """Repeated failures from one address are refused (429) for a while."""

    @classmethod
    def setUpClass(cls):
        cls.site = site_client.SITE
        cls.user = tag("throttle")
        cls.site.add_person(cls.user, "admin", PASSWORD)

    def tearDown(self):
        self.site.sql("DELETE FROM signin_failures")

    def test_five_failures_then_429_even_with_the_right_password(self):
        for i in range(5):
            r = Browser().sign_in(self.user, f"wrong password {i}")
            self.assertEqual(r.status, 200, i)
        r = Browser().sign_in(self.user, PASSWORD)
        self.assertEqual(r.status, 429)
        self.assertIn("Too many failed sign-in attempts", r.body)
        self.assertGreater(int(r.header("Retry-After")), 0)
        self.assertLessEqual(int(r.header("Retry-After")), 15 * 60 + 1)

    def test_failures_older_than_the_window_no_longer_count(self):
        for i in range(5):
            Browser().sign_in(self.user, f"wrong password {i}")
        self.site.sql("UPDATE signin_failures SET failed_at = failed_at - INTERVAL 16 MINUTE")
        r = Browser().sign_in(self.user, PASSWORD)
        self.assertEqual(r.status, 303)


if __name__ == "__main__":
    unittest.main()
