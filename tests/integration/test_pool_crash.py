"""A program process killed (kill -9) is replaced: /tokenInfo keeps
answering 200 on the remaining processes, and multiwatch starts a new one,
so the pool is complete again within REPLACED_WITHIN seconds, the pool
itself (its multiwatch) untouched."""
import concurrent.futures
import http.client
import json
import os
import signal
import time
import unittest
import urllib.parse

import pools
import site_client
from site_client import PASSWORD, Browser, tag

PROGRAM = "tokenInfo"
REPLACED_WITHIN = 2.0  # s; multiwatch needs well under 0.1 s here
GIVE_UP_AFTER = 10.0   # s of waiting before the test stops looking


class PoolCrashTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = site_client.SITE
        cls.admin = tag("crashadmin")
        admin_id = cls.site.add_person(cls.admin, "admin", PASSWORD)
        b = Browser()
        b.sign_in_ok(cls.admin, PASSWORD)
        cls.token = b.create_token(admin_id)
        url = urllib.parse.urlsplit(cls.site.base)
        cls.host, cls.port = url.hostname, url.port or 80

    def token_info(self, conn):
        """One /tokenInfo on `conn` (kept alive); returns the status after
        checking that a 200 names this token's person."""
        conn.request("GET", "/tokenInfo", headers={"Authorization": f"Bearer {self.token}"})
        r = conn.getresponse()
        body = r.read()
        if r.will_close:
            conn.close()
        if r.status == 200:
            self.assertEqual(json.loads(body)["person"]["username"], self.admin)
        return r.status

    def burst(self, requests=40, connections=4):
        """`requests` /tokenInfo at once over `connections` connections:
        enough to reach every process of the pool. Returns their statuses."""
        def one_connection(n):
            conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                return [self.token_info(conn) for _ in range(n)]
            finally:
                conn.close()
        with concurrent.futures.ThreadPoolExecutor(connections) as ex:
            results = ex.map(one_connection, [requests // connections] * connections)
        return [s for statuses in results for s in statuses]

    def test_a_killed_process_is_replaced(self):
        expected = pools.expected_processes(self.site)
        multiwatch = pools.multiwatch_pids(self.site.var)[PROGRAM]
        before = pools.processes(self.site.var)[PROGRAM]
        self.assertEqual(len(before), expected, f"the {PROGRAM} pool is not complete at the start")
        self.assertEqual(set(self.burst()), {200})

        # No request in flight now (each connection waited for its answers),
        # so the killed process dies between requests: nobody's answer is lost.
        victim = min(before)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        killed = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        # SIGKILL acts when the victim next runs: on a busy machine it may
        # still wake in accept() for our next request, take the connection
        # in the kernel, and only then die (Apache: "Connection reset by
        # peer", a 503). Requests start once it is dead, as they would after
        # a crash between requests.
        while pools.program_of(victim) is not None and not is_zombie(victim):
            time.sleep(0.001)
        statuses = []
        replaced_after = None
        # Requests all along, answered by the others until the new process
        # is up: until it is, and at least 20 of them.
        while time.monotonic() - killed < GIVE_UP_AFTER:
            statuses.append(self.token_info(conn))
            if replaced_after is None:
                now = pools.processes(self.site.var)[PROGRAM]
                if victim not in now and len(now) == expected:
                    replaced_after = time.monotonic() - killed
            if replaced_after is not None and len(statuses) >= 20:
                break
            time.sleep(0.005)
        conn.close()
        after = pools.processes(self.site.var)[PROGRAM]
        print(f"\n    killed {PROGRAM} process {victim}: replaced by {sorted(after - before)} in "
              f"{replaced_after if replaced_after is None else round(replaced_after, 3)} s, "
              f"{len(statuses)} requests from the kill on", end=" ")

        self.assertEqual(set(statuses), {200}, "a request failed while the pool was short")
        self.assertIsNotNone(replaced_after, f"the pool had {sorted(after)} after "
                                             f"{GIVE_UP_AFTER} s, not {expected} processes")
        self.assertLess(replaced_after, REPLACED_WITHIN)
        self.assertNotIn(victim, after)
        self.assertEqual(len(after - before), 1, "one new process, no more")
        self.assertEqual(before - after, {victim}, "only the killed process is gone")
        # The pool itself was not restarted.
        self.assertEqual(pools.multiwatch_pids(self.site.var)[PROGRAM], multiwatch)
        self.assertEqual(pools.program_of(multiwatch), "multiwatch")
        # The new process answers too: bursts until it has read a request
        # (its read bytes grow), each burst all 200.
        (new,) = after - before
        read_before = read_bytes(new)
        for _ in range(20):
            self.assertEqual(set(self.burst()), {200})
            if read_bytes(new) > read_before:
                break
        else:
            self.fail(f"the new process {new} answered none of 20 bursts")
        self.assertEqual(pools.processes(self.site.var)[PROGRAM], after, "the pool changed again")


def is_zombie(pid):
    """True iff `pid` has exited and waits to be reaped (or is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError):
        return True


def read_bytes(pid):
    """Bytes `pid` has read (rchar of /proc/PID/io): its requests among them."""
    with open(f"/proc/{pid}/io") as f:
        for line in f:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    return 0


if __name__ == "__main__":
    unittest.main()
