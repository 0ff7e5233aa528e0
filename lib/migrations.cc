#include "migrations.h"

#include "lease.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace site {

namespace {

bool IsMigrationName(const std::string& name) {
  return name.size() > 8 && std::isdigit(static_cast<unsigned char>(name[0])) &&
         std::isdigit(static_cast<unsigned char>(name[1])) &&
         std::isdigit(static_cast<unsigned char>(name[2])) && name[3] == '_' &&
         name.size() >= 4 && name.compare(name.size() - 4, 4, ".sql") == 0;
}

}  // namespace

Status ListMigrations(const std::string& sql_dir, std::vector<std::string>* names) {
  names->clear();
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(sql_dir, ec)) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && IsMigrationName(name)) names->push_back(name);
  }
  if (ec) return Status::Internal("cannot read " + sql_dir + ": " + ec.message());
  std::sort(names->begin(), names->end());
  return Status::OK();
}

Status ApplyMigrations(Db* db, const std::string& sql_dir, std::vector<std::string>* applied,
                       int wait_seconds) {
  std::vector<std::string> names;
  Status s = ListMigrations(sql_dir, &names);
  if (!s.ok()) return s;
  if (names.empty()) return Status::Invalid("no migrations (NNN_name.sql) in " + sql_dir);
  s = db->Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " name VARCHAR(255) NOT NULL PRIMARY KEY,"
      " applied_at DATETIME NOT NULL DEFAULT UTC_TIMESTAMP()"
      ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
      {});
  if (!s.ok()) return s;
  // One process applies migrations at a time, on every node of a cluster:
  // a lease (lib/lease.h; GET_LOCK would be per database server). Long,
  // since one ALTER of a large table can take minutes; a holder that died
  // on this host frees it at once.
  s = CreateLeaseTable(db);
  if (!s.ok()) return s;
  Lease lease(db, "migrations", 600);
  s = lease.Acquire(wait_seconds, "another process is applying migrations");
  if (!s.ok()) return s;
  std::vector<DbRow> rows;
  s = db->Query("SELECT name FROM schema_migrations", {}, &rows);
  std::set<std::string> done;
  for (const DbRow& r : rows) done.insert(r.Str("name"));
  // A database ahead of the directory is an older release's sql/ (or the
  // wrong directory): applying from it would say "up to date" and be wrong.
  std::string unknown;
  for (const std::string& name : done) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      unknown += (unknown.empty() ? "" : ", ") + name;
    }
  }
  if (s.ok() && !unknown.empty()) {
    s = Status::Invalid("the database has migrations that " + sql_dir + " does not hold (" +
                        unknown + "): is it an older release's sql/ directory?");
  }
  for (const std::string& name : names) {
    if (!s.ok()) break;
    if (done.count(name)) continue;
    std::ifstream f(sql_dir + "/" + name);
    std::ostringstream script;
    script << f.rdbuf();
    if (!f) {
      s = Status::Internal("cannot read " + sql_dir + "/" + name);
      break;
    }
    s = lease.Renew();
    if (s.ok()) s = db->ExecScript(script.str());
    if (!s.ok()) {
      s = Status::Internal("migration " + name + " failed: " + s.message() +
                           " (MariaDB commits each schema change at once: statements of " + name +
                           " before the failing one stay applied)");
      break;
    }
    s = db->Exec("INSERT INTO schema_migrations (name) VALUES (?)", {name});
    if (s.ok()) applied->push_back(name);
  }
  return s;
}

}  // namespace site
