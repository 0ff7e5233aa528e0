"""The People list at 100,000 people: every page query reads an index range
(EXPLAIN shows no full scan of `people`), and pages come back through the web server
quickly. Times are printed, not asserted: speed belongs to benchmarks; the
rows MariaDB reads per page are what this test holds to. A search prefix that
matches most people ("Last") reads every matching id from its index: that
case is timed, not bounded."""
import re
import time
import unittest

from site_client import PASSWORD, Browser
import site_client

TARGET = 100_000


class PeopleScaleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = site
        have = int(site.sql("SELECT COUNT(*) FROM people")[0][0])
        # MariaDB's SEQUENCE engine makes the rows in one statement.
        if have < TARGET:
            site.sql(
                "INSERT INTO people (first_name, last_name, email, username, access) "
                "SELECT CONCAT('First', seq), CONCAT('Last', LPAD(seq, 6, '0')), "
                "CONCAT('person', seq, '@example.net'), CONCAT('user', seq), 'none' "
                f"FROM seq_1_to_{TARGET - have}")
        site.sql("ANALYZE TABLE people")
        if not site.sql("SELECT id FROM people WHERE username = 'scaleadmin'"):
            site.add_person("scaleadmin", "admin", PASSWORD)

    def row_reads(self):
        """MariaDB's global counters of rows read by scans and index walks."""
        rows = self.site.sql("SHOW GLOBAL STATUS WHERE Variable_name IN "
                             "('Handler_read_rnd_next', 'Handler_read_next', 'Handler_read_prev')")
        return sum(int(value) for _, value in rows)

    def test_there_are_100000_people(self):
        self.assertGreaterEqual(int(self.site.sql("SELECT COUNT(*) FROM people")[0][0]), TARGET)

    def test_each_page_reads_a_few_rows_not_the_table(self):
        # The real queries, through Apache: a full scan or a deep OFFSET would
        # read ~100,000 rows. A page reads an index range from its boundary;
        # a search walks at most 2,000 index entries in list order, then (for
        # rare matches) the matching ids of the four search indexes.
        b = Browser()
        b.sign_in_ok("scaleadmin", PASSWORD)
        counted = []
        for path in ("/people", "/people?after=90000", "/people?before=90000",
                     "/people?after=50010&q=Last05", "/people?q=Last01234", "/people?q=person9999",
                     "/people?q=user4242", "/people?q=First777"):
            before = self.row_reads()
            r = b.get(path)
            reads = self.row_reads() - before
            counted.append(f"{path} {reads}")
            self.assertEqual(r.status, 200, path)
            self.assertLess(reads, 5000, f"{path} read {reads} rows")
        print("\n    rows read per page: " + ", ".join(counted), end=" ")

    def test_pages_through_apache(self):
        b = Browser()
        b.sign_in_ok("scaleadmin", PASSWORD)
        timings = {}
        for label, path in (("first page", "/people"),
                            ("deep page", "/people?after=90000"),
                            ("previous page", "/people?before=90000"),
                            ("search", "/people?q=Last01234"),
                            ("search matching everyone", "/people?q=Last")):
            started = time.perf_counter()
            r = b.get(path)
            timings[label] = (time.perf_counter() - started) * 1000
            self.assertEqual(r.status, 200, path)
            self.assertEqual(len(re.findall(r'href="/people/edit\?id=\d+"', r.body)),
                             10 if label == "search" else 25, path)
        print("\n    People list at 100,000 people, ms per page through the web server: " +
              ", ".join(f"{k} {v:.1f}" for k, v in timings.items()), end=" ")


site = None


def setUpModule():
    global site
    site = site_client.SITE


if __name__ == "__main__":
    unittest.main()
