"""siteadmin migrate upgrades an existing database: a site made by the first
migration alone, with people in it, gets every later file of sql/ in order,
keeps its data, and ends with the same schema as a site migrated from scratch.

Each test makes its own scratch databases (upgrade_<random>_...) with an
account that may use only that database, and its own config file and files
area (a copy of the site's config with those settings changed), so the site's
own database and files are never touched. Everything is dropped afterwards.
"""
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import unittest

from site_client import PASSWORD, tag
import site_client

FIRST = "001_people.sql"


def migration_files(sql_dir):
    """The migration file names of `sql_dir` in the order siteadmin applies
    them (lib/migrations.cc: NNN_name.sql, regular files, name order)."""
    return sorted(name for name in os.listdir(sql_dir)
                  if re.fullmatch(r"[0-9]{3}_.+\.sql", name)
                  and os.path.isfile(os.path.join(sql_dir, name)))


def applied_lines(names):
    return "".join(f"applied {name}\n" for name in names)


class ScratchSite:
    """A database of its own, its account, and a config file naming them."""

    def __init__(self, test, workdir, label):
        self.site = site_client.SITE
        self.db = f"upgrade_{test.suffix}_{label}"
        self.user = f"upg{test.suffix}{label}"
        password = secrets.token_hex(24)
        self.root_sql(f"CREATE DATABASE `{self.db}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
                      database=None)
        test.addCleanup(self.root_sql, f"DROP DATABASE IF EXISTS `{self.db}`", database=None)
        self.root_sql(f"CREATE USER '{self.user}'@'localhost' IDENTIFIED BY '{password}'", database=None)
        test.addCleanup(self.root_sql, f"DROP USER IF EXISTS '{self.user}'@'localhost'", database=None)
        self.root_sql(f"GRANT ALL PRIVILEGES ON `{self.db}`.* TO '{self.user}'@'localhost'",
                      database=None)

        # The site's config with the database, its account and the files area
        # changed: recover-files must never touch the site's own files area.
        self.files_dir = os.path.join(workdir, f"{label}-files")
        replaced = {"db_name": self.db, "db_user": self.user, "db_password": password,
                    "files_dir": self.files_dir}
        with open(self.site.config) as f:
            kept = [line for line in f
                    if line.split("=", 1)[0].strip() not in replaced]
        self.config = os.path.join(workdir, f"{label}.conf")
        with open(self.config, "w") as f:
            f.writelines(kept)
            f.writelines(f"{key} = {value}\n" for key, value in replaced.items())

    def root_sql(self, statement, database="", check=True):
        """Runs SQL as the database root in this database (or none); returns
        rows as lists of strings. The SQL goes on stdin, not in argv (which
        other local users can read): CREATE USER carries a password."""
        database = self.db if database == "" else database
        args = ["mariadb", f"--defaults-file={self.site.root_cnf}", "--batch", "--skip-column-names"]
        if database:
            args.append(database)
        out = subprocess.run(args, input=statement, check=check, capture_output=True,
                             text=True, timeout=60).stdout
        return [line.split("\t") for line in out.splitlines()]

    def tool(self, *args, stdin=""):
        return subprocess.run([self.site.siteadmin, "--config", self.config, *args],
                              input=stdin, capture_output=True, text=True, timeout=120)

    def migrate(self, sql_dir):
        return self.tool("migrate", sql_dir)

    def tables(self):
        return self.root_sql("SHOW FULL TABLES")

    def schema(self):
        """Every table's (and view's) definition, triggers and routines, with
        what legitimately differs between two databases normalised away: the
        AUTO_INCREMENT counter, the database name and the definer."""
        def normal(text):
            text = text.replace("\\n", "\n").replace(f"`{self.db}`.", "")
            text = re.sub(r" AUTO_INCREMENT=\d+", "", text)
            return re.sub(r" DEFINER=`[^`]*`@`[^`]*`", "", text)

        tables = {name: normal(self.root_sql(f"SHOW CREATE TABLE `{name}`")[0][1])
                  for name, _ in self.tables()}
        triggers = [[normal(cell) for cell in row] for row in self.root_sql(
            "SELECT TRIGGER_NAME, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, ACTION_TIMING, "
            "ACTION_ORDER, ACTION_STATEMENT FROM information_schema.TRIGGERS "
            f"WHERE TRIGGER_SCHEMA = '{self.db}' ORDER BY TRIGGER_NAME")]
        routines = [[normal(cell) for cell in row] for row in self.root_sql(
            "SELECT ROUTINE_NAME, ROUTINE_TYPE, DTD_IDENTIFIER, ROUTINE_DEFINITION "
            f"FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '{self.db}' "
            "ORDER BY ROUTINE_TYPE, ROUTINE_NAME")]
        return {"tables": tables, "triggers": triggers, "routines": routines}

    def rows(self, table):
        """Every row of `table`, sorted (rows as lists of strings)."""
        return sorted(self.root_sql(f"SELECT * FROM `{table}`"))

    def migrations_recorded(self):
        return [r[0] for r in self.root_sql("SELECT name FROM schema_migrations ORDER BY name")]

    def people(self):
        return self.root_sql(
            "SELECT id, first_name, last_name, email, username, password_hash, access, active, "
            "created_at, updated_at, full_name FROM people ORDER BY id")

    def snapshot(self):
        """What a no-op migrate must leave alone: the schema, when each file
        was applied, and the data (but the migrations lease, which every run
        takes, and frees: its fencing number counts the runs)."""
        return {"schema": self.schema(),
                "migrations": self.root_sql("SELECT name, applied_at FROM schema_migrations ORDER BY name"),
                "lease holders": self.root_sql("SELECT name, holder FROM leases ORDER BY name"),
                "data": {name: self.rows(name) for name, kind in self.tables()
                         if kind == "BASE TABLE" and name != "leases"}}


class SchemaUpgradeTest(unittest.TestCase):
    def setUp(self):
        self.site = site_client.SITE
        self.sql_dir = os.path.join(self.site.root, "sql")
        self.files = migration_files(self.sql_dir)
        self.assertEqual(self.files[0], FIRST, "the first migration is no longer 001_people.sql")
        self.pending = self.files[1:]
        self.suffix = tag()
        self.workdir = tempfile.mkdtemp(prefix="schema-upgrade-")
        self.addCleanup(shutil.rmtree, self.workdir, ignore_errors=True)

    def sql_dir_of(self, name, files, extra=None):
        """A directory holding copies of `files` of sql/ and the files of `extra`."""
        path = os.path.join(self.workdir, name)
        os.mkdir(path)
        for f in files:
            shutil.copy(os.path.join(self.sql_dir, f), path)
        for f, text in (extra or {}).items():
            with open(os.path.join(path, f), "w") as out:
                out.write(text)
        return path

    def old_site(self):
        """A database made by the first migration alone, with people in it
        as that version of the site stored them."""
        old = ScratchSite(self, self.workdir, "old")
        r = old.migrate(self.sql_dir_of("first-only", [FIRST]))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, applied_lines([FIRST]))
        # Besides the migration's table, the runner's own: what it applied,
        # and the lease that lets one process apply at a time.
        self.assertEqual(sorted(name for name, _ in old.tables()),
                         ["leases", "people", "schema_migrations"])
        self.assertEqual(old.migrations_recorded(), [FIRST])

        # The tool of that time added people with only the people table there.
        self.people = {
            "ada": ("content_manager", "Ada", "Lovelace", "ada@example.com", PASSWORD),
            "zoe": ("none", "Zoë", "Ñúñez-O'Brien", "zoe@example.org", None),
            "linus": ("none", "Linus", "Pauling", None, None),
        }
        for username, (access, first, last, email, password) in self.people.items():
            args = ["add-person", "--username", username, "--access", access,
                    "--first-name", first, "--last-name", last]
            if email:
                args += ["--email", email]
            if password:
                args.append("--password-stdin")
            r = old.tool(*args, stdin=(password + "\n") if password else "")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(f"({username}, ", r.stdout)
        # A deactivated Admin from long ago, and a gap in the ids.
        old.root_sql("DELETE FROM people WHERE username = 'linus'")
        old.root_sql(
            "INSERT INTO people (first_name, last_name, email, username, access, active, "
            "created_at, updated_at) VALUES ('Grace', 'Hopper', 'grace@example.net', 'grace', "
            "'admin', 0, '2020-02-29 12:34:56', '2021-03-01 00:00:00')")
        del self.people["linus"]
        self.people["grace"] = ("admin", "Grace", "Hopper", "grace@example.net", None)
        self.assertEqual(len(old.people()), 3)
        return old

    def upgraded_site(self):
        old = self.old_site()
        before = old.people()
        r = old.migrate(self.sql_dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, applied_lines(self.pending) or "schema is up to date\n")
        self.assertEqual(old.people(), before, "the upgrade changed the people")
        return old

    def test_upgrade_applies_exactly_the_pending_files_in_order_and_keeps_the_data(self):
        old = self.upgraded_site()
        self.assertEqual(old.migrations_recorded(), self.files)
        rows = {r[4]: r for r in old.people()}
        self.assertEqual(set(rows), set(self.people))
        for username, (access, first, last, email, _) in self.people.items():
            self.assertEqual(rows[username][1:5], [first, last, email or "NULL", username])
            self.assertEqual(rows[username][6], access)
            self.assertEqual(rows[username][10], f"{first} {last}")
        self.assertTrue(rows["ada"][5].startswith("pbkdf2"), rows["ada"][5])
        self.assertEqual(rows["zoe"][5], "NULL")
        self.assertEqual(rows["grace"][7:10], ["0", "2020-02-29 12:34:56", "2021-03-01 00:00:00"])

    def test_upgraded_schema_is_identical_to_one_migrated_from_scratch(self):
        old = self.upgraded_site()
        new = ScratchSite(self, self.workdir, "new")
        r = new.migrate(self.sql_dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, applied_lines(self.files))

        self.assertEqual(old.tables(), new.tables())
        self.maxDiff = None
        self.assertEqual(old.schema(), new.schema())
        # Rows the migrations themselves insert (site_state's one row) are the same too.
        for name, kind in new.tables():
            if kind == "BASE TABLE" and name not in ("people", "schema_migrations", "leases"):
                self.assertEqual(old.rows(name), new.rows(name), name)

    def test_migrate_again_says_up_to_date_and_changes_nothing(self):
        old = self.upgraded_site()
        before = old.snapshot()
        r = old.migrate(self.sql_dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "schema is up to date\n")
        self.maxDiff = None
        self.assertEqual(old.snapshot(), before)

    def test_the_upgraded_database_works_for_the_tool(self):
        old = self.upgraded_site()
        self.assertEqual(old.root_sql(
            "SELECT name, COUNT(*) FROM schema_migrations GROUP BY name ORDER BY name"),
            [[name, "1"] for name in self.files])
        old_max_id = int(old.root_sql("SELECT MAX(id) FROM people")[0][0])

        # The only Admin is inactive: first-admin makes one, after the old ids.
        r = old.tool("first-admin")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("username: admin", r.stdout)
        admin_id, access, active = old.root_sql(
            "SELECT id, access, active FROM people WHERE username = 'admin'")[0]
        self.assertGreater(int(admin_id), old_max_id)
        self.assertEqual((access, active), ("admin", "1"))
        r = old.tool("first-admin")
        self.assertEqual((r.returncode, r.stdout), (0, ""), r.stderr)

        r = old.tool("list")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), len(self.people) + 1, r.stdout)
        for username in list(self.people) + ["admin"]:
            self.assertTrue(any(f"  {username}  " in line for line in lines), (username, r.stdout))
        self.assertTrue(any("grace" in line and "(inactive)" in line for line in lines), r.stdout)
        r = old.tool("list", "Ñúñez")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.splitlines()), 1, r.stdout)
        self.assertIn("zoe", r.stdout)

        # Tables of later migrations work with the old rows: a session of an
        # old person (002) ends when set-password changes that person's password.
        ada = old.root_sql("SELECT id, password_hash FROM people WHERE username = 'ada'")[0]
        old.root_sql("INSERT INTO sessions (id_digest, person_id, client_address, created_at, "
                     f"last_seen_at) VALUES (REPEAT('a', 64), {ada[0]}, '127.0.0.1', "
                     "UTC_TIMESTAMP(), UTC_TIMESTAMP())")
        r = old.tool("set-password", "ada", stdin="a brand new password\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(old.root_sql(f"SELECT COUNT(*) FROM sessions WHERE person_id = {ada[0]}"),
                         [["0"]])
        self.assertNotEqual(
            old.root_sql("SELECT password_hash FROM people WHERE username = 'ada'")[0][0], ada[1])

        # The files area (004's site_state) starts from the upgraded database.
        r = old.tool("recover-files")
        self.assertEqual(r.returncode, 0, r.stderr)
        generation = old.root_sql("SELECT generation FROM site_state WHERE id = 1")[0][0]
        self.assertNotEqual(generation, "NULL")
        self.assertEqual(os.path.basename(os.readlink(os.path.join(old.files_dir, "current"))),
                         generation)

    def test_a_broken_migration_fails_naming_the_file_and_is_not_recorded(self):
        broken = "999_broken.sql"
        sql_dir = self.sql_dir_of("with-broken", self.files,
                                  {broken: "-- A typo in a new migration.\n"
                                           "CREATE TABEL broken_table (id INT);\n"})
        fresh = ScratchSite(self, self.workdir, "broken")
        r = fresh.migrate(sql_dir)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        # The files before it were applied and said so; the broken one is named.
        self.assertEqual(r.stdout, applied_lines(self.files))
        self.assertIn(broken, r.stderr)
        self.assertNotIn("up to date", r.stdout + r.stderr)
        self.assertEqual(fresh.migrations_recorded(), self.files)
        self.assertNotIn("broken_table", [name for name, _ in fresh.tables()])

        # Again, with nothing else pending: still refused, still not recorded.
        r = fresh.migrate(sql_dir)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertEqual(r.stdout, "")
        self.assertIn(broken, r.stderr)
        self.assertEqual(fresh.migrations_recorded(), self.files)

        # Without the broken file the database is simply up to date.
        r = fresh.migrate(self.sql_dir)
        self.assertEqual((r.returncode, r.stdout), (0, "schema is up to date\n"), r.stderr)


if __name__ == "__main__":
    unittest.main()
