"""kill -9 at 100 random moments of installs (issue 11), on the site under
test: each round installs a new version of one collection (old files a, b
and 30-60 fillers; new files a', c and other fillers; contents of each
round's own) and kills every installCollection process 0..T ms after
sending it, T a little over the measured duration of an install, so that
kills land before, during and after the build, the commit and the publish.

After each kill, once the pool is back (restarted when multiwatch gave
up): the web server serves exactly the old version or exactly the new one,
as does files/current; nothing new is served that the database does not
hold; an install answered 200 is in the database. Every other round runs
siteadmin recover-files and checks that the database, the disk and what is
served are one version, with one generation directory; in every round the
next normal install answers 200 (half of them right after the kill, with
no recover-files first) and leaves the same consistent state. Prints how
many rounds ended old and new. Runs under both web servers' passes."""
import os
import random
import time
import unittest

import kill_rounds
import pools
import test_collections

ROUNDS = 100


class InstallKillsTest(kill_rounds.KillRounds, test_collections.CollectionsTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Left as the other tests expect it: a fresh multiwatch for every
        # pool (no slot given up, no deaths counted).
        cls.addClassCleanup(lambda: cls.site.stack_run("start-pools", cls.site.var))

    @property
    def kr_files_dir(self):
        return f"{self.site.var}/files"

    @property
    def kr_sql(self):
        return self.site

    def kr_install(self, site, archive):
        return self.install(archive)

    def kr_recover(self, site):
        self.recover()

    def kr_check_consistent(self):
        self.assertDatabaseMatchesDisk()
        gens = os.listdir(os.path.join(self.kr_files_dir, "generations"))
        self.assertEqual(len(gens), 1, gens)

    def test_kill_9_at_100_random_moments_of_installs(self):
        started = time.monotonic()
        seed = random.randrange(1 << 30)
        old = self.kr_setup(random.Random(seed))
        self.assertEqual(self.install(old.archive).status, 200)
        expected = pools.expected_processes(self.site)
        self.kr_pool_back(self.site, expected)
        install_s = self.kr_measure(self.site, old, expected)
        for r in range(ROUNDS):
            old = self.kr_round(r, self.site, old, self.kr_window(), expected,
                                recover=r % 2 == 0, serving_sites=[self.site])
        c = self.kr_counts
        print(f"\n    seed {seed}: " + self.kr_summary(ROUNDS, time.monotonic() - started,
                                                      install_s), end=" ")
        self.assertEqual(c["old"] + c["new"], ROUNDS)
        # The kills did land in installs: some rounds ended old (killed
        # before the commit), and some killed installs did not answer 200.
        self.assertGreater(c["old"], 0, "no kill landed before a commit")
        self.assertGreater(c["answered_other"], 0, "no kill cut an install short")


if __name__ == "__main__":
    unittest.main()
