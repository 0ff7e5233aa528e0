// Minimal reproductions, against the cluster tools/galera.sh starts, of what
// issue 11 found in Connector/C++ 1.1.12 on Galera (docs/galera-notes.md
// has the results). Built by hand:
//
//   g++ -std=c++17 -O2 -Wall -Wextra -o build/commit_repro tests/galera/commit_repro.cc -lmysqlcppconn
//
//   commit_repro d1 DIR [ROUNDS]      D1: a transaction on node1 loses to a
//       conflicting UPDATE committed on node2; is the failed commit reported
//       by Connection::commit(), and by Statement::execute("COMMIT")?
//   commit_repro sync-wait DIR [ROUNDS]   SET SESSION wsrep_sync_wait=1 is
//       per connection; stale reads on node2 right after a write on node1,
//       with and without it, and what a read costs either way
//   commit_repro query CONF SQL...    each SQL in turn on one new connection to
//       the node CONF (a site.conf) names: the rows, or the error (a lost
//       quorum); "sleep SECONDS" in place of an SQL waits, the connection open
//
// DIR is tools/galera.sh's: DIR/nodeN/site.conf names node N's socket and
// the site's user. Connections are made as lib/db.cc makes them.
#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using Connection = std::unique_ptr<sql::Connection>;

std::map<std::string, std::string> ReadConf(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::map<std::string, std::string> conf;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find(" = ");
    if (eq != std::string::npos) conf[line.substr(0, eq)] = line.substr(eq + 3);
  }
  return conf;
}

Connection Connect(const std::string& conf_path) {
  auto conf = ReadConf(conf_path);
  sql::ConnectOptionsMap props;
  props["hostName"] = sql::SQLString("localhost");
  props["socket"] = sql::SQLString(conf.at("db_socket"));
  props["userName"] = sql::SQLString(conf.at("db_user"));
  props["password"] = sql::SQLString(conf.at("db_password"));
  props["schema"] = sql::SQLString(conf.at("db_name"));
  props["OPT_CONNECT_TIMEOUT"] = 5;
  props["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  props["OPT_RECONNECT"] = false;
  static sql::mysql::MySQL_Driver* driver = sql::mysql::get_mysql_driver_instance();
  return Connection(driver->connect(props));
}

std::string NodeConf(const std::string& dir, int n) {
  return dir + "/node" + std::to_string(n) + "/site.conf";
}

std::string Describe(const sql::SQLException& e) {
  std::ostringstream s;
  s << "error " << e.getErrorCode() << " (SQLSTATE " << e.getSQLState() << "): " << e.what();
  return s.str();
}

void Execute(sql::Connection* c, const std::string& query) {
  std::unique_ptr<sql::Statement> st(c->createStatement());
  st->execute(query);
}

// The first column of the first row, as text ("" for no row).
std::string Scalar(sql::Connection* c, const std::string& query) {
  std::unique_ptr<sql::Statement> st(c->createStatement());
  std::unique_ptr<sql::ResultSet> rs(st->executeQuery(query));
  return rs->next() ? std::string(rs->getString(1)) : std::string();
}

int RowValue(sql::Connection* c) {
  return std::stoi(Scalar(c, "SELECT v FROM commit_repro WHERE id = 1"));
}

// Waits until node1 (a causal reader there) sees node2's value: by then
// Galera has applied node2's write on node1, aborting (BF abort) the local
// transaction that held the row.
bool WaitForValue(sql::Connection* reader, int value) {
  auto until = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < until) {
    if (RowValue(reader) == value) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

enum class How { kCommitMethod, kCommitStatement, kSelectFirst };

const char* Name(How how) {
  switch (how) {
    case How::kCommitMethod: return "commit()";
    case How::kCommitStatement: return "execute(\"COMMIT\")";
    case How::kSelectFirst: return "a SELECT in the transaction, then commit()";
  }
  return "?";
}

// One round of D1. Returns true when the outcome was reported (an exception).
bool Round(const std::string& dir, How how, bool conflict, int round) {
  Connection c1 = Connect(NodeConf(dir, 1));
  Connection c2 = Connect(NodeConf(dir, 2));
  Connection reader1 = Connect(NodeConf(dir, 1));
  Execute(reader1.get(), "SET SESSION wsrep_sync_wait = 1");
  const int mine = 1000 + round, theirs = 2000 + round;

  c1->setAutoCommit(false);
  std::unique_ptr<sql::PreparedStatement> ps(c1->prepareStatement(
      "INSERT INTO commit_repro (id, v) VALUES (1, ?) ON DUPLICATE KEY UPDATE v = VALUES(v)"));
  ps->setInt(1, mine);
  ps->executeUpdate();
  if (conflict) {
    Execute(c2.get(), "UPDATE commit_repro SET v = " + std::to_string(theirs) + " WHERE id = 1");
    if (!WaitForValue(reader1.get(), theirs)) std::cout << "  (node2's value never reached node1)\n";
  }

  std::string outcome = "returned normally";
  bool reported = false;
  try {
    if (how == How::kSelectFirst) RowValue(c1.get());
    if (how == How::kCommitStatement) {
      Execute(c1.get(), "COMMIT");
    } else {
      c1->commit();
    }
  } catch (const sql::SQLException& e) {
    outcome = "threw " + Describe(e);
    reported = true;
  }
  std::string after;
  try {
    c1->setAutoCommit(true);
    after = "setAutoCommit(true) fine, @@in_transaction=" + Scalar(c1.get(), "SELECT @@in_transaction");
  } catch (const sql::SQLException& e) {
    after = "next call threw " + Describe(e);
  }
  Execute(reader1.get(), "COMMIT");  // a fresh snapshot for the causal read
  int on1 = RowValue(reader1.get());
  Execute(c2.get(), "SET SESSION wsrep_sync_wait = 1");
  int on2 = RowValue(c2.get());
  const char* whose = on1 == mine ? "node1's (committed)" : on1 == theirs ? "node2's (node1's write lost)" : "?";
  std::cout << "  round " << round << (conflict ? " conflict" : " no conflict") << ": "
            << Name(how) << " " << outcome
            << "; " << after << "; row v=" << on1 << " on node1, " << on2 << " on node2: " << whose
            << "\n";
  return reported;
}

// Two transactions, one on node1 and one on node2, write the same row and
// commit at the same moment: one loses (certification failure or BF abort).
void Race(const std::string& dir, How how, int round, int* silent, int* reported, int* both) {
  Connection c[2] = {Connect(NodeConf(dir, 1)), Connect(NodeConf(dir, 2))};
  int value[2] = {3000 + 10 * round + 1, 3000 + 10 * round + 2};
  std::string outcome[2];
  bool threw[2] = {false, false};
  for (int i = 0; i < 2; ++i) {
    c[i]->setAutoCommit(false);
    std::unique_ptr<sql::PreparedStatement> ps(c[i]->prepareStatement(
        "INSERT INTO commit_repro (id, v) VALUES (1, ?) ON DUPLICATE KEY UPDATE v = VALUES(v)"));
    ps->setInt(1, value[i]);
    ps->executeUpdate();
  }
  auto commit = [&](int i) {
    try {
      if (how == How::kCommitStatement) {
        Execute(c[i].get(), "COMMIT");
      } else {
        c[i]->commit();
      }
      outcome[i] = "returned";
    } catch (const sql::SQLException& e) {
      outcome[i] = "threw " + std::to_string(e.getErrorCode());
      threw[i] = true;
    }
  };
  std::thread t0(commit, 0), t1(commit, 1);
  t0.join();
  t1.join();
  Connection reader = Connect(NodeConf(dir, 3));
  Execute(reader.get(), "SET SESSION wsrep_sync_wait = 1");
  int stored = RowValue(reader.get());
  int winner = stored == value[0] ? 0 : stored == value[1] ? 1 : -1;
  if (winner < 0) {
    ++*both;
  } else if (threw[1 - winner]) {
    ++*reported;
  } else {
    ++*silent;
  }
  std::cout << "  race " << round << ": node1 " << Name(how) << " " << outcome[0] << ", node2 "
            << outcome[1] << "; stored " << (winner < 0 ? "neither?" : winner == 0 ? "node1's" : "node2's")
            << "\n";
}

int D1(const std::string& dir, int rounds) {
  {
    Connection c = Connect(NodeConf(dir, 1));
    Execute(c.get(),
            "CREATE TABLE IF NOT EXISTS commit_repro (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB");
    Execute(c.get(), "REPLACE INTO commit_repro VALUES (1, 0)");
  }
  std::cout << "Control, no conflicting write:\n";
  Round(dir, How::kCommitMethod, false, 0);
  Round(dir, How::kCommitStatement, false, 1);
  int method_reported = 0, statement_reported = 0;
  std::cout << "Conflicting UPDATE committed on node2 before node1 commits:\n";
  for (int i = 0; i < rounds; ++i) {
    method_reported += Round(dir, How::kCommitMethod, true, 10 + 2 * i);
    statement_reported += Round(dir, How::kCommitStatement, true, 11 + 2 * i);
  }
  std::cout << "Connection::commit() reported " << method_reported << " of " << rounds
            << " failed commits; Statement::execute(\"COMMIT\") " << statement_reported << " of "
            << rounds << "\n";
  std::cout << "The same, a SELECT of the row inside the transaction after the conflict:\n";
  Round(dir, How::kSelectFirst, true, 3);
  for (How how : {How::kCommitMethod, How::kCommitStatement}) {
    std::cout << "Races: the same row in open transactions on node1 and node2, both "
              << Name(how) << " at once:\n";
    int silent = 0, reported = 0, both = 0;
    for (int i = 0; i < rounds * 2; ++i) Race(dir, how, 100 + i, &silent, &reported, &both);
    std::cout << rounds * 2 << " races with " << Name(how) << ": the loser's returned normally "
              << silent << " times, threw " << reported << " times; neither stored " << both
              << " times\n";
  }
  return 0;
}

double Millis(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

int SyncWait(const std::string& dir, int rounds) {
  Connection writer = Connect(NodeConf(dir, 1));
  Connection plain = Connect(NodeConf(dir, 2));
  Connection causal = Connect(NodeConf(dir, 2));
  Execute(writer.get(),
          "CREATE TABLE IF NOT EXISTS commit_repro (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB");
  Execute(writer.get(), "REPLACE INTO commit_repro VALUES (1, 0)");
  Execute(causal.get(), "SET SESSION wsrep_sync_wait = 1");
  std::cout << "after SET SESSION wsrep_sync_wait = 1 on one connection to node2: its @@session "
            << Scalar(causal.get(), "SELECT @@session.wsrep_sync_wait") << ", @@global "
            << Scalar(causal.get(), "SELECT @@global.wsrep_sync_wait")
            << "; another connection's @@session "
            << Scalar(plain.get(), "SELECT @@session.wsrep_sync_wait") << "\n";
  struct Reader { const char* name; sql::Connection* c; int stale = 0; Clock::duration spent{}; };
  Reader readers[] = {{"wsrep_sync_wait=0", plain.get()}, {"wsrep_sync_wait=1", causal.get()}};
  int value = 0;
  for (int i = 0; i < rounds; ++i) {
    for (Reader& r : readers) {
      Execute(writer.get(), "UPDATE commit_repro SET v = " + std::to_string(++value) + " WHERE id = 1");
      auto start = Clock::now();
      int seen = RowValue(r.c);
      r.spent += Clock::now() - start;
      if (seen != value) ++r.stale;
    }
  }
  for (Reader& r : readers) {
    std::cout << r.name << ": " << r.stale << " of " << rounds
              << " reads on node2 right after a write on node1 were stale; mean read "
              << Millis(r.spent) / rounds << " ms\n";
  }
  // The cost on a node with no write just before: the same read, again and again.
  for (Reader& r : readers) {
    auto start = Clock::now();
    for (int i = 0; i < rounds; ++i) RowValue(r.c);
    std::cout << r.name << ", no write in between: mean read "
              << Millis(Clock::now() - start) / rounds << " ms\n";
  }
  return 0;
}

int Query(const std::string& conf, const std::vector<std::string>& queries) {
  Connection c;
  try {
    c = Connect(conf);
    std::cout << "connect: fine\n";
  } catch (const sql::SQLException& e) {
    std::cout << "connect: " << Describe(e) << "\n";
    return 1;
  }
  for (const std::string& q : queries) {
    if (q.rfind("sleep ", 0) == 0) {  // not SQL: wait here, the connection kept open
      std::cout << q << std::endl;
      std::this_thread::sleep_for(std::chrono::milliseconds(int(std::stod(q.substr(6)) * 1000)));
      continue;
    }
    std::cout << q << ": ";
    try {
      std::unique_ptr<sql::Statement> st(c->createStatement());
      if (st->execute(q)) {
        std::unique_ptr<sql::ResultSet> rs(st->getResultSet());
        int columns = rs->getMetaData()->getColumnCount();
        std::string sep;
        while (rs->next()) {
          for (int i = 1; i <= columns; ++i) std::cout << (i > 1 ? " " : sep) << rs->getString(i);
          sep = " | ";
        }
        std::cout << "\n";
      } else {
        std::cout << "fine, " << st->getUpdateCount() << " rows\n";
      }
    } catch (const sql::SQLException& e) {
      std::cout << Describe(e) << "\n";
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() >= 2 && args[0] == "d1") {
      return D1(args[1], args.size() > 2 ? std::stoi(args[2]) : 5);
    }
    if (args.size() >= 2 && args[0] == "sync-wait") {
      return SyncWait(args[1], args.size() > 2 ? std::stoi(args[2]) : 200);
    }
    if (args.size() >= 3 && args[0] == "query") {
      return Query(args[1], std::vector<std::string>(args.begin() + 2, args.end()));
    }
  } catch (const sql::SQLException& e) {
    std::cerr << "unexpected " << Describe(e) << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: commit_repro d1 DIR [ROUNDS] | sync-wait DIR [ROUNDS] | query CONF SQL...\n";
  return 2;
}
