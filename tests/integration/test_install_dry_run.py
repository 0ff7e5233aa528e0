"""A pull-request pipeline's dry run and a re-run deploy, through the real
web server with curl: ?dryRun=1 runs every check and answers what would
change, installing nothing (history: "validated"); the archive that is
installed answers 200 "unchanged" and builds no generation."""
import json
import os
import subprocess
import tempfile
import unittest

import collection_zips as cz
from site_client import PASSWORD, Browser, tag
import site_client


class DryRunTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = site_client.SITE
        name = tag("dry")
        pid = cls.site.add_person(name, "admin", PASSWORD)
        b = Browser()
        b.sign_in_ok(name, PASSWORD)
        cls.token = b.create_token(pid)
        cls.work = tempfile.mkdtemp(prefix="dryrun-")

    def archive(self, guid, files, attrs=""):
        path = os.path.join(self.work, f"c-{tag()}.zip")
        children = "".join(cz.resource(n.rsplit("/", 1)[1], "www", n.rsplit("/", 1)[0]) for n in files)
        entries = [(n.rsplit("/", 1)[1], data) for n, data in files.items()]
        with open(path, "wb") as f:
            f.write(cz.collection_zip(entries, guid=guid, children=children, extra_attrs=attrs))
        return path

    def curl(self, path, query=""):
        r = subprocess.run(["curl", "-sS", "--fail-with-body", "-X", "POST",
                            f"{self.site.base}/installCollection{query}",
                            "-H", f"Authorization: Bearer {self.token}",
                            "-F", f"collectionFile=@{path}"],
                           capture_output=True, text=True, timeout=120)
        return r.returncode, json.loads(r.stdout)

    def published(self):
        return os.readlink(os.path.join(self.site.var, "files", "current"))

    def served(self, url_path):
        return Browser().get(url_path)

    def last_result(self, guid):
        return self.site.sql(f"SELECT result FROM collection_installs WHERE guid = '{guid}' "
                             "ORDER BY id DESC LIMIT 1")[0][0]

    def test_dry_run_then_install_then_unchanged_then_a_dry_run_of_the_next_version(self):
        guid = cz.new_guid()
        base = f"dry{guid[1:9]}"
        v1 = self.archive(guid, {f"{base}/a.css": b"a1", f"{base}/old.js": b"o"})
        before = self.published()
        rc, body = self.curl(v1, "?dryRun=1")
        self.assertEqual(rc, 0, body)
        self.assertTrue(body["dry_run"])
        self.assertEqual(sorted(body["files_added"]), [f"www/{base}/a.css", f"www/{base}/old.js"])
        self.assertIn("nothing was installed", body["message"])
        self.assertEqual(self.published(), before)
        self.assertEqual(self.served(f"/{base}/a.css").status, 404)
        self.assertEqual(self.last_result(guid), "validated")

        rc, body = self.curl(v1)
        self.assertEqual(rc, 0, body)
        self.assertFalse(body["unchanged"])
        installed = self.published()
        self.assertEqual(self.served(f"/{base}/a.css").body, "a1")

        # The same archive again (a re-run pipeline): nothing is built.
        rc, body = self.curl(v1)
        self.assertEqual(rc, 0, body)
        self.assertTrue(body["unchanged"])
        self.assertIn("is unchanged", body["message"])
        self.assertEqual(self.published(), installed)
        self.assertEqual(self.last_result(guid), "unchanged")

        v2 = self.archive(guid, {f"{base}/a.css": b"a2", f"{base}/new.js": b"n"})
        rc, body = self.curl(v2, "?dryRun=true")
        self.assertEqual(rc, 0, body)
        self.assertEqual(body["files_added"], [f"www/{base}/new.js"])
        self.assertEqual(body["files_replaced"], [f"www/{base}/a.css"])
        self.assertEqual(body["files_removed"], [f"www/{base}/old.js"])
        self.assertTrue(body["replaced"])
        self.assertEqual(self.served(f"/{base}/a.css").body, "a1")  # still v1
        self.assertEqual(self.published(), installed)

    def test_a_dry_run_gets_the_refusal_an_install_would_get(self):
        guid = cz.new_guid()
        base = f"dry{guid[1:9]}"
        fixed = self.archive(guid, {f"{base}/a.css": b"a"}, attrs='updatable="false"')
        rc, body = self.curl(fixed)
        self.assertEqual(rc, 0, body)
        other = self.archive(guid, {f"{base}/a.css": b"b"}, attrs='updatable="false"')
        rc, body = self.curl(other, "?dryRun=1")
        self.assertEqual(rc, 22, body)  # curl --fail-with-body: an HTTP error
        self.assertIn("not updatable", body["message"])
        self.assertEqual(self.served(f"/{base}/a.css").body, "a")
        rc, body = self.curl(fixed, "?dryRun=maybe")
        self.assertEqual(rc, 22)
        self.assertIn("dryRun takes 1", body["message"])


if __name__ == "__main__":
    unittest.main()
