"""Collection pages on a host name of their own (README, "Collection pages
on a host of their own"): with the site files rendered for WWW_SERVER_NAME,
that host serves the www files without the sandbox and runs no program,
while the admin host name keeps serving them sandboxed. Here the admin host
is 127.0.0.1 and the files' host is localhost, on one more node of the site
(the same database and files)."""
import http.client
import json
import unittest

import collection_zips as cz
import site_client
from site_client import PASSWORD, Browser, tag

WWW_HOST = "localhost"


class WwwHost:
    @classmethod
    def setUpClass(cls):
        cls.site = site_client.SITE
        cls.var = cls.site.node_var(cls.NAME)
        cls.addClassCleanup(cls.site.stack_run, cls.STOP, cls.var)
        cls.port = int(cls.site.stack_run("free-port").stdout.strip())
        r = cls.site.stack_run(cls.START, cls.var, str(cls.port), www=WWW_HOST)
        if r.returncode != 0:
            raise AssertionError(f"{cls.START} with WWW_SERVER_NAME failed: {r.stderr[-2000:]}")
        name = tag("wwwhost")
        person = cls.site.add_person(name, "admin", PASSWORD)
        admin = Browser()
        admin.sign_in_ok(name, PASSWORD)
        cls.token = admin.create_token(person)
        cls.base = f"www-{tag()}"
        page = b"<!doctype html><p>shop</p><script>document.cookie='cart=1'</script>"
        xml = cz.manifest(name=f"Www {cls.base}", children=cz.resource("index.html", "www", cls.base))
        body, boundary = cz.multipart([("collectionFile", "c.zip", cz.make_zip(
            [("collection.xml", xml), ("index.html", page)]), "application/zip")])
        r = cls.get("127.0.0.1", "/installCollection", method="POST", body=body, headers={
            "Authorization": f"Bearer {cls.token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}"})
        if r.status != 200:
            raise AssertionError(f"install failed: {r.status} {r.read()[:300]}")

    @classmethod
    def get(cls, host, path, method="GET", body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", cls.port, timeout=30)
        conn.request(method, path, body=body, headers=dict(headers or {}, Host=f"{host}:{cls.port}"))
        r = conn.getresponse()
        r.body = r.read()
        conn.close()
        return r

    def test_the_files_host_serves_the_pages_unsandboxed(self):
        r = self.get(WWW_HOST, f"/{self.base}/index.html")
        self.assertEqual(r.status, 200)
        self.assertIn(b"<p>shop</p>", r.body)
        self.assertIsNone(r.getheader("Content-Security-Policy"))
        self.assertEqual(r.getheader("X-Content-Type-Options"), "nosniff")

    def test_the_admin_host_still_serves_them_sandboxed(self):
        r = self.get("127.0.0.1", f"/{self.base}/index.html")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.getheader("Content-Security-Policy", "").startswith("sandbox "))

    def test_no_program_answers_on_the_files_host(self):
        auth = {"Authorization": f"Bearer {self.token}"}
        for path in ("/login", "/people", "/tokenInfo", "/collections"):
            with self.subTest(path=path):
                r = self.get(WWW_HOST, path, headers=auth)
                self.assertIn(r.status, (403, 404), path)
                self.assertNotIn(b"csrf_token", r.body)
                self.assertNotIn(b"expires_at", r.body)
                self.assertIsNone(r.getheader("Set-Cookie"))
        # The admin host name answers as before.
        r = self.get("127.0.0.1", "/tokenInfo", headers=auth)
        self.assertEqual(r.status, 200)
        self.assertIn("expires_at", json.loads(r.body)["token"])


class ApacheWwwHostTest(WwwHost, unittest.TestCase):
    NAME, START, STOP = "www-host", "start-web", "stop-web"


class LighttpdWwwHostTest(WwwHost, unittest.TestCase):
    NAME, START, STOP = "www-host-lighttpd", "start-lighttpd", "stop-lighttpd"


if __name__ == "__main__":
    unittest.main()
