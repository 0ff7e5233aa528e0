"""Collections: crash safety (the installer killed at each point of an
install leaves the old version or the new one, never a mix, and the
database matches the disk after recovery), concurrent installs, and the
Collections page with its browser upload."""
import concurrent.futures
import io
import json
import os
import re
import subprocess
import unittest
import uuid
import zipfile

from site_client import PASSWORD, Browser, tag
import site_client


def collection_zip(guid, files, name="Crash Test", extra=""):
    """A collection archive installing `files` ({path in www: content})."""
    resources = "".join(
        f'<Resource name="{os.path.basename(p)}" type="www" path="{os.path.dirname(p)}"/>'
        for p in files)
    manifest = f'<Collection name="{name}" guid="{guid}">{resources}{extra}</Collection>'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("collection.xml", manifest)
        for path, content in files.items():
            z.writestr(os.path.basename(path), content)
    return buf.getvalue()


def multipart(fields, file_bytes, filename="c.zip"):
    boundary = "----test" + uuid.uuid4().hex
    parts = []
    for k, v in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="collectionFile"; '
                 f'filename="{filename}"\r\nContent-Type: application/zip\r\n\r\n'.encode()
                 + file_bytes + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class CollectionsTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = site_client.SITE
        cls.admin_name = tag("colladmin")
        cls.admin_id = cls.site.add_person(cls.admin_name, "admin", PASSWORD, first="Cora",
                                           last="Collector")
        cls.admin = Browser()
        cls.admin.sign_in_ok(cls.admin_name, PASSWORD)
        cls.token = cls.admin.create_token(cls.admin_id)

    def install(self, archive, fault=None):
        body, content_type = multipart({}, archive)
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": content_type}
        if fault:
            headers["X-Fault-Point"] = fault
        return Browser().request("POST", "/installCollection", data=body, headers=headers)

    def served(self, path):
        r = Browser().get("/" + path)
        return r.body if r.status == 200 else None

    def recover(self):
        cmd = [self.site.siteadmin, "--config", self.site.config, "recover-files"]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "www-data", "--"] + cmd
        subprocess.run(cmd, check=True, capture_output=True)

    def db_files(self):
        return sorted(f"{a}/{p}" for a, p in self.site.sql("SELECT area, path FROM collection_files"))

    def disk_files(self):
        root = os.path.join(self.site.var, "files", "current")
        found = []
        for area in ("www", "private", "cdn"):
            for dirpath, _, names in os.walk(os.path.join(root, area)):
                for n in names:
                    found.append(os.path.relpath(os.path.join(dirpath, n), root))
        return sorted(found)

    def assertDatabaseMatchesDisk(self):
        self.assertEqual(self.db_files(), self.disk_files())
        generation = self.site.sql("SELECT generation FROM site_state")[0][0]
        link = os.readlink(os.path.join(self.site.var, "files", "current"))
        self.assertEqual(link, f"generations/{generation}")


class CrashSafetyTest(CollectionsTestCase):
    POINTS = ["before-build", "mid-build", "after-build", "after-commit", "after-publish"]

    def test_a_crash_at_any_point_leaves_old_or_new(self):
        for point in self.POINTS:
            with self.subTest(point=point):
                t = tag()
                guid = "{" + str(uuid.uuid4()) + "}"
                old = {f"crash{t}/a.css": "old a", f"crash{t}/b.css": "old b"}
                new = {f"crash{t}/a.css": "new a", f"crash{t}/c.css": "new c"}
                self.assertEqual(self.install(collection_zip(guid, old)).status, 200)
                r = self.install(collection_zip(guid, new), fault=point)
                self.assertGreaterEqual(r.status, 500, f"{point}: the program should have died")
                state = tuple(self.served(f"crash{t}/{f}") for f in ("a.css", "b.css", "c.css"))
                self.assertIn(state, [("old a", "old b", None), ("new a", None, "new c")], point)
                self.recover()
                self.assertDatabaseMatchesDisk()
                installed = {p for p in self.db_files() if f"crash{t}/" in p}
                after = tuple(self.served(f"crash{t}/{f}") for f in ("a.css", "b.css", "c.css"))
                if point in ("after-commit", "after-publish"):
                    self.assertEqual(after, ("new a", None, "new c"))
                    self.assertEqual(installed, {f"www/crash{t}/a.css", f"www/crash{t}/c.css"})
                else:
                    self.assertEqual(after, ("old a", "old b", None))
                    self.assertEqual(installed, {f"www/crash{t}/a.css", f"www/crash{t}/b.css"})
                # Only the published generation is left on disk.
                gens = os.listdir(os.path.join(self.site.var, "files", "generations"))
                self.assertEqual(len(gens), 1, gens)


class ConcurrencyTest(CollectionsTestCase):
    def test_two_installs_of_one_guid_at_once_end_consistent(self):
        t = tag()
        guid = "{" + str(uuid.uuid4()) + "}"
        one = collection_zip(guid, {f"same{t}/x.css": "one", f"same{t}/one.css": "1"})
        two = collection_zip(guid, {f"same{t}/x.css": "two", f"same{t}/two.css": "2"})
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(self.install, [one, two]))
        self.assertEqual([r.status for r in results], [200, 200])
        self.assertEqual(sorted(json.loads(r.body)["replaced"] for r in results), [False, True])
        state = (self.served(f"same{t}/x.css"), self.served(f"same{t}/one.css"),
                 self.served(f"same{t}/two.css"))
        self.assertIn(state, [("one", "1", None), ("two", None, "2")])
        self.assertDatabaseMatchesDisk()

    def test_two_collections_at_once_are_both_installed(self):
        t = tag()
        a = collection_zip("{" + str(uuid.uuid4()) + "}", {f"ca{t}/a.css": "a"}, name="A")
        b = collection_zip("{" + str(uuid.uuid4()) + "}", {f"cb{t}/b.css": "b"}, name="B")
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(self.install, [a, b]))
        self.assertEqual([r.status for r in results], [200, 200])
        self.assertEqual(self.served(f"ca{t}/a.css"), "a")
        self.assertEqual(self.served(f"cb{t}/b.css"), "b")
        self.assertDatabaseMatchesDisk()


class InstallBudgetTest(CollectionsTestCase):
    """What an install may write is bounded as a whole (review findings)."""

    def test_one_file_named_by_two_resources_is_refused(self):
        t = tag()
        manifest = (f'<Collection name="Twice" guid="{{{uuid.uuid4()}}}">'
                    f'<Resource name="big.bin" type="www" path="twice{t}/a"/>'
                    f'<Resource name="big.bin" type="www" path="twice{t}/b"/></Collection>')
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("collection.xml", manifest)
            z.writestr("big.bin", "x")
        r = self.install(buf.getvalue())
        self.assertEqual(r.status, 422)
        self.assertIn('<Resource name="big.bin"> appears more than once', json.loads(r.body)["message"])

    def test_a_zip64_directory_with_too_many_entries_is_refused_before_it_is_loaded(self):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
            z.writestr("collection.xml", f'<Collection name="Many" guid="{{{uuid.uuid4()}}}"/>')
            for i in range(70000):  # past 65,535: a Zip64 end record
                z.writestr(f"e{i}", b"")
        r = self.install(buf.getvalue())
        self.assertEqual(r.status, 422)
        self.assertIn("70001 entries; at most 10000 are allowed", json.loads(r.body)["message"])


class CollectionsPageTest(CollectionsTestCase):
    def test_page_lists_collections_and_history_with_the_upload_form_for_admins(self):
        t = tag()
        guid = "{" + str(uuid.uuid4()) + "}"
        self.assertEqual(self.install(collection_zip(guid, {f"page{t}/p.css": "p"}, name=f"Listed {t}")).status, 200)
        bad = self.install(b"not a zip at all")
        self.assertEqual(bad.status, 422)
        page = self.admin.get("/collections")
        self.assertEqual(page.status, 200)
        self.assertIn(f"Listed {t}", page.body)
        self.assertIn(guid, page.body)
        self.assertIn("Cora Collector", page.body)
        self.assertIn('id="upload-form"', page.body)
        self.assertIn('enctype="multipart/form-data"', page.body)
        self.assertIn("<progress", page.body)
        self.assertIn("collectionFile is not a zip archive", page.body)  # a refusal's reason
        one = self.admin.get("/collections?guid=" + guid.replace("{", "%7B").replace("}", "%7D"))
        self.assertIn(f"Listed {t}", one.body)
        self.assertNotIn("collectionFile is not a zip archive", one.body)

    def test_browser_upload_installs_with_csrf_and_refuses_without(self):
        t = tag()
        archive = collection_zip("{" + str(uuid.uuid4()) + "}", {f"form{t}/f.css": "form"})
        csrf = self.admin.csrf()
        before = self.db_files()
        body, content_type = multipart({}, archive)
        r = self.admin.request("POST", "/collections/upload", data=body,
                               headers={"Content-Type": content_type, "Accept": "application/json"})
        self.assertEqual(r.status, 403)
        self.assertEqual(self.db_files(), before)
        body, content_type = multipart({"csrf_token": csrf}, archive)
        r = self.admin.request("POST", "/collections/upload", data=body,
                               headers={"Content-Type": content_type, "Accept": "application/json"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.served(f"form{t}/f.css"), "form")
        # Without JavaScript: the same install answers with the page.
        body, content_type = multipart({"csrf_token": csrf}, b"garbage")
        r = self.admin.request("POST", "/collections/upload", data=body,
                               headers={"Content-Type": content_type})
        self.assertEqual(r.status, 422)
        self.assertIn("Not installed: collectionFile is not a zip archive", r.body)

    def test_content_manager_sees_the_lists_but_cannot_install(self):
        cm_name = tag("collcm")
        self.site.add_person(cm_name, "content_manager", PASSWORD)
        cm = Browser()
        cm.sign_in_ok(cm_name, PASSWORD)
        page = cm.get("/collections")
        self.assertEqual(page.status, 200)
        self.assertNotIn('id="upload-form"', page.body)
        archive = collection_zip("{" + str(uuid.uuid4()) + "}", {f"cm{tag()}/x.css": "x"})
        body, content_type = multipart({"csrf_token": cm.csrf()}, archive)
        r = cm.request("POST", "/collections/upload", data=body,
                       headers={"Content-Type": content_type, "Accept": "application/json"})
        self.assertEqual(r.status, 403)

    def test_signed_out_visitor_is_sent_to_sign_in(self):
        r = Browser().get("/collections")
        self.assertEqual(r.status, 303)
        self.assertTrue(r.location.startswith("/login?next="))


if __name__ == "__main__":
    unittest.main()
