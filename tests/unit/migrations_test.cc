#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "lease.h"
#include "migrations.h"
#include "scratch_db.h"
#include "test_util.h"

using site::Status;
using site_test::TempDir;

namespace {

using Names = std::vector<std::string>;

// An empty scratch database and a connection to it that may run scripts.
struct MigrationDb : site_test::EmptyDb {
  MigrationDb() : script(Connect(true)) { BOOST_TEST_REQUIRE(bool(script)); }

  Names Apply(const std::string& dir, Status* status, int wait_seconds = 60) {
    Names applied;
    *status = site::ApplyMigrations(script.get(), dir, &applied, wait_seconds);
    return applied;
  }

  Names Recorded() {
    std::vector<site::DbRow> rows;
    Status s = db()->Query("SELECT name FROM schema_migrations ORDER BY name", {}, &rows);
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    Names names;
    for (const auto& r : rows) names.push_back(r.Str(0));
    return names;
  }

  bool TableExists(const std::string& table) {
    return QueryInt("SELECT COUNT(*) FROM information_schema.tables "
                    "WHERE table_schema = DATABASE() AND table_name = ?",
                    {table}) == 1;
  }

  std::unique_ptr<site::Db> script;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(migrations_test)

BOOST_AUTO_TEST_CASE(list_keeps_only_numbered_sql_files_in_order) {
  TempDir dir;
  for (const char* name : {"010_later.sql", "001_first.sql", "002_second.sql", "README.md",
                           "01_short.sql", "0001_long.sql", "abc_letters.sql", "003-dash.sql",
                           "004_.sql", "005_backup.sql.bak", "006_upper.SQL", "007_nodot",
                           "_008_prefixed.sql", "009_ok.sql~"}) {
    dir.Write(name, "SELECT 1;");
  }
  std::filesystem::create_directory(dir.path() + "/011_directory.sql");
  Names names;
  Status s = site::ListMigrations(dir.path(), &names);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  Names expected = {"001_first.sql", "002_second.sql", "010_later.sql"};
  BOOST_TEST(names == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(list_of_a_missing_directory_fails) {
  TempDir dir;
  Names names = {"stale"};
  Status s = site::ListMigrations(dir.path() + "/nope", &names);
  BOOST_TEST(!s.ok());
  BOOST_TEST(names.empty());
}

BOOST_AUTO_TEST_CASE(list_of_the_real_sql_directory, NEEDS_DB) {  // reads the harness environment
  std::string sql_dir = site_test::ReadDbEnvironment().sql_dir;
  Names names;
  Status s = site::ListMigrations(sql_dir, &names);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST_REQUIRE(names.size() >= 2u);
  BOOST_TEST(names[0] == "001_people.sql");
  BOOST_TEST(names[1] == "002_sessions.sql");
  for (size_t i = 1; i < names.size(); ++i) BOOST_TEST((names[i - 1] < names[i]), names[i - 1] << " before " << names[i]);
}

BOOST_FIXTURE_TEST_CASE(fresh_database_gets_every_migration_once, MigrationDb, NEEDS_DB) {
  Names all;
  BOOST_TEST_REQUIRE(site::ListMigrations(sql_dir(), &all).ok());

  Status s;
  Names applied = Apply(sql_dir(), &s);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(applied == all, boost::test_tools::per_element());
  BOOST_TEST(Recorded() == all, boost::test_tools::per_element());
  for (const char* table : {"people", "sessions", "signin_failures", "schema_migrations"}) {
    BOOST_TEST_CONTEXT(table) { BOOST_TEST(TableExists(table)); }
  }

  // A second run applies nothing and changes nothing.
  applied = Apply(sql_dir(), &s);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(applied.empty());
  BOOST_TEST(Recorded() == all, boost::test_tools::per_element());
}

// Galera replicates rows by their primary key and refuses tables without
// one under wsrep_mode=REQUIRED_PRIMARY_KEY: every table of the schema has
// one, and is InnoDB (the only engine Galera replicates).
BOOST_FIXTURE_TEST_CASE(every_table_is_innodb_with_a_primary_key, MigrationDb, NEEDS_DB) {
  Status s;
  Apply(sql_dir(), &s);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()") >=
             10);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() "
                      "AND engine <> 'InnoDB'") == 0);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM information_schema.tables t WHERE t.table_schema = DATABASE() "
                      "AND NOT EXISTS (SELECT 1 FROM information_schema.table_constraints c "
                      "WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name "
                      "AND c.constraint_type = 'PRIMARY KEY')") == 0);
}

BOOST_FIXTURE_TEST_CASE(migrations_apply_in_name_order_and_only_new_ones, MigrationDb, NEEDS_DB) {
  TempDir dir;
  // 002 needs 001's table, 010 needs 002's column: any other order fails.
  dir.Write("010_fill.sql", "INSERT INTO t (a, b) VALUES (1, 'x');\nINSERT INTO t (a, b) VALUES (2, 'y');\n");
  dir.Write("001_create.sql", "-- a comment\nCREATE TABLE t (a INT PRIMARY KEY) ENGINE=InnoDB;\n");
  dir.Write("002_alter.sql", "ALTER TABLE t ADD COLUMN b VARCHAR(10);\nCREATE TABLE u (c INT);\n");
  Status s;
  Names applied = Apply(dir.path(), &s);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  Names expected = {"001_create.sql", "002_alter.sql", "010_fill.sql"};
  BOOST_TEST(applied == expected, boost::test_tools::per_element());
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM t") == 2);
  BOOST_TEST(TableExists("u"));

  // A new file: only it runs (re-running 010 would hit the primary key).
  dir.Write("011_more.sql", "INSERT INTO t (a, b) VALUES (3, 'z');\n");
  applied = Apply(dir.path(), &s);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(applied == Names{"011_more.sql"}, boost::test_tools::per_element());
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM t") == 3);
  expected.push_back("011_more.sql");
  BOOST_TEST(Recorded() == expected, boost::test_tools::per_element());
}

// A migration may hold any number of statements; all run and it is recorded.
BOOST_FIXTURE_TEST_CASE(a_migration_of_many_statements, MigrationDb, NEEDS_DB) {
  TempDir dir;
  dir.Write("001_many.sql",
            "CREATE TABLE t (a INT PRIMARY KEY) ENGINE=InnoDB;\n"
            "INSERT INTO t (a) VALUES (1);\n"
            "INSERT INTO t (a) VALUES (2);\n"
            "CREATE TABLE u (b INT);\n");
  dir.Write("002_next.sql", "INSERT INTO t (a) VALUES (3);\n");
  Status s;
  Names applied = Apply(dir.path(), &s);
  BOOST_TEST(s.ok(), s.ToString());
  Names expected = {"001_many.sql", "002_next.sql"};
  BOOST_TEST(applied == expected, boost::test_tools::per_element());
  BOOST_TEST(Recorded() == expected, boost::test_tools::per_element());
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM t") == 3);
  BOOST_TEST(TableExists("u"));
}

// An error in a later statement of a file must fail that migration too.
BOOST_FIXTURE_TEST_CASE(an_error_late_in_a_migration_is_reported, MigrationDb, NEEDS_DB) {
  TempDir dir;
  dir.Write("001_bad.sql",
            "CREATE TABLE t (a INT);\n"
            "INSERT INTO t (a) VALUES (1);\n"
            "INSERT INTO t (a) VALUES (2);\n"
            "INSERT INTO no_such_table (a) VALUES (3);\n");
  Status s;
  Names applied = Apply(dir.path(), &s);
  BOOST_TEST(!s.ok());
  BOOST_TEST(s.message().find("001_bad.sql") != std::string::npos, s.message());
  BOOST_TEST(applied.empty());
  BOOST_TEST(Recorded().empty());
}

BOOST_FIXTURE_TEST_CASE(a_failing_migration_stops_the_run_and_is_not_recorded, MigrationDb, NEEDS_DB) {
  TempDir dir;
  dir.Write("001_create.sql", "CREATE TABLE t (a INT);\n");
  dir.Write("002_broken.sql", "CREATE TABLE v (a INT);\nTHIS IS NOT SQL;\n");
  dir.Write("003_after.sql", "CREATE TABLE w (a INT);\n");
  Status s;
  Names applied = Apply(dir.path(), &s);
  BOOST_TEST(!s.ok());
  BOOST_TEST(s.message().find("002_broken.sql") != std::string::npos, s.message());
  BOOST_TEST(applied == Names{"001_create.sql"}, boost::test_tools::per_element());
  BOOST_TEST(Recorded() == Names{"001_create.sql"}, boost::test_tools::per_element());
  BOOST_TEST(!TableExists("w"));

  // Fixed (as a new file would be in real life): the run picks up from there.
  dir.Write("002_broken.sql", "CREATE TABLE IF NOT EXISTS v (a INT);\n");
  applied = Apply(dir.path(), &s);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  Names rest = {"002_broken.sql", "003_after.sql"};
  BOOST_TEST(applied == rest, boost::test_tools::per_element());
  BOOST_TEST(TableExists("w"));

  // The lease was released each time: it can be taken again at once.
  site::Lease lease(db(), "migrations");
  BOOST_TEST(lease.Acquire(0, "busy").ok());
}

BOOST_FIXTURE_TEST_CASE(a_held_lease_makes_migrations_wait_then_refuse, MigrationDb, NEEDS_DB) {
  TempDir dir;
  dir.Write("001_create.sql", "CREATE TABLE t (a INT);\n");
  BOOST_TEST_REQUIRE(site::CreateLeaseTable(db()).ok());
  site::Lease other(db(), "migrations");  // another process's, in effect
  BOOST_TEST_REQUIRE(other.Acquire(0, "busy").ok());
  Status s;
  Names applied = Apply(dir.path(), &s, 1);
  BOOST_TEST((s.code() == Status::Code::kUnavailable));
  BOOST_TEST(s.message() == "another process is applying migrations");
  BOOST_TEST(applied.empty());
  other.Release();
  applied = Apply(dir.path(), &s);
  BOOST_TEST(s.ok(), s.ToString());
  BOOST_TEST(applied == Names{"001_create.sql"}, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(missing_directory_applies_nothing, MigrationDb, NEEDS_DB) {
  TempDir dir;
  Status s;
  Names applied = Apply(dir.path() + "/nope", &s);
  BOOST_TEST(!s.ok());
  BOOST_TEST(applied.empty());
}

// mysqldump writes /*!NNNNN ... */: MariaDB runs their body, so must we.
BOOST_FIXTURE_TEST_CASE(versioned_comments_run_and_plain_comments_do_not, MigrationDb, NEEDS_DB) {
  TempDir dir;
  dir.Write("001_dump.sql",
            "/* CREATE TABLE plain (a INT); */\n"
            "/*!40101 CREATE TABLE versioned (a INT) */;\n"
            "/*M!100100 CREATE TABLE mariadb_only (a INT) */;\n"
            "CREATE TABLE t (a INT) /*!50100 ENGINE=InnoDB */;\n");
  Status s;
  Names applied = Apply(dir.path(), &s);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(TableExists("versioned"));
  BOOST_TEST(TableExists("mariadb_only"));
  BOOST_TEST(TableExists("t"));
  BOOST_TEST(!TableExists("plain"));
}

BOOST_FIXTURE_TEST_CASE(a_directory_without_migrations_is_refused, MigrationDb, NEEDS_DB) {
  TempDir dir;
  dir.Write("README", "not a migration");
  Status s;
  Names applied = Apply(dir.path(), &s);
  BOOST_TEST((s.code() == Status::Code::kInvalid));
  BOOST_TEST(s.message().find("no migrations") != std::string::npos, s.message());
  BOOST_TEST(applied.empty());
}

// An older release's sql/ against a newer database must not say "up to date".
BOOST_FIXTURE_TEST_CASE(a_directory_behind_the_database_is_refused, MigrationDb, NEEDS_DB) {
  TempDir newer, older;
  newer.Write("001_create.sql", "CREATE TABLE t (a INT);\n");
  newer.Write("002_more.sql", "CREATE TABLE u (a INT);\n");
  older.Write("001_create.sql", "CREATE TABLE t (a INT);\n");
  Status s;
  Apply(newer.path(), &s);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  Names applied = Apply(older.path(), &s);
  BOOST_TEST((s.code() == Status::Code::kInvalid));
  BOOST_TEST(s.message().find("002_more.sql") != std::string::npos, s.message());
  BOOST_TEST(applied.empty());
}

BOOST_AUTO_TEST_SUITE_END()
