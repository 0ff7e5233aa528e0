"""The documented HTTPS variant (apache-conf/admin-site-ssl.conf.in), rendered
and run as a host would enable it: a second Apache on the same database and
files, serving HTTPS with a self-signed certificate, and plain HTTP that only
redirects. Sign-in, the session cookie's Secure flag, HSTS, the token API and
the guide's curl command all go through TLS."""
import json
import os
import ssl
import subprocess
import tempfile
import types
import unittest
import urllib.request

import collection_zips as cz
from site_client import PASSWORD, Browser, tag
import site_client


class HttpsVariantTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = site_client.SITE
        cls.var = cls.site.node_var("tls-node")
        cls.addClassCleanup(cls.site.stack_run, "stop-web", cls.var)
        cls.port = cls.site.stack_run("free-port").stdout.strip()
        cls.http_port = cls.site.stack_run("free-port").stdout.strip()
        r = cls.site.stack_run("start-web-tls", cls.var, cls.port, cls.http_port)
        if r.returncode != 0:
            raise AssertionError(f"cannot start the HTTPS Apache: {r.stderr[-2000:]}")
        cls.base = f"https://127.0.0.1:{cls.port}"
        cls.cert = os.path.join(cls.var, "tls", "site.pem")
        cls.tls = ssl.create_default_context(cafile=cls.cert)
        cls.node = types.SimpleNamespace(base=cls.base)

    def browser(self):
        return Browser(self.node, ssl_context=self.tls)

    def test_plain_http_redirects_to_https(self):
        for path in ("/login", "/installCollection"):
            req = urllib.request.Request(f"http://127.0.0.1:{self.http_port}{path}", method="GET")
            opener = urllib.request.build_opener(site_client._NoRedirect())
            try:
                opener.open(req, timeout=10)
                self.fail("no redirect")
            except urllib.error.HTTPError as e:
                self.assertEqual(e.code, 301, path)
                self.assertEqual(e.headers["Location"], f"{self.base}{path}")

    def test_sign_in_over_https_sets_a_secure_cookie_and_hsts(self):
        name = tag("tls")
        self.site.add_person(name, "admin", PASSWORD)
        b = self.browser()
        page = b.get("/login")
        self.assertEqual(page.status, 200)
        self.assertEqual(page.header("Strict-Transport-Security"), "max-age=31536000")
        r = b.sign_in(name, PASSWORD)
        self.assertEqual(r.status, 303, r)
        # __Host-: a sibling host name cannot set a cookie that shadows it.
        cookies = [c for c in r.headers.get_all("Set-Cookie") if c.startswith("__Host-session=")]
        self.assertEqual(len(cookies), 1, r.headers)
        self.assertIn("Secure", cookies[0])
        self.assertIn("HttpOnly", cookies[0])
        self.assertIn("Path=/", cookies[0])
        self.assertNotIn("Domain", cookies[0])
        self.assertEqual(b.get("/people").status, 200)
        # The same id in a plain "session" cookie (what such a host could
        # set) signs nobody in over HTTPS.
        other = self.browser()
        other.set_cookie("session", b.cookie("__Host-session"))
        self.assertEqual(other.get("/people").status, 303)

    def test_token_created_and_used_over_https_with_the_guides_curl_command(self):
        name = tag("tlsadmin")
        person_id = self.site.add_person(name, "admin", PASSWORD)
        b = self.browser()
        b.sign_in_ok(name, PASSWORD)
        token = b.create_token(person_id)
        info = b.request("GET", "/tokenInfo", headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(info.status, 200, info)
        self.assertEqual(json.loads(info.body)["person"]["username"], name)
        self.assertTrue(info.header("Authentication-Token-Expiration"))

        t = tag()
        xml = (f'<Collection name="Tls {t}" guid="{{{t}-tls}}">'
               f'<Resource name="tls.css" type="www" path="tls-{t}"/></Collection>')
        with tempfile.TemporaryDirectory() as work:
            with open(os.path.join(work, "myCollection.zip"), "wb") as f:
                f.write(cz.make_zip([("collection.xml", xml), ("tls.css", "over tls")]))
            out = subprocess.run(
                ["curl", "-sS", "--cacert", self.cert, "-X", "POST", f"{self.base}/installCollection",
                 "-H", f"Authorization: Bearer {token}", "-F", "collectionFile=@myCollection.zip"],
                cwd=work, capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(json.loads(out.stdout)["files"], 1, out.stdout)
        served = b.get(f"/tls-{t}/tls.css")
        self.assertEqual((served.status, served.body), (200, "over tls"))
        self.assertEqual(served.header("Strict-Transport-Security"), "max-age=31536000")


if __name__ == "__main__":
    unittest.main()
