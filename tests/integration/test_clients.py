"""The clients build servers use, through the real web server: for each,
/tokenInfo answers 200 with the token's JSON, installCollection answers 200,
the installed www file is then served, and an unknown well-formed token
gets the documented 401 JSON.

Clients: curl exactly as the guide writes it (and as README's CI variant,
--fail-with-body), curl over HTTP/1.0, with a chunked body, with the file
from stdin, without Expect: 100-continue; Python requests; Node.js fetch
with FormData/Blob; HTTPie; Ansible's uri module (whose file parts come as
Content-Transfer-Encoding: base64). A client is skipped only when its
program or package is missing; `make test` installs them all
(tools/deps.sh)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import collection_zips as cz
from site_client import PASSWORD, Browser, tag
import site_client

# The 401 message for an unknown, replaced or revoked token (README.md,
# test_bearer_tokens.INVALID).
INVALID = "Token is not valid; it may have been replaced by a newer token"
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, where python3-requests lives
HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = 120


def have(program):
    return shutil.which(program) is not None


def have_requests():
    if not os.path.exists(SYSTEM_PYTHON):
        return False
    return subprocess.run([SYSTEM_PYTHON, "-c", "import requests"],
                          capture_output=True).returncode == 0


class Call:
    """One request a client made: the status it reports (None when the
    client prints none, as the guide's curl command), the body, and the
    client's exit code."""

    def __init__(self, status, body, rc=0, log=""):
        self.status, self.body, self.rc, self.log = status, body, rc, log

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            raise AssertionError(f"not JSON: {self!r}")

    def __repr__(self):
        return f"<Call status={self.status} rc={self.rc} body={self.body[:300]!r} log={self.log[-600:]!r}>"


def run(argv, stdin=None, cwd=None, env=None):
    return subprocess.run(argv, input=stdin, cwd=cwd, env=env, capture_output=True,
                          timeout=TIMEOUT)


class ClientMatrixTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = site_client.SITE
        cls.admin_name = tag("cliadmin")
        cls.admin_id = cls.site.add_person(cls.admin_name, "admin", PASSWORD, first="Clia",
                                           last="Clients")
        admin = Browser()
        admin.sign_in_ok(cls.admin_name, PASSWORD)
        cls.token = admin.create_token(cls.admin_id)
        # A well-formed token with a valid checksum that nobody has any more.
        gone_name = tag("cligone")
        gone_id = cls.site.add_person(gone_name, "admin", PASSWORD, first="Gone", last=gone_name)
        cls.unknown_token = admin.create_token(gone_id)
        cls.site.sql(f"DELETE FROM bearer_tokens WHERE person_id = {gone_id}")
        cls.tmp = tempfile.mkdtemp(prefix="clients-", dir=cls.site.var)
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)

    def tearDown(self):
        # The unknown-token checks count as failures from this address.
        self.site.sql("DELETE FROM bearer_auth_failures")

    # -- the checks, the same for every client ---------------------------

    def check_client(self, client, send):
        """`send(requests)` makes the requests [(method, path, token,
        zip_path or None)] with the client and returns a Call for each."""
        t = tag()
        www_path = f"clients{t}/{client}.txt"
        content = f"installed by {client} {t}\n"
        guid = cz.new_guid()
        # 1.2 MiB of random data besides the served file: past curl's
        # threshold for Expect: 100-continue, and many 64 KiB reads (and
        # base64 lines) long.
        archive = cz.collection_zip(
            [(f"{client}.txt", content), ("blob.bin", os.urandom(1200 * 1024), {"compress": cz.STORED})],
            name=f"Clients {client}", guid=guid,
            children=cz.resource(f"{client}.txt", "www", f"clients{t}") +
            cz.resource("blob.bin", "private", f"clients{t}"))
        zip_dir = os.path.join(self.tmp, f"{client}-{t}")
        os.makedirs(zip_dir)
        zip_path = os.path.join(zip_dir, "myCollection.zip")
        with open(zip_path, "wb") as f:
            f.write(archive)

        info, install, served, refused = send([
            ("GET", "/tokenInfo", self.token, None),
            ("POST", "/installCollection", self.token, zip_path),
            ("GET", "/" + www_path, None, None),
            ("POST", "/installCollection", self.unknown_token, zip_path),
        ])

        if info.status is not None:
            self.assertEqual(info.status, 200, info)
        self.assertEqual(info.json()["person"]["username"], self.admin_name, info)
        self.assertIn("expires_at", info.json()["token"], info)

        if install.status is not None:
            self.assertEqual(install.status, 200, install)
        self.assertEqual(install.json().get("guid"), guid, install)
        self.assertEqual(install.json().get("files"), 2, install)

        if served.status is not None:
            self.assertEqual(served.status, 200, served)
        self.assertEqual(served.body, content, served)

        if refused.status is not None:
            self.assertEqual(refused.status, 401, refused)
        self.assertEqual(refused.json().get("message"), INVALID, refused)
        return install, refused

    # -- curl ------------------------------------------------------------

    def curl_sender(self, extra=(), upload_extra=(), file_from_stdin=False):
        """curl with `extra` options (and `upload_extra` on uploads only),
        printing the status after the body."""
        def send(requests):
            calls = []
            for method, path, token, zip_path in requests:
                argv = ["curl", "-sS", "-w", "\n%{http_code}", *extra]
                if zip_path:
                    argv += upload_extra
                stdin = None
                if method == "POST":
                    argv += ["-X", "POST"]
                if token:
                    argv += ["-H", f"Authorization: Bearer {token}"]
                if zip_path and file_from_stdin:
                    argv += ["-F", "collectionFile=@-;filename=myCollection.zip"]
                    with open(zip_path, "rb") as f:
                        stdin = f.read()
                elif zip_path:
                    argv += ["-F", f"collectionFile=@{zip_path}"]
                r = run(argv + [self.site.base + path], stdin=stdin)
                out = r.stdout.decode("utf-8", "replace")
                body, _, code = out.rpartition("\n")
                calls.append(Call(int(code) if code.isdigit() else -1, body, r.returncode,
                                  r.stderr.decode("utf-8", "replace")))
            return calls
        return send

    @unittest.skipUnless(have("curl"), "curl is not installed")
    def test_curl_as_the_guide_writes_it(self):
        # The install is the guide's command word for word, run where the
        # file is; it prints the JSON answer only, and exits 0 even for a
        # 401 (README: use --fail-with-body in CI).
        curl = self.curl_sender()

        def send(requests):
            calls = []
            for method, path, token, zip_path in requests:
                if method != "POST":
                    calls.extend(curl([(method, path, token, zip_path)]))
                    continue
                r = run(["curl", "-X", "POST", self.site.base + "/installCollection",
                         "-H", f"Authorization: Bearer {token}",
                         "-F", "collectionFile=@myCollection.zip"], cwd=os.path.dirname(zip_path))
                calls.append(Call(None, r.stdout.decode("utf-8", "replace"), r.returncode,
                                  r.stderr.decode("utf-8", "replace")))
            return calls

        install, refused = self.check_client("curl-guide", send)
        self.assertEqual(install.rc, 0, install)
        self.assertEqual(refused.rc, 0, refused)

    @unittest.skipUnless(have("curl"), "curl is not installed")
    def test_curl_fail_with_body(self):
        install, refused = self.check_client("curl-fail-with-body",
                                             self.curl_sender(["--fail-with-body"]))
        self.assertEqual(install.rc, 0, install)
        self.assertEqual(refused.rc, 22, refused)  # and the JSON message was printed

    @unittest.skipUnless(have("curl"), "curl is not installed")
    def test_curl_http_1_0(self):
        self.check_client("curl-http1.0", self.curl_sender(["--http1.0"]))

    @unittest.skipUnless(have("curl"), "curl is not installed")
    def test_curl_chunked(self):
        # On uploads only: curl sends no last chunk for a GET without a body,
        # and the web server waits for it until its timeout.
        self.check_client("curl-chunked",
                          self.curl_sender(upload_extra=["-H", "Transfer-Encoding: chunked"]))

    @unittest.skipUnless(have("curl"), "curl is not installed")
    def test_curl_file_from_stdin(self):
        self.check_client("curl-stdin", self.curl_sender(file_from_stdin=True))

    @unittest.skipUnless(have("curl"), "curl is not installed")
    def test_curl_without_expect_100_continue(self):
        self.check_client("curl-no-expect", self.curl_sender(["-H", "Expect:"]))

    # -- Python requests -------------------------------------------------

    REQUESTS_SCRIPT = r"""
import json, sys, requests
calls = []
for method, url, token, zip_path in json.load(sys.stdin):
    headers = {"Authorization": "Bearer " + token} if token else {}
    files = None
    if zip_path:
        files = {"collectionFile": ("myCollection.zip", open(zip_path, "rb"), "application/zip")}
    r = requests.request(method, url, headers=headers, files=files, timeout=60)
    calls.append([r.status_code, r.text])
json.dump(calls, sys.stdout)
"""

    def script_sender(self, argv, env=None):
        """A client script reading [[method, url, token, zip_path]] as JSON on
        stdin and printing [[status, body]] as JSON."""
        def send(requests):
            to_send = [[m, self.site.base + p, t, z] for m, p, t, z in requests]
            r = run(argv, stdin=json.dumps(to_send).encode(), env=env)
            log = r.stderr.decode("utf-8", "replace")
            if r.returncode != 0:
                raise AssertionError(f"{argv[0]} exited {r.returncode}: {log[-2000:]}")
            return [Call(status, body, 0, log) for status, body in json.loads(r.stdout)]
        return send

    @unittest.skipUnless(have_requests(), "python3-requests is not installed")
    def test_python_requests(self):
        self.check_client("python-requests",
                          self.script_sender([SYSTEM_PYTHON, "-c", self.REQUESTS_SCRIPT]))

    # -- Node.js fetch ---------------------------------------------------

    @unittest.skipUnless(have("node"), "Node.js is not installed")
    def test_node_fetch_formdata(self):
        self.check_client("node-fetch",
                          self.script_sender(["node", os.path.join(HERE, "clients", "node_fetch.mjs")]))

    # -- HTTPie ----------------------------------------------------------

    @unittest.skipUnless(have("http"), "HTTPie (Debian package httpie) is not installed")
    def test_httpie_multipart(self):
        env = dict(os.environ, HTTPIE_CONFIG_DIR=os.path.join(self.tmp, "httpie"))

        def send(requests):
            calls = []
            for method, path, token, zip_path in requests:
                argv = ["http", "--ignore-stdin", "--print=hb", "--pretty=none"]
                if zip_path:
                    argv += ["--multipart"]
                argv += [method, self.site.base + path]
                if token:
                    argv.append(f"Authorization:Bearer {token}")
                if zip_path:
                    argv.append(f"collectionFile@{zip_path};type=application/zip")
                r = run(argv, env=env)
                out = r.stdout.decode("utf-8", "replace")
                # --print=hb: the response head as received, a blank line, the body.
                head, _, body = out.partition("\r\n\r\n")
                words = head.split("\r\n", 1)[0].split()  # "HTTP/1.1 200 OK"
                status = int(words[1]) if len(words) > 1 and words[1].isdigit() else -1
                calls.append(Call(status, body, r.returncode, r.stderr.decode("utf-8", "replace")))
            return calls

        self.check_client("httpie", send)

    # -- Ansible ---------------------------------------------------------

    @unittest.skipUnless(have("ansible-playbook"), "ansible-core is not installed")
    def test_ansible_uri_form_multipart(self):
        # One playbook makes all four requests (ansible-playbook's start is
        # the slow part); uri's file part is base64 (docs/stack-notes.md).
        work = os.path.join(self.tmp, "ansible-" + tag())
        os.makedirs(work)
        env = dict(os.environ, ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_NOCOLOR="1",
                   ANSIBLE_HOME=work, ANSIBLE_LOCAL_TEMP=os.path.join(work, "tmp"),
                   ANSIBLE_RETRY_FILES_ENABLED="False", ANSIBLE_PYTHON_INTERPRETER=SYSTEM_PYTHON)

        def send(requests):
            results = os.path.join(work, "results.json")
            to_send = [{"method": m, "url": self.site.base + p, "token": t or "", "zip": z or ""}
                    for m, p, t, z in requests]
            with open(os.path.join(work, "vars.json"), "w") as f:
                json.dump({"to_send": to_send, "results": results}, f)
            r = run(["ansible-playbook", "-i", "localhost,", "-c", "local",
                     "-e", "@" + os.path.join(work, "vars.json"),
                     os.path.join(HERE, "clients", "ansible_uri.yml")], env=env)
            log = (r.stdout + r.stderr).decode("utf-8", "replace")
            if r.returncode != 0:
                raise AssertionError(f"ansible-playbook exited {r.returncode}: {log[-3000:]}")
            with open(results) as f:
                return [Call(c["status"], c["content"], 0, log) for c in json.load(f)]

        self.check_client("ansible-uri", send)


if __name__ == "__main__":
    sys.exit("run through tests/integration/run.py")
