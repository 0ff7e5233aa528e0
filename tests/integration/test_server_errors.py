"""The web server's own answers on the API URLs, and slow clients.

What Apache or lighttpd answer themselves, before or instead of our
programs (a header they cannot parse, a method, a body too large, too slow
or cut short), is JSON with a `message` a build log can show; for a broken
Authorization header the message names the guide's "Authentication
required". Slow clients are cut after the shipped timeouts and do not stop
the site. Requests are written byte for byte on a socket: no client library
would send most of them.
"""
import json
import socket
import threading
import time
import unittest
import urllib.parse

import site_client
from site_client import PASSWORD, Browser, tag

AUTH_REQUIRED = "Authentication required"
API_URLS = ("/tokenInfo", "/installCollection")


class Raw:
    """One answer read off a socket: status, headers (lowercased), body."""

    def __init__(self, data):
        head, _, self.body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin1").split("\r\n")
        self.status_line = lines[0]
        self.status = int(lines[0].split()[1]) if lines[0].startswith("HTTP/") else 0
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        if self.headers.get("transfer-encoding") == "chunked":
            self.body = dechunk(self.body)

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<Raw {self.status_line!r} {self.headers.get('content-type')} {self.body[:300]!r}>"


def dechunk(data):
    out = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2:]
    return out


class ServerTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = site_client.SITE
        url = urllib.parse.urlsplit(cls.site.base)
        cls.host, cls.port = url.hostname, url.port
        cls.lighttpd = "lighttpd" in (Browser().get("/login").header("Server") or "")
        name = tag("srverr")
        person = cls.site.add_person(name, "admin", PASSWORD)
        admin = Browser()
        admin.sign_in_ok(name, PASSWORD)
        cls.token = admin.create_token(person)

    def connect(self, source="127.0.0.1", timeout=30):
        s = socket.socket()
        s.bind((source, 0))
        s.settimeout(timeout)
        s.connect((self.host, self.port))
        self.addCleanup(s.close)
        return s

    def send(self, data, timeout=30):
        """Sends `data` whole and reads the answer until the server closes."""
        s = self.connect(timeout=timeout)
        s.sendall(data)
        return Raw(self.read_all(s))

    @staticmethod
    def read_all(s):
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        return out

    def request(self, path, *header_lines, method="GET"):
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n".encode()
        return head + b"".join(line + b"\r\n" for line in header_lines) + b"Connection: close\r\n\r\n"

    def assert_json(self, r, statuses, *words):
        """`r` is one of `statuses`, typed and written as JSON, and its
        message holds `words`."""
        self.assertIn(r.status, statuses, r)
        self.assertTrue(r.headers.get("content-type", "").startswith("application/json"), r)
        body = r.json()
        self.assertIsInstance(body.get("message"), str, r)
        self.assertIsInstance(body.get("error"), str, r)
        for w in words:
            self.assertIn(w, body["message"], r)
        return body


class MalformedRequestTest(ServerTestCase):
    def test_a_broken_authorization_header_gets_json_naming_authentication_required(self):
        token = self.token.encode()
        cases = {
            # curl -H "Authorization: Bearer <token>
            # " (a newline inside the quotes): a bare LF, then curl's CRLF.
            "line break after the token": b"Authorization: Bearer " + token + b"\n",
            # A token file written on Windows: its CR stays in the value.
            "carriage return after the token": b"Authorization: Bearer " + token + b"\r",
            "line break inside the token": b"Authorization: Bearer " + token[:20] + b"\n" + token[20:],
            "NUL in the header": b"Authorization: Bearer " + token + b"\x00",
            "vertical tab in the header": b"Authorization: Bearer\x0b" + token,
        }
        for path in API_URLS:
            for name, line in cases.items():
                with self.subTest(path=path, case=name):
                    method = "POST" if path == "/installCollection" else "GET"
                    r = self.send(self.request(path, line, method=method))
                    self.assert_json(r, (400,), AUTH_REQUIRED, "no extra spaces or line breaks")

    def test_oversized_or_too_many_headers_get_json(self):
        cases = {
            "a header over 8,190 bytes": [b"Authorization: Bearer " + b"a" * 9000],
            "more than 100 headers": [b"X-Header-%d: x" % i for i in range(120)],
        }
        for path in API_URLS:
            for name, lines in cases.items():
                with self.subTest(path=path, case=name):
                    r = self.send(self.request(path, *lines))
                    if r.status in (400, 431):
                        self.assert_json(r, (400, 431), AUTH_REQUIRED)
                    else:  # lighttpd takes 120 small headers: the program answers
                        self.assertTrue(self.lighttpd, r)
                        self.assert_json(r, (401, 405))

    def test_an_address_too_long_gets_json(self):
        r = self.send(self.request("/tokenInfo?" + "a" * 9000))
        self.assert_json(r, (414, 431), "Authorization header")

    def test_an_unknown_transfer_encoding_gets_json(self):
        r = self.send(self.request("/installCollection", b"Transfer-Encoding: gzip", method="POST"))
        self.assert_json(r, (400, 501), "Transfer-Encoding")


class MethodTest(ServerTestCase):
    def test_other_methods_get_405_with_allow(self):
        for path, method, allow in (("/installCollection", "GET", "POST"),
                                    ("/installCollection", "PUT", "POST"),
                                    ("/installCollection", "DELETE", "POST"),
                                    ("/tokenInfo", "POST", "GET, HEAD"),
                                    ("/tokenInfo", "PUT", "GET, HEAD")):
            with self.subTest(path=path, method=method):
                r = self.send(self.request(path, b"Authorization: Bearer " + self.token.encode(),
                                           b"Content-Length: 0", method=method))
                self.assert_json(r, (405,), "POST" if allow == "POST" else "GET")
                self.assertEqual(r.headers.get("allow"), allow)
                # Refused before the token was looked at.
                self.assertNotIn("authentication-token-expiration", r.headers)

    def test_trace_is_refused_and_echoes_nothing(self):
        secret = b"Bearer " + self.token.encode()
        for path in API_URLS:
            with self.subTest(path=path):
                r = self.send(self.request(path, b"Authorization: " + secret, method="TRACE"))
                self.assert_json(r, (405,))
                self.assertNotIn(self.token.encode(), r.body)


class BodyTest(ServerTestCase):
    def upload_head(self, extra):
        return (b"POST /installCollection HTTP/1.1\r\nHost: %s\r\n"
                b"Authorization: Bearer %s\r\n"
                b"Content-Type: multipart/form-data; boundary=XyZ\r\n%s\r\n"
                % (self.host.encode(), self.token.encode(), extra))

    def test_a_chunked_upload_over_the_limit_gets_the_json_413(self):
        # run-tests.sh sets max_upload_bytes to 16 MiB; 24 MiB chunked.
        s = self.connect(timeout=60)
        s.sendall(self.upload_head(b"Transfer-Encoding: chunked\r\n"))
        chunk = b"x" * 65536
        try:
            part = (b"--XyZ\r\nContent-Disposition: form-data; name=\"collectionFile\"; "
                    b"filename=\"big.zip\"\r\n\r\n")
            s.sendall(b"%x\r\n%s\r\n" % (len(part), part))
            for _ in range(24 * 16):
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            s.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and stopped reading: the answer is below
        r = Raw(self.read_all(s))
        self.assert_json(r, (413,), "larger than 16 MiB")

    def assert_cut_short(self, data, status, words):
        """What a client whose body stopped gets. Apache (mod_proxy_fcgi):
        `status` with the JSON body holding `words`. lighttpd 1.4.69 closes
        the connection without an answer, whatever its config
        (connection_handle_read_post_state: the 400 is compiled out), and
        the program behind it gets the end of its input and is free again."""
        if self.lighttpd:
            self.assertEqual(data, b"", "lighttpd answered a body cut short")
        else:
            self.assert_json(Raw(data), (status,), words)

    def test_a_stalled_body_ends_within_the_timeout(self):
        """Content-Length promises 1 MiB; 1,000 bytes come, then nothing.
        The shipped timeouts end it in about 20 s (Apache: body=20 plus 2 s
        for the bytes that came; lighttpd: 20 s without a byte), where
        Apache's default Timeout waited 60 s."""
        s = self.connect(timeout=45)
        s.sendall(self.upload_head(b"Content-Length: 1048576\r\n") + b"x" * 1000)
        started = time.time()
        data = self.read_all(s)
        self.assertLess(time.time() - started, 30, "the server waited on a stalled body")
        self.assert_cut_short(data, 408, "did not arrive in time")

    def test_a_body_shorter_than_its_length(self):
        s = self.connect(timeout=45)
        s.sendall(self.upload_head(b"Content-Length: 1048576\r\n") + b"x" * 1000)
        s.shutdown(socket.SHUT_WR)  # the client has nothing more to send
        started = time.time()
        data = self.read_all(s)
        self.assertLess(time.time() - started, 5, "the server waited on a body that had ended")
        self.assert_cut_short(data, 400, "the body ended before its Content-Length")


class SlowClientTest(ServerTestCase):
    def start_slow_clients(self, count, seconds):
        """`count` connections from 127.0.0.2 that send a request line and
        then one short header line a second, for `seconds`; a connection the
        server closes is opened again at once (as slowloris does). Returns
        the thread that drips, which ends with them."""
        stop = time.time() + seconds
        socks = []

        def open_one():
            s = socket.socket()
            s.bind(("127.0.0.2", 0))
            s.settimeout(5)
            s.connect((self.host, self.port))
            s.sendall(b"GET /tokenInfo HTTP/1.1\r\nHost: %s\r\n" % self.host.encode())
            return s

        for _ in range(count):
            socks.append(open_one())

        def drip():
            while time.time() < stop:
                for i, s in enumerate(socks):
                    try:
                        s.sendall(b"X-Slow: 1\r\n")
                    except OSError:
                        s.close()
                        try:
                            socks[i] = open_one()
                        except OSError:
                            pass
                time.sleep(1)
            for s in socks:
                s.close()

        thread = threading.Thread(target=drip, daemon=True)
        thread.start()
        return thread

    def test_the_site_keeps_answering_during_300_slow_clients(self):
        thread = self.start_slow_clients(300, 12)
        latencies = []
        while thread.is_alive():
            started = time.time()
            r = self.send(self.request("/tokenInfo", b"Authorization: Bearer " + self.token.encode()),
                          timeout=10)
            latencies.append(time.time() - started)
            self.assertEqual(r.status, 200, r)
            time.sleep(0.25)
        thread.join()
        print(f"\n    300 slow clients for 12 s: {len(latencies)} /tokenInfo answers, slowest "
              f"{max(latencies) * 1000:.0f} ms", end=" ")
        self.assertGreater(len(latencies), 10)
        self.assertLess(max(latencies), 1.0)

    def test_a_client_that_sends_its_headers_slowly_is_cut(self):
        """Apache: RequestReadTimeout header=10-20 answers 408 (JSON) after
        10 s (a line a second is far under 500 bytes/s). lighttpd holds no
        worker for a slow client (one event loop) and cuts it only after
        20 s without a byte: this client keeps it alive, harmlessly."""
        if self.lighttpd:
            self.skipTest("lighttpd: no header deadline; the test above shows it keeps answering")
        s = self.connect(timeout=1)
        s.sendall(b"GET /tokenInfo HTTP/1.1\r\nHost: %s\r\n" % self.host.encode())
        started, data = time.time(), b""
        while time.time() - started < 30:
            try:
                s.sendall(b"X-Slow: 1\r\n")
            except OSError:
                break
            try:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            except socket.timeout:
                pass
            except ConnectionResetError:
                break
        elapsed = time.time() - started
        self.assertLess(elapsed, 22, "a client sending its headers slowly was not cut")
        self.assertGreater(elapsed, 8)
        self.assert_json(Raw(data), (408,), "did not arrive in time")


if __name__ == "__main__":
    unittest.main()
