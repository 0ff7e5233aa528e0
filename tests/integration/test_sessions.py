"""Session timeouts and the rule that access is read at every request.
Timeouts are tested by moving the session's timestamps back in the
database, never by waiting."""
import unittest

from site_client import PASSWORD, Browser, tag
import site_client



class SessionTest(unittest.TestCase):
    def setUp(self):
        self.site = site_client.SITE
        self.username = f"sess{tag()}"
        self.person_id = self.site.add_person(self.username, "admin", PASSWORD)
        self.browser = Browser()
        self.browser.sign_in_ok(self.username, PASSWORD)
        self.digest = self.browser.session_digest()

    def move_back(self, column, interval):
        self.site.sql(f"UPDATE sessions SET {column} = {column} - INTERVAL {interval} "
                      f"WHERE id_digest = '{self.digest}'")

    def assertSignedOut(self):
        r = self.browser.get("/people")
        self.assertEqual(r.status, 303)
        self.assertTrue(r.location.startswith("/login?next="), r.location)

    def test_session_works_until_idle_timeout(self):
        self.move_back("last_seen_at", "29 MINUTE")
        self.assertEqual(self.browser.get("/people").status, 200)

    def test_idle_timeout_after_30_minutes(self):
        self.move_back("last_seen_at", "31 MINUTE")
        self.assertSignedOut()

    def test_activity_extends_the_idle_timeout(self):
        # A request after 20 idle minutes refreshes last_seen_at, so 20 more
        # minutes later (40 since sign-in) the session still lives.
        self.move_back("last_seen_at", "20 MINUTE")
        self.move_back("created_at", "20 MINUTE")
        self.assertEqual(self.browser.get("/people").status, 200)
        self.move_back("last_seen_at", "20 MINUTE")
        self.move_back("created_at", "20 MINUTE")
        self.assertEqual(self.browser.get("/people").status, 200)

    def test_absolute_timeout_after_12_hours_even_when_active(self):
        self.move_back("created_at", "721 MINUTE")
        self.assertSignedOut()

    def test_demoted_to_none_is_signed_out_at_the_next_request(self):
        self.site.sql(f"UPDATE people SET access = 'none' WHERE id = {self.person_id}")
        self.assertSignedOut()

    def test_demoted_to_content_manager_keeps_a_content_manager_session(self):
        self.site.sql(f"UPDATE people SET access = 'content_manager' WHERE id = {self.person_id}")
        r = self.browser.get("/people")
        self.assertEqual(r.status, 200)
        self.assertIn("(Content Manager)", r.body)

    def test_deactivated_person_is_signed_out(self):
        self.site.sql(f"UPDATE people SET active = 0 WHERE id = {self.person_id}")
        self.assertSignedOut()

    def test_forged_cookie_is_not_a_session(self):
        b = Browser()
        b.set_cookie("session", "0" * 64)
        self.assertEqual(b.get("/people").status, 303)
        b.set_cookie("session", "'; DROP TABLE people; --")
        self.assertEqual(b.get("/people").status, 303)
        self.assertEqual(self.site.sql("SELECT COUNT(*) > 0 FROM people"), [["1"]])


if __name__ == "__main__":
    unittest.main()
