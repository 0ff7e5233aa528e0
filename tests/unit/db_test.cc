#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "db.h"
#include "scratch_db.h"
#include "test_util.h"

using site::Db;
using site::DbOptions;
using site::DbRow;
using site::DbValue;
using site::ExecResult;
using site::Status;

namespace {

// A scratch database with one table of our own.
struct TableDb : site_test::MigratedDb {
  TableDb() {
    Exec("CREATE TABLE items (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, "
         "name VARCHAR(100) NOT NULL, qty BIGINT NULL, UNIQUE KEY uq_items_name (name)) "
         "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
  }

  // Reads the table through a second connection, which sees only committed rows.
  int64_t CommittedCount() {
    std::unique_ptr<Db> other = Connect(false);
    BOOST_TEST_REQUIRE(bool(other));
    std::vector<DbRow> rows;
    Status s = other->Query("SELECT COUNT(*) FROM items", {}, &rows);
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    return rows.at(0).Int(0);
  }
};

site::DbColumns Labels(std::vector<std::string> labels) {
  return std::make_shared<const std::vector<std::string>>(std::move(labels));
}

// Returns what() of the std::logic_error that `read` throws, or "" (and a
// failure) when it throws none.
template <typename Read>
std::string LogicErrorOf(Read read) {
  try {
    read();
  } catch (const std::logic_error& e) {
    return e.what();
  }
  BOOST_ERROR("no std::logic_error");
  return "";
}

std::string MissingSocket() {
  return "/nonexistent/dir/for/site/unit/tests/mysqld.sock";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(db_test)

BOOST_FIXTURE_TEST_CASE(query_binds_null_int_and_string, TableDb, NEEDS_DB) {
  struct Case {
    const char* what;
    DbValue value;
    bool is_null;
    std::string text;
  };
  const Case cases[] = {
      {"null", nullptr, true, ""},
      {"zero", int64_t{0}, false, "0"},
      {"negative", int64_t{-42}, false, "-42"},
      {"int64 max", std::numeric_limits<int64_t>::max(), false, "9223372036854775807"},
      {"int64 min", std::numeric_limits<int64_t>::min(), false, "-9223372036854775808"},
      {"empty string", std::string(), false, ""},
      {"quotes and backslashes", std::string("O'Brien \\ \"x\" ?"), false, "O'Brien \\ \"x\" ?"},
      {"injection attempt", std::string("'); DROP TABLE people; --"), false,
       "'); DROP TABLE people; --"},
      {"utf8mb4", std::string("Zo\xc3\xab \xf0\x9f\x98\x80"), false, "Zo\xc3\xab \xf0\x9f\x98\x80"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      std::vector<DbRow> rows;
      Status s = db()->Query("SELECT ?, ? IS NULL", {c.value, c.value}, &rows);
      BOOST_TEST_REQUIRE(s.ok(), s.ToString());
      BOOST_TEST_REQUIRE(rows.size() == 1u);
      BOOST_TEST_REQUIRE(rows[0].size() == 2u);
      BOOST_TEST(rows[0].IsNull(0) == c.is_null);
      BOOST_TEST(rows[0].Str(0) == c.text);
      BOOST_TEST(rows[0].Int(1) == (c.is_null ? 1 : 0));
    }
  }
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM people") == 0);  // still there
}

BOOST_FIXTURE_TEST_CASE(row_accessors, TableDb, NEEDS_DB) {
  std::vector<DbRow> rows;
  Status s = db()->Query("SELECT NULL, 7, '12', 'text', -3", {}, &rows);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST_REQUIRE(rows.size() == 1u);
  const DbRow& r = rows[0];
  BOOST_TEST(r.size() == 5u);
  BOOST_TEST(r.IsNull(0));
  BOOST_TEST(r.Str(0) == "");
  BOOST_TEST(r.Int(0) == 0);
  BOOST_TEST(!r.IsNull(1));
  BOOST_TEST(r.Int(1) == 7);
  BOOST_TEST(r.Str(1) == "7");
  BOOST_TEST(r.Int(2) == 12);
  BOOST_TEST(r.Str(3) == "text");
  BOOST_TEST(r.Int(4) == -3);
  BOOST_CHECK_THROW(r.Str(5), std::out_of_range);
}

BOOST_AUTO_TEST_CASE(row_reads_cells_by_label) {
  DbRow r(Labels({"id", "name", "qty"}), {std::string("7"), std::string("pens"), std::nullopt});
  BOOST_TEST(r.Int("id") == 7);
  BOOST_TEST(r.Str("id") == "7");
  BOOST_TEST(r.Str("name") == "pens");
  BOOST_TEST(!r.IsNull("name"));
  BOOST_TEST(r.IsNull("qty"));
  BOOST_TEST(r.Str("qty") == "");
  BOOST_TEST(r.Int("qty") == 0);
  BOOST_TEST(r.columns() == std::vector<std::string>({"id", "name", "qty"}));
}

BOOST_AUTO_TEST_CASE(row_refuses_a_label_it_lacks_or_has_twice) {
  DbRow r(Labels({"id", "name", "name"}), {std::string("1"), std::string("a"), std::string("b")});
  for (const std::string& what : {LogicErrorOf([&] { r.Str("nmae"); }),
                                  LogicErrorOf([&] { r.Int("nmae"); }),
                                  LogicErrorOf([&] { r.IsNull("nmae"); })}) {
    BOOST_TEST(what.find("\"nmae\"") != std::string::npos, what);
    BOOST_TEST(what.find("id, name, name") != std::string::npos, what);  // the labels there are
  }
  std::string ambiguous = LogicErrorOf([&] { r.Str("name"); });
  BOOST_TEST(ambiguous.find("\"name\" is ambiguous") != std::string::npos, ambiguous);
  BOOST_TEST(r.Str("id") == "1");  // a label there once is still read
  // Labels must match the cells one for one.
  BOOST_CHECK_THROW(DbRow(Labels({"a"}), {}), std::logic_error);
  BOOST_CHECK_THROW(DbRow(nullptr, {}), std::logic_error);
}

BOOST_FIXTURE_TEST_CASE(query_labels_columns_by_name_or_alias, TableDb, NEEDS_DB) {
  Exec("INSERT INTO items (name, qty) VALUES ('pens', 3), ('ink', NULL)");
  std::vector<DbRow> rows;
  Status s = db()->Query(
      "SELECT i.id, i.name, i.qty, i.qty IS NULL AS no_qty, COALESCE(i.qty, 0) * 2 AS doubled "
      "FROM items i ORDER BY i.name",
      {}, &rows);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST_REQUIRE(rows.size() == 2u);
  // A column by its name (without the table's alias), a computed one by its alias.
  BOOST_TEST(rows[0].columns() ==
             std::vector<std::string>({"id", "name", "qty", "no_qty", "doubled"}));
  BOOST_TEST(rows[0].Str("name") == "ink");
  BOOST_TEST(rows[0].IsNull("qty"));
  BOOST_TEST(rows[0].Int("qty") == 0);
  BOOST_TEST(rows[0].Int("no_qty") == 1);
  BOOST_TEST(rows[0].Int("doubled") == 0);
  BOOST_TEST(rows[1].Str("name") == "pens");
  BOOST_TEST(!rows[1].IsNull("qty"));
  BOOST_TEST(rows[1].Int("qty") == 3);
  BOOST_TEST(rows[1].Int("doubled") == 6);
  BOOST_TEST(rows[1].Int("id") > 0);
  // One set of labels for the whole result.
  BOOST_TEST(&rows[0].columns() == &rows[1].columns());
  // A NULL the server computed, read by its alias.
  BOOST_TEST_REQUIRE(db()->Query("SELECT NULL AS nothing, ? AS given", {nullptr}, &rows).ok());
  BOOST_TEST_REQUIRE(rows.size() == 1u);
  BOOST_TEST(rows[0].IsNull("nothing"));
  BOOST_TEST(rows[0].IsNull("given"));
  BOOST_TEST(rows[0].Str("nothing") == "");
}

BOOST_FIXTURE_TEST_CASE(reading_a_column_the_query_lacks_is_a_logic_error, TableDb, NEEDS_DB) {
  std::vector<DbRow> rows;
  BOOST_TEST_REQUIRE(db()->Query("SELECT COUNT(*) FROM items", {}, &rows).ok());
  BOOST_TEST_REQUIRE(rows.size() == 1u);
  // Unaliased, the column is labelled with its expression: alias it to read it.
  std::string what = LogicErrorOf([&] { rows[0].Int("count"); });
  BOOST_TEST(what.find("\"count\"") != std::string::npos, what);
  BOOST_TEST(what.find("COUNT(*)") != std::string::npos, what);
  BOOST_TEST(rows[0].Int("COUNT(*)") == 0);
}

BOOST_FIXTURE_TEST_CASE(query_returns_every_row_and_clears_old_ones, TableDb, NEEDS_DB) {
  for (const char* name : {"a", "b", "c"}) Exec("INSERT INTO items (name) VALUES (?)", {name});
  std::vector<DbRow> rows;
  BOOST_TEST_REQUIRE(db()->Query("SELECT name FROM items ORDER BY name", {}, &rows).ok());
  BOOST_TEST_REQUIRE(rows.size() == 3u);
  BOOST_TEST(rows[0].Str(0) == "a");
  BOOST_TEST(rows[2].Str(0) == "c");
  // No rows: the vector is emptied, not left with the previous result.
  BOOST_TEST_REQUIRE(db()->Query("SELECT name FROM items WHERE name = ?", {"zzz"}, &rows).ok());
  BOOST_TEST(rows.empty());
  // The same statement again with other parameters (the prepared one is reused).
  for (const char* name : {"a", "b", "c"}) {
    BOOST_TEST_REQUIRE(db()->Query("SELECT name FROM items WHERE name = ?", {name}, &rows).ok());
    BOOST_TEST_REQUIRE(rows.size() == 1u);
    BOOST_TEST(rows[0].Str(0) == name);
  }
}

BOOST_FIXTURE_TEST_CASE(exec_reports_insert_id_and_affected_rows, TableDb, NEEDS_DB) {
  ExecResult r;
  Status s = db()->Exec("INSERT INTO items (name, qty) VALUES (?, ?)", {"first", int64_t{5}}, &r);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(r.affected_rows == 1u);
  uint64_t first = r.last_insert_id;
  BOOST_TEST(first > 0u);

  s = db()->Exec("INSERT INTO items (name, qty) VALUES (?, ?)", {"second", nullptr}, &r);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(r.last_insert_id == first + 1);
  BOOST_TEST(QueryInt("SELECT qty IS NULL FROM items WHERE id = ?",
                      {static_cast<int64_t>(r.last_insert_id)}) == 1);

  s = db()->Exec("INSERT INTO items (name) VALUES (?), (?), (?)", {"x", "y", "z"}, &r);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(r.affected_rows == 3u);

  s = db()->Exec("UPDATE items SET qty = ? WHERE name IN (?, ?)", {int64_t{9}, "x", "y"}, &r);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(r.affected_rows == 2u);
  // Rows changed, not rows matched (no CLIENT_FOUND_ROWS): setting the same
  // values again affects none (docs/stack-notes.md).
  s = db()->Exec("UPDATE items SET qty = ? WHERE name IN (?, ?)", {int64_t{9}, "x", "y"}, &r);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(r.affected_rows == 0u);

  s = db()->Exec("DELETE FROM items WHERE name = ?", {"nothing"}, &r);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(r.affected_rows == 0u);

  s = db()->Exec("DELETE FROM items", {}, &r);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(r.affected_rows == 5u);

  // The result is optional.
  s = db()->Exec("INSERT INTO items (name) VALUES (?)", {"no result"});
  BOOST_TEST(s.ok(), s.ToString());
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM items") == 1);
}

BOOST_FIXTURE_TEST_CASE(duplicate_key_is_conflict, TableDb, NEEDS_DB) {
  Exec("INSERT INTO items (name) VALUES (?)", {"only"});
  ExecResult r;
  Status s = db()->Exec("INSERT INTO items (name) VALUES (?)", {"only"}, &r);
  BOOST_TEST(s.code() == Status::Code::kConflict);
  BOOST_TEST(site::HttpStatusOf(s) == 409);
  BOOST_TEST(s.message().find("uq_items_name") != std::string::npos, s.message());
  // The connection stays usable.
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM items") == 1);
}

BOOST_FIXTURE_TEST_CASE(other_errors_are_internal, TableDb, NEEDS_DB) {
  std::vector<DbRow> rows;
  Status s = db()->Query("SELECT * FROM no_such_table", {}, &rows);
  BOOST_TEST(s.code() == Status::Code::kInternal);
  s = db()->Exec("INSERT INTO items (nope) VALUES (?)", {"x"});
  BOOST_TEST(s.code() == Status::Code::kInternal);
  s = db()->Exec("INSERT INTO items (name) VALUES (?)", {nullptr});  // NOT NULL
  BOOST_TEST(!s.ok());
  BOOST_TEST(s.code() != Status::Code::kConflict);
  BOOST_TEST(QueryInt("SELECT 1") == 1);
}

BOOST_FIXTURE_TEST_CASE(transaction_rolls_back_on_scope_exit, TableDb, NEEDS_DB) {
  {
    site::Transaction tx(db());
    BOOST_TEST_REQUIRE(tx.begin_status().ok(), tx.begin_status().ToString());
    Exec("INSERT INTO items (name) VALUES (?)", {"uncommitted"});
    BOOST_TEST(QueryInt("SELECT COUNT(*) FROM items") == 1);  // visible to itself
    BOOST_TEST(CommittedCount() == 0);                         // not to others
  }
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM items") == 0);
  BOOST_TEST(CommittedCount() == 0);
  // Autocommit is back: a plain write is visible at once.
  Exec("INSERT INTO items (name) VALUES (?)", {"plain"});
  BOOST_TEST(CommittedCount() == 1);
}

BOOST_FIXTURE_TEST_CASE(transaction_commit, TableDb, NEEDS_DB) {
  {
    site::Transaction tx(db());
    BOOST_TEST_REQUIRE(tx.begin_status().ok());
    Exec("INSERT INTO items (name) VALUES (?)", {"one"});
    Exec("INSERT INTO items (name) VALUES (?)", {"two"});
    BOOST_TEST(CommittedCount() == 0);
    Status s = tx.Commit();
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    BOOST_TEST(CommittedCount() == 2);
  }
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM items") == 2);  // not undone on scope exit
  Exec("INSERT INTO items (name) VALUES (?)", {"three"});
  BOOST_TEST(CommittedCount() == 3);
}

BOOST_FIXTURE_TEST_CASE(explicit_begin_commit_rollback, TableDb, NEEDS_DB) {
  BOOST_TEST_REQUIRE(db()->Begin().ok());
  Exec("INSERT INTO items (name) VALUES (?)", {"rolled back"});
  BOOST_TEST_REQUIRE(db()->Rollback().ok());
  BOOST_TEST(CommittedCount() == 0);
  BOOST_TEST_REQUIRE(db()->Begin().ok());
  Exec("INSERT INTO items (name) VALUES (?)", {"kept"});
  BOOST_TEST_REQUIRE(db()->Commit().ok());
  BOOST_TEST(CommittedCount() == 1);
}

BOOST_FIXTURE_TEST_CASE(transaction_after_a_failed_statement, TableDb, NEEDS_DB) {
  Exec("INSERT INTO items (name) VALUES (?)", {"taken"});
  {
    site::Transaction tx(db());
    BOOST_TEST_REQUIRE(tx.begin_status().ok());
    Exec("INSERT INTO items (name) VALUES (?)", {"new"});
    Status s = db()->Exec("INSERT INTO items (name) VALUES (?)", {"taken"});
    BOOST_TEST(s.code() == Status::Code::kConflict);
  }  // rolled back: "new" is gone too
  BOOST_TEST(CommittedCount() == 1);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM items WHERE name = 'new'") == 0);
}

// Two transactions that lock rows "a" and "b" in opposite orders, on two
// connections, at the same time: InnoDB chooses one of them as the victim
// of a deadlock (1213). Each runs through RunInTransaction, which runs the
// victim again: both commit, and each body ran once more per conflict.
BOOST_FIXTURE_TEST_CASE(run_in_transaction_runs_a_deadlock_victim_again, TableDb, NEEDS_DB) {
  Exec("INSERT INTO items (name, qty) VALUES ('a', 0), ('b', 0)");
  std::unique_ptr<Db> other = Connect(false);
  BOOST_TEST_REQUIRE(bool(other));
  std::atomic<int> runs{0}, locked_first{0};
  auto crossing = [&](Db* db, const char* first, const char* second) {
    return site::RunInTransaction(db, [&, db, first, second]() -> Status {
      ++runs;
      Status s = db->Exec("UPDATE items SET qty = qty + 1 WHERE name = ?", {std::string(first)});
      if (!s.ok()) return s;
      // Both hold their first row before either asks for its second (the
      // first run only: a rerun must not wait for a partner that is done).
      if (++locked_first <= 2) {
        for (int i = 0; i < 500 && locked_first < 2; ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
      }
      return db->Exec("UPDATE items SET qty = qty + 1 WHERE name = ?", {std::string(second)});
    });
  };
  auto one = std::async(std::launch::async, [&] { return crossing(db(), "a", "b"); });
  auto two = std::async(std::launch::async, [&] { return crossing(other.get(), "b", "a"); });
  Status s1 = one.get(), s2 = two.get();
  BOOST_TEST(s1.ok(), s1.ToString());
  BOOST_TEST(s2.ok(), s2.ToString());
  BOOST_TEST(runs.load() >= 3);  // a victim ran again
  // Both committed, each once: every row got both increments, no more.
  BOOST_TEST(QueryInt("SELECT qty FROM items WHERE name = 'a'") == 2);
  BOOST_TEST(QueryInt("SELECT qty FROM items WHERE name = 'b'") == 2);
}

// A transaction that meets a conflict every time gives up after its
// attempts with Unavailable (the 503 with Retry-After), and leaves nothing.
BOOST_FIXTURE_TEST_CASE(run_in_transaction_gives_up_after_its_attempts, TableDb, NEEDS_DB) {
  Exec("INSERT INTO items (name, qty) VALUES ('held', 0)");
  std::unique_ptr<Db> holder = Connect(false);
  BOOST_TEST_REQUIRE(bool(holder));
  // The holder keeps the row locked; our lock waits time out (1205) at once.
  BOOST_TEST_REQUIRE(holder->Begin().ok());
  BOOST_TEST_REQUIRE(holder->Exec("UPDATE items SET qty = 100 WHERE name = 'held'", {}).ok());
  Exec("SET SESSION innodb_lock_wait_timeout = 1");
  int runs = 0;
  Status s = site::RunInTransaction(db(), [&]() -> Status {
    ++runs;
    Status step = db()->Exec("INSERT INTO items (name) VALUES (?)", {"run" + std::to_string(runs)});
    if (!step.ok()) return step;
    return db()->Exec("UPDATE items SET qty = 1 WHERE name = 'held'", {});
  }, 3);
  BOOST_TEST(s.code() == Status::Code::kUnavailable, s.ToString());
  BOOST_TEST(runs == 3);
  BOOST_TEST_REQUIRE(holder->Rollback().ok());
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM items WHERE name LIKE 'run%'") == 0);
}

// Any other failure is returned at once, rolled back, not run again.
BOOST_FIXTURE_TEST_CASE(run_in_transaction_returns_other_failures_at_once, TableDb, NEEDS_DB) {
  Exec("INSERT INTO items (name) VALUES ('taken')");
  int runs = 0;
  Status s = site::RunInTransaction(db(), [&]() -> Status {
    ++runs;
    Status step = db()->Exec("INSERT INTO items (name) VALUES ('fresh')", {});
    if (!step.ok()) return step;
    return db()->Exec("INSERT INTO items (name) VALUES ('taken')", {});
  });
  BOOST_TEST(s.code() == Status::Code::kConflict, s.ToString());
  BOOST_TEST(runs == 1);
  BOOST_TEST(CommittedCount() == 1);
  s = site::RunInTransaction(db(), [&] { return Status::Invalid("the body said no"); });
  BOOST_TEST(s.code() == Status::Code::kInvalid);
  BOOST_TEST(!db()->last_error_retryable());
}

// A COMMIT that the server refuses is a failure: the statement's answer is
// read (Connector/C++'s commit() ignores it; docs/galera-notes.md). Forced
// here without Galera: the connection is killed between the write and the
// COMMIT, and the write is not there afterwards.
BOOST_FIXTURE_TEST_CASE(a_commit_that_fails_is_reported, TableDb, NEEDS_DB) {
  BOOST_TEST_REQUIRE(db()->Begin().ok());
  Exec("INSERT INTO items (name) VALUES ('lost')");
  int64_t id = QueryInt("SELECT CONNECTION_ID()");
  std::unique_ptr<Db> killer = Connect(false);
  BOOST_TEST_REQUIRE(killer->Exec("KILL CONNECTION " + std::to_string(id), {}).ok());
  Status s = db()->Commit();
  BOOST_TEST(s.code() == Status::Code::kUnavailable, s.ToString());
  BOOST_TEST(CommittedCount() == 0);
}

// A transaction that is a request's first use of a connection the server
// has since closed (a restart) starts on a new one: nothing had happened.
BOOST_FIXTURE_TEST_CASE(a_transaction_starts_on_a_new_connection_after_the_old_one_died, TableDb, NEEDS_DB) {
  int64_t id = QueryInt("SELECT CONNECTION_ID()");
  std::unique_ptr<Db> killer = Connect(false);
  BOOST_TEST_REQUIRE(killer->Exec("KILL CONNECTION " + std::to_string(id), {}).ok());
  Status s = site::RunInTransaction(db(), [&] {
    return db()->Exec("INSERT INTO items (name) VALUES ('after the restart')", {});
  });
  BOOST_TEST(s.ok(), s.ToString());
  BOOST_TEST(CommittedCount() == 1);
  BOOST_TEST(QueryInt("SELECT CONNECTION_ID()") != id);
}

BOOST_FIXTURE_TEST_CASE(connections_use_utc_and_utf8mb4, TableDb, NEEDS_DB) {
  BOOST_TEST(QueryStr("SELECT @@session.time_zone") == "+00:00");
  BOOST_TEST(QueryInt("SELECT ABS(TIMESTAMPDIFF(SECOND, NOW(), UTC_TIMESTAMP()))") <= 1);
  const std::string emoji = "\xf0\x9f\x98\x80 \xe6\x9d\x8e \xc3\xa9";
  Exec("INSERT INTO items (name) VALUES (?)", {emoji});
  BOOST_TEST(QueryStr("SELECT name FROM items") == emoji);
  BOOST_TEST(QueryInt("SELECT CHAR_LENGTH(name) FROM items") == 5);
}

BOOST_FIXTURE_TEST_CASE(exec_script_needs_multi_statements, TableDb, NEEDS_DB) {
  Status s = db()->ExecScript("INSERT INTO items (name) VALUES ('a'); INSERT INTO items (name) VALUES ('b');");
  BOOST_TEST(!s.ok());
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM items") == 0);
}

BOOST_FIXTURE_TEST_CASE(exec_script_of_two_statements, TableDb, NEEDS_DB) {
  std::unique_ptr<Db> multi = Connect(true);
  BOOST_TEST_REQUIRE(bool(multi));
  Status s = multi->ExecScript(
      "INSERT INTO items (name) VALUES ('a');\n"
      "-- a comment\n"
      "INSERT INTO items (name) VALUES ('b');\n");
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM items") == 2);
  std::vector<DbRow> rows;
  s = multi->Query("SELECT COUNT(*) FROM items", {}, &rows);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(rows.at(0).Int(0) == 2);
}

// Every result of the script must be consumed, however many statements it
// has: otherwise the connection is left "out of sync" for the next call.
BOOST_FIXTURE_TEST_CASE(exec_script_of_many_statements_leaves_the_connection_usable, TableDb, NEEDS_DB) {
  std::unique_ptr<Db> multi = Connect(true);
  BOOST_TEST_REQUIRE(bool(multi));
  Status s = multi->ExecScript(
      "INSERT INTO items (name) VALUES ('a');\n"
      "INSERT INTO items (name) VALUES ('b');\n"
      "INSERT INTO items (name) VALUES ('c');\n"
      "UPDATE items SET qty = 1;\n"
      "INSERT INTO items (name, qty) VALUES ('d', 2);\n");
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM items") == 4);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM items WHERE qty = 1") == 3);
  std::vector<DbRow> rows;
  s = multi->Query("SELECT COUNT(*) FROM items", {}, &rows);
  BOOST_TEST(s.ok(), s.ToString());
  s = multi->Exec("DELETE FROM items WHERE name = ?", {"d"});
  BOOST_TEST(s.ok(), s.ToString());
  s = multi->ExecScript("DELETE FROM items WHERE name = 'c'; DELETE FROM items WHERE name = 'b';");
  BOOST_TEST(s.ok(), s.ToString());
}

BOOST_FIXTURE_TEST_CASE(exec_script_reports_an_error_in_any_statement, TableDb, NEEDS_DB) {
  struct Case {
    const char* what;
    const char* script;
  };
  const Case cases[] = {
      {"first of two", "INSERT INTO nope VALUES (1); INSERT INTO items (name) VALUES ('x');"},
      {"second of two", "INSERT INTO items (name) VALUES ('x'); INSERT INTO nope VALUES (1);"},
      {"third of three",
       "INSERT INTO items (name) VALUES ('x'); INSERT INTO items (name) VALUES ('y'); "
       "INSERT INTO nope VALUES (1);"},
      {"syntax error in the fourth",
       "DELETE FROM items; DELETE FROM items; DELETE FROM items; THIS IS NOT SQL;"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      std::unique_ptr<Db> multi = Connect(true);
      BOOST_TEST_REQUIRE(bool(multi));
      Status s = multi->ExecScript(c.script);
      BOOST_TEST(!s.ok());
      // The connection still works afterwards.
      std::vector<DbRow> rows;
      s = multi->Query("SELECT 1", {}, &rows);
      BOOST_TEST(s.ok(), s.ToString());
      Exec("DELETE FROM items");
    }
  }
}

BOOST_AUTO_TEST_CASE(missing_socket_is_unavailable) {
  DbOptions o;
  o.socket = MissingSocket();
  o.user = "nobody";
  o.database = "nothing";
  o.connect_timeout_seconds = 1;
  Db db(o);
  Status s = db.EnsureConnected();
  BOOST_TEST(s.code() == Status::Code::kUnavailable);
  BOOST_TEST(site::HttpStatusOf(s) == 503);
  // Without a connection every call answers Unavailable instead of crashing.
  std::vector<DbRow> rows = {DbRow(Labels({"x"}), {std::string("stale")})};
  BOOST_TEST(db.Query("SELECT 1", {}, &rows).code() == Status::Code::kUnavailable);
  BOOST_TEST(rows.empty());
  BOOST_TEST(db.Exec("DELETE FROM x", {}).code() == Status::Code::kUnavailable);
  BOOST_TEST(db.ExecScript("SELECT 1").code() == Status::Code::kUnavailable);
  BOOST_TEST(db.Begin().code() == Status::Code::kUnavailable);
  BOOST_TEST(db.Commit().code() == Status::Code::kUnavailable);
  BOOST_TEST(db.Rollback().code() == Status::Code::kUnavailable);
  // Trying again is still Unavailable (no crash on the second attempt).
  BOOST_TEST(db.EnsureConnected().code() == Status::Code::kUnavailable);
}

BOOST_AUTO_TEST_CASE(calls_before_connecting_are_unavailable) {
  DbOptions o;
  o.socket = MissingSocket();
  Db db(o);
  std::vector<DbRow> rows;
  BOOST_TEST(db.Query("SELECT 1", {}, &rows).code() == Status::Code::kUnavailable);
  BOOST_TEST(db.Exec("SELECT 1", {}).code() == Status::Code::kUnavailable);
}

BOOST_FIXTURE_TEST_CASE(wrong_credentials_are_not_ok, TableDb, NEEDS_DB) {
  DbOptions o = Options(false);
  o.password = o.password + "-wrong";
  Db db(o);
  BOOST_TEST(!db.EnsureConnected().ok());
  o = Options(false);
  o.database = name() + "_does_not_exist";
  Db db2(o);
  BOOST_TEST(!db2.EnsureConnected().ok());
}

// When the server drops the connection (a restart, wait_timeout, KILL), a
// read outside a transaction reconnects and runs once more; prepared
// statements and the session time zone work on the new connection.
BOOST_FIXTURE_TEST_CASE(a_read_reconnects_after_the_connection_is_killed, TableDb, NEEDS_DB) {
  Exec("INSERT INTO items (name) VALUES (?)", {"a"});
  const std::string count = "SELECT COUNT(*) FROM items WHERE name = ?";
  BOOST_TEST(QueryInt(count, {"a"}) == 1);  // prepared and cached
  int64_t id = QueryInt("SELECT CONNECTION_ID()");

  std::unique_ptr<Db> killer = Connect(false);
  BOOST_TEST_REQUIRE(bool(killer));
  Status s = killer->Exec("KILL CONNECTION " + std::to_string(id), {});
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());

  std::vector<DbRow> rows;
  s = db()->Query(count, {"a"}, &rows);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(rows.at(0).Int(0) == 1);
  BOOST_TEST(QueryInt("SELECT CONNECTION_ID()") != id);
  BOOST_TEST(QueryStr("SELECT @@session.time_zone") == "+00:00");
}

// A write on a dead connection is never repeated (it may have happened):
// it says Unavailable, and the next request's EnsureConnected reconnects.
BOOST_FIXTURE_TEST_CASE(a_write_on_a_killed_connection_is_not_repeated, TableDb, NEEDS_DB) {
  int64_t id = QueryInt("SELECT CONNECTION_ID()");
  std::unique_ptr<Db> killer = Connect(false);
  BOOST_TEST_REQUIRE(bool(killer));
  BOOST_TEST_REQUIRE(killer->Exec("KILL CONNECTION " + std::to_string(id), {}).ok());
  Status s = db()->Exec("INSERT INTO items (name) VALUES (?)", {std::string("w")});
  BOOST_TEST(s.code() == Status::Code::kUnavailable);
  BOOST_TEST_REQUIRE(db()->EnsureConnected().ok());
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM items WHERE name = 'w'") == 0);
  Exec("INSERT INTO items (name) VALUES (?)", {"w"});
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM items WHERE name = 'w'") == 1);
}

// Inside a transaction a read is not repeated either: the transaction is gone.
BOOST_FIXTURE_TEST_CASE(a_read_inside_a_transaction_is_not_repeated, TableDb, NEEDS_DB) {
  int64_t id = QueryInt("SELECT CONNECTION_ID()");
  BOOST_TEST_REQUIRE(db()->Begin().ok());
  std::unique_ptr<Db> killer = Connect(false);
  BOOST_TEST_REQUIRE(bool(killer));
  BOOST_TEST_REQUIRE(killer->Exec("KILL CONNECTION " + std::to_string(id), {}).ok());
  std::vector<DbRow> rows;
  BOOST_TEST(db()->Query("SELECT 1", {}, &rows).code() == Status::Code::kUnavailable);
  BOOST_TEST_REQUIRE(db()->EnsureConnected().ok());
  BOOST_TEST(QueryInt("SELECT 1") == 1);
}

BOOST_FIXTURE_TEST_CASE(ensure_connected_keeps_a_live_connection, TableDb, NEEDS_DB) {
  int64_t now = QueryInt("SELECT CONNECTION_ID()");
  BOOST_TEST_REQUIRE(db()->EnsureConnected().ok());
  BOOST_TEST_REQUIRE(db()->EnsureConnected().ok());
  BOOST_TEST(QueryInt("SELECT CONNECTION_ID()") == now);
}

BOOST_AUTO_TEST_SUITE_END()
