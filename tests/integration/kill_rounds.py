"""Rounds of "install a new version of one collection, kill -9 every
installCollection process at a random moment of it" (issue 11), shared by
test_install_kills (the single site under test) and test_galera (one web
node of the cluster).

Each round goes from an old version (files a, b and fillers) to a new one
(a changed, b gone, c added, other fillers), each with contents of its own,
and checks what a crash may leave: the old version or the new one, never a
mix; nothing served that the database does not say is installed; an
answer 200 only for an install that the database holds.

KillRounds is a mixin for a unittest.TestCase that provides
  kr_install(site, archive)   -> site_client.Response (the bearer install)
  kr_recover(site)            siteadmin recover-files on that web node
  kr_files_dir                the files area (files_dir)
  kr_sql                      a site_client.Site to read the database with
  kr_check_consistent()       asserts database == disk (every node), one
                              generation directory, `current` as the
                              database says
It is no TestCase itself: a module that imports it runs no test twice.
"""
import hashlib
import os
import random
import signal
import statistics
import threading
import time
import uuid

import pools
from test_collections import collection_zip

PROGRAM = "installCollection"


class Version:
    """One version of the collection: {path in www: content}, its archive and
    the archive's sha256 (what collections.archive_sha256 holds once it is
    installed)."""

    def __init__(self, guid, files, label, name="Kill Rounds"):
        self.guid = guid
        self.files = files
        self.label = label
        self.archive = collection_zip(guid, files, name=name)
        self.sha256 = hashlib.sha256(self.archive).hexdigest()

    def __repr__(self):
        return self.label

    def served_tuple(self, probes):
        return tuple(self.files.get(p) for p in probes)


class KillRounds:
    FILLERS = (30, 60)  # files besides a, b, c: an install takes tens of ms

    def kr_setup(self, rng=None):
        """A collection of its own for these rounds, installed in its first
        (old) version; returns that version."""
        self.kr_rng = rng or random.Random()
        self.kr_guid = "{" + str(uuid.uuid4()) + "}"
        self.kr_dir = "kill" + uuid.uuid4().hex[:8]
        self.kr_counts = {"old": 0, "new": 0, "answered_200": 0, "answered_other": 0,
                          "kill_after_answer": 0, "pool_restarts": 0, "extra_generations": 0,
                          "killed_processes": 0, "served_old_db_new": 0}
        self.kr_statuses = {}
        self.kr_following_s = []
        self.kr_windows = []
        return self.kr_version(0, "old")

    def kr_version(self, r, kind):
        """Round r's old ({a, b} + fillers) or new ({a', c} + fillers)
        version, with contents (and filler count) of its own."""
        nonce = uuid.uuid4().hex
        rng = self.kr_rng
        files = {}
        named = ("a", "b") if kind == "old" else ("a", "c")
        for n in named:
            files[f"{self.kr_dir}/{n}.css"] = f"/* {n} {kind} round {r} {nonce} */"
        for i in range(rng.randint(*self.FILLERS)):
            body = os.urandom(rng.randint(100, 1500)).hex()
            files[f"{self.kr_dir}/f{i:02d}.css"] = f"/* f{i} {kind} round {r} {nonce} */ {body}"
        return Version(self.kr_guid, files, f"round {r} {kind}")

    def kr_probes(self, *versions):
        """The paths whose served content tells the versions apart: a, b, c,
        the first filler and the last of either version."""
        fillers = sorted({p for v in versions for p in v.files if "/f" in p})
        return [f"{self.kr_dir}/a.css", f"{self.kr_dir}/b.css", f"{self.kr_dir}/c.css",
                fillers[0], fillers[-1]]

    # --- what is installed: the database, the disk, the web servers -------

    def kr_db_version(self, *versions):
        """The version the database says is installed (by archive sha256),
        and the collection's paths in collection_files."""
        rows = self.kr_sql.sql(f"SELECT archive_sha256 FROM collections WHERE guid = '{self.kr_guid}'")
        self.assertEqual(len(rows), 1, f"collection {self.kr_guid} is not installed")
        by_sha = {v.sha256: v for v in versions}
        self.assertIn(rows[0][0], by_sha, "the database holds neither version's archive")
        paths = sorted(p for (p,) in self.kr_sql.sql(
            "SELECT f.path FROM collection_files f JOIN collections c ON c.id = f.collection_id "
            f"WHERE c.guid = '{self.kr_guid}' AND f.area = 'www'"))
        return by_sha[rows[0][0]], paths

    def kr_disk(self):
        """{path: content} of the collection's directory in files/current/www."""
        top = os.path.join(self.kr_files_dir, "current", "www")
        found = {}
        for dirpath, _, names in os.walk(os.path.join(top, self.kr_dir)):
            for n in names:
                path = os.path.join(dirpath, n)
                with open(path, encoding="utf-8", errors="replace") as f:
                    found[os.path.relpath(path, top)] = f.read()
        return found

    def kr_served(self, site, probes):
        from site_client import Browser
        out = []
        for p in probes:
            r = Browser(site).get("/" + p)
            self.assertIn(r.status, (200, 404), f"{site.base}/{p}: {r}")
            out.append(r.body if r.status == 200 else None)
        return tuple(out)

    def kr_which(self, what, state, old, new, probes=None):
        """Asserts `state` (a served tuple, or the disk's dict) is exactly
        the old or the new version; returns that version."""
        if probes is not None:
            candidates = {old.served_tuple(probes): old, new.served_tuple(probes): new}
        else:
            candidates = {tuple(sorted(old.files.items())): old,
                          tuple(sorted(new.files.items())): new}
            state = tuple(sorted(state.items()))
        if state not in candidates:
            self.fail(f"{what}: neither {old.label} nor {new.label} (a mix?): {str(state)[:600]}")
        return candidates[state]

    def kr_assert_installed(self, version, others, serving_sites, why):
        """After a recovery or a normal install: the database, the disk and
        every web node hold exactly `version`, and the files area is
        consistent."""
        db, paths = self.kr_db_version(version, *others)
        self.assertIs(db, version, f"{why}: the database holds {db.label}, not {version.label}")
        self.assertEqual(paths, sorted(version.files), f"{why}: collection_files")
        self.assertEqual(self.kr_disk(), version.files, f"{why}: files/current")
        probes = self.kr_probes(version, *others)
        for site in serving_sites:
            self.assertEqual(self.kr_served(site, probes), version.served_tuple(probes),
                             f"{why}: served by {site.base}")
        self.kr_check_consistent()

    # --- the pools -------------------------------------------------------

    def kr_kill(self, var):
        """kill -9 of every installCollection process of the pool in `var`."""
        victims = pools.processes(var).get(PROGRAM, set())
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return victims

    def kr_pool_back(self, site, expected, killed=(), wait=3.0):
        """Waits until the pool of `site` has its `expected` processes again,
        none of them `killed` (a process may run on for a moment after
        kill -9 returns); restarts the pools when multiwatch gave up (3
        deaths of a slot within 10 s: a dead multiwatch, or slots that stay
        empty). Returns whether it restarted them."""
        deadline = time.monotonic() + wait
        while True:
            mw = pools.multiwatch_pids(site.var).get(PROGRAM)
            alive = mw is not None and pools.program_of(mw) == "multiwatch"
            now = pools.processes(site.var).get(PROGRAM, set())
            if alive and len(now) == expected and not now & set(killed):
                return False
            if not alive or time.monotonic() > deadline:
                break
            time.sleep(0.01)
        self.kr_restart_pools(site)
        deadline = time.monotonic() + 10
        while True:
            now = pools.processes(site.var).get(PROGRAM, set())
            if len(now) == expected and not now & set(killed):
                break
            self.assertLess(time.monotonic(), deadline, f"the {PROGRAM} pool of {site.var} "
                                                        "did not come back after a restart")
            time.sleep(0.01)
        self.kr_counts["pool_restarts"] += 1
        return True

    def kr_restart_pools(self, site):
        for step in ("stop-pools", "start-pools"):
            r = site.stack_run(step, site.var)
            self.assertEqual(r.returncode, 0, f"stack.sh {step} {site.var}: {r.stdout}{r.stderr}")

    # --- one round ---------------------------------------------------------

    def kr_measure(self, site, old, expected):
        """The median duration (s) of 5 normal installs of versions like the
        rounds', each on a new process as in the rounds (after a kill of the
        idle pool), each answered 200; leaves `old` installed."""
        for i in range(5):
            v = self.kr_version(-1 - i, "new" if i % 2 == 0 else "old") if i < 4 else old
            self.kr_pool_back(site, expected, self.kr_kill(site.var))
            sent = time.monotonic()
            r = self.kr_install(site, v.archive)
            self.kr_following_s.append(time.monotonic() - sent)
            self.assertEqual(r.status, 200, r)
        return statistics.median(self.kr_following_s)

    def kr_window(self):
        """How long after sending an install the kill may come: 1.1 times
        the median duration of the last installs that followed a kill (on a
        new process, as the killed ones mostly are: kr_measure's first), so
        that some kills come after the answer."""
        return 1.1 * statistics.median(self.kr_following_s[-20:])

    def kr_round(self, r, site, old, window, expected, recover, serving_sites,
                 following_site=None):
        """Round r: installs a new version through `site`, kills its
        installCollection processes `0..window` s after sending it, checks
        the old-or-new state, recovers (when `recover`: recover-files on
        `site`) and checks again, then installs the next old version
        normally through `following_site` (`site` unless given): 200 even
        without a recovery first; and checks that. Returns that next old
        version."""
        new = self.kr_version(r, "new")
        answer = {}

        def send():
            answer["sent"] = time.monotonic()
            try:
                answer["response"] = self.kr_install(site, new.archive)
            except Exception as e:  # a connection cut by the kill
                answer["error"] = repr(e)
            answer["done"] = time.monotonic()

        self.kr_windows.append(window)
        thread = threading.Thread(target=send)
        thread.start()
        time.sleep(self.kr_rng.uniform(0, window))
        killed_at = time.monotonic()
        victims = self.kr_kill(site.var)
        self.assertTrue(victims, f"round {r}: no {PROGRAM} process to kill")
        self.kr_counts["killed_processes"] += len(victims)
        thread.join(timeout=90)
        self.assertFalse(thread.is_alive(), f"round {r}: the install never answered")
        self.kr_pool_back(site, expected, victims)

        response = answer.get("response")
        status = response.status if response is not None else "no answer"
        self.kr_statuses[status] = self.kr_statuses.get(status, 0) + 1
        if answer["done"] < killed_at:
            self.kr_counts["kill_after_answer"] += 1

        # Before any recovery: old or new everywhere, and nothing served or
        # answered 200 that the database does not hold.
        where = f"round {r} (killed {1000 * (killed_at - answer['sent']):.0f} ms after sending, "\
                f"answer {status})"
        db, paths = self.kr_db_version(old, new)
        self.assertEqual(paths, sorted(db.files), f"{where}: collection_files is not {db.label}")
        probes = self.kr_probes(old, new)
        served = [self.kr_which(f"{where}: served by {s.base}", self.kr_served(s, probes), old, new,
                                probes) for s in serving_sites]
        on_disk = self.kr_which(f"{where}: files/current", self.kr_disk(), old, new)
        for v in served + [on_disk]:
            if v is new:
                self.assertIs(db, new, f"{where}: the new version is served, the database has the old")
        if db is new and on_disk is old:
            self.kr_counts["served_old_db_new"] += 1  # committed, not yet published
        if status == 200:
            self.kr_counts["answered_200"] += 1
            self.assertIs(db, new, f"{where}: answered 200, the database holds the old version")
        else:
            self.kr_counts["answered_other"] += 1
        self.kr_counts[db is new and "new" or "old"] += 1
        gens = os.listdir(os.path.join(self.kr_files_dir, "generations"))
        if len(gens) != 1:
            self.kr_counts["extra_generations"] += 1

        if recover:
            self.kr_recover(site)
            self.kr_assert_installed(db, [old if db is new else new], serving_sites,
                                     f"{where}, after recover-files")

        following = self.kr_version(r + 1, "old")
        sent = time.monotonic()
        r2 = self.kr_install(following_site or site, following.archive)
        if following_site in (None, site):  # on a new process of the killed pool
            self.kr_following_s.append(time.monotonic() - sent)
        self.assertEqual(r2.status, 200, f"{where}: the following install through "
                                         f"{(following_site or site).base} "
                                         f"({'after' if recover else 'without'} recover-files): {r2}")
        self.kr_assert_installed(following, [old, new], serving_sites,
                                 f"{where}, after the following install")
        return following

    def kr_summary(self, rounds, seconds, install_s):
        c = self.kr_counts
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.kr_statuses.items(), key=str))
        return (f"{rounds} rounds in {seconds:.1f} s (an install on a new process took "
                f"{1000 * install_s:.0f} ms at first, {1000 * statistics.median(self.kr_following_s):.0f} "
                "ms in the median; "
                f"kills 0..{1000 * min(self.kr_windows):.0f}-{1000 * max(self.kr_windows):.0f} ms "
                f"after sending): ended old {c['old']}, "
                f"new {c['new']}; killed install answered {{{statuses}}}; "
                f"{c['kill_after_answer']} kills after the answer; "
                f"{c['served_old_db_new']} committed but not yet published; "
                f"{c['extra_generations']} left a second generation directory before recovery; "
                f"{c['killed_processes']} processes killed, pools restarted {c['pool_restarts']} times")
