"""Soak: 64 keep-alive connections for about 70 s doing a mix of
/tokenInfo with a bearer token, GET /people with a signed-in session,
sign-ins (GET and POST /login, then /people with the new session) and
collection installs (the guide's multipart POST /installCollection), while
MariaDB is stopped for 10 s in the middle and started again.

Every answer is checked as it arrives. Before the outage everything is
200 or 303 as expected; while the database is down (after stop-db
returned, before start-db began) every answer that needs it is the site's
own 503 (JSON with Retry-After for the API, the 503 page for pages; the
sign-in form may also come normally); after start-db the
site answers normally again within RECOVERY_LIMIT seconds, with the web
server and the pools left running. Nowhere a 500, another status, a reset
or a timeout. The pools keep the same processes (none crashed, none
leaked) and their total RSS stays flat.

The client runs in PROCESSES processes (fork) of threads, one
http.client connection each, so that Python's GIL does not cap how many
requests are really in flight.
"""
import collections
import http.client
import json
import multiprocessing
import os
import re
import resource
import subprocess
import threading
import time
import unittest
import urllib.parse

import collection_zips
import pools
import site_client
from site_client import PASSWORD, Browser, tag

CONNECTIONS = {"tokenInfo": 32, "people": 22, "signin": 4, "install": 6}  # 64 in all
PROCESSES = 4
WARMUP = 10           # s of load before the RSS baseline is taken
BEFORE_OUTAGE = 20    # s more before MariaDB is stopped
OUTAGE = 10           # s between stop-db returning and start-db starting
AFTER_OUTAGE = 25     # s of load after start-db returned
RECOVERY_LIMIT = 10   # s after start-db returned by which every answer is normal again
REQUEST_TIMEOUT = 60  # s; a request that takes longer is a hang (an error)
SIGNIN_PAUSE = 0.5    # s between one connection's sign-ins (each costs a PBKDF2)
INSTALL_PAUSE = 0.2   # s between one connection's installs (they take a lock in turn)
UNAVAILABLE_API = "Service temporarily unavailable; please try again later"

OK, UNAVAILABLE, BAD, ERROR = "ok", "503", "bad", "error"
# Answers that need no query: the sign-in form without a session cookie.
# While MariaDB is down a process still holding its (dead) connection
# serves it (200); one that has noticed tries to reconnect first (503).
NEEDS_NO_DATABASE = {"login form"}


# ---- the client (runs in the worker processes) ----

class _Connection:
    """One keep-alive connection, reopened when the server closes it
    (Connection: close) or after an error."""

    def __init__(self, host, port):
        self.conn = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
        self.served = 0         # answers on the current socket
        self.last_answer = 0.0  # when the last one came

    def send(self, method, path, body=None, headers=None):
        if self.conn.sock is None:
            self.served = 0
        self.conn.request(method, path, body=body, headers=headers or {})
        r = self.conn.getresponse()
        data = r.read()
        self.served += 1
        self.last_answer = time.monotonic()
        if r.will_close:
            self.conn.close()
        return r.status, r.headers, data

    def describe(self):
        """Where the connection was when a request failed."""
        if self.served == 0:
            return "on a new connection"
        return (f"on a connection that had answered {self.served} requests, the last "
                f"{time.monotonic() - self.last_answer:.3f} s before")

    def close(self):
        self.conn.close()


def _api_503(status, headers, body):
    if status != 503:
        return None
    if headers.get("Retry-After") != "30":
        return BAD, "503 without Retry-After: 30 (not the program's own)"
    if not (headers.get("Content-Type") or "").startswith("application/json"):
        return BAD, f"503 of type {headers.get('Content-Type')}"
    try:
        message = json.loads(body)["message"]
    except (ValueError, KeyError, TypeError):
        return BAD, f"503 body not the API's JSON: {body[:200]!r}"
    if message != UNAVAILABLE_API:
        return BAD, f"503 message {message!r}"
    return UNAVAILABLE, ""


def _page_503(status, headers, body):
    if status != 503:
        return None
    if headers.get("Retry-After") != "30":
        return BAD, "503 without Retry-After: 30 (not the program's own)"
    if not (headers.get("Content-Type") or "").startswith("text/html"):
        return BAD, f"503 of type {headers.get('Content-Type')}"
    if b"temporarily unavailable" not in body:
        return BAD, f"503 not the site's page: {body[:200]!r}"
    return UNAVAILABLE, ""


def _bad(status, body):
    return BAD, f"status {status}: {body[:200]!r}"


def _check_token_info(username):
    def check(status, headers, body):
        if status == 200:
            try:
                if json.loads(body)["person"]["username"] == username:
                    return OK, ""
            except (ValueError, KeyError, TypeError):
                pass
            return BAD, f"200 but not this token's person: {body[:200]!r}"
        return _api_503(status, headers, body) or _bad(status, body)
    return check


def _check_people(status, headers, body):
    if status == 200:
        return (OK, "") if b"<h1>People</h1>" in body else (BAD, f"200 but no People list: {body[:200]!r}")
    return _page_503(status, headers, body) or _bad(status, body)


def _check_login_form(status, headers, body):
    if status == 200:
        if re.search(rb'name="csrf_token" value="[0-9a-f]+"', body) and _cookie(headers, "login_csrf"):
            return OK, ""
        return BAD, "sign-in form without its CSRF token or cookie"
    return _page_503(status, headers, body) or _bad(status, body)


def _check_signin(status, headers, body):
    if status == 303:
        return (OK, "") if _cookie(headers, "session") else (BAD, "303 without a session cookie")
    return _page_503(status, headers, body) or _bad(status, body)


def _check_install(guid):
    def check(status, headers, body):
        if status == 200:
            try:
                j = json.loads(body)
                # An install, or the version that is installed sent again
                # (after a 503 the other version never replaced it): unchanged.
                if j["guid"] == guid and (j["message"].startswith("Installed collection") or
                                          (j["unchanged"] and " is unchanged" in j["message"])):
                    return OK, ""
            except (ValueError, KeyError, TypeError):
                pass
            return BAD, f"200 but not this install's answer: {body[:200]!r}"
        return _api_503(status, headers, body) or _bad(status, body)
    return check


def _cookie(headers, name):
    for value in headers.get_all("Set-Cookie") or []:
        m = re.match(rf"\s*{re.escape(name)}=([^;]+)", value)
        if m:
            return m.group(1)
    return None


class _Client:
    """The connections of one worker process; `records` collects
    (kind, started, ended, status, verdict, detail) per request."""

    def __init__(self, spec, stop):
        self.spec = spec
        self.stop = stop
        self.records = []
        self.lock = threading.Lock()
        url = urllib.parse.urlsplit(spec["base"])
        self.host, self.port = url.hostname, url.port or 80

    def one(self, conn, kind, method, path, check, body=None, headers=None):
        """One request; returns (verdict, status, headers, body), verdict
        ERROR (and the connection reopened) when it raised."""
        started = time.monotonic()
        try:
            status, hdrs, data = conn.send(method, path, body, headers)
        except Exception as e:  # a reset, a timeout, a malformed answer: all errors
            ended = time.monotonic()
            where = conn.describe()
            conn.close()
            with self.lock:
                self.records.append((kind, started, ended, None, ERROR,
                                     f"{type(e).__name__}: {e} ({where})"))
            self.stop.wait(0.05)
            return ERROR, None, None, None
        ended = time.monotonic()
        verdict, detail = check(status, hdrs, data)
        with self.lock:
            self.records.append((kind, started, ended, status, verdict, detail))
        return verdict, status, hdrs, data

    def token_info(self, conn):
        headers = {"Authorization": f"Bearer {self.spec['token']}"}
        check = _check_token_info(self.spec["admin"])
        while not self.stop.is_set():
            self.one(conn, "tokenInfo", "GET", "/tokenInfo", check, headers=headers)

    def people(self, conn):
        headers = {"Cookie": f"session={self.spec['session']}"}
        while not self.stop.is_set():
            self.one(conn, "people", "GET", "/people", _check_people, headers=headers)

    def signin(self, conn, username):
        while not self.stop.is_set():
            verdict, _, headers, body = self.one(conn, "login form", "GET", "/login",
                                                 _check_login_form)
            if verdict == OK:
                csrf = re.search(rb'name="csrf_token" value="([0-9a-f]+)"', body).group(1).decode()
                form = urllib.parse.urlencode(
                    {"csrf_token": csrf, "username": username, "password": PASSWORD}).encode()
                verdict, _, headers, _ = self.one(
                    conn, "sign-in", "POST", "/login", _check_signin, body=form,
                    headers={"Content-Type": "application/x-www-form-urlencoded",
                             "Cookie": f"login_csrf={_cookie(headers, 'login_csrf')}"})
                if verdict == OK:
                    self.one(conn, "people (new session)", "GET", "/people", _check_people,
                             headers={"Cookie": f"session={_cookie(headers, 'session')}"})
            self.stop.wait(SIGNIN_PAUSE)

    def install(self, conn, number):
        guid = collection_zips.new_guid()
        folder = f"soak{self.spec['tag']}"
        bodies = []
        for version in ("one", "two"):
            name = f"c{number}.txt"
            archive = collection_zips.collection_zip(
                [(name, f"collection {number}, version {version}\n")], guid=guid,
                name=f"Soak {self.spec['tag']} {number}",
                children=collection_zips.resource(name, "www", folder))
            body, boundary = collection_zips.multipart(
                [("collectionFile", f"soak{number}.zip", archive, "application/zip")])
            bodies.append((body, {"Authorization": f"Bearer {self.spec['token']}",
                                  "Content-Type": f"multipart/form-data; boundary={boundary}"}))
        check = _check_install(guid)
        i = 0
        while not self.stop.is_set():
            body, headers = bodies[i % 2]
            self.one(conn, "install", "POST", "/installCollection", check, body=body,
                     headers=headers)
            i += 1
            self.stop.wait(INSTALL_PAUSE)

    def run(self):
        threads = []
        for role, arg in self.spec["roles"]:
            conn = _Connection(self.host, self.port)
            target = {"tokenInfo": self.token_info, "people": self.people,
                      "signin": self.signin, "install": self.install}[role]
            args = (conn,) if arg is None else (conn, arg)
            threads.append(threading.Thread(target=target, args=args, daemon=True))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return self.records


def _worker(spec, stop, results):
    try:
        results.put((spec["index"], _Client(spec, stop).run(), None))
    except BaseException as e:  # the parent must hear of it, not wait for ever
        results.put((spec["index"], [], f"{type(e).__name__}: {e}"))


# ---- the test (runs in the test process) ----

def _mib(kib):
    return kib / 1024


class SoakTest(unittest.TestCase):
    def stack(self, command):
        r = subprocess.run([self.site.stack, command, self.site.var], capture_output=True,
                           text=True, timeout=120)
        self.assertEqual(r.returncode, 0, f"stack.sh {command}: {r.stderr}")

    def db_running(self):
        return subprocess.run(["mariadb-admin", f"--defaults-file={self.site.root_cnf}", "ping"],
                              capture_output=True).returncode == 0

    def pool_state(self):
        procs = pools.processes(self.site.var)
        rss = sum(pools.rss_kib(p) for pids in procs.values() for p in pids)
        return procs, rss

    def assertPoolsComplete(self, procs, when):
        self.assertTrue(procs, f"{when}: no pools found under {self.site.var}/run")
        short = {p: len(pids) for p, pids in procs.items() if len(pids) != self.expected}
        self.assertFalse(short, f"{when}: pools without {self.expected} processes: {short}")

    def specs(self, admin, token, sessions, signin_users, run_tag):
        roles = [("tokenInfo", None)] * CONNECTIONS["tokenInfo"] + \
                [("people", None)] * CONNECTIONS["people"] + \
                [("signin", u) for u in signin_users] + \
                [("install", n) for n in range(CONNECTIONS["install"])]
        specs = [{"index": i, "base": self.site.base, "admin": admin, "token": token,
                  "session": sessions[i], "tag": run_tag, "roles": []} for i in range(PROCESSES)]
        for n, role in enumerate(roles):  # round robin: every process gets a mix
            specs[n % PROCESSES]["roles"].append(role)
        return specs

    def test_soak_with_database_outage(self):
        self.site = site_client.SITE
        self.expected = pools.expected_processes(self.site)
        run_tag = tag()
        admin = f"soakadmin{run_tag}"
        admin_id = self.site.add_person(admin, "admin", PASSWORD)
        browser = Browser()
        browser.sign_in_ok(admin, PASSWORD)
        token = browser.create_token(admin_id)
        sessions = []
        for _ in range(PROCESSES):
            b = Browser()
            b.sign_in_ok(admin, PASSWORD)
            sessions.append(b.cookie("session"))
        signin_users = [f"soaksign{run_tag}{i}" for i in range(CONNECTIONS["signin"])]
        for u in signin_users:
            self.site.add_person(u, "content_manager", PASSWORD)
        server = browser.get("/login").header("Server") or "?"
        self.assertTrue(self.db_running(), "MariaDB is not running at the start")

        start_procs, _ = self.pool_state()
        self.assertPoolsComplete(start_procs, "at the start")

        ctx = multiprocessing.get_context("fork")
        stop = ctx.Event()
        results = ctx.Queue()
        workers = [ctx.Process(target=_worker, args=(spec, stop, results), daemon=True)
                   for spec in self.specs(admin, token, sessions, signin_users, run_tag)]
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.monotonic()
        for w in workers:
            w.start()
        marks = {}
        try:
            time.sleep(WARMUP)
            warm_procs, warm_rss = self.pool_state()
            time.sleep(BEFORE_OUTAGE)
            marks["stop_begin"] = time.monotonic()
            self.stack("stop-db")
            marks["stop_done"] = time.monotonic()
            time.sleep(OUTAGE)
            marks["start_begin"] = time.monotonic()
            self.stack("start-db")
            marks["start_done"] = time.monotonic()
            time.sleep(AFTER_OUTAGE)
        finally:
            stop.set()
            outcome = {}
            try:
                for _ in workers:
                    index, records, failure = results.get(timeout=REQUEST_TIMEOUT + 30)
                    outcome[index] = (records, failure)
            finally:
                for w in workers:
                    w.join(10)
                    if w.is_alive():
                        w.terminate()
                        w.join()
                if not self.db_running():
                    self.stack("start-db")  # leave the site as we found it
        ended = time.monotonic()
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        end_procs, end_rss = self.pool_state()

        failures = [f for _, f in outcome.values() if f]
        self.assertFalse(failures, f"client processes failed: {failures}")
        records = [r for recs, _ in outcome.values() for r in recs]

        # Each answer against the phase it falls in.
        problems = []
        ok_kinds = {"before": collections.Counter(), "after": collections.Counter()}
        down_kinds = collections.Counter()
        statuses = collections.Counter()
        phases = collections.Counter()
        kinds = collections.Counter()
        last_abnormal = None
        slowest_down = 0.0
        for kind, t0, t1, status, verdict, detail in records:
            statuses[status if status is not None else "error"] += 1
            if t1 < marks["stop_begin"]:
                phase = "before"
            elif t0 >= marks["stop_done"] and t1 <= marks["start_begin"]:
                phase = "down"
            elif t0 >= marks["start_done"] + RECOVERY_LIMIT:
                phase = "after"
            else:
                phase = "transition"
            phases[phase] += 1
            if verdict in (BAD, ERROR):
                problems.append((phase, t0 - began, kind, status, detail))
            elif phase in ("before", "after"):
                if verdict != OK:
                    problems.append((phase, t0 - began, kind, status, "not normal outside the outage"))
                else:
                    ok_kinds[phase][kind] += 1
            elif phase == "down":
                slowest_down = max(slowest_down, t1 - t0)
                if verdict == UNAVAILABLE:
                    down_kinds[kind] += 1
                elif kind not in NEEDS_NO_DATABASE:
                    problems.append((phase, t0 - began, kind, status,
                                     "answered normally while MariaDB was stopped"))
            kinds[kind] += 1
            if verdict != OK and t1 >= marks["start_begin"]:
                last_abnormal = max(last_abnormal or 0, t1)
        # From start-db's return to the last answer that was not normal.
        recovered = max(0.0, last_abnormal - marks["start_done"]) if last_abnormal else 0.0

        counts = ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items(), key=lambda i: str(i[0])))
        cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
        print(f"\nsoak [{server}]: {ended - began:.1f} s, {sum(CONNECTIONS.values())} connections, "
              f"{len(records)} requests ({counts}; "
              f"{', '.join(f'{k} {n}' for k, n in kinds.items())}); "
              f"before {phases['before']}, stop-db {marks['stop_done'] - marks['stop_begin']:.1f} s, "
              f"MariaDB down {marks['start_begin'] - marks['stop_done']:.1f} s "
              f"({phases['down']} answers, 503: {sum(down_kinds.values())}), "
              f"start-db {marks['start_done'] - marks['start_begin']:.1f} s, "
              f"transition {phases['transition']}, after {phases['after']}; "
              f"recovered {recovered:.2f} s after start-db; "
              f"pool processes {sum(map(len, start_procs.values()))} -> "
              f"{sum(map(len, end_procs.values()))}; pools' RSS {_mib(warm_rss):.1f} MiB after "
              f"warm-up -> {_mib(end_rss):.1f} MiB; client CPU {cpu:.0f} s", flush=True)

        self.assertFalse(problems, f"{len(problems)} wrong answers, the first ones "
                                   f"(phase, s into the run, kind, status, detail): {problems[:15]}")
        for kind in ("tokenInfo", "people", "login form", "sign-in", "people (new session)",
                     "install"):
            self.assertGreater(ok_kinds["before"][kind], 0, f"no {kind} succeeded before the outage")
            self.assertGreater(ok_kinds["after"][kind], 0, f"no {kind} succeeded after recovery")
        for kind in ("tokenInfo", "people"):
            self.assertGreater(down_kinds[kind], 0, f"no {kind} answered 503 during the outage")
        self.assertLess(slowest_down, 10, "a 503 while MariaDB was down took too long")
        self.assertLessEqual(recovered, RECOVERY_LIMIT)

        # The same processes all along: none died, none more or fewer.
        self.assertPoolsComplete(end_procs, "at the end")
        self.assertEqual(start_procs, warm_procs, "pool processes changed during the warm-up")
        self.assertEqual(start_procs, end_procs, "pool processes changed during the soak")
        # Flat memory: RSS after the outage and the rest of the load, against
        # RSS once every process had served its first requests. (Not under
        # AddressSanitizer: its quarantine keeps freed memory on purpose.)
        if os.environ.get("SITE_SANITIZED"):
            return
        self.assertLess(end_rss, 1.5 * warm_rss + 8 * 1024,
                        f"the pools' RSS grew from {_mib(warm_rss):.1f} to {_mib(end_rss):.1f} MiB")


if __name__ == "__main__":
    unittest.main()
