// ScratchDb: a fixture that gives one test its own MariaDB database.
//
// The database is named unit_<pid>_<counter>, created on the server named by
//   SITE_TEST_DB_SOCKET    unix socket path of the server
//   SITE_TEST_DB_USER      a user allowed to CREATE and DROP databases
//   SITE_TEST_DB_PASSWORD  that user's password
//   SITE_TEST_SQL_DIR      the sql/ directory with the migrations
// migrated with ApplyMigrations (unless the fixture says otherwise), and
// dropped when the fixture goes away. When a variable is missing the test
// FAILS with a message naming it: database tests never pass silently.
//
// Include after <boost/test/unit_test.hpp>.
#pragma once

#include <unistd.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "access.h"
#include "config.h"
#include "db.h"
#include "migrations.h"
#include "people.h"
#include "response.h"
#include "status.h"
#include "test_util.h"

// Marks a test (or a fixture suite) that needs the MariaDB server: `make
// unit` runs every other one, with no server (--run_test='!@db').
#define NEEDS_DB *boost::unit_test::label("db")

namespace site_test {

struct DbEnvironment {
  std::string socket;
  std::string user;
  std::string password;
  std::string sql_dir;
};

// Reads the SITE_TEST_DB_* variables; fails the test naming the missing ones.
inline DbEnvironment ReadDbEnvironment() {
  DbEnvironment e;
  e.socket = GetEnv("SITE_TEST_DB_SOCKET");
  e.user = GetEnv("SITE_TEST_DB_USER");
  e.password = GetEnv("SITE_TEST_DB_PASSWORD");
  e.sql_dir = GetEnv("SITE_TEST_SQL_DIR");
  std::string missing;
  if (e.socket.empty()) missing += " SITE_TEST_DB_SOCKET";
  if (e.user.empty()) missing += " SITE_TEST_DB_USER";
  if (std::getenv("SITE_TEST_DB_PASSWORD") == nullptr) missing += " SITE_TEST_DB_PASSWORD";
  if (e.sql_dir.empty()) missing += " SITE_TEST_SQL_DIR";
  if (!missing.empty()) {
    BOOST_FAIL("database test cannot run: environment variable(s)"
               << missing
               << " not set (the test harness sets them to a private MariaDB server; see "
                  "tests/unit/scratch_db.h)");
  }
  return e;
}

inline int NextScratchNumber() {
  static int counter = 0;
  return ++counter;
}

class ScratchDb {
 public:
  // With `migrate`, the schema of SITE_TEST_SQL_DIR is applied.
  explicit ScratchDb(bool migrate = true) : env_(ReadDbEnvironment()) {
    name_ = "unit_" + std::to_string(getpid()) + "_" + std::to_string(NextScratchNumber());
    config_.db_socket = env_.socket;
    config_.db_name = name_;
    config_.db_user = env_.user;
    config_.db_password = env_.password;
    config_.templates_dir = TemplatesDir();
    config_.password_iterations = 100000;

    site::DbOptions server = Options(false);
    server.database = "mysql";
    server_ = std::make_unique<site::Db>(server);
    site::Status s = server_->EnsureConnected();
    if (!s.ok()) {
      BOOST_FAIL("cannot connect to the test MariaDB at " << env_.socket << " as " << env_.user
                                                          << ": " << s.ToString());
    }
    s = server_->Exec("DROP DATABASE IF EXISTS `" + name_ + "`", {});
    if (s.ok()) {
      s = server_->Exec("CREATE DATABASE `" + name_ +
                            "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
                        {});
    }
    if (!s.ok()) BOOST_FAIL("cannot create scratch database " << name_ << ": " << s.ToString());
    created_ = true;

    if (migrate) {
      std::unique_ptr<site::Db> script = Connect(true);
      std::vector<std::string> applied;
      s = script ? site::ApplyMigrations(script.get(), env_.sql_dir, &applied)
                 : site::Status::Unavailable("no connection");
      if (!s.ok() || applied.empty()) {
        Drop();
        BOOST_FAIL("cannot migrate scratch database " << name_ << " from " << env_.sql_dir << ": "
                                                      << s.ToString() << " (" << applied.size()
                                                      << " migrations applied)");
      }
    }
    db_ = Connect(false);
    if (!db_) {
      Drop();
      BOOST_FAIL("cannot connect to scratch database " << name_);
    }

  }

  ~ScratchDb() {
    db_.reset();
    Drop();
  }

  ScratchDb(const ScratchDb&) = delete;
  ScratchDb& operator=(const ScratchDb&) = delete;

  // A connection to the scratch database opened like the site's own
  // (no multi-statements).
  site::Db* db() { return db_.get(); }
  // Settings pointing at the scratch database.
  site::Config& config() { return config_; }
  const std::string& name() const { return name_; }
  const std::string& sql_dir() const { return env_.sql_dir; }

  // Options for another connection to the scratch database.
  site::DbOptions Options(bool multi_statements) const {
    site::DbOptions o;
    o.socket = env_.socket;
    o.user = env_.user;
    o.password = env_.password;
    o.database = name_;
    o.multi_statements = multi_statements;
    return o;
  }

  // Opens another connection; returns null (and records a failure) when it cannot.
  std::unique_ptr<site::Db> Connect(bool multi_statements) const {
    auto db = std::make_unique<site::Db>(Options(multi_statements));
    site::Status s = db->EnsureConnected();
    BOOST_CHECK_MESSAGE(s.ok(), "cannot connect to " << name_ << ": " << s.ToString());
    if (!s.ok()) return nullptr;
    return db;
  }

  // Runs a statement that the test needs to succeed.
  void Exec(const std::string& sql, const std::vector<site::DbValue>& params = {}) {
    site::Status s = db_->Exec(sql, params);
    BOOST_REQUIRE_MESSAGE(s.ok(), sql << ": " << s.ToString());
  }

  // Runs a query returning one integer (COUNT(*) and the like).
  int64_t QueryInt(const std::string& sql, const std::vector<site::DbValue>& params = {}) {
    std::vector<site::DbRow> rows;
    site::Status s = db_->Query(sql, params, &rows);
    BOOST_REQUIRE_MESSAGE(s.ok(), sql << ": " << s.ToString());
    BOOST_REQUIRE_MESSAGE(rows.size() == 1 && rows[0].size() >= 1, sql << ": expected one row");
    return rows[0].Int(0);
  }

  // Runs a query returning one text value.
  std::string QueryStr(const std::string& sql, const std::vector<site::DbValue>& params = {}) {
    std::vector<site::DbRow> rows;
    site::Status s = db_->Query(sql, params, &rows);
    BOOST_REQUIRE_MESSAGE(s.ok(), sql << ": " << s.ToString());
    BOOST_REQUIRE_MESSAGE(rows.size() == 1 && rows[0].size() >= 1, sql << ": expected one row");
    return rows[0].Str(0);
  }

  // Stores a person through site::InsertPerson and returns the id.
  int64_t AddPerson(const std::string& first, const std::string& last,
                    const std::string& username = "", site::Access access = site::Access::kNone,
                    const std::string& email = "", bool active = true,
                    const std::string& password_hash = "") {
    site::Person p;
    p.first_name = first;
    p.last_name = last;
    p.username = username;
    p.email = email;
    p.access = access;
    p.active = active;
    int64_t id = 0;
    site::FieldErrors errors;
    site::Status s = site::InsertPerson(db_.get(), p, password_hash, &id, &errors);
    BOOST_REQUIRE_MESSAGE(s.ok(), "InsertPerson(" << first << " " << last << "): " << s.ToString()
                                                  << " with " << errors.size() << " field errors");
    BOOST_REQUIRE_GT(id, 0);
    return id;
  }

 private:
  void Drop() {
    if (!created_) return;
    created_ = false;
    site::Status s = server_->EnsureConnected();
    if (s.ok()) s = server_->Exec("DROP DATABASE IF EXISTS `" + name_ + "`", {});
    BOOST_CHECK_MESSAGE(s.ok(), "cannot drop scratch database " << name_ << ": " << s.ToString());
  }

  DbEnvironment env_;
  std::string name_;
  bool created_ = false;
  std::unique_ptr<site::Db> server_;
  std::unique_ptr<site::Db> db_;
  site::Config config_;
};

// For BOOST_FIXTURE_TEST_SUITE: a migrated scratch database per test case.
struct MigratedDb : ScratchDb {
  MigratedDb() : ScratchDb(true) {}
};

// A scratch database with no tables, for the migration tests.
struct EmptyDb : ScratchDb {
  EmptyDb() : ScratchDb(false) {}
};

// Returns the value of cookie `name` from the first Set-Cookie header of
// `resp` that sets it ("" when there is none).
inline std::string CookieValueFrom(const site::Response& resp, const std::string& name) {
  std::string header = resp.Header("Set-Cookie");
  std::string prefix = name + "=";
  if (header.compare(0, prefix.size(), prefix) != 0) return "";
  size_t end = header.find(';');
  return header.substr(prefix.size(), end == std::string::npos ? std::string::npos
                                                               : end - prefix.size());
}

}  // namespace site_test
