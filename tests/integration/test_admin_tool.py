"""siteadmin, the hosts' command-line tool, against the real database."""
import unittest

from site_client import PASSWORD, Browser, tag
import site_client


class AdminToolTest(unittest.TestCase):
    def setUp(self):
        self.site = site_client.SITE

    def test_add_person_with_password_from_stdin_then_sign_in(self):
        name = f"tool{tag()}"
        r = self.site.admin_tool("add-person", "--username", name, "--access", "content_manager",
                                 "--password-stdin", stdin="a password from stdin\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Content Manager", r.stdout)
        self.assertEqual(Browser().sign_in(name, "a password from stdin").status, 303)

    def test_set_password_resets_a_lost_password_and_ends_sessions(self):
        name = f"lost{tag()}"
        self.site.add_person(name, "admin", "the original password")
        b = Browser()
        b.sign_in_ok(name, "the original password")
        r = self.site.admin_tool("set-password", name, stdin="the replacement password\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(b.get("/people").status, 303)  # old session ended
        self.assertEqual(Browser().sign_in(name, "the original password").status, 200)
        self.assertEqual(Browser().sign_in(name, "the replacement password").status, 303)
        self.site.sql("DELETE FROM signin_failures")

    def test_set_password_refuses_a_short_password_and_an_unknown_user(self):
        r = self.site.admin_tool("set-password", "nobody-at-all", stdin="long enough password\n")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no person has the username", r.stderr)
        r = self.site.admin_tool("set-password", "nobody-at-all", stdin="short\n")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("at least 12 characters", r.stderr)

    def test_add_person_refuses_invalid_input_naming_the_field(self):
        r = self.site.admin_tool("add-person", "--username", "x", "--access", "admin")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("username:", r.stderr)
        r = self.site.admin_tool("add-person", "--username", "okname", "--access", "root")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--access must be", r.stderr)

    def test_list_shows_people(self):
        name = f"listed{tag()}"
        self.site.add_person(name, "none", first="Listed", last="Person")
        r = self.site.admin_tool("list", name)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(name, r.stdout)
        self.assertEqual(len(r.stdout.splitlines()), 1)

    def test_migrate_applies_each_file_once(self):
        r = self.site.admin_tool("migrate", f"{self.site.root}/sql")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "schema is up to date")
        rows = self.site.sql("SELECT name FROM schema_migrations ORDER BY name")
        self.assertEqual([r[0] for r in rows][:2], ["001_people.sql", "002_sessions.sql"])

    def test_first_admin_creates_nobody_when_an_admin_exists(self):
        before = self.site.sql("SELECT COUNT(*) FROM people")
        r = self.site.admin_tool("first-admin")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertEqual(self.site.sql("SELECT COUNT(*) FROM people"), before)


if __name__ == "__main__":
    unittest.main()
