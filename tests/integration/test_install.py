"""`make install` and the hosts' README, end to end: install into a scratch
prefix, run admin-site-setup against the test MariaDB, serve the installed
Apache site file (the one a host enables with a2ensite) and use the site
through it: sign in as the first Admin, create a token, install a collection
with the guide's curl command. Also: a bad setting stops an installed
program at start, naming the key."""
import grp
import json
import os
import re
import shutil
import subprocess
import tempfile
import types
import unittest

import collection_zips as cz
from site_client import Browser, tag
import site_client


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = site_client.SITE
        cls.top = os.path.join(cls.site.var, "installed")
        cls.node = os.path.join(cls.top, "node")
        cls.addClassCleanup(cls._cleanup)
        cls._cleanup()
        os.makedirs(cls.top, mode=0o755)
        cls.port = cls.site.stack_run("free-port").stdout.strip()
        t = cls.top
        # lighttpd's logs under the scratch tree too (the default is /var/log/lighttpd).
        cls.make_env = dict(os.environ, LIGHTTPD_LOG_DIR=f"{t}/log")
        cls.make = subprocess.run(
            ["make", "-s", "-C", cls.site.root, "install", f"PREFIX={t}/usr", f"SYSCONFDIR={t}/etc",
             f"LOCALSTATEDIR={t}/var", f"RUNSTATEDIR={t}/run", "SERVER_NAME=127.0.0.1",
             f"LISTEN=*:{cls.port}"], capture_output=True, text=True, timeout=600, env=cls.make_env)
        if cls.make.returncode != 0:
            raise AssertionError(f"make install failed: {cls.make.stderr[-3000:]}")
        cls.config = f"{t}/etc/admin-site/site.conf"
        # The one edit a host makes when MariaDB is not the system's own.
        socket_path = os.path.join(cls.site.var, "run", "mysqld.sock")
        with open(cls.config) as f:
            text = f.read()
        with open(cls.config, "w") as f:
            f.write(re.sub(r"(?m)^db_socket = .*$", f"db_socket = {socket_path}", text))
        cls.setup_out = cls._setup()

    @classmethod
    def _setup(cls):
        r = subprocess.run([f"{cls.top}/usr/sbin/admin-site-setup", "--db-admin-defaults",
                            cls.site.root_cnf], capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise AssertionError(f"admin-site-setup failed: {r.stdout}{r.stderr}")
        return r.stdout

    @classmethod
    def _cleanup(cls):
        cls.site.stack_run("stop-web", cls.node)
        cls.site.stack_run("stop-lighttpd", cls.node + "-lighttpd")
        cls.site.stack_run("stop-pools", cls.node)
        subprocess.run(["mariadb", f"--defaults-file={cls.site.root_cnf}", "-e",
                        "DROP DATABASE IF EXISTS admin_site; DROP USER IF EXISTS 'admin_site'@'localhost'"],
                       capture_output=True)
        shutil.rmtree(cls.top, ignore_errors=True)

    def serve_installed_pools(self):
        """The programs' pools as the installed systemd units run them (their
        ExecStart, Environment and sockets), once for both web servers."""
        if not os.path.exists(os.path.join(self.node, "run", "pool-login.pid")):
            r = self.site.stack_run("start-unit-pools", self.node, f"{self.top}/usr/lib/systemd/system")
            self.assertEqual(r.returncode, 0, r.stderr)

    def serve_installed_apache(self):
        """A private Apache around the installed site files, as a2ensite +
        a2enconf would enable them."""
        os.makedirs(os.path.join(self.node, "apache", "sites"), exist_ok=True)
        shutil.copy(f"{self.top}/etc/apache2/sites-available/admin-site.conf",
                    os.path.join(self.node, "apache", "sites"))
        shutil.copy(f"{self.top}/etc/apache2/conf-available/admin-site-server.conf",
                    os.path.join(self.node, "apache"))
        self.serve_installed_pools()
        r = self.site.stack_run("serve-apache", self.node, self.port)
        self.assertEqual(r.returncode, 0, r.stderr)
        return types.SimpleNamespace(base=f"http://127.0.0.1:{self.port}")

    def serve_installed_lighttpd(self):
        """A private lighttpd around the installed site file, as
        lighty-enable-mod would enable it."""
        node = self.node + "-lighttpd"
        os.makedirs(os.path.join(node, "lighttpd"), exist_ok=True)
        shutil.copy(f"{self.top}/etc/lighttpd/conf-available/50-admin-site.conf",
                    os.path.join(node, "lighttpd"))
        # What Debian's lighttpd package provides: /run/lighttpd and
        # /var/log/lighttpd, owned by www-data.
        for d in (f"{self.top}/run/lighttpd", f"{self.top}/log"):
            os.makedirs(d, exist_ok=True)
            shutil.chown(d, "www-data", "www-data")
        port = self.site.stack_run("free-port").stdout.strip()
        self.serve_installed_pools()
        r = self.site.stack_run("serve-lighttpd", node, port)
        self.assertEqual(r.returncode, 0, r.stderr)
        return types.SimpleNamespace(base=f"http://127.0.0.1:{port}")

    def test_layout(self):
        t = self.top
        for path in ["usr/sbin/siteadmin", "usr/sbin/admin-site-setup",
                     "usr/lib/admin-site/cgi-bin/installCollection", "usr/lib/admin-site/cgi-bin/people",
                     "usr/share/admin-site/templates/person_edit.tpl",
                     "usr/share/admin-site/templates/static/site.css",
                     "usr/share/admin-site/sql/001_people.sql",
                     "usr/share/admin-site/apache-conf/site-common.conf",
                     "etc/apache2/sites-available/admin-site.conf",
                     "etc/apache2/sites-available/admin-site-ssl.conf",
                     "etc/apache2/conf-available/admin-site-server.conf",
                     "etc/lighttpd/conf-available/50-admin-site.conf",
                     "usr/lib/admin-site/pool.sh",
                     "usr/lib/systemd/system/admin-site@.socket",
                     "usr/lib/systemd/system/admin-site@.service",
                     "var/lib/admin-site/errors/admin-site-upload-error-413.html",
                     "var/lib/admin-site/errors/admin-site-early-400.html"]:
            self.assertTrue(os.path.isfile(os.path.join(t, path)), path)
        self.assertTrue(os.access(f"{t}/usr/lib/admin-site/cgi-bin/tokenInfo", os.X_OK))
        programs = sorted(n[:-3] for n in os.listdir(os.path.join(self.site.root, "cgi-bin"))
                          if n.endswith(".cc"))
        self.assertEqual(sorted(os.listdir(f"{t}/usr/lib/admin-site/cgi-bin")), programs)
        # The config holds secrets: not world-readable, fresh random values.
        self.assertEqual(os.stat(self.config).st_mode & 0o007, 0)
        with open(self.config) as f:
            conf = f.read()
        self.assertRegex(conf, r"(?m)^token_secret = [0-9a-f]{64}$")
        self.assertRegex(conf, r"(?m)^db_password = [0-9a-f]{48}$")
        # Rendered files name the installed paths, and no placeholder is left.
        for path in ["etc/apache2/sites-available/admin-site.conf",
                     "etc/apache2/sites-available/admin-site-ssl.conf",
                     "etc/lighttpd/conf-available/50-admin-site.conf"]:
            with open(os.path.join(t, path)) as f:
                text = f.read()
            self.assertNotRegex(text, r"@[A-Z_]+@", path)
            self.assertIn(f"{t}/var/lib/admin-site/files", text, path)
        # The default 256 MiB, base64-encoded (1.37 times, rounded up), + 1 MiB.
        max_upload = 256 * 1024 * 1024
        limit = max_upload + (max_upload * 37 + 99) // 100 + 1024 * 1024
        # Every program of the route table goes to its pool's socket, which
        # the installed socket unit listens on; Apache enforces no body
        # limit of its own (the programs do).
        programs = subprocess.run([f"{self.site.root}/tools/routes.sh", "programs"],
                                  capture_output=True, text=True, check=True).stdout.split()
        self.assertIn("installCollection", programs)
        with open(f"{t}/etc/apache2/sites-available/admin-site.conf") as f:
            site = f.read()
        self.assertIn(f"Define SITE_SOCKETS {t}/run/admin-site\n", site)
        for program in programs:
            self.assertRegex(site, r'ProxyPassMatch "[^"]+" "unix:\$\{SITE_SOCKETS\}/%s\.sock\|fcgi://'
                             r'admin-site-%s" flushpackets=on' % (program, program.lower()))
        self.assertNotRegex(site, r"(?m)^\s*LimitRequestBody")
        with open(f"{t}/usr/lib/systemd/system/admin-site@.socket") as f:
            self.assertIn(f"ListenStream={t}/run/admin-site/%i.sock\n", f.read())
        with open(f"{t}/usr/lib/systemd/system/admin-site@.service") as f:
            unit = f.read()
        self.assertIn(f"ExecStart={t}/usr/lib/admin-site/pool.sh {t}/usr/lib/admin-site/cgi-bin/%i\n", unit)
        self.assertIn("StandardInput=socket\n", unit)
        self.assertIn("Restart=always\n", unit)
        with open(f"{t}/etc/lighttpd/conf-available/50-admin-site.conf") as f:
            lighttpd = f.read()
        self.assertIn(f"server.max-request-size = {(limit + 1023) // 1024}\n", lighttpd)
        # Forms: max_form_bytes (1 MiB by default), in KiB.
        self.assertIn("server.max-request-size = 1024\n", lighttpd)

    def test_install_again_keeps_the_config_and_the_sites_choices(self):
        """An upgrade is `make install` with no arguments: it must not put
        the site back to localhost:80."""
        site_file = f"{self.top}/etc/apache2/sites-available/admin-site.conf"
        with open(self.config) as f:
            before = f.read()
        with open(site_file) as f:
            site_before = f.read()
        t = self.top
        r = subprocess.run(["make", "-s", "-C", self.site.root, "install", f"PREFIX={t}/usr",
                            f"SYSCONFDIR={t}/etc", f"LOCALSTATEDIR={t}/var", f"RUNSTATEDIR={t}/run"],
                           capture_output=True, text=True, timeout=600, env=self.make_env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("kept", r.stdout)
        with open(self.config) as f:
            self.assertEqual(f.read(), before)
        with open(site_file) as f:
            site_after = f.read()
        self.assertEqual(site_after, site_before)
        self.assertIn(f"<VirtualHost *:{self.port}>", site_after)
        self.assertIn("ServerName 127.0.0.1", site_after)
        self.assertFalse(os.path.exists(site_file + ".old"))

        # Load balancers named once stay named through upgrades; "none" clears them.
        def install(*args):
            r = subprocess.run(["make", "-s", "-C", self.site.root, "install", f"PREFIX={t}/usr",
                                f"SYSCONFDIR={t}/etc", f"LOCALSTATEDIR={t}/var",
                                f"RUNSTATEDIR={t}/run", *args],
                               capture_output=True, text=True, timeout=600, env=self.make_env)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(site_file) as f:
                apache = f.read()
            with open(f"{t}/etc/lighttpd/conf-available/50-admin-site.conf") as f:
                return apache, f.read()
        apache, lighttpd = install("TRUSTED_PROXIES=192.0.2.10 198.51.100.0/24")
        self.assertIn("\n    RemoteIPInternalProxy 192.0.2.10 198.51.100.0/24\n", apache)
        self.assertIn('"198.51.100.0/24" => "trust"', lighttpd)
        apache, lighttpd = install()
        self.assertIn("\n    RemoteIPInternalProxy 192.0.2.10 198.51.100.0/24\n", apache)
        self.assertIn('"192.0.2.10" => "trust"', lighttpd)
        apache, lighttpd = install("TRUSTED_PROXIES=none")
        self.assertEqual(apache, site_before)
        self.assertNotRegex(lighttpd, r"(?m)^\s*extforward\.forwarder")
        # A word that is no address, or a range wide enough to trust the
        # world, stops the install before anything is replaced.
        for bad in ["10.0.0.1 lb.example", "0.0.0.0/0", "::/0", "300.1.2.3"]:
            r = subprocess.run(["make", "-s", "-C", self.site.root, "install", f"PREFIX={t}/usr",
                                f"SYSCONFDIR={t}/etc", f"LOCALSTATEDIR={t}/var",
                                f"RUNSTATEDIR={t}/run", f"TRUSTED_PROXIES={bad}"],
                               capture_output=True, text=True, timeout=600, env=self.make_env)
            self.assertNotEqual(r.returncode, 0, bad)
            self.assertIn("TRUSTED_PROXIES", r.stderr)
        with open(site_file) as f:
            self.assertEqual(f.read(), site_before)

    def test_setup_writes_a_missing_config_with_fresh_secrets(self):
        """What a staged install (a package) leaves to the host."""
        with tempfile.TemporaryDirectory(dir=self.top) as d:
            config = os.path.join(d, "etc", "site.conf")
            r = subprocess.run([f"{self.top}/usr/sbin/admin-site-setup", "--config", config,
                                "--no-create-db"], capture_output=True, text=True, timeout=120)
            self.assertIn(f"wrote {config}", r.stdout, r.stderr)
            self.assertIn("the config is valid", r.stdout, r.stderr)
            st = os.stat(config)
            self.assertEqual(st.st_mode & 0o777, 0o640)
            self.assertEqual(st.st_gid, grp.getgrnam("www-data").gr_gid)
            with open(config) as f:
                written = f.read()
            with open(self.config) as f:
                installed = f.read()
            secret = re.search(r"(?m)^token_secret = ([0-9a-f]{64})$", written).group(1)
            self.assertNotIn(secret, installed)
            self.assertIn(f"templates_dir = {self.top}/usr/share/admin-site/templates", written)

    def test_a_config_failing_new_checks_stops_the_install_before_anything_changes(self):
        with open(self.config) as f:
            good = f.read()
        programs = f"{self.top}/usr/lib/admin-site/cgi-bin/people"
        before = os.stat(programs).st_mtime_ns
        try:
            with open(self.config, "w") as f:
                f.write(good + "db_port = 3307\n")  # with db_socket: refused since this release
            r = subprocess.run(["make", "-s", "-C", self.site.root, "install",
                                f"PREFIX={self.top}/usr", f"SYSCONFDIR={self.top}/etc",
                                f"LOCALSTATEDIR={self.top}/var", f"RUNSTATEDIR={self.top}/run"],
                               capture_output=True, text=True, timeout=600, env=self.make_env)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("nothing was installed", r.stderr)
            self.assertIn("'db_socket'", r.stderr)
            self.assertEqual(os.stat(programs).st_mtime_ns, before)
        finally:
            with open(self.config, "w") as f:
                f.write(good)

    def test_setup_migrates_and_prints_the_first_admin_once(self):
        for name in sorted(os.listdir(os.path.join(self.site.root, "sql"))):
            if name.endswith(".sql"):
                self.assertIn(f"applied {name}", self.setup_out)
        self.assertRegex(self.setup_out, r"username: admin")
        again = self._setup()
        self.assertIn("schema is up to date", again)
        self.assertNotIn("password:", again)

    def test_the_installed_site_serves_the_guide(self):
        self.guide_through(self.serve_installed_apache())

    def test_the_installed_lighttpd_site_serves_the_guide(self):
        self.guide_through(self.serve_installed_lighttpd())
        # The programs' log lines: the pool's standard error (under systemd,
        # the journal; here the node's programs.log).
        with open(f"{self.node}/log/programs.log") as f:
            self.assertIn("[installCollection:", f.read())

    def guide_through(self, node):
        """Sign in as the first Admin, create a token, install with the
        guide's curl command, and get the file served."""
        password = re.search(r"password: (\S+)", self.setup_out).group(1)
        b = Browser(node)
        b.sign_in_ok("admin", password)
        people = b.get("/people")
        self.assertEqual(people.status, 200)
        admin_id = re.search(r'href="/people/edit\?id=(\d+)"', people.body).group(1)
        token = b.create_token(admin_id)
        info = b.request("GET", "/tokenInfo", headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(info.status, 200, info)
        t = tag()
        xml = (f'<Collection name="Installed {t}" guid="{{{t}-inst}}">'
               f'<Resource name="a.css" type="www" path="inst-{t}"/></Collection>')
        with tempfile.TemporaryDirectory() as work:
            with open(os.path.join(work, "myCollection.zip"), "wb") as f:
                f.write(cz.make_zip([("collection.xml", xml), ("a.css", "installed{}")]))
            out = subprocess.run(
                ["curl", "-sS", "-X", "POST", f"{node.base}/installCollection",
                 "-H", f"Authorization: Bearer {token}", "-F", "collectionFile=@myCollection.zip"],
                cwd=work, capture_output=True, text=True, timeout=60)
        self.assertEqual(json.loads(out.stdout).get("files"), 1, out.stdout)
        served = b.get(f"/inst-{t}/a.css")
        self.assertEqual((served.status, served.body), (200, "installed{}"))
        self.assertTrue(os.path.isfile(
            f"{self.top}/var/lib/admin-site/files/current/www/inst-{t}/a.css"))
        return node

    def run_program(self, config_text):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "site.conf")
            with open(path, "w") as f:
                f.write(config_text)
            return subprocess.run([f"{self.top}/usr/lib/admin-site/cgi-bin/tokenInfo"],
                                  env={"PATH": "/usr/bin:/bin", "SITE_CONFIG": path},
                                  stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)

    def test_a_bad_setting_stops_a_program_at_start_naming_the_key(self):
        with open(self.config) as f:
            good = f.read()
        cases = [
            (good + "max_upload_bytes = lots\n", "max_upload_bytes"),
            (good + "sesion_idle_minutes = 5\n", "sesion_idle_minutes"),
            (re.sub(r"(?m)^db_user = .*\n", "", good), "db_user"),
            (re.sub(r"(?m)^files_dir = .*$", "files_dir = /nonexistent/files", good), "files_dir"),
            (re.sub(r"(?m)^templates_dir = .*$", "templates_dir = /etc/hostname", good), "templates_dir"),
        ]
        for text, key in cases:
            with self.subTest(key=key):
                r = self.run_program(text)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn("cannot start", r.stderr)
                self.assertIn(f"'{key}'", r.stderr)
                # What the README has a host run after editing the file.
                with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
                    f.write(text)
                    f.flush()
                    check = subprocess.run([f"{self.top}/usr/sbin/siteadmin", "--config", f.name,
                                            "check-config"], capture_output=True, text=True)
                self.assertEqual(check.returncode, 1, check.stdout)
                self.assertIn(f"'{key}'", check.stderr)
        ok = subprocess.run([f"{self.top}/usr/sbin/siteadmin", "--config", self.config, "check-config"],
                            capture_output=True, text=True)
        self.assertEqual((ok.returncode, ok.stdout), (0, "the config is valid\n"), ok.stderr)


class StagedInstallTest(unittest.TestCase):
    """DESTDIR (a package build): the tree holds no secrets of its own, and
    names the final paths, never the staging directory."""

    def test_destdir(self):
        site = site_client.SITE
        stage = tempfile.mkdtemp(prefix="stage-", dir=site.var)
        self.addCleanup(shutil.rmtree, stage, True)
        # Under a backup's umask 077 too: www-data must still read everything.
        r = subprocess.run(["make", "-s", "-C", site.root, "install", f"DESTDIR={stage}",
                            "SERVER_NAME=admin.example.com", "HTTPS_LISTEN=*:8443"],
                           capture_output=True, text=True, timeout=600,
                           preexec_fn=lambda: os.umask(0o077))
        self.assertEqual(r.returncode, 0, r.stderr)
        for path in ["usr/local/share/admin-site/templates", "usr/local/share/admin-site/templates/error.tpl",
                     "usr/local/share/admin-site/templates/static/site.css",
                     "usr/local/share/admin-site/sql/001_people.sql",
                     "etc/apache2/sites-available/admin-site.conf"]:
            self.assertEqual(os.stat(os.path.join(stage, path)).st_mode & 0o004, 0o004, path)
        self.assertFalse(os.path.exists(f"{stage}/etc/admin-site/site.conf"))
        self.assertTrue(os.path.isfile(f"{stage}/usr/local/share/admin-site/site.conf.in"))
        for path in ["etc/apache2/sites-available/admin-site.conf",
                     "etc/apache2/sites-available/admin-site-ssl.conf",
                     "etc/lighttpd/conf-available/50-admin-site.conf", "usr/local/sbin/admin-site-setup"]:
            with open(os.path.join(stage, path)) as f:
                text = f.read()
            self.assertNotIn(stage, text, path)
            self.assertNotRegex(text, r"@[A-Z_]+@", path)
        with open(f"{stage}/etc/apache2/sites-available/admin-site-ssl.conf") as f:
            ssl_site = f.read()
        self.assertIn("Define SITE_FILES /var/lib/admin-site/files", ssl_site)
        # The port-80 vhost sends clients to the HTTPS port actually used.
        self.assertIn("RedirectPermanent / https://admin.example.com:8443/", ssl_site)

    def test_unsafe_paths_are_refused(self):
        site = site_client.SITE
        stage = tempfile.mkdtemp(prefix="stage-", dir=site.var)
        self.addCleanup(shutil.rmtree, stage, True)
        for arg in ["PREFIX=/opt/a b", "PREFIX=/opt/a&b", "SERVER_NAME=x;y", "CERT_FILE=/a|b"]:
            with self.subTest(arg=arg):
                r = subprocess.run(["make", "-s", "-C", site.root, "install", f"DESTDIR={stage}", arg],
                                   capture_output=True, text=True, timeout=600)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn(arg.split("=")[0], r.stderr)


class UninstallTest(unittest.TestCase):
    """`make uninstall` removes what `make install` put, keeps the site's
    config and collection files, and leaves an enabled site file alone."""

    def make(self, target):
        t = self.top
        return subprocess.run(["make", "-s", "-C", self.site.root, target, f"PREFIX={t}/usr",
                               f"SYSCONFDIR={t}/etc", f"LOCALSTATEDIR={t}/var", f"RUNSTATEDIR={t}/run"],
                              capture_output=True, text=True, timeout=600)

    def setUp(self):
        self.site = site_client.SITE
        self.top = tempfile.mkdtemp(prefix="uninstall-", dir=self.site.var)
        self.addCleanup(shutil.rmtree, self.top, True)

    def test_uninstall(self):
        t = self.top
        self.assertEqual(self.make("install").returncode, 0)
        with open(f"{t}/var/lib/admin-site/files/kept.txt", "w") as f:
            f.write("a collection file")
        # An enabled site (a2ensite's symlink) is not pulled from under Apache.
        os.makedirs(f"{t}/etc/apache2/sites-enabled")
        os.symlink("../sites-available/admin-site.conf", f"{t}/etc/apache2/sites-enabled/admin-site.conf")
        r = self.make("uninstall")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("a2dissite admin-site", r.stderr)
        self.assertTrue(os.path.exists(f"{t}/usr/sbin/siteadmin"))

        os.makedirs(f"{t}/etc/lighttpd/conf-enabled")
        os.symlink("../conf-available/50-admin-site.conf", f"{t}/etc/lighttpd/conf-enabled/50-admin-site.conf")
        r = self.make("uninstall")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("a2dissite admin-site;", r.stderr)
        self.assertIn("lighty-disable-mod admin-site", r.stderr)

        os.unlink(f"{t}/etc/apache2/sites-enabled/admin-site.conf")
        os.unlink(f"{t}/etc/lighttpd/conf-enabled/50-admin-site.conf")
        r = self.make("uninstall")
        self.assertEqual(r.returncode, 0, r.stderr)
        for gone in ["usr/sbin/siteadmin", "usr/sbin/admin-site-setup", "usr/lib/admin-site",
                     "usr/share/admin-site", "etc/apache2/sites-available/admin-site.conf",
                     "etc/apache2/sites-available/admin-site-ssl.conf",
                     "etc/apache2/conf-available/admin-site-server.conf",
                     "usr/lib/systemd/system/admin-site@.socket",
                     "usr/lib/systemd/system/admin-site@.service",
                     "etc/lighttpd/conf-available/50-admin-site.conf", "var/lib/admin-site/errors"]:
            self.assertFalse(os.path.lexists(os.path.join(t, gone)), gone)
        for kept in ["etc/admin-site/site.conf", "etc/admin-site/install.conf",
                     "var/lib/admin-site/files/kept.txt"]:
            self.assertTrue(os.path.exists(os.path.join(t, kept)), kept)


if __name__ == "__main__":
    unittest.main()
