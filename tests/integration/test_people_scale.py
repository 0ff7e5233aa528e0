"""The People list at 100,000 people: every page query reads an index range
(EXPLAIN shows no full scan of `people`), and pages come back through Apache
quickly. Times are printed, not asserted: speed belongs to benchmarks; the
query plans are what this test holds to."""
import re
import time
import unittest

from site_client import Browser
import site_client

PASSWORD = "correct horse battery staple"
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

    def assertNoFullScanOfPeople(self, query):
        rows = self.site.sql("EXPLAIN " + query)
        for row in rows:
            # columns: id, select_type, table, type, possible_keys, key, key_len, ref, rows, Extra
            table, access_type, estimate = row[2], row[3], row[8]
            if table not in ("people", "p"):
                continue
            self.assertNotEqual(access_type, "ALL", f"full scan of people in: {query}\n{rows}")
            if access_type == "index":
                # An index read in order that stops at the LIMIT is fine; one
                # that walks the whole index is not.
                self.assertLessEqual(int(estimate), 100, f"full index scan in: {query}\n{rows}")

    def test_there_are_100000_people(self):
        self.assertGreaterEqual(int(self.site.sql("SELECT COUNT(*) FROM people")[0][0]), TARGET)

    def test_page_queries_use_index_ranges(self):
        cols = "p.id, p.first_name, p.last_name, p.email, p.username, p.access, p.active"
        key = self.site.sql("SELECT sort_key FROM people WHERE id = 50000")[0][0]
        union = ("(SELECT id FROM people WHERE full_name LIKE 'First123%' "
                 "UNION SELECT id FROM people WHERE last_name LIKE 'First123%' "
                 "UNION SELECT id FROM people WHERE email LIKE 'First123%' "
                 "UNION SELECT id FROM people WHERE username LIKE 'First123%') m "
                 "JOIN people p ON p.id = m.id")
        for q in (
            f"SELECT {cols} FROM people p ORDER BY p.sort_key, p.id LIMIT 26",
            f"SELECT {cols} FROM people p WHERE (p.sort_key > '{key}' OR (p.sort_key = '{key}' "
            f"AND p.id > 50000)) ORDER BY p.sort_key, p.id LIMIT 26",
            f"SELECT {cols} FROM people p WHERE (p.sort_key < '{key}' OR (p.sort_key = '{key}' "
            f"AND p.id < 50000)) ORDER BY p.sort_key DESC, p.id DESC LIMIT 26",
            f"SELECT {cols} FROM {union} ORDER BY p.sort_key, p.id LIMIT 26",
        ):
            self.assertNoFullScanOfPeople(q)

    def test_pages_through_apache(self):
        b = Browser()
        b.sign_in_ok("scaleadmin", PASSWORD)
        timings = {}
        for label, path in (("first page", "/people"),
                            ("deep page", "/people?after=90000"),
                            ("previous page", "/people?before=90000"),
                            ("search", "/people?q=Last01234")):
            started = time.perf_counter()
            r = b.get(path)
            timings[label] = (time.perf_counter() - started) * 1000
            self.assertEqual(r.status, 200, path)
            self.assertEqual(len(re.findall(r'href="/people/edit\?id=\d+"', r.body)),
                             25 if label != "search" else 10, path)
        print("\n    People list at 100,000 people, ms per page through Apache: " +
              ", ".join(f"{k} {v:.1f}" for k, v in timings.items()), end=" ")


site = None


def setUpModule():
    global site
    site = site_client.SITE


if __name__ == "__main__":
    unittest.main()
