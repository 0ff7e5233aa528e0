"""Behind a load balancer (README, "Several web nodes"): with the site files
rendered for TRUSTED_PROXIES (Apache's RemoteIP lines, lighttpd's
extforward lines), the balancer's X-Forwarded-For names the client,
so sign-in throttling counts each client apart; without them the header is
ignored, so clients cannot pick their own address."""
import os
import types
import unittest

from site_client import PASSWORD, Browser, tag
import site_client


def sign_in_from(browser, client, username, password):
    """Signs in as a browser behind the balancer at address `client`."""
    xff = {"X-Forwarded-For": client}
    form = browser.request("GET", "/login", headers=xff)
    data = {"csrf_token": Browser.csrf_of(form), "username": username, "password": password}
    return browser.request("POST", "/login", data=data, headers=xff)


class BehindLoadBalancer:
    """A node of the site rendered for TRUSTED_PROXIES=127.0.0.1 (the test
    itself plays the balancer), as `make install TRUSTED_PROXIES=...` does.
    Subclasses name the server: START/STOP (stack.sh), SITE_FILE and the
    LINE that TRUSTED_PROXIES must have put in it."""

    @classmethod
    def setUpClass(cls):
        cls.site = site_client.SITE
        cls.var = cls.site.node_var(cls.NAME)
        cls.addClassCleanup(cls.site.stack_run, cls.STOP, cls.var)
        port = cls.site.stack_run("free-port").stdout.strip()
        r = cls.site.stack_run(cls.START, cls.var, port, proxies="127.0.0.1")
        if r.returncode != 0:
            raise AssertionError(f"{cls.START} with TRUSTED_PROXIES failed: {r.stderr[-2000:]}")
        with open(os.path.join(cls.var, cls.SITE_FILE)) as f:
            if cls.LINE not in f.read():
                raise AssertionError("TRUSTED_PROXIES did not reach the site file")
        cls.node = types.SimpleNamespace(base=f"http://127.0.0.1:{port}")
        cls.user = tag("lbuser")
        cls.site.add_person(cls.user, "admin", PASSWORD)

    def setUp(self):
        self.site.sql("DELETE FROM signin_failures")

    def tearDown(self):
        self.site.sql("DELETE FROM signin_failures")

    def test_each_client_behind_the_balancer_is_throttled_on_its_own(self):
        # A private address too: Apache's RemoteIPTrustedProxy would ignore
        # it (an intranet's admins), RemoteIPInternalProxy takes it.
        noisy, quiet = self.NOISY, "203.0.113.8"
        for i in range(5):
            r = sign_in_from(Browser(self.node), noisy, self.user, f"wrong {i}")
            self.assertEqual(r.status, 200, i)
        self.assertEqual(sign_in_from(Browser(self.node), noisy, self.user, PASSWORD).status, 429)
        # Another client behind the same balancer signs in as usual.
        b = Browser(self.node)
        self.assertEqual(sign_in_from(b, quiet, self.user, PASSWORD).status, 303)
        recorded = {row[0] for row in self.site.sql("SELECT DISTINCT client_address FROM signin_failures")}
        self.assertEqual(recorded, {noisy})


class LoadBalancerTest(BehindLoadBalancer, unittest.TestCase):
    NAME, START, STOP = "behind-lb", "start-web", "stop-web"
    SITE_FILE = "apache/sites/admin-site.conf"
    LINE = "\n    RemoteIPInternalProxy 127.0.0.1\n"
    NOISY = "10.20.30.40"

    def test_without_the_remoteip_lines_the_header_is_ignored(self):
        # The site as shipped (node A): a client cannot choose its address.
        for i in range(5):
            sign_in_from(Browser(), f"198.51.100.{i}", self.user, f"wrong {i}")
        r = sign_in_from(Browser(), "198.51.100.99", self.user, PASSWORD)
        self.assertEqual(r.status, 429)
        recorded = {row[0] for row in self.site.sql("SELECT DISTINCT client_address FROM signin_failures")}
        self.assertEqual(recorded, {"127.0.0.1"})


class LighttpdLoadBalancerTest(BehindLoadBalancer, unittest.TestCase):
    """The same with lighttpd's extforward lines."""
    NAME, START, STOP = "behind-lb-lighttpd", "start-lighttpd", "stop-lighttpd"
    SITE_FILE = "lighttpd/50-admin-site.conf"
    LINE = '\n  extforward.forwarder = ( "127.0.0.1" => "trust" )\n'
    NOISY = "192.168.7.17"


if __name__ == "__main__":
    unittest.main()
