"""A token with less than 30 days left, through the real web server: every
successful API answer says so in its JSON message and a header (the guide's
curl command prints it in the build log), the People list marks it, and
`siteadmin tokens --expiring 30` lists it for a cron mail. A token with
more time left says nothing."""
import json
import os
import subprocess
import tempfile
import unittest

import collection_zips as cz
from site_client import PASSWORD, Browser, tag
import site_client

WARNING_HEADER = "Authentication-Token-Expiry-Warning"


class TokenExpiryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = site_client.SITE
        cls.admin_name = tag("expadm")
        cls.site.add_person(cls.admin_name, "admin", PASSWORD)
        cls.browser = Browser()
        cls.browser.sign_in_ok(cls.admin_name, PASSWORD)

    def new_admin_token(self, days_left_sql=None):
        name = tag("exp")
        self.site.add_person(name, "admin", PASSWORD, first="Expiring", last=name)
        pid = self.site.sql(f"SELECT id FROM people WHERE username = '{name}'")[0][0]
        token = self.browser.create_token(pid)
        if days_left_sql:
            self.site.sql(f"UPDATE bearer_tokens SET expires_at = UTC_TIMESTAMP() + INTERVAL "
                          f"{days_left_sql} WHERE person_id = {pid}")
        day = self.site.sql(f"SELECT DATE(expires_at) FROM bearer_tokens WHERE person_id = {pid}")[0][0]
        return name, pid, token, day

    def curl_install(self, token):
        """The guide's command, as a build server runs it; returns (headers, body)."""
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "myCollection.zip")
            guid = cz.new_guid()
            with open(path, "wb") as f:
                f.write(cz.collection_zip([("a.txt", b"hello")], guid=guid,
                                          children=cz.resource("a.txt", "www", f"exp{guid[1:9]}")))
            r = subprocess.run(["curl", "-sS", "-D", "-", "-X", "POST", f"{self.site.base}/installCollection",
                                "-H", f"Authorization: Bearer {token}",
                                "-F", f"collectionFile=@{path}"],
                               capture_output=True, timeout=120)
        # Bytes, not text: universal newlines would turn the CRLFs into LFs.
        head, _, body = r.stdout.decode().partition("\r\n\r\n")
        while head.startswith("HTTP/1.1 100"):
            head, _, body = body.partition("\r\n\r\n")
        return head, body

    def test_a_token_expiring_in_12_days_says_so_in_every_api_answer(self):
        _, _, token, day = self.new_admin_token("12 DAY - INTERVAL 1 HOUR")
        warning = f"this token expires on {day}, in 12 days: create a new one on your record"
        r = Browser().request("GET", "/tokenInfo", headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(r.status, 200, r.body)
        body = json.loads(r.body)
        self.assertEqual(body["message"], f"Token is valid; {warning}")
        self.assertTrue(body["token"]["expires_soon"])
        self.assertEqual(r.header(WARNING_HEADER), warning)
        head, text = self.curl_install(token)
        self.assertIn(" 200 ", head.splitlines()[0], head + text)
        self.assertTrue(json.loads(text)["message"].endswith(f"; {warning}"), text)
        self.assertIn(f"{WARNING_HEADER}: {warning}", head)

    def test_a_token_with_a_year_left_says_nothing(self):
        _, _, token, _ = self.new_admin_token()
        r = Browser().request("GET", "/tokenInfo", headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(json.loads(r.body)["message"], "Token is valid")
        self.assertIsNone(r.header(WARNING_HEADER))
        head, text = self.curl_install(token)
        self.assertNotIn("expires on", text)
        self.assertNotIn(WARNING_HEADER, head)

    def test_the_people_list_marks_it_and_siteadmin_lists_it(self):
        soon, soon_id, _, day = self.new_admin_token("3 DAY - INTERVAL 1 HOUR")
        later, _, _, _ = self.new_admin_token("200 DAY")
        page = self.browser.get(f"/people?q={soon}")
        self.assertEqual(page.status, 200)
        self.assertIn("token expires in 3 days", page.body)
        page = self.browser.get(f"/people?q={later}")
        self.assertNotIn("token expires", page.body)
        r = self.site.admin_tool("tokens", "--expiring", "30")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = [l for l in r.stdout.splitlines() if soon in l]
        self.assertEqual(len(lines), 1, r.stdout)
        self.assertIn("3 days", lines[0])
        self.assertIn(day, lines[0])
        self.assertNotIn(later, r.stdout)
        self.assertNotEqual(self.site.admin_tool("tokens", "--expiring", "soon").returncode, 0)


if __name__ == "__main__":
    unittest.main()
