"""siteadmin, the hosts' command-line tool, against the real database."""
import json
import os
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

import collection_zips as cz

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

    def test_with_install_lock_holds_installs_back_and_passes_the_exit_code(self):
        """The README's backup recipe relies on this: while the command runs,
        no install commits; the install waits, then succeeds."""
        name = f"lockadmin{tag()}"
        person_id = self.site.add_person(name, "admin", PASSWORD)
        b = Browser()
        b.sign_in_ok(name, PASSWORD)
        token = b.create_token(person_id)
        t = tag()
        archive = cz.collection_zip([("l.css", "locked{}")],
                                    children=cz.resource("l.css", "www", f"lock-{t}"))
        body, boundary = cz.multipart([("collectionFile", "myCollection.zip", archive,
                                        "application/zip")])
        served = f"{self.site.base}/lock-{t}/l.css"
        with tempfile.TemporaryDirectory() as d:
            started, during = os.path.join(d, "started"), os.path.join(d, "during")
            # The command says it runs, holds the lock 3 s, then looks (still
            # holding it) whether the install's file is served, and exits 7.
            holder = subprocess.Popen(
                [self.site.siteadmin, "--config", self.site.config, "with-install-lock", "--",
                 "sh", "-c", f"touch {started}; sleep 3; "
                             f"curl -s -o /dev/null -w '%{{http_code}}' {served} > {during}; exit 7"])
            deadline = time.monotonic() + 10
            while not os.path.exists(started) and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertTrue(os.path.exists(started), "the command did not start")
            result = {}

            def install():
                req = urllib.request.Request(
                    self.site.base + "/installCollection", data=body, method="POST",
                    headers={"Authorization": f"Bearer {token}",
                             "Content-Type": f"multipart/form-data; boundary={boundary}"})
                with urllib.request.urlopen(req, timeout=60) as r:
                    result["status"], result["body"] = r.status, r.read()

            worker = threading.Thread(target=install)
            worker.start()
            self.assertEqual(holder.wait(timeout=30), 7)
            worker.join(timeout=60)
            with open(during) as f:
                seen_during = f.read()
        # Not served while the lock was held (the install waited), served after.
        self.assertEqual(seen_during, "404", "the install finished while the lock was held")
        self.assertEqual(result.get("status"), 200, result)
        self.assertEqual(json.loads(result["body"])["files"], 1)
        self.assertEqual(Browser().get(f"/lock-{t}/l.css").body, "locked{}")

    def test_with_install_lock_needs_a_command(self):
        r = self.site.admin_tool("with-install-lock")
        self.assertEqual(r.returncode, 2)
        self.assertIn("with-install-lock", r.stderr)


if __name__ == "__main__":
    unittest.main()
