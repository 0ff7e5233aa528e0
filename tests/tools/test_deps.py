"""tools/deps.sh, the first thing `make run` and `make test` run on a new
host: run in every mode against stub package tools in a scratch tree, with
and without a policy-rc.d of the host's own, finished and interrupted.

The stubs: dpkg-query answers from a list of "installed" packages (empty:
everything is missing), apt-get records its arguments and what policy-rc.d
answered while it ran, then "installs" the packages; npm records `npm ci`.
POLICY_RC_D points deps.sh at a path in the scratch tree instead of
/usr/sbin/policy-rc.d.
"""
import os
import shutil
import signal
import subprocess
import tempfile
import textwrap
import time
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

STUBS = {
    "dpkg-query": r"""
        #!/bin/sh
        # dpkg-query -W -f=... PACKAGE
        for last; do :; done
        if grep -qxF "$last" "$STUB_DIR/installed" 2>/dev/null; then
          printf 'install ok installed'; exit 0
        fi
        echo "dpkg-query: no packages found matching $last" >&2; exit 1
    """,
    "apt-get": r"""
        #!/bin/sh
        echo "apt-get $*" >> "$STUB_DIR/apt.log"
        if [ "$1" = install ]; then
          if [ -x "$POLICY_RC_D" ]; then "$POLICY_RC_D" apache2 start; echo "policy $?" >> "$STUB_DIR/apt.log"
          else echo "policy none" >> "$STUB_DIR/apt.log"; fi
          [ -z "${STUB_APT_SLEEP:-}" ] || { touch "$STUB_DIR/apt-started"; sleep "$STUB_APT_SLEEP"; }
          [ -z "${STUB_APT_FAIL:-}" ] || exit 100
          for p; do case "$p" in -*|install) ;; *) echo "$p" >> "$STUB_DIR/installed" ;; esac; done
        fi
        exit 0
    """,
    "npm": r"""
        #!/bin/sh
        echo "npm $*" >> "$STUB_DIR/npm.log"
        mkdir -p node_modules/playwright-core
    """,
    # deps.sh installs only as root; the stub lets the tests run as anyone.
    "id": r"""
        #!/bin/sh
        if [ "$1" = -u ]; then echo "${STUB_UID:-0}"; else exec /usr/bin/id "$@"; fi
    """,
}

HOST_POLICY = "#!/bin/sh\n# the host's own, from its container image\nexit 101\n"

# One package each mode adds, and must therefore ask apt-get for.
MODE_PACKAGE = {"run": "apache2", "test": "lighttpd", "bench": "wrk", "fuzz": "clang",
                "unit": "libboost-test-dev"}


def default_signals():
    """In the child: the signals the test sends at their default action.
    A run started in the background or under nohup ignores SIGINT or
    SIGHUP, children inherit that, and bash cannot trap a signal that was
    ignored when it started: deps.sh would then never see the interrupt."""
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)


class DepsScript(unittest.TestCase):
    def setUp(self):
        self.tree = tempfile.mkdtemp(prefix="deps-test-")
        self.addCleanup(shutil.rmtree, self.tree, True)
        os.makedirs(os.path.join(self.tree, "tools"))
        shutil.copy2(os.path.join(ROOT, "tools", "deps.sh"), os.path.join(self.tree, "tools"))
        self.stub_dir = os.path.join(self.tree, "stubs")
        os.makedirs(self.stub_dir)
        for name, text in STUBS.items():
            path = os.path.join(self.stub_dir, name)
            with open(path, "w") as f:
                f.write(textwrap.dedent(text).lstrip())
            os.chmod(path, 0o755)
        self.policy = os.path.join(self.tree, "policy-rc.d")
        self.env = dict(os.environ, PATH=self.stub_dir + ":" + os.environ["PATH"],
                        STUB_DIR=self.stub_dir, POLICY_RC_D=self.policy)

    def host_policy(self):
        with open(self.policy, "w") as f:
            f.write(HOST_POLICY)
        os.chmod(self.policy, 0o755)

    def policy_state(self):
        if not os.path.exists(self.policy):
            return None
        with open(self.policy) as f:
            return f.read(), os.stat(self.policy).st_mode & 0o7777

    def log(self, name):
        path = os.path.join(self.stub_dir, name)
        return open(path).read() if os.path.exists(path) else ""

    def deps(self, mode, **env):
        return subprocess.run([os.path.join(self.tree, "tools", "deps.sh"), mode],
                              env=dict(self.env, **env), capture_output=True, text=True, timeout=60)

    def test_every_mode_installs_and_exits_0_with_and_without_a_host_policy(self):
        for mode in MODE_PACKAGE:
            for host_has_one in (False, True):
                with self.subTest(mode=mode, host_policy=host_has_one):
                    self.setUp()
                    if host_has_one:
                        self.host_policy()
                    before = self.policy_state()
                    r = self.deps(mode)
                    self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                    apt = self.log("apt.log")
                    self.assertIn("apt-get update", apt)
                    self.assertRegex(apt, rf"apt-get install .*\b{MODE_PACKAGE[mode]}\b")
                    # Services could not start while apt-get ran...
                    self.assertIn("policy 101", apt)
                    # ...and the host's policy is as it was, or none is left.
                    self.assertEqual(self.policy_state(), before)
                    self.assertEqual(os.listdir(self.tree).count("policy-rc.d.new"), 0)
                    self.assertEqual("npm ci" in self.log("npm.log"), mode == "test")
                    # A second run finds everything and changes nothing.
                    os.remove(os.path.join(self.stub_dir, "apt.log"))
                    r = self.deps(mode)
                    self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                    self.assertEqual(self.log("apt.log"), "")
                    self.assertEqual(self.policy_state(), before)

    def test_nothing_missing_still_installs_the_node_modules_for_tests(self):
        for mode in ("run", "test"):
            with self.subTest(mode=mode):
                self.setUp()
                r = self.deps(mode)  # installs everything
                self.assertEqual(r.returncode, 0, r.stderr)
                shutil.rmtree(os.path.join(self.tree, "node_modules"), ignore_errors=True)
                os.remove(os.path.join(self.stub_dir, "apt.log"))
                open(os.path.join(self.stub_dir, "npm.log"), "w").close()
                r = self.deps(mode)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(self.log("apt.log"), "")
                self.assertEqual("npm ci" in self.log("npm.log"), mode == "test")

    def interrupt(self, sig, host_has_one):
        if host_has_one:
            self.host_policy()
        before = self.policy_state()
        p = subprocess.Popen([os.path.join(self.tree, "tools", "deps.sh"), "test"],
                             env=dict(self.env, STUB_APT_SLEEP="30"), start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             preexec_fn=default_signals)
        started = os.path.join(self.stub_dir, "apt-started")
        deadline = time.time() + 20
        while not os.path.exists(started) and time.time() < deadline and p.poll() is None:
            time.sleep(0.05)
        self.assertTrue(os.path.exists(started), "apt-get never started")
        # As Ctrl-C (or a CI runner's timeout) does: the whole process group.
        os.killpg(p.pid, sig)
        rc = p.wait(timeout=20)
        return before, rc

    def test_an_interrupted_install_leaves_no_policy_behind(self):
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            for host_has_one in (False, True):
                with self.subTest(signal=sig.name, host_policy=host_has_one):
                    self.setUp()
                    before, rc = self.interrupt(sig, host_has_one)
                    self.assertNotEqual(rc, 0)
                    self.assertEqual(self.policy_state(), before)
                    self.assertEqual([n for n in os.listdir(self.tree) if n.startswith("policy-rc.d.")], [])

    def test_a_killed_runs_policy_is_removed_by_the_next_run_and_a_hosts_never(self):
        before, rc = self.interrupt(signal.SIGKILL, host_has_one=False)
        self.assertEqual(rc, -signal.SIGKILL)
        self.assertIsNotNone(self.policy_state(), "SIGKILL cannot be trapped: the file stays")
        r = self.deps("run")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIsNone(self.policy_state(), "the next run did not recognise its own leftover")

        self.setUp()
        before, rc = self.interrupt(signal.SIGKILL, host_has_one=True)
        r = self.deps("run")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.policy_state(), before)

    def test_a_failed_apt_get_fails_and_cleans_up(self):
        r = self.deps("run", STUB_APT_FAIL="1")
        self.assertNotEqual(r.returncode, 0)
        self.assertIsNone(self.policy_state())

    def test_not_root_names_the_missing_packages(self):
        r = self.deps("run", STUB_UID="1000")
        self.assertEqual(r.returncode, 1)
        self.assertIn("Missing Debian packages:", r.stderr)
        self.assertIn("apache2", r.stderr)
        self.assertEqual(self.log("apt.log"), "")

    def test_an_unknown_mode_is_refused(self):
        r = self.deps("deploy")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(self.log("apt.log"), "")


if __name__ == "__main__":
    unittest.main()
