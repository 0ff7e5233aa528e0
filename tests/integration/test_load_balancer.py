"""Behind a load balancer (README, "Several web nodes"): with the RemoteIP
lines of the shipped Apache site file (or the extforward lines of the
lighttpd one) uncommented, the balancer's X-Forwarded-For names the client,
so sign-in throttling counts each client apart; without them the header is
ignored, so clients cannot pick their own address."""
import os
import re
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
        r = cls._stack("start-web", cls.var, port)
        if r.returncode != 0:
            raise AssertionError(f"cannot start Apache: {r.stderr[-2000:]}")
        cls._stack("stop-web", cls.var)
        # What the README tells a host to do: uncomment the two lines and
        # name the balancer (here, the test itself on 127.0.0.1).
        site_file = os.path.join(cls.var, "apache", "sites", "admin-site.conf")
        with open(site_file) as f:
            text = f.read()
        text, n = re.subn(r"(?m)^    #(RemoteIPHeader X-Forwarded-For)$", r"    \1", text)
        text, m = re.subn(r"(?m)^    #RemoteIPTrustedProxy .*$", "    RemoteIPTrustedProxy 127.0.0.1",
                          text)
        if (n, m) != (1, 1):
            raise AssertionError("the site file has no RemoteIP lines to uncomment")
        with open(site_file, "w") as f:
            f.write(text)
        r = cls._stack("serve-apache", cls.var, port)
        if r.returncode != 0:
            raise AssertionError(f"cannot start Apache with RemoteIP: {r.stderr[-2000:]}")
        cls.node = types.SimpleNamespace(base=f"http://127.0.0.1:{port}")
        cls.user = tag("lbuser")
        cls.site.add_person(cls.user, "admin", PASSWORD)

    @classmethod
    def _stack(cls, *args):
        return subprocess.run([cls.site.stack, *args], capture_output=True, text=True, timeout=120)

    def tearDown(self):
        self.site.sql("DELETE FROM signin_failures")

    def test_each_client_behind_the_balancer_is_throttled_on_its_own(self):
        noisy, quiet = "203.0.113.7", "203.0.113.8"
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
        r = cls._stack("start-lighttpd", cls.var, port)
        if r.returncode != 0:
            raise AssertionError(f"cannot start lighttpd: {r.stderr[-2000:]}")
        cls._stack("stop-lighttpd", cls.var)
        site_file = os.path.join(cls.var, "lighttpd", "50-admin-site.conf")
        with open(site_file) as f:
            text = f.read()
        text, n = re.subn(r'(?m)^#extforward\.forwarder = .*$',
                          'extforward.forwarder = ( "127.0.0.1" => "trust" )', text)
        text, m = re.subn(r"(?m)^#(extforward\.headers = .*)$", r"\1", text)
        if (n, m) != (1, 1):
            raise AssertionError("the site file has no extforward lines to uncomment")
        with open(site_file, "w") as f:
            f.write(text)
        r = cls._stack("serve-lighttpd", cls.var, port)
        if r.returncode != 0:
            raise AssertionError(f"cannot start lighttpd with extforward: {r.stderr[-2000:]}")
        cls.node = types.SimpleNamespace(base=f"http://127.0.0.1:{port}")
        cls.user = tag("lblight")
        cls.site.add_person(cls.user, "admin", PASSWORD)

    @classmethod
    def _stack(cls, *args):
        return subprocess.run([cls.site.stack, *args], capture_output=True, text=True, timeout=120)

    def tearDown(self):
        self.site.sql("DELETE FROM signin_failures")

    def test_each_client_behind_the_balancer_is_throttled_on_its_own(self):
        noisy, quiet = "203.0.113.17", "203.0.113.18"
        for i in range(5):
            r = sign_in_from(Browser(self.node), noisy, self.user, f"wrong {i}")
            self.assertEqual(r.status, 200, i)
        self.assertEqual(sign_in_from(Browser(self.node), noisy, self.user, PASSWORD).status, 429)
        self.assertEqual(sign_in_from(Browser(self.node), quiet, self.user, PASSWORD).status, 303)
        recorded = {row[0] for row in self.site.sql("SELECT DISTINCT client_address FROM signin_failures")}
        self.assertEqual(recorded, {noisy})


if __name__ == "__main__":
    unittest.main()
