"""A small HTTP client for the integration tests: one cookie jar per
"browser", no automatic redirects (tests assert them), form CSRF tokens
read from the pages as a browser would submit them.

Everything goes through the real Apache and MariaDB started by
tools/run-tests.sh; the harness settings come from run.py (SITE).
"""
import hashlib
import html
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import uuid

# The password of every person the tests make.
PASSWORD = "correct horse battery staple"


def tag(prefix=""):
    """`prefix` plus a short random suffix, so that each test's people are its own."""
    return prefix + uuid.uuid4().hex[:8]


class Site:
    """Where the site under test runs, and how to reach its database."""

    def __init__(self, base, var, root):
        self.base = base.rstrip("/")
        self.var = var
        self.root = root
        self.siteadmin = os.path.join(root, "build", "siteadmin")
        self.config = os.path.join(var, "site.conf")
        self.root_cnf = os.path.join(var, "db-root.cnf")
        self.stack = os.path.join(root, "tools", "stack.sh")

    def sql(self, statement):
        """Runs SQL as the database root; returns rows as lists of strings."""
        out = subprocess.run(
            ["mariadb", f"--defaults-file={self.root_cnf}", "site", "--batch", "--skip-column-names",
             "-e", statement],
            check=True, capture_output=True, text=True).stdout
        return [line.split("\t") for line in out.splitlines()]

    def stack_run(self, *args, proxies="", www=""):
        """Runs tools/stack.sh; `proxies` is its TRUSTED_PROXIES, `www` its
        WWW_SERVER_NAME."""
        return subprocess.run([self.stack, *args], capture_output=True, text=True, timeout=120,
                              env=dict(os.environ, TRUSTED_PROXIES=proxies, WWW_SERVER_NAME=www))

    def node_var(self, name):
        """A fresh state directory for one more web server of this site (a
        second node, the HTTPS variant...): its own run/ and log/, and a copy
        of the site's config, so the same database, files and token secret.
        A server left there by an interrupted run is stopped first."""
        var = os.path.join(self.var, name)
        self.stack_run("stop-web", var)
        self.stack_run("stop-lighttpd", var)
        shutil.rmtree(var, ignore_errors=True)
        for sub in ("", "run", "log"):
            os.makedirs(os.path.join(var, sub), mode=0o755, exist_ok=True)
        conf = os.path.join(var, "site.conf")
        shutil.copy2(self.config, conf)  # stays readable by the web server's group only
        os.chown(conf, -1, os.stat(self.config).st_gid)
        return var

    def admin_tool(self, *args, stdin=""):
        return subprocess.run([self.siteadmin, "--config", self.config, *args],
                              input=stdin, capture_output=True, text=True)

    def add_person(self, username, access, password=None, first="Test", last=None, email=None):
        args = ["add-person", "--username", username, "--access", access,
                "--first-name", first, "--last-name", last or username]
        if email:
            args += ["--email", email]
        if password:
            args.append("--password-stdin")
        r = self.admin_tool(*args, stdin=(password + "\n") if password else "")
        if r.returncode != 0:
            raise AssertionError(f"siteadmin add-person failed: {r.stderr}")
        return int(self.sql(f"SELECT id FROM people WHERE username = '{username}'")[0][0])


SITE = None  # set by run.py


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        return self.headers.get(name)

    def header_all(self, name):
        return self.headers.get_all(name) or []

    @property
    def location(self):
        return self.headers.get("Location")

    def field_error(self, field):
        """The message shown beside a form field, or None."""
        m = re.search(r'<p class="field-error" id="%s-error">(.*?)</p>' % re.escape(field), self.body)
        return html.unescape(m.group(1)) if m else None

    def __repr__(self):
        return f"<Response {self.status} {self.body[:200]!r}>"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One user agent: its own cookies, no redirects followed."""

    def __init__(self, site=None, ssl_context=None):
        self.site = site or SITE
        self.jar = http.cookiejar.CookieJar()
        handlers = [urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()]
        if ssl_context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=ssl_context))
        self.opener = urllib.request.build_opener(*handlers)

    def request(self, method, path, data=None, headers=None):
        body = None
        hdrs = dict(headers or {})
        if data is not None:
            body = urllib.parse.urlencode(data).encode() if not isinstance(data, bytes) else data
            hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
        req = urllib.request.Request(self.site.base + path, data=body, method=method, headers=hdrs)
        try:
            with self.opener.open(req, timeout=30) as r:
                return Response(r.status, r.headers, r.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read().decode("utf-8", "replace"))

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, data):
        return self.request("POST", path, data=data)

    def cookie(self, name):
        for c in self.jar:
            if c.name == name:
                return c.value
        return None

    def set_cookie(self, name, value):
        c = http.cookiejar.Cookie(0, name, value, None, False, "127.0.0.1", False, False, "/", True,
                                  False, None, False, None, None, {})
        self.jar.set_cookie(c)

    @staticmethod
    def csrf_of(page):
        m = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.body)
        if not m:
            raise AssertionError(f"no csrf_token in page: {page.body[:300]}")
        return m.group(1)

    def sign_in(self, username, password, next_path=None):
        form = self.get("/login")
        data = {"csrf_token": self.csrf_of(form), "username": username, "password": password}
        if next_path is not None:
            data["next"] = next_path
        return self.post("/login", data)

    def sign_in_ok(self, username, password):
        r = self.sign_in(username, password)
        if r.status != 303:
            raise AssertionError(f"sign-in of {username} failed: {r}")
        return r

    def person_form(self, **fields):
        """The People edit form as a browser submits it, with `fields` changed.
        A field set to None is left out (an unchecked checkbox)."""
        data = {"csrf_token": self.csrf(), "first_name": "Test", "last_name": "", "email": "",
                "username": "", "access": "none", "active": "1"}
        data.update(fields)
        return {k: v for k, v in data.items() if v is not None}

    def create_token(self, person_id):
        """Presses Create Bearer Token on person_id's record, as the popup's
        script does (this browser must be signed in as an Admin)."""
        csrf = self.csrf_of(self.get(f"/people/edit?id={person_id}"))
        r = self.request("POST", "/createBearerToken", headers={"Accept": "application/json"},
                         data=f"csrf_token={csrf}&person_id={person_id}".encode())
        if r.status != 200:
            raise AssertionError(f"cannot create a token for person {person_id}: {r}")
        return json.loads(r.body)["token"]

    def csrf(self):
        """The session's CSRF token, as the People page carries it."""
        return self.csrf_of(self.get("/people"))

    def session_digest(self):
        value = self.cookie("session")
        return hashlib.sha256(value.encode()).hexdigest() if value else None
