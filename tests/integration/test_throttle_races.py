"""The throttles are exact under races (issue 11, D5): 64 sign-in attempts
with a wrong password, or 64 unknown bearer tokens, sent at the same moment
from one address, each on its own connection. Before, each attempt counted
the failures, then checked, then recorded its own: all of them saw the
count under the limit and all were checked (8 of 64 here, limit 5). Now
the attempts of one address are checked one at a time behind its lock row:
exactly the limit are checked, every other one gets 429, and good sign-ins
sent together from one address (an office behind one NAT address) wait
for each other instead of counting against each other."""
import http.client
import threading
import unittest
import urllib.parse

from site_client import Browser, PASSWORD, tag
import site_client

ATTEMPTS = 64
_next_address = [40]


def fresh_address(site):
    """A loopback source address no other test uses (127.0.0.41 up), with
    what an earlier run left of its failures removed."""
    _next_address[0] += 1
    address = f"127.0.0.{_next_address[0]}"
    for table in ("signin_failures", "bearer_auth_failures"):
        site.sql(f"DELETE FROM {table} WHERE client_address = '{address}'")
    return address


class ThrottleRaceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = site_client.SITE
        url = urllib.parse.urlsplit(cls.site.base)
        cls.host, cls.port = url.hostname, url.port
        cls.signin_limit = int(cls.setting("signin_max_failures", 5))
        cls.bearer_limit = int(cls.setting("bearer_max_failures", 20))

    @classmethod
    def setting(cls, key, default):
        value = default
        with open(cls.site.config) as f:
            for line in f:
                name, _, v = line.partition("=")
                if name.strip() == key:
                    value = v.strip()
        return value

    def all_at_once(self, source, method, path, body, headers):
        """Sends ATTEMPTS requests from `source`, all connected first and then
        released together; returns their statuses and bodies."""
        ready = threading.Barrier(ATTEMPTS)
        results = [None] * ATTEMPTS

        def one(i):
            conn = http.client.HTTPConnection(self.host, self.port, timeout=120,
                                              source_address=(source, 0))
            try:
                conn.connect()
                ready.wait(timeout=60)
                conn.request(method, path, body=body, headers=headers)
                r = conn.getresponse()
                results[i] = (r.status, r.read().decode(errors="replace"))
            except Exception as e:  # noqa: BLE001 - reported below
                results[i] = (None, repr(e))
            finally:
                conn.close()

        threads = [threading.Thread(target=one, args=(i,)) for i in range(ATTEMPTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=180)
        self.assertTrue(all(r is not None and r[0] is not None for r in results), results)
        return results

    def sign_in_from(self, source, name, password):
        """One sign-in with a fresh form, sent from `source`; its status."""
        b = Browser()
        csrf = b.csrf_of(b.get("/login"))
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60,
                                          source_address=(source, 0))
        try:
            conn.request("POST", "/login", body=urllib.parse.urlencode(
                {"csrf_token": csrf, "username": name, "password": password}), headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"login_csrf={b.cookie('login_csrf')}"})
            return conn.getresponse().status
        finally:
            conn.close()

    def test_parallel_sign_ins_check_at_most_the_limit(self):
        name = tag("race")
        self.site.add_person(name, "admin", PASSWORD)
        source = fresh_address(self.site)
        b = Browser()
        csrf = b.csrf_of(b.get("/login"))
        body = urllib.parse.urlencode({"csrf_token": csrf, "username": name,
                                       "password": "not the password"})
        results = self.all_at_once(source, "POST", "/login", body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"login_csrf={b.cookie('login_csrf')}"})
        statuses = sorted(s for s, _ in results)
        checked = [s for s in statuses if s == 200]  # the form again: "wrong username or password"
        self.assertEqual(len(checked), self.signin_limit, statuses)
        self.assertEqual(statuses.count(429), ATTEMPTS - self.signin_limit, statuses)
        recorded = self.site.sql("SELECT COUNT(*) FROM signin_failures "
                                 f"WHERE client_address = '{source}'")
        self.assertEqual(recorded, [[str(self.signin_limit)]])
        # The right password is refused too now: the address is at its limit.
        self.assertEqual(self.sign_in_from(source, name, PASSWORD), 429)

    def test_a_successful_sign_in_does_not_count(self):
        """Good sign-ins are not failures, even many from one address."""
        name = tag("raceok")
        self.site.add_person(name, "admin", PASSWORD)
        source = fresh_address(self.site)
        for _ in range(self.signin_limit + 2):
            self.assertEqual(self.sign_in_from(source, name, PASSWORD), 303)
        self.assertEqual(self.site.sql("SELECT COUNT(*) FROM signin_failures "
                                       f"WHERE client_address = '{source}'"), [["0"]])

    def test_parallel_bad_tokens_get_exactly_the_limit_of_401s(self):
        source = fresh_address(self.site)
        results = self.all_at_once(source, "GET", "/tokenInfo", None,
                                   {"Authorization": "Bearer not-a-real-token"})
        statuses = sorted(s for s, _ in results)
        self.assertEqual(statuses.count(401), self.bearer_limit, statuses)
        self.assertEqual(statuses.count(429), ATTEMPTS - self.bearer_limit, statuses)
        self.assertEqual(self.site.sql("SELECT COUNT(*) FROM bearer_auth_failures "
                                       f"WHERE client_address = '{source}'"),
                         [[str(self.bearer_limit)]])


if __name__ == "__main__":
    unittest.main()
