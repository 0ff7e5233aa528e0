"""/healthz through the real web server, and the README's HAProxy example
run against it: 200 while the node is healthy, 503 JSON naming the check
that failed while its database is down, and the balancer taking the node out
and putting it back by itself."""
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from site_client import Browser
import site_client


def haproxy_example(root):
    """The backend section of the README's HAProxy example, as written."""
    with open(os.path.join(root, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    m = re.search(r"<!-- haproxy-example -->\s*```\n(.*?)```\s*<!-- /haproxy-example -->",
                  readme, re.S)
    if m is None:
        raise AssertionError("README.md has no <!-- haproxy-example --> block")
    return "\n".join(line[2:] if line.startswith("  ") else line
                     for line in m.group(1).splitlines())


class HealthzTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = site_client.SITE

    def stack(self, *args):
        subprocess.run([self.site.stack, *args, self.site.var], check=True,
                       capture_output=True, timeout=60)

    def healthz(self, method="GET", headers=None):
        return Browser().request(method, "/healthz", headers=headers)

    def test_a_healthy_node_answers_200_json_without_authentication(self):
        r = self.healthz()
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(r.header("Content-Type").startswith("application/json"))
        self.assertEqual(json.loads(r.body),
                         {"status": "ok", "checks": {"database": "ok", "files": "ok"}})
        self.assertEqual(r.header("Cache-Control"), "no-store")
        # Credentials change nothing, and are not needed.
        r = self.healthz(headers={"Authorization": "Bearer adminbt_not-a-token"})
        self.assertEqual(r.status, 200)
        self.assertEqual(self.healthz("HEAD").status, 200)
        # Nothing of the site's paths or settings.
        for secret in (self.site.var, "site.conf", "mysqld.sock", "gen-"):
            self.assertNotIn(secret, r.body)

    def test_other_methods_are_405_json(self):
        r = Browser().request("POST", "/healthz", data=b"a=1")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.header("Allow"), "GET, HEAD")
        self.assertIn("message", json.loads(r.body))

    def test_database_down_is_503_naming_it_then_200_again(self):
        self.stack("stop-db")
        try:
            r = self.healthz()
            self.assertEqual(r.status, 503, r.body)
            body = json.loads(r.body)
            self.assertEqual(body["status"], "unavailable")
            self.assertEqual(body["checks"], {"database": "unreachable", "files": "ok"})
            self.assertEqual(r.header("Retry-After"), "30")
        finally:
            self.stack("start-db")
        r = self.healthz()
        self.assertEqual(r.status, 200, r.body)  # the same processes, reconnected

    @unittest.skipUnless(shutil.which("haproxy"), "haproxy is not installed (tools/deps.sh test)")
    def test_the_readme_haproxy_example_takes_the_node_out_and_back(self):
        backend = haproxy_example(self.site.root)
        host_port = self.site.base.split("//", 1)[1]
        # The example's servers and host name, pointed at this site (one
        # node): lighttpd answers only its own host name.
        backend = backend.replace("yoursite.com", host_port)
        lines = [l for l in backend.splitlines() if not l.strip().startswith("server ")]
        lines.append(f"    server web1 {host_port} check")
        work = tempfile.mkdtemp(prefix="haproxy-test-")
        stats = os.path.join(work, "stats.sock")
        front = int(self.site.stack_run("free-port").stdout.strip())
        config = os.path.join(work, "haproxy.cfg")
        with open(config, "w") as f:
            f.write(f"""global
    stats socket {stats} level admin
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:{front}
    default_backend admin_site
""" + "\n".join(lines) + "\n")
        check = subprocess.run(["haproxy", "-c", "-f", config], capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        proxy = subprocess.Popen(["haproxy", "-db", "-f", config],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            self.assertEqual(self.wait_for_state(stats, "UP"), "UP")
            through = Browser(site_client.Site(f"http://127.0.0.1:{front}", self.site.var,
                                               self.site.root))
            self.assertEqual(through.request("GET", "/healthz").status, 200)
            self.stack("stop-db")
            try:
                self.assertEqual(self.wait_for_state(stats, "DOWN"), "DOWN")
                # No node left: HAProxy answers for itself.
                self.assertEqual(through.request("GET", "/login").status, 503)
            finally:
                self.stack("start-db")
            self.assertEqual(self.wait_for_state(stats, "UP"), "UP")
            self.assertEqual(through.request("GET", "/login").status, 200)
        finally:
            proxy.terminate()
            proxy.wait(timeout=10)
            shutil.rmtree(work, ignore_errors=True)

    def wait_for_state(self, stats, want, seconds=20):
        """Polls HAProxy's stats socket until web1 is `want`; returns its
        last state (the example checks every second, 2 in a row to change)."""
        state = ""
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(stats)
                    s.sendall(b"show stat\n")
                    out = b""
                    while chunk := s.recv(65536):
                        out += chunk
                for row in out.decode().splitlines():
                    cols = row.split(",")
                    if len(cols) > 17 and cols[0] == "admin_site" and cols[1] == "web1":
                        state = cols[17].split()[0]
            except OSError:
                pass
            if state == want:
                return state
            time.sleep(0.25)
        return state


if __name__ == "__main__":
    unittest.main()
