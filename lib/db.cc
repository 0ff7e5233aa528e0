#include "db.h"

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <stdexcept>
#include <thread>

#include "log.h"

namespace site {

namespace {

// Client errors that mean the connection is gone (CR_CONNECTION_ERROR,
// CR_CONN_HOST_ERROR, CR_SERVER_GONE_ERROR, CR_SERVER_LOST, ...) and server
// errors sent while it shuts down or kills our thread.
bool IsConnectionLost(int code) {
  switch (code) {
    case 2002: case 2003: case 2005: case 2006: case 2013: case 2027: case 2055:
    case 1040: case 1053: case 1152: case 1158: case 1159: case 1160: case 1161:
    case 1927: case 4031:
      return true;
  }
  return false;
}

constexpr int kDuplicateKey = 1062;
// A deadlock or lock wait timeout (1213, 1205; on Galera, a certification
// conflict, at COMMIT or at any statement of a transaction that another
// node's write aborted): the whole transaction may simply run again.
bool IsRetryable(int code) { return code == 1213 || code == 1205; }

// A Galera node that cannot take requests now: 1047 "WSREP has not yet
// prepared node for application use" (no quorum, or still joining), 1180
// "Error while appending streaming replication fragment ... Not connected
// to Primary Component" (quorum lost while a write waited). The connection
// itself is fine and works again when the cluster does: the site is
// unavailable for a moment, nothing is broken (docs/galera-notes.md).
bool IsClusterUnavailable(int code) { return code == 1047 || code == 1180; }

sql::mysql::MySQL_Driver* Driver() {
  // get_driver_instance() is not thread-safe (docs/stack-notes.md); a function-local
  // static is initialised exactly once.
  static sql::mysql::MySQL_Driver* driver = sql::mysql::get_mysql_driver_instance();
  return driver;
}

// "a, b, c": the labels of a result, for the message of a misread column.
std::string JoinLabels(const std::vector<std::string>& labels) {
  std::string out;
  for (const std::string& l : labels) out += (out.empty() ? "" : ", ") + l;
  return out;
}

}  // namespace

DbRow::DbRow(DbColumns columns, std::vector<std::optional<std::string>> cells)
    : columns_(std::move(columns)), cells_(std::move(cells)) {
  if (!columns_ || columns_->size() != cells_.size()) {
    throw std::logic_error("DbRow: " + std::to_string(cells_.size()) + " cells but " +
                           std::to_string(columns_ ? columns_->size() : 0) + " column labels");
  }
}

size_t DbRow::IndexOf(const std::string& name) const {
  // A linear scan: results have a dozen columns at most, and a map per
  // result would cost more than it saves.
  const std::vector<std::string>& labels = *columns_;
  size_t found = labels.size();
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] != name) continue;
    if (found != labels.size()) {
      throw std::logic_error("column \"" + name + "\" is ambiguous in this result (columns: " +
                             JoinLabels(labels) + "); give one an alias");
    }
    found = i;
  }
  if (found == labels.size()) {
    throw std::logic_error("no column \"" + name + "\" in this result (columns: " +
                           JoinLabels(labels) + ")");
  }
  return found;
}

int64_t DbRow::IntAt(size_t i) const {
  const std::optional<std::string>& cell = cells_.at(i);
  if (!cell) return 0;
  return std::stoll(*cell);
}

struct Db::Impl {
  DbOptions options;
  std::unique_ptr<sql::Connection> conn;
  std::map<std::string, std::unique_ptr<sql::PreparedStatement>> statements;
  bool in_transaction = false;
  // Whether the last error was a deadlock or certification conflict
  // (IsRetryable): RunInTransaction runs the transaction again then.
  bool last_error_retryable = false;

  void Drop() {
    statements.clear();
    conn.reset();
    in_transaction = false;
  }

  // Turns a Connector/C++ exception into our Status, dropping the connection
  // when it is lost so that the next request reconnects.
  Status FromException(const sql::SQLException& e, const std::string& what) {
    int code = e.getErrorCode();
    last_error_retryable = IsRetryable(code);
    if (IsConnectionLost(code) || !conn) {
      Log(LogLevel::kWarning, "", "database unreachable during " + what + ": " + e.what());
      Drop();
      return Status::Unavailable("database unreachable");
    }
    if (code == kDuplicateKey) return Status::Conflict(e.what());
    if (IsRetryable(code)) {
      Log(LogLevel::kWarning, "", "database conflict during " + what + ": " + e.what());
      return Status::Unavailable("database busy; try again");
    }
    if (IsClusterUnavailable(code)) {
      Log(LogLevel::kWarning, "", "database cluster unavailable during " + what + ": " + e.what());
      return Status::Unavailable("database cluster unavailable");
    }
    std::string detail = "database error " + std::to_string(code) + " during " + what + ": " +
                         e.what();
    Log(LogLevel::kError, "", detail);
    return Status::Internal(detail);
  }

  Status StartTransaction() {
    if (!conn) return Status::Unavailable("database unreachable");
    try {
      std::unique_ptr<sql::Statement> st(conn->createStatement());
      st->execute("START TRANSACTION");
      in_transaction = true;
      return Status::OK();
    } catch (const sql::SQLException& e) {
      return FromException(e, "begin");
    }
  }

  // COMMIT or ROLLBACK, as a statement. A failed one leaves no
  // transaction open (the server has rolled it back: Galera's 1213 at
  // COMMIT, or the connection went and took it along).
  Status EndTransaction(const char* statement) {
    if (!conn) return Status::Unavailable("database unreachable");
    in_transaction = false;
    try {
      std::unique_ptr<sql::Statement> st(conn->createStatement());
      st->execute(statement);
      last_error_retryable = false;
      return Status::OK();
    } catch (const sql::SQLException& e) {
      Status s = FromException(e, statement);
      // Unless the server surely ended the transaction (a conflict rolls
      // it back), this connection must not carry it into the next request.
      if (!last_error_retryable && conn) {
        try {
          std::unique_ptr<sql::Statement> st(conn->createStatement());
          st->execute("ROLLBACK");
        } catch (const sql::SQLException&) {
          Drop();
        }
      }
      return s;
    }
  }

  Status Connect() {
    Drop();
    sql::ConnectOptionsMap props;
    if (!options.socket.empty()) {
      props["hostName"] = sql::SQLString("localhost");
      props["socket"] = sql::SQLString(options.socket);
    } else {
      props["hostName"] = sql::SQLString(options.host);
      props["port"] = options.port;
    }
    props["userName"] = sql::SQLString(options.user);
    props["password"] = sql::SQLString(options.password);
    props["schema"] = sql::SQLString(options.database);
    props["OPT_CONNECT_TIMEOUT"] = options.connect_timeout_seconds;
    props["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
    props["OPT_RECONNECT"] = false;  // we reconnect ourselves, re-preparing statements
    try {
      conn.reset(Driver()->connect(props));
      std::unique_ptr<sql::Statement> st(conn->createStatement());
      // All times in the database are UTC; see sql/.
      st->execute("SET time_zone = '+00:00'");
      // Causal reads on a Galera cluster: a read waits until this node has
      // applied every write the cluster committed before it, so a token
      // replaced or revoked through another node is refused here at once
      // (without it, 63-85 reads in 1000 right after a write on another
      // node saw the old row; docs/galera-notes.md). 1 = reads (SELECT).
      // Without Galera (wsrep_on=OFF) it changes nothing; a server without
      // the variable at all (not MariaDB) is fine too.
      try {
        st->execute("SET SESSION wsrep_sync_wait = 1");
      } catch (const sql::SQLException&) {
      }
      return Status::OK();
    } catch (const sql::SQLException& e) {
      Log(LogLevel::kWarning, "", std::string("cannot connect to the database: ") + e.what());
      Drop();
      return Status::Unavailable("database unreachable");
    }
  }

  Status RunQuery(const std::string& query, const std::vector<DbValue>& params,
                  std::vector<DbRow>* rows) {
    rows->clear();
    if (!conn) return Status::Unavailable("database unreachable");
    try {
      sql::PreparedStatement* ps = Prepare(query);
      Bind(ps, params);
      std::unique_ptr<sql::ResultSet> rs(ps->executeQuery());
      sql::ResultSetMetaData* meta = rs->getMetaData();
      unsigned int columns = meta->getColumnCount();
      auto labels = std::make_shared<std::vector<std::string>>();
      labels->reserve(columns);
      for (unsigned int c = 1; c <= columns; ++c) {
        labels->push_back(meta->getColumnLabel(c).asStdString());
      }
      DbColumns shared = std::move(labels);
      while (rs->next()) {
        std::vector<std::optional<std::string>> cells;
        cells.reserve(columns);
        for (unsigned int c = 1; c <= columns; ++c) {
          std::string value = rs->getString(c);
          if (rs->wasNull()) {
            cells.emplace_back(std::nullopt);
          } else {
            cells.emplace_back(std::move(value));
          }
        }
        rows->emplace_back(shared, std::move(cells));
      }
      return Status::OK();
    } catch (const sql::SQLException& e) {
      return FromException(e, "query");
    }
  }

  sql::PreparedStatement* Prepare(const std::string& query) {
    auto it = statements.find(query);
    if (it != statements.end()) return it->second.get();
    std::unique_ptr<sql::PreparedStatement> ps(conn->prepareStatement(query));
    sql::PreparedStatement* raw = ps.get();
    statements.emplace(query, std::move(ps));
    return raw;
  }

  static void Bind(sql::PreparedStatement* ps, const std::vector<DbValue>& params) {
    ps->clearParameters();
    for (size_t i = 0; i < params.size(); ++i) {
      unsigned int index = static_cast<unsigned int>(i + 1);
      const DbValue& v = params[i];
      if (std::holds_alternative<std::nullptr_t>(v)) {
        ps->setNull(index, sql::DataType::VARCHAR);
      } else if (const int64_t* n = std::get_if<int64_t>(&v)) {
        ps->setInt64(index, *n);
      } else {
        ps->setString(index, sql::SQLString(std::get<std::string>(v)));
      }
    }
  }
};

Db::Db(DbOptions options) : impl_(std::make_unique<Impl>()) { impl_->options = std::move(options); }

Db::~Db() = default;

Status Db::EnsureConnected() {
  // No ping here: it would cost a round trip on every request. A connection
  // that died since its last use is found by the request's first query,
  // which reconnects and repeats itself (Query below).
  if (impl_->conn) return Status::OK();
  return impl_->Connect();
}

Status Db::Query(const std::string& query, const std::vector<DbValue>& params,
                 std::vector<DbRow>* rows) {
  impl_->last_error_retryable = false;
  bool had_connection = impl_->conn != nullptr;
  bool in_transaction = impl_->in_transaction;  // a lost connection clears it
  Status s = impl_->RunQuery(query, params, rows);
  if (s.code() == Status::Code::kUnavailable && had_connection && !in_transaction) {
    // The server went away since this connection's last use (a restart, a
    // wait_timeout): a read outside a transaction is safe to repeat once on
    // a new connection. Writes are never repeated: they may have happened.
    if (impl_->Connect().ok()) s = impl_->RunQuery(query, params, rows);
  }
  return s;
}

Status Db::Exec(const std::string& query, const std::vector<DbValue>& params,
                ExecResult* result) {
  impl_->last_error_retryable = false;
  if (!impl_->conn) return Status::Unavailable("database unreachable");
  try {
    sql::PreparedStatement* ps = impl_->Prepare(query);
    Impl::Bind(ps, params);
    int affected = ps->executeUpdate();
    if (result != nullptr) {
      result->affected_rows = static_cast<uint64_t>(affected);
      sql::PreparedStatement* id = impl_->Prepare("SELECT LAST_INSERT_ID()");
      std::unique_ptr<sql::ResultSet> rs(id->executeQuery());
      result->last_insert_id = rs->next() ? rs->getUInt64(1) : 0;
    }
    return Status::OK();
  } catch (const sql::SQLException& e) {
    return impl_->FromException(e, "update");
  }
}

Status Db::ExecScript(const std::string& script) {
  if (!impl_->conn) return Status::Unavailable("database unreachable");
  if (!impl_->options.multi_statements) return Status::Internal("ExecScript needs multi_statements");
  for (const std::string& statement : SplitSqlScript(script)) {
    try {
      std::unique_ptr<sql::Statement> st(impl_->conn->createStatement());
      st->execute(sql::SQLString(statement));
    } catch (const sql::SQLException& e) {
      return impl_->FromException(e, "script statement \"" + statement.substr(0, 80) + "\"");
    }
  }
  return Status::OK();
}

std::vector<std::string> SplitSqlScript(const std::string& script) {
  std::vector<std::string> statements;
  std::string current;
  auto flush = [&] {
    size_t b = current.find_first_not_of(" \t\r\n");
    if (b != std::string::npos) statements.push_back(current.substr(b));
    current.clear();
  };
  size_t i = 0, n = script.size();
  while (i < n) {
    char c = script[i];
    if (c == '\'' || c == '"' || c == '`') {
      // A quoted string or name; a backslash escapes in '...' and "...".
      size_t j = i + 1;
      while (j < n && script[j] != c) j += (script[j] == '\\' && c != '`') ? 2 : 1;
      j = std::min(j + 1, n);
      current.append(script, i, j - i);
      i = j;
    } else if (c == '#' || (c == '-' && i + 2 < n && script[i + 1] == '-' &&
                            (script[i + 2] == ' ' || script[i + 2] == '\t'))) {
      size_t j = script.find('\n', i);
      i = (j == std::string::npos) ? n : j;  // drop the comment, keep the newline
    } else if (c == '-' && i + 2 == n && script[i + 1] == '-') {
      i = n;
    } else if (c == '/' && i + 1 < n && script[i + 1] == '*') {
      size_t j = script.find("*/", i + 2);
      size_t end = (j == std::string::npos) ? n : j + 2;
      // MariaDB runs the body of /*!NNNNN ... */ and /*M!NNNNN ... */
      // (mysqldump writes them): those stay; other comments go.
      bool executable = script.compare(i, 3, "/*!") == 0 || script.compare(i, 4, "/*M!") == 0;
      if (executable) {
        current.append(script, i, end - i);
      } else {
        current += ' ';
      }
      i = end;
    } else if (c == ';') {
      flush();
      ++i;
    } else {
      current += c;
      ++i;
    }
  }
  flush();
  return statements;
}


bool Db::last_error_retryable() const { return impl_->last_error_retryable; }

// Transactions are statements, not Connector/C++'s setAutoCommit(false) and
// commit(): its MySQL_Connection::commit() ignores the server's answer, so
// a COMMIT that Galera refused (1213, a certification conflict) returned
// as if it had committed, and the write was gone (docs/galera-notes.md:
// 20 of 20 such commits; the statement threw 1213 20 of 20 times).
Status Db::Begin() {
  impl_->last_error_retryable = false;
  bool had_connection = impl_->conn != nullptr;
  Status s = impl_->StartTransaction();
  // A connection that died since its last use (the server restarted) is
  // found here when a transaction is the request's first use of it:
  // nothing has happened yet, so a new connection may simply start it.
  if (s.code() == Status::Code::kUnavailable && had_connection && !impl_->conn &&
      impl_->Connect().ok()) {
    s = impl_->StartTransaction();
  }
  return s;
}

Status Db::Commit() { return impl_->EndTransaction("COMMIT"); }

Status Db::Rollback() { return impl_->EndTransaction("ROLLBACK"); }

Status RunInTransaction(Db* db, const std::function<Status()>& body, int attempts) {
  Status s;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    bool conflict = false;
    {
      Transaction tx(db);
      s = tx.begin_status();
      if (s.ok()) s = body();
      if (s.ok()) s = tx.Commit();
      // Read before the rollback below, which is a call of its own.
      conflict = s.code() == Status::Code::kUnavailable && db->last_error_retryable();
    }  // rolled back here unless committed
    if (!conflict) return s;
    if (attempt < attempts) {
      // A short random pause, longer each time, so that two transactions
      // that collided do not collide again in step.
      // (Jitter needs no secret randomness.)
      static thread_local std::minstd_rand jitter(std::random_device{}());
      std::this_thread::sleep_for(std::chrono::milliseconds(
          (5 << attempt) + static_cast<int>(jitter() % (10u << attempt))));
    }
  }
  Log(LogLevel::kWarning, "", "a transaction kept colliding; gave up after " +
                                  std::to_string(attempts) + " attempts");
  return Status::Unavailable("database busy; try again");
}

}  // namespace site
