"""Two web nodes, one site (issue 6): web nodes hold no state of their own.

Node A is the site run.py was given. Node B is a second Apache started here
from the same checkout, on another port, with a state directory of its own
(pid file, logs, runtime files) under the site's var directory and a copy of
the site's config: the same MariaDB, the same files_dir, the same
token_secret. Through the two nodes:

- a token created through A works on B, and a session made on one node is
  good on the other (both live in the database);
- a revocation, a replacement or a demotion done through A is answered by B
  at its very next request;
- a collection installed through A is served by B (and the other way round);
- two installs of one collection posted at the same moment, one to each
  node, end consistent: both nodes serve exactly the files of the version
  the database records last, byte for byte, and nothing of the other.
"""
import glob
import hashlib
import http.client
import json
import os
import subprocess
import threading
import time
import types
import unittest
import urllib.parse

import collection_zips as cz
from collection_zips import resource
from site_client import PASSWORD, Browser, tag
import site_client

INVALID = "Token is not valid; it may have been replaced by a newer token"
ADMIN_REQUIRED = "Admin access required"
KiB = 1 << 10


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body  # bytes, exactly as served

    @property
    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def message(self):
        return self.json["message"]

    def header(self, name):
        return self.headers.get(name)

    def __repr__(self):
        return f"<Reply {self.status} {self.body[:300]!r}>"


class Node:
    """One web node: where it listens, and where its Apache keeps its pid and logs."""

    def __init__(self, name, base, var):
        self.name = name
        self.base = base.rstrip("/")
        url = urllib.parse.urlsplit(self.base)
        self.host, self.port = url.hostname, url.port or 80
        self.var = var
        # What site_client.Browser needs of a site: its base address.
        self.site = types.SimpleNamespace(base=self.base)

    def browser(self):
        return Browser(self.site)

    def connection(self, timeout=120):
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def http(self, method, path, body=None, headers=None, timeout=120):
        conn = self.connection(timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return Reply(r.status, r.headers, r.read())
        finally:
            conn.close()

    def api(self, path, token, method="GET"):
        return self.http(method, path, body=b"" if method == "POST" else None,
                         headers={"Authorization": f"Bearer {token}"})

    def install(self, archive, token):
        body, boundary = cz.multipart([("collectionFile", "myCollection.zip", archive,
                                        "application/zip")])
        return self.http("POST", "/installCollection", body, {
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}"})

    @property
    def pid_file(self):
        """The web server's pid file: node B is Apache; node A is whichever
        server the suite runs against (Apache or lighttpd)."""
        run = os.path.join(self.var, "run")
        for name in ("apache.pid", "lighttpd.pid"):
            if os.path.exists(os.path.join(run, name)):
                return os.path.join(run, name)
        return os.path.join(run, "apache.pid")

    def pid(self):
        with open(self.pid_file) as f:
            return int(f.read().strip())

    def access_log(self):
        """Every access log under this node's log directory, as one text."""
        logs = sorted(glob.glob(os.path.join(self.var, "log", "*access*.log")))
        text = []
        for path in logs:
            try:
                with open(path, errors="replace") as f:
                    text.append(f.read())
            except FileNotFoundError:
                pass
        return "".join(text)

    def logged(self, text, within=5.0):
        """True once `text` is in this node's access log. Apache writes the
        line after the answer has gone out, so it may come a moment later."""
        deadline = time.monotonic() + within
        while text not in self.access_log():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def __repr__(self):
        return f"node {self.name} ({self.base})"


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class TwoNodesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = site_client.SITE
        cls.a = Node("A", cls.site.base, cls.site.var)
        cls.files_dir = cls._setting("files_dir") or os.path.join(cls.site.var, "files")
        cls.b = cls._start_node_b()
        cls.admin_name = tag("nodeadmin")
        cls.admin_id = cls.site.add_person(cls.admin_name, "admin", PASSWORD, first="Nadia",
                                           last="Nodes")
        admin = cls.a.browser()
        admin.sign_in_ok(cls.admin_name, PASSWORD)
        cls.install_token = admin.create_token(cls.admin_id)

    @classmethod
    def _setting(cls, key, config=None):
        """The key's value in a site.conf, read as lib/config.cc does (last one wins)."""
        value = None
        with open(config or cls.site.config) as f:
            for line in f:
                k, sep, v = line.partition("=")
                if sep and k.strip() == key:
                    value = v.strip()
        return value

    @classmethod
    def _start_node_b(cls):
        # The same config: the same database, credentials, files_dir and
        # token_secret (Site.node_var).
        var = cls.site.node_var("node-b")
        # Always stopped, even when setUpClass fails after this point.
        cls.addClassCleanup(cls._stop_node_b, var)
        last = None
        for _ in range(2):  # a second port, should another server have taken the first
            port = cls.site.stack_run("free-port").stdout.strip()
            r = cls.site.stack_run("start-web", var, port)
            node = Node("B", f"http://127.0.0.1:{port}", var)
            if r.returncode == 0 and cls._answers_as(node):
                return node
            last = f"start-web {port}: rc {r.returncode}: {r.stderr[-2000:]}"
            cls._stop_node_b(var)
        raise AssertionError(f"cannot start node B: {last}")

    @classmethod
    def _answers_as(cls, node):
        """True once node's own Apache (its pid file, its access log) answers on its port:
        not some other server that happened to take the port."""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if os.path.exists(node.pid_file):
                break
            time.sleep(0.1)
        else:
            return False
        marker = f"/node-check-{tag()}"
        try:
            node.http("GET", marker, timeout=20)
        except OSError:
            return False
        return alive(node.pid()) and node.logged(marker)

    @classmethod
    def _stop_node_b(cls, var):
        cls.site.stack_run("stop-web", var)

    def setUp(self):
        # An Admin signed in on node A, with the cookie jar of node A.
        self.admin_a = self.a.browser()
        self.admin_a.sign_in_ok(self.admin_name, PASSWORD)

    def tearDown(self):
        # Refused tokens count against 127.0.0.1 (shared by every module).
        self.site.sql("DELETE FROM bearer_auth_failures")

    # --- helpers -------------------------------------------------------------

    def new_person(self, access="admin", first="Hal"):
        name = tag("nodeholder")
        return name, self.site.add_person(name, access, PASSWORD, first=first, last=name)

    def on_b(self, browser_a):
        """A browser on node B holding the session cookie that browser_a got from node A."""
        b = self.b.browser()
        b.set_cookie("session", browser_a.cookie("session"))
        return b

    def assertInvalidToken(self, r, node):
        self.assertEqual(r.status, 401, f"{node}: {r}")
        self.assertEqual(r.message, INVALID, node)
        self.assertIn('error="invalid_token"', r.header("WWW-Authenticate"))

    def assertTokenActsAs(self, r, username, node):
        self.assertEqual(r.status, 200, f"{node}: {r}")
        self.assertEqual(r.json["person"]["username"], username, node)
        self.assertEqual(r.json["person"]["access"], "Admin", node)

    def revoke_on_a(self, person_id):
        page = self.admin_a.get(f"/people/edit?id={person_id}")
        r = self.admin_a.post("/revokeBearerToken", {"csrf_token": Browser.csrf_of(page),
                                                     "person_id": str(person_id)})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.location, f"/people/edit?id={person_id}&revoked=1")

    # --- the nodes ---------------------------------------------------------------

    def test_node_b_is_a_separate_apache_on_the_same_database_and_files(self):
        self.assertNotEqual(self.a.port, self.b.port)
        self.assertNotEqual(os.path.realpath(self.a.pid_file), os.path.realpath(self.b.pid_file))
        pid_a, pid_b = self.a.pid(), self.b.pid()
        self.assertNotEqual(pid_a, pid_b)
        self.assertTrue(alive(pid_a), "node A's web server is not running")
        self.assertTrue(alive(pid_b), "node B's Apache is not running")
        try:
            with open(f"/proc/{pid_b}/environ", "rb") as f:
                env = dict(e.split(b"=", 1) for e in f.read().split(b"\0") if b"=" in e)
            self.assertEqual(env.get(b"SITE_VAR"), self.b.var.encode())
            self.assertEqual(env.get(b"SITE_CONFIG"), os.path.join(self.b.var, "site.conf").encode())
        except PermissionError:
            pass
        # Each node logs only what it served itself.
        for node, other in ((self.a, self.b), (self.b, self.a)):
            marker = f"/node-check-{tag()}"
            self.assertEqual(node.http("GET", marker).status, 404)
            self.assertTrue(node.logged(marker), f"{marker} is not in the access log of {node}")
            self.assertNotIn(marker, other.access_log(), other)
        # One site: the same database, files and token secret; nothing else of B's own.
        conf_b = os.path.join(self.b.var, "site.conf")
        for key in ("db_socket", "db_host", "db_port", "db_name", "db_user", "db_password",
                    "files_dir", "token_secret"):
            self.assertEqual(self._setting(key, conf_b), self._setting(key), key)
        self.assertEqual(os.stat(conf_b).st_mode & 0o777, os.stat(self.site.config).st_mode & 0o777)
        self.assertEqual(os.stat(conf_b).st_gid, os.stat(self.site.config).st_gid)
        self.assertFalse(os.path.exists(os.path.join(self.b.var, "files")))

    # --- tokens and sessions --------------------------------------------------------

    def test_token_created_on_a_works_on_b_and_sessions_are_shared(self):
        holder, pid = self.new_person()
        token = self.admin_a.create_token(pid)
        on_b = self.b.api("/tokenInfo", token)
        self.assertTokenActsAs(on_b, holder, self.b)
        on_a = self.a.api("/tokenInfo", token)
        self.assertTokenActsAs(on_a, holder, self.a)
        self.assertEqual(on_b.json["token"], on_a.json["token"])
        self.assertEqual(on_b.header("Authentication-Token-Expiration"),
                         on_a.header("Authentication-Token-Expiration"))
        # The session cookie that A set is good on B: B shows the same record.
        b = self.on_b(self.admin_a)
        page = b.get(f"/people/edit?id={pid}")
        self.assertEqual(page.status, 200, page)
        self.assertIn('<dd id="token-state">Active</dd>', page.body)
        self.assertIn(token[-4:], page.body)  # the hint
        self.assertEqual(b.get("/people").status, 200)
        # And the other way round: signed in on B, good on A.
        signed_on_b = self.b.browser()
        signed_on_b.sign_in_ok(self.admin_name, PASSWORD)
        a = self.a.browser()
        a.set_cookie("session", signed_on_b.cookie("session"))
        self.assertEqual(a.get("/people").status, 200)
        # Signing out on B ends the session on A at once.
        r = b.post("/logout", {"csrf_token": b.csrf()})
        self.assertEqual(r.status, 303, r)
        r = self.admin_a.get("/people")
        self.assertEqual(r.status, 303, r)
        self.assertTrue(r.location.startswith("/login"), r.location)

    def test_revocation_and_replacement_on_a_are_refused_by_b_at_once(self):
        holder, pid = self.new_person()
        token = self.admin_a.create_token(pid)
        # Warm: B's programs have seen the token valid, several times.
        for _ in range(4):
            self.assertTokenActsAs(self.b.api("/tokenInfo", token), holder, self.b)
        self.revoke_on_a(pid)
        self.assertInvalidToken(self.b.api("/tokenInfo", token), self.b)
        self.assertInvalidToken(self.b.api("/installCollection", token, "POST"), self.b)
        self.assertInvalidToken(self.a.api("/tokenInfo", token), self.a)
        page = self.on_b(self.admin_a).get(f"/people/edit?id={pid}")
        self.assertIn('<p id="token-none">No bearer token.</p>', page.body)
        # A new token through A replaces the one before it, on B too.
        first = self.admin_a.create_token(pid)
        for _ in range(4):
            self.assertTokenActsAs(self.b.api("/tokenInfo", first), holder, self.b)
        second = self.admin_a.create_token(pid)
        self.assertInvalidToken(self.b.api("/tokenInfo", first), self.b)
        self.assertTokenActsAs(self.b.api("/tokenInfo", second), holder, self.b)
        self.assertInvalidToken(self.b.api("/tokenInfo", token), self.b)
        events = self.site.sql(f"SELECT event FROM bearer_token_events WHERE person_id = {pid} ORDER BY id")
        self.assertEqual(events, [["created"], ["revoked"], ["created"], ["replaced"]])

    def test_demotion_on_a_is_403_on_b_at_once(self):
        holder, pid = self.new_person(first="Dee")
        token = self.admin_a.create_token(pid)
        for _ in range(4):
            self.assertTokenActsAs(self.b.api("/tokenInfo", token), holder, self.b)

        def set_access(access):
            r = self.admin_a.post(f"/people/edit?id={pid}", self.admin_a.person_form(
                first_name="Dee", last_name=holder, username=holder, access=access))
            self.assertEqual(r.status, 303, r)

        set_access("content_manager")
        r = self.b.api("/tokenInfo", token)
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.message, ADMIN_REQUIRED)
        self.assertIn('error="insufficient_scope"', r.header("WWW-Authenticate"))
        self.assertEqual(self.b.api("/installCollection", token, "POST").status, 403)
        set_access("admin")
        self.assertTokenActsAs(self.b.api("/tokenInfo", token), holder, self.b)

    # --- collections ------------------------------------------------------------------

    def test_collection_installed_through_a_is_served_by_b(self):
        t = tag()
        guid = cz.new_guid()
        name = f"Shared {t}"
        files = {f"shared{t}/css/site.css": f"body {{ color: #{t[:6]}; }}\n".encode(),
                 f"shared{t}/img/logo.bin": os.urandom(64 * KiB),
                 f"shared{t}/gone.txt": b"only in the first version\n"}
        archive = self.archive(guid, name, files)
        r = self.a.install(archive, self.install_token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["archive_sha256"], sha256(archive))
        for path, data in files.items():
            got = self.b.http("GET", "/" + path)
            self.assertEqual(got.status, 200, f"{path} on B: {got}")
            self.assertEqual(got.body, data, f"{path} on B")
        # B's Collections page lists it (with A's session cookie).
        page = self.on_b(self.admin_a).get("/collections")
        self.assertEqual(page.status, 200)
        self.assertIn(name, page.body)
        self.assertIn(guid, page.body)
        self.assertIn("Nadia Nodes", page.body)
        # And back: a new version through B is what A serves, at once.
        files2 = {f"shared{t}/css/site.css": b"body { color: black; }\n",
                  f"shared{t}/img/logo.bin": os.urandom(32 * KiB)}
        r = self.b.install(self.archive(guid, name, files2), self.install_token)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["replaced"])
        for node in (self.a, self.b):
            for path, data in files2.items():
                got = node.http("GET", "/" + path)
                self.assertEqual((got.status, got.body), (200, data), f"{path} on {node}")
            self.assertEqual(node.http("GET", f"/shared{t}/gone.txt").status, 404, node)

    def archive(self, guid, name, files):
        """A collection installing `files` ({www path: bytes}); entry names are the basenames."""
        entries = [(os.path.basename(p), data) for p, data in files.items()]
        children = "".join(resource(os.path.basename(p), "www", os.path.dirname(p)) for p in files)
        return cz.collection_zip(entries, name=name, guid=guid, children=children)

    def race_versions(self, t, rnd):
        """The two versions of round `rnd`: different contents and different file sets."""
        base = f"race{t}"

        def text(label, path):
            return f"/* {label} round {rnd} {path} {tag()} */\n".encode()

        one = {f"{base}/x.css": text("one", "x"),
               f"{base}/one.css": text("one", "one"),
               f"{base}/only-one/deep-one.txt": text("one", "deep"),
               f"{base}/blob-one.bin": os.urandom(768 * KiB)}
        two = {f"{base}/x.css": text("two", "x"),
               f"{base}/two.css": text("two", "two"),
               f"{base}/only-two/deep-two.js": text("two", "deep"),
               f"{base}/blob-two.bin": os.urandom(768 * KiB)}
        return one, two

    def post_together(self, jobs):
        """Posts each (node, archive) at the same moment, one thread each, each
        on a connection opened beforehand. Returns [(reply or exception, start, end)]."""
        barrier = threading.Barrier(len(jobs))
        results = [None] * len(jobs)

        def run(i, node, archive):
            body, boundary = cz.multipart([("collectionFile", "race.zip", archive,
                                            "application/zip")])
            headers = {"Authorization": f"Bearer {self.install_token}",
                       "Content-Type": f"multipart/form-data; boundary={boundary}"}
            conn = node.connection(timeout=120)
            try:
                conn.connect()
                barrier.wait(timeout=30)
                start = time.monotonic()
                conn.request("POST", "/installCollection", body=body, headers=headers)
                r = conn.getresponse()
                reply = Reply(r.status, r.headers, r.read())
                results[i] = (reply, start, time.monotonic())
            except Exception as e:  # reported by the test
                results[i] = (e, None, None)
            finally:
                conn.close()

        threads = [threading.Thread(target=run, args=(i, n, a)) for i, (n, a) in enumerate(jobs)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(180)
        return results

    def served_on(self, node, path):
        r = node.http("GET", "/" + path)
        return r.body if r.status == 200 else r.status

    def test_simultaneous_installs_of_one_collection_on_a_and_b_end_consistent(self):
        t = tag()
        guid = cz.new_guid()
        name = f"Race {t}"
        every_path = set()
        for rnd in range(3):
            with self.subTest(round=rnd):
                one, two = self.race_versions(t, rnd)
                every_path |= set(one) | set(two)
                # Alternate which node gets which version.
                jobs = [(self.a, one), (self.b, two)] if rnd % 2 == 0 else [(self.b, one), (self.a, two)]
                archives = [(node, files, self.archive(guid, name, files)) for node, files in jobs]
                last_id = int(self.site.sql("SELECT COALESCE(MAX(id), 0) FROM collection_installs")[0][0])
                results = self.post_together([(node, archive) for node, _, archive in archives])

                replies = []
                for (node, files, archive), (reply, start, end) in zip(archives, results):
                    self.assertIsInstance(reply, Reply, f"{node}: {reply!r}")
                    replies.append((node, files, archive, reply, start, end))
                # They were in flight together: each began before the other ended.
                self.assertLess(max(x[4] for x in replies), min(x[5] for x in replies),
                                "the two installs did not overlap")
                ok = [x for x in replies if x[3].status == 200]
                self.assertTrue(ok, f"no install succeeded: {[x[3] for x in replies]}")
                for node, _, _, reply, _, _ in replies:
                    if reply.status != 200:
                        # A clean refusal: 503, JSON, a message to retry.
                        self.assertEqual(reply.status, 503, f"{node}: {reply}")
                        self.assertIn("try again", reply.message)
                if len(ok) == 2:
                    versions = sorted(x[3].json["version"] for x in ok)
                    self.assertEqual(versions[1], versions[0] + 1, versions)
                    replaced = sorted(x[3].json["replaced"] for x in ok)
                    self.assertEqual(replaced, [False, True] if rnd == 0 else [True, True])
                winner = max(ok, key=lambda x: x[3].json["version"])
                _, files, archive, reply, _, _ = winner
                self.assertEqual(reply.json["archive_sha256"], sha256(archive))

                # The database: the winner is the installed version, with exactly its files.
                row = self.site.sql(f"SELECT version, archive_sha256, file_count, total_bytes "
                                    f"FROM collections WHERE guid = '{guid}'")
                self.assertEqual(row, [[str(reply.json["version"]), sha256(archive),
                                        str(len(files)), str(sum(map(len, files.values())))]])
                db_files = self.site.sql(
                    "SELECT f.area, f.path, f.bytes FROM collection_files f "
                    f"JOIN collections c ON c.id = f.collection_id WHERE c.guid = '{guid}'")
                self.assertEqual(sorted(map(tuple, db_files)),
                                 sorted(("www", p, str(len(d))) for p, d in files.items()))
                # The history: both attempts recorded, as answered; the winner last.
                history = self.site.sql(
                    "SELECT archive_sha256, result, http_status FROM collection_installs "
                    f"WHERE guid = '{guid}' AND id > {last_id} ORDER BY id")
                self.assertEqual(sorted(h[0] for h in history),
                                 sorted(sha256(x[2]) for x in replies))
                for node, _, arch, rep, _, _ in replies:
                    self.assertIn([sha256(arch), "installed" if rep.status == 200 else "failed",
                                   str(rep.status)], history, node)
                installed = [h for h in history if h[1] == "installed"]
                self.assertEqual(installed[-1][0], sha256(archive),
                                 "the history's last install is not the version installed")
                # The disk: the published generation is the database's.
                generation = self.site.sql("SELECT generation FROM site_state")[0][0]
                self.assertEqual(os.readlink(os.path.join(self.files_dir, "current")),
                                 f"generations/{generation}")

                # Both nodes serve exactly the winner's files, the same bytes.
                for path in sorted(every_path):
                    on_a, on_b = self.served_on(self.a, path), self.served_on(self.b, path)
                    expected = files.get(path, 404)
                    self.assertEqual(on_a, expected, f"{path} on A")
                    self.assertEqual(on_b, expected, f"{path} on B")


if __name__ == "__main__":
    unittest.main()
