"""Credentials before the body (README, "Pools"): an upload with a missing,
bad, expired or non-Admin token, or a Collections-page upload without a
session or with a forged form, is answered as soon as its headers (or its
form's first field) are in. The client, which sends its body at a steady
pace as a build server's uplink does, has the answer long before the body
is through, stops sending, and nothing of the body is kept anywhere: no web
server temp file (mod_proxy_fcgi streams; lighttpd streams bodies with a
length), no staging file. With `Expect: 100-continue` the answer comes
without a byte of the body sent at all."""
import glob
import json
import os
import select
import socket
import time
import unittest
import urllib.parse

import collection_zips as cz
from site_client import Browser, PASSWORD, tag
import site_client

# Under the test site's limit (max_upload_bytes 16 MiB, 1.37 times as sent):
# lighttpd would answer a larger Content-Length with its own 413 first.
BODY_BYTES = 20 * 1024 * 1024
# 64 KiB every 5 ms: 20 MiB take at least 1.6 s to send, where an answer
# that waits for no body comes in milliseconds.
PIECE = 64 * 1024
PAUSE = 0.005


class EarlyAnswerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = site_client.SITE
        url = urllib.parse.urlsplit(cls.site.base)
        cls.host, cls.port = url.hostname, url.port
        name = tag("early")
        admin_id = cls.site.add_person(name, "admin", PASSWORD)
        cls.admin = Browser()
        cls.admin.sign_in_ok(name, PASSWORD)
        cls.token = cls.admin.create_token(admin_id)
        manager_id = cls.site.add_person(tag("earlycm"), "content_manager", PASSWORD)
        cls.manager_token = cls.admin.create_token(manager_id)
        expired_id = cls.site.add_person(tag("earlyexp"), "admin", PASSWORD)
        cls.expired_token = cls.admin.create_token(expired_id)
        cls.site.sql("UPDATE bearer_tokens SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND "
                     f"WHERE person_id = {expired_id}")
        # A replaced token: well-formed, checksum right, no longer stored.
        cls.replaced_token = cls.manager_token
        cls.manager_token = cls.admin.create_token(manager_id)
        cls.staging = os.path.join(cls.site.var, "files", "staging")

    def setUp(self):
        self.before = set(self.body_files())

    def body_files(self):
        """Every place a web server or the program could put a body."""
        found = glob.glob("/tmp/modproxy.tmp.*") + glob.glob("/tmp/fcgid.tmp.*")
        found += glob.glob(os.path.join(self.site.var, "run", "lighttpd-uploads", "*"))
        found += glob.glob(os.path.join(self.staging, "upload-*"))
        return found

    def kept_body_files(self):
        """The body files that were not there when the test began (an
        install killed by an earlier test leaves its upload for an hour)."""
        return sorted(set(self.body_files()) - self.before)

    def head(self, path, headers):
        lines = [f"POST {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                 "Content-Type: multipart/form-data; boundary=XyZ",
                 f"Content-Length: {BODY_BYTES}"] + headers
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def send_paced(self, path, headers, first=b"", wait_for_continue=False):
        """Sends the headers, then `first` and filler at PIECE per PAUSE until
        a final answer is readable or the body is through (an interim
        `100 Continue` is read and sending goes on, as curl does). Returns
        (status line, whole answer, body bytes sent when the answer came,
        body files kept then, whether a 100 Continue came)."""
        s = socket.create_connection((self.host, self.port), timeout=30)
        self.addCleanup(s.close)
        s.sendall(self.head(path, headers))
        if wait_for_continue:  # as curl does, for up to a second (2 s here)
            select.select([s], [], [], 2)
        body = first + b"--XyZ\r\nContent-Disposition: form-data; name=\"collectionFile\"; " \
                       b"filename=\"big.zip\"\r\n\r\n"
        sent = 0
        kept = []
        answer = b""
        continued = False
        while sent < BODY_BYTES:
            readable, _, _ = select.select([s], [], [], 0)
            if readable:
                data = s.recv(65536)
                answer += data
                if answer.startswith(b"HTTP/1.1 100 ") and b"\r\n\r\n" in answer:
                    answer = answer.split(b"\r\n\r\n", 1)[1]
                    continued = True
                if answer or not data:
                    kept = self.kept_body_files()
                    break
            piece = body[:PIECE] if body else b"z" * min(PIECE, BODY_BYTES - sent)
            body = body[len(piece):]
            piece = piece[:BODY_BYTES - sent]
            try:
                s.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
            time.sleep(PAUSE)
        s.settimeout(10)
        try:
            while b"\r\n\r\n" not in answer or len(answer) < self.length_of(answer):
                data = s.recv(65536)
                if not data:
                    break
                answer += data
        except (socket.timeout, ConnectionResetError):
            pass
        return answer.split(b"\r\n", 1)[0].decode(), answer, sent, kept, continued

    @staticmethod
    def length_of(answer):
        head, _, _ = answer.partition(b"\r\n\r\n")
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                return len(head) + 4 + int(line.split(b":")[1])
        return 1 << 30

    def assert_early(self, path, headers, status, words, first=b""):
        line, answer, sent, kept, _ = self.send_paced(path, headers, first)
        self.assertIn(f" {status} ", line + " ", answer[:400])
        self.assertIn(words, answer.decode(errors="replace"))
        # The answer came before even half the body was sent: nothing waited
        # for it (whatever the machine's load, 10 MiB take 0.8 s here).
        self.assertLess(sent, BODY_BYTES // 2, f"{sent} body bytes went before the answer")
        self.assertEqual(kept, [], "the body was kept while it was refused")
        self.assertEqual(self.kept_body_files(), [])

    def test_no_token(self):
        self.assert_early("/installCollection", [], 401, "Authentication required")

    def test_a_malformed_token(self):
        self.assert_early("/installCollection", ["Authorization: Bearer not-a-token"], 401,
                          "Authentication required")

    def test_a_replaced_token(self):
        self.assert_early("/installCollection", [f"Authorization: Bearer {self.replaced_token}"],
                          401, "not valid")

    def test_an_expired_token(self):
        self.assert_early("/installCollection", [f"Authorization: Bearer {self.expired_token}"],
                          401, "Token has expired")

    def test_a_token_without_admin_access(self):
        self.assert_early("/installCollection", [f"Authorization: Bearer {self.manager_token}"],
                          403, "Admin access required")

    def test_the_collections_page_without_a_session(self):
        self.assert_early("/collections/upload", [], 303, "See /login")

    def test_the_collections_page_with_a_forged_form(self):
        """Signed in as an Admin, but the form's CSRF token (its first field)
        is not the session's: refused when the file part begins."""
        forged = (b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
                  + b"0" * 64 + b"\r\n")
        self.assert_early("/collections/upload",
                          [f"Cookie: session={self.admin.cookie('session')}",
                           "Accept: application/json"], 403, "", first=forged)

    def test_expect_100_continue(self):
        """curl sends `Expect: 100-continue` for large bodies and waits (up to
        a second) for a 100 before it sends the body. Neither server lets
        the program answer first: mod_proxy_fcgi and lighttpd's streaming
        both start reading the body at once, and so send their 100 at once.
        The 401 then comes as early as without the header."""
        line, answer, sent, kept, continued = self.send_paced(
            "/installCollection", ["Authorization: Bearer not-a-token", "Expect: 100-continue"],
            wait_for_continue=True)
        self.assertTrue(continued, "no 100 Continue (a web server that lets the program answer "
                                   "first: make this test expect the 401 with no body sent)")
        self.assertIn(" 401 ", line + " ", answer[:300])
        self.assertIn("Authentication required", answer.decode(errors="replace"))
        self.assertLess(sent, BODY_BYTES // 2)
        self.assertEqual(kept, [])

    def test_an_accepted_upload_is_not_refused_early(self):
        """The same paced sender, with a good token and a real archive,
        installs: the early answers above are not every answer."""
        name = tag("early") + ".txt"
        archive = cz.collection_zip([(name, b"early")], name=tag("Early"),
                                    children=cz.resource(name))
        body, boundary = cz.multipart([("collectionFile", "myCollection.zip", archive, None)])
        r = Browser().request("POST", "/installCollection", data=body, headers={
            "Authorization": f"Bearer {self.token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}"})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(json.loads(r.body)["files"], 1)
        self.assertEqual(self.kept_body_files(), [])


if __name__ == "__main__":
    unittest.main()
