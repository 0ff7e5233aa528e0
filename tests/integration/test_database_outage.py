"""MariaDB stopped mid-run: pages answer 503 (never a crash or a hang), and
the site recovers by itself when the database is back, without restarting
Apache or its FastCGI processes."""
import json
import subprocess
import time
import unittest

from site_client import PASSWORD, Browser, tag
import site_client



class DatabaseOutageTest(unittest.TestCase):
    def stack(self, *args):
        subprocess.run([self.site.stack, *args, self.site.var], check=True,
                       capture_output=True, timeout=60)

    def fcgi_pids(self):
        out = subprocess.run(["pgrep", "-f", f"{self.site.root}/build/cgi-bin/"],
                             capture_output=True, text=True).stdout
        return set(out.split())

    def test_503_while_down_then_recovery(self):
        self.site = site_client.SITE
        name = f"outage{tag()}"
        self.site.add_person(name, "admin", PASSWORD)
        b = Browser()
        b.sign_in_ok(name, PASSWORD)
        self.assertEqual(b.get("/people").status, 200)
        person_id = self.site.sql(f"SELECT id FROM people WHERE username = '{name}'")[0][0]
        token = b.create_token(person_id)
        api = Browser()
        bearer = {"Authorization": f"Bearer {token}"}
        self.assertEqual(api.request("GET", "/tokenInfo", headers=bearer).status, 200)
        pids_before = self.fcgi_pids()
        self.assertTrue(pids_before, "no FastCGI processes seen")
        # A sign-in form fetched before the outage and sent during it: a
        # real attempt (its CSRF cookie and field agree), which needs the
        # database. (One with a made-up token is refused with 403 by any
        # process still holding a connection, before any query.)
        signer = Browser()
        form_csrf = signer.csrf_of(signer.get("/login"))

        self.stack("stop-db")
        try:
            for path in ("/people", "/people/edit?id=1", "/login"):
                started = time.time()
                r = b.get(path)
                self.assertEqual(r.status, 503, path)
                self.assertIn("temporarily unavailable", r.body)
                self.assertEqual(r.header("Retry-After"), "30")
                self.assertLess(time.time() - started, 10, "a 503 must not hang")
            r = signer.post("/login", {"csrf_token": form_csrf, "username": name,
                                       "password": PASSWORD})
            self.assertEqual(r.status, 503)
            # The API answers in JSON, for build servers' logs.
            r = api.request("GET", "/tokenInfo", headers=bearer)
            self.assertEqual(r.status, 503)
            self.assertEqual(json.loads(r.body)["message"],
                             "Service temporarily unavailable; please try again later")
            self.assertEqual(r.header("Retry-After"), "30")
        finally:
            self.stack("start-db")

        # The same processes reconnect on their own; the session survived.
        r = b.get("/people")
        self.assertEqual(r.status, 200)
        self.assertIn("People", r.body)
        self.assertEqual(Browser().sign_in(name, PASSWORD).status, 303)
        self.assertEqual(api.request("GET", "/tokenInfo", headers=bearer).status, 200)
        self.assertTrue(pids_before & self.fcgi_pids(), "FastCGI processes were restarted")


if __name__ == "__main__":
    unittest.main()
