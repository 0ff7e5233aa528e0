"""Behind a load balancer (README, "Several web nodes"): with the site files
rendered for TRUSTED_PROXIES (Apache's RemoteIP lines, lighttpd's
extforward lines), the balancer's X-Forwarded-For names the client,
so sign-in throttling counts each client apart; without them the header is
ignored, so clients cannot pick their own address."""
import os
import shutil
import subprocess
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


class LoadBalancerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = site_client.SITE
        cls.var = os.path.join(cls.site.var, "behind-lb")
        cls.addClassCleanup(cls._stack, "stop-web", cls.var)
        cls._stack("stop-web", cls.var)
        shutil.rmtree(cls.var, ignore_errors=True)
        os.makedirs(cls.var, mode=0o755)
        conf = os.path.join(cls.var, "site.conf")
        shutil.copy2(cls.site.config, conf)
        os.chown(conf, -1, os.stat(cls.site.config).st_gid)
        port = cls._stack("free-port").stdout.strip()
        # What the README has a host do: make install TRUSTED_PROXIES=...
        # renders the RemoteIP lines (the balancer here is the test itself).
        r = cls._stack("start-web", cls.var, port, proxies="127.0.0.1")
        if r.returncode != 0:
            raise AssertionError(f"cannot start Apache with RemoteIP: {r.stderr[-2000:]}")
        with open(os.path.join(cls.var, "apache", "sites", "admin-site.conf")) as f:
            site_file = f.read()
        if "\n    RemoteIPInternalProxy 127.0.0.1\n" not in site_file:
            raise AssertionError("TRUSTED_PROXIES did not reach the site file")
        cls.node = types.SimpleNamespace(base=f"http://127.0.0.1:{port}")
        cls.user = tag("lbuser")
        cls.site.add_person(cls.user, "admin", PASSWORD)

    @classmethod
    def _stack(cls, *args, proxies=""):
        env = dict(os.environ, TRUSTED_PROXIES=proxies)
        return subprocess.run([cls.site.stack, *args], capture_output=True, text=True, timeout=120,
                              env=env)

    def setUp(self):
        self.site.sql("DELETE FROM signin_failures")

    def tearDown(self):
        self.site.sql("DELETE FROM signin_failures")

    def test_each_client_behind_the_balancer_is_throttled_on_its_own(self):
        # A private address too: Apache's RemoteIPTrustedProxy would ignore
        # it (an intranet's admins), RemoteIPInternalProxy takes it.
        noisy, quiet = "10.20.30.40", "203.0.113.8"
        for i in range(5):
            r = sign_in_from(Browser(self.node), noisy, self.user, f"wrong {i}")
            self.assertEqual(r.status, 200, i)
        self.assertEqual(sign_in_from(Browser(self.node), noisy, self.user, PASSWORD).status, 429)
        # Another client behind the same balancer signs in as usual.
        b = Browser(self.node)
        self.assertEqual(sign_in_from(b, quiet, self.user, PASSWORD).status, 303)
        recorded = {row[0] for row in self.site.sql("SELECT DISTINCT client_address FROM signin_failures")}
        self.assertEqual(recorded, {noisy})

    def test_without_the_remoteip_lines_the_header_is_ignored(self):
        # The site as shipped (node A): a client cannot choose its address.
        for i in range(5):
            sign_in_from(Browser(), f"198.51.100.{i}", self.user, f"wrong {i}")
        r = sign_in_from(Browser(), "198.51.100.99", self.user, PASSWORD)
        self.assertEqual(r.status, 429)
        recorded = {row[0] for row in self.site.sql("SELECT DISTINCT client_address FROM signin_failures")}
        self.assertEqual(recorded, {"127.0.0.1"})


class LighttpdLoadBalancerTest(unittest.TestCase):
    """The same with lighttpd's extforward lines."""

    @classmethod
    def setUpClass(cls):
        cls.site = site_client.SITE
        cls.var = os.path.join(cls.site.var, "behind-lb-lighttpd")
        cls.addClassCleanup(cls._stack, "stop-lighttpd", cls.var)
        cls._stack("stop-lighttpd", cls.var)
        shutil.rmtree(cls.var, ignore_errors=True)
        os.makedirs(cls.var, mode=0o755)
        conf = os.path.join(cls.var, "site.conf")
        shutil.copy2(cls.site.config, conf)
        os.chown(conf, -1, os.stat(cls.site.config).st_gid)
        port = cls._stack("free-port").stdout.strip()
        r = cls._stack("start-lighttpd", cls.var, port, proxies="127.0.0.1")
        if r.returncode != 0:
            raise AssertionError(f"cannot start lighttpd with extforward: {r.stderr[-2000:]}")
        with open(os.path.join(cls.var, "lighttpd", "50-admin-site.conf")) as f:
            site_file = f.read()
        if '\n  extforward.forwarder = ( "127.0.0.1" => "trust" )\n' not in site_file:
            raise AssertionError("TRUSTED_PROXIES did not reach the site file")
        cls.node = types.SimpleNamespace(base=f"http://127.0.0.1:{port}")
        cls.user = tag("lblight")
        cls.site.add_person(cls.user, "admin", PASSWORD)

    @classmethod
    def _stack(cls, *args, proxies=""):
        env = dict(os.environ, TRUSTED_PROXIES=proxies)
        return subprocess.run([cls.site.stack, *args], capture_output=True, text=True, timeout=120,
                              env=env)

    def setUp(self):
        self.site.sql("DELETE FROM signin_failures")

    def tearDown(self):
        self.site.sql("DELETE FROM signin_failures")

    def test_each_client_behind_the_balancer_is_throttled_on_its_own(self):
        noisy, quiet = "192.168.7.17", "203.0.113.18"
        for i in range(5):
            r = sign_in_from(Browser(self.node), noisy, self.user, f"wrong {i}")
            self.assertEqual(r.status, 200, i)
        self.assertEqual(sign_in_from(Browser(self.node), noisy, self.user, PASSWORD).status, 429)
        self.assertEqual(sign_in_from(Browser(self.node), quiet, self.user, PASSWORD).status, 303)
        recorded = {row[0] for row in self.site.sql("SELECT DISTINCT client_address FROM signin_failures")}
        self.assertEqual(recorded, {noisy})


if __name__ == "__main__":
    unittest.main()
