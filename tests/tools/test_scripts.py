"""The shell scripts themselves: shellcheck finds nothing in any of them,
and the helpers of tools/stack.sh and tools/admin-site-setup.sh behave when
things go wrong (a server that ignores TERM, no free port, a missing option
value).
"""
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
STACK = os.path.join(ROOT, "tools", "stack.sh")
SKIP_DIRS = {".git", "node_modules", "build", "var", "test-output"}


def shell_scripts():
    """Every file of the tree that is a shell script: *.sh, or a #! line
    naming sh or bash (.ci/run has no extension)."""
    found = []
    for top, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for name in files:
            path = os.path.join(top, name)
            try:
                with open(path, "rb") as f:
                    first = f.readline(200)
            except OSError:
                continue
            if name.endswith(".sh") or (first.startswith(b"#!") and
                                        (first.rstrip().endswith(b"sh") or b"bash" in first)):
                found.append(path)
    return sorted(found)


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


class Shellcheck(unittest.TestCase):
    def test_every_script_passes_shellcheck(self):
        scripts = shell_scripts()
        names = [os.path.relpath(p, ROOT) for p in scripts]
        for expected in (".ci/run", "tools/deps.sh", "tools/stack.sh", "tools/run-tests.sh"):
            self.assertIn(expected, names)
        # Exceptions are justified in place (# shellcheck disable=... with a reason).
        r = subprocess.run(["shellcheck", "--format=gcc", "--external-sources", *scripts],
                           capture_output=True, text=True, cwd=ROOT)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout, "")


class StackScript(unittest.TestCase):
    def setUp(self):
        self.var = tempfile.mkdtemp(prefix="stack-test-")
        self.addCleanup(shutil.rmtree, self.var, True)
        os.makedirs(os.path.join(self.var, "run"))

    def stack(self, *args, env=None):
        return subprocess.run([STACK, *args], capture_output=True, text=True, timeout=120,
                              env=dict(os.environ, **(env or {})))

    def stubborn_process(self):
        """A process that ignores TERM, not our child (as a server started
        with setsid is not the stop command's): its pid."""
        out = subprocess.run(["bash", "-c", "trap '' TERM; sleep 60 >/dev/null 2>&1 & echo $!"],
                             capture_output=True, text=True, check=True).stdout
        pid = int(out)
        self.addCleanup(lambda: alive(pid) and os.kill(pid, 9))
        return pid

    def test_a_server_that_ignores_term_is_killed_and_its_pid_file_goes_with_it(self):
        pid = self.stubborn_process()
        pidfile = os.path.join(self.var, "run", "apache.pid")
        with open(pidfile, "w") as f:
            f.write(f"{pid}\n")
        started = time.time()
        r = self.stack("stop-web", self.var, env={"STOP_SECONDS": "1"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("killing it", r.stderr)
        self.assertFalse(alive(pid), "the process still runs")
        self.assertFalse(os.path.exists(pidfile))
        self.assertLess(time.time() - started, 15)

    def test_a_pid_file_without_a_pid_is_removed(self):
        pidfile = os.path.join(self.var, "run", "lighttpd.pid")
        with open(pidfile, "w") as f:
            f.write("\n")
        r = self.stack("stop-lighttpd", self.var)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(pidfile))

    def test_no_free_port_stops_start_db_and_leaves_no_empty_port_file(self):
        # free_port tries `seq 1 200` ports: a seq that lists none finds none.
        stubs = os.path.join(self.var, "stubs")
        os.makedirs(stubs)
        with open(os.path.join(stubs, "seq"), "w") as f:
            f.write("#!/bin/sh\nexit 0\n")
        os.chmod(os.path.join(stubs, "seq"), 0o755)
        r = self.stack("start-db", self.var, env={"PATH": stubs + ":" + os.environ["PATH"]})
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no free port found", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.var, "db-port")))
        self.assertFalse(os.path.exists(os.path.join(self.var, "run", "mysqld.pid")))

    def test_an_empty_port_file_gets_a_port(self):
        # What an older stack.sh left after free_port failed: MariaDB then
        # started with --port= at every start.
        with open(os.path.join(self.var, "db-port"), "w"):
            pass
        r = self.stack("start-db", self.var)
        self.addCleanup(self.stack, "stop-db", self.var)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.var, "db-port")) as f:
            port = f.read().strip()
        self.assertRegex(port, r"^[0-9]+$")
        # MariaDB answers on that port. (It lets nobody in over TCP: root is
        # root@localhost only, through the socket; so the answer is its
        # refusal of this address, 1130, which only a server on the port sends.)
        ping = subprocess.run(["mariadb-admin", "--no-defaults", "--protocol=tcp", "-h127.0.0.1",
                               f"-P{port}", "-uroot", "ping"], capture_output=True, text=True)
        self.assertIn("1130", ping.stderr)
        self.assertIn("is not allowed to connect", ping.stderr)


class Usage(unittest.TestCase):
    """Each script's usage text (a heredoc in usage()) names every command its
    dispatch accepts, and an unknown command prints it and exits 2. (It used
    to be a line range of the header comment: two ranges cut a sentence off
    and left a command out.)"""

    def commands(self, script):
        text = open(script).read()
        dispatch = text[text.rindex("\ncase "):]
        return re.findall(r"^  ([a-z][a-z-]*)\)", dispatch, re.M)

    def test_an_unknown_command_prints_a_usage_naming_every_command(self):
        for name in ("stack.sh", "galera.sh", "routes.sh", "webconf.sh", "deps.sh"):
            with self.subTest(script=name):
                script = os.path.join(ROOT, "tools", name)
                commands = self.commands(script)
                self.assertGreaterEqual(len(commands), 3, commands)
                r = subprocess.run(["bash", script, "no-such-command"], capture_output=True,
                                   text=True, timeout=30)
                self.assertEqual(r.returncode, 2, r.stderr)
                for command in commands:
                    self.assertRegex(r.stderr, rf"{name} {re.escape(command)}\b")
                self.assertNotIn("unbound variable", r.stderr)


class AdminSiteSetup(unittest.TestCase):
    def test_an_option_without_its_value_prints_the_usage(self):
        for option in ("--config", "--db-admin-defaults"):
            with self.subTest(option=option):
                r = subprocess.run(["bash", os.path.join(ROOT, "tools", "admin-site-setup.sh"), option],
                                   capture_output=True, text=True, timeout=30)
                self.assertEqual(r.returncode, 2)
                self.assertIn(f"{option} needs a file name", r.stderr)
                self.assertIn("admin-site-setup [--config FILE]", r.stderr)
                self.assertNotIn("unbound variable", r.stderr)


if __name__ == "__main__":
    unittest.main()
