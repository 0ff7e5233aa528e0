// Db: one persistent MariaDB/MySQL connection per process, behind an
// interface that speaks our Status and plain values. Connector/C++ stays
// inside db.cc: no other header includes cppconn.
//
// Only prepared statements reach the server (Query/Exec); statements are
// prepared once per connection and cached. When the server goes away the
// connection is dropped with its statements (Connector/C++ 1.1 cannot reuse
// them after a reconnect, see docs/stack-notes.md) and a new one is opened: by a
// read that found it dead (retried once), or at the next request.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "status.h"

namespace site {

struct DbOptions {
  std::string socket;  // preferred when not empty
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string database;
  std::string user;
  std::string password;
  int connect_timeout_seconds = 3;
  // Allows ExecScript(); only the migration tool needs it, so a web
  // program can never run a script.
  bool multi_statements = false;
};

using DbValue = std::variant<std::nullptr_t, int64_t, std::string>;

// The labels of a result's columns, in order: each column's alias, or its
// name without the table's ("t.hint" is "hint"). One copy per result,
// shared by its rows.
using DbColumns = std::shared_ptr<const std::vector<std::string>>;

// One result row; every column is read as text (or null), by its label.
// Give a computed column an alias ("... AS expired") to read it by name.
// Names match exactly. A name the result lacks, or has twice, is a
// programming error: std::logic_error naming it and the labels there are.
class DbRow {
 public:
  // REQUIRES: `columns` is not null and labels every cell.
  DbRow(DbColumns columns, std::vector<std::optional<std::string>> cells);

  bool IsNull(const std::string& name) const { return !cells_[IndexOf(name)].has_value(); }
  // Returns the column's text, or "" for NULL.
  std::string Str(const std::string& name) const { return cells_[IndexOf(name)].value_or(""); }
  // Returns the column as an integer, or 0 for NULL.
  int64_t Int(const std::string& name) const { return IntAt(IndexOf(name)); }

  const std::vector<std::string>& columns() const { return *columns_; }

  // By position (std::out_of_range past the end): only for tests that read
  // a result of one value (QueryInt). Code reads by name.
  size_t size() const { return cells_.size(); }
  bool IsNull(size_t i) const { return !cells_.at(i).has_value(); }
  std::string Str(size_t i) const { return cells_.at(i).value_or(""); }
  int64_t Int(size_t i) const { return IntAt(i); }

 private:
  // The cell labelled `name`; throws std::logic_error when not exactly one is.
  size_t IndexOf(const std::string& name) const;
  int64_t IntAt(size_t i) const;

  DbColumns columns_;
  std::vector<std::optional<std::string>> cells_;
};

struct ExecResult {
  uint64_t affected_rows = 0;
  uint64_t last_insert_id = 0;
};

class Db {
 public:
  explicit Db(DbOptions options);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Opens the connection if there is none. Returns Unavailable when the
  // server cannot be reached. A connection that died since its last use is
  // noticed by the next Query, which reconnects and runs once more (outside
  // transactions only).
  Status EnsureConnected();

  // Runs a SELECT with `params` bound to its `?` placeholders.
  Status Query(const std::string& sql, const std::vector<DbValue>& params,
               std::vector<DbRow>* rows);
  // Runs an INSERT/UPDATE/DELETE. `result` may be null.
  Status Exec(const std::string& sql, const std::vector<DbValue>& params,
              ExecResult* result = nullptr);
  // Runs a script of `;`-separated statements one by one, unprepared, and
  // stops at the first error. REQUIRES: options.multi_statements. For
  // trusted files (sql/) only: nothing from a request ever reaches it.
  Status ExecScript(const std::string& script);

  // START TRANSACTION, COMMIT and ROLLBACK, sent as statements so that the
  // server's answer is checked (a commit that failed is a failure). Prefer
  // RunInTransaction, which also runs a transaction again after a conflict.
  Status Begin();
  Status Commit();
  Status Rollback();

  // True when the last call (Query, Exec, Begin, Commit, Rollback) failed
  // on a deadlock, a lock wait timeout or a Galera certification conflict
  // (1213, 1205): running the whole transaction again may well succeed.
  bool last_error_retryable() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits an SQL script into statements at `;`, skipping `;` inside quotes
// ('...', "...", `...`) and comments (-- , #, /* */). Empty statements are
// dropped. Connector/C++ 1.1 cannot walk the results of a multi-statement
// query (getMoreResults() cannot tell "no more" from "an update count"), so
// scripts are split here and sent one statement at a time.
std::vector<std::string> SplitSqlScript(const std::string& script);

// Runs `body` (its queries and writes) inside one transaction and commits
// it. When any of it, the COMMIT included, fails on a deadlock or a Galera
// certification conflict, everything is rolled back and run again, up to
// `attempts` times in all, after a short random pause; then Unavailable
// ("database busy"), a 503 with Retry-After. Any other failure rolls back
// and is returned at once. REQUIRES: `body` can run again from the start:
// it sets its outputs afresh each time, and does nothing outside the
// database that a rollback would not undo.
Status RunInTransaction(Db* db, const std::function<Status()>& body, int attempts = 4);

// Rolls back on destruction unless Commit() succeeded: the shape of every
// multi-statement write (RunInTransaction uses it).
class Transaction {
 public:
  explicit Transaction(Db* db) : db_(db) { status_ = db_->Begin(); }
  ~Transaction() {
    if (status_.ok() && !done_) db_->Rollback();
  }
  // Returns the status of BEGIN; a failed BEGIN must not be followed by writes.
  const Status& begin_status() const { return status_; }
  Status Commit() {
    done_ = true;
    return db_->Commit();
  }

 private:
  Db* db_;
  Status status_;
  bool done_ = false;
};

}  // namespace site
