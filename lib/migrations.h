// Migrations: the schema is the files of sql/ named NNN_description.sql,
// applied in name order, each exactly once, recorded in schema_migrations.
// A migration is never edited once it has shipped; changes are new files.
#pragma once

#include <string>
#include <vector>

#include "db.h"
#include "status.h"

namespace site {

// Returns the migration file names in `sql_dir`, in the order they apply.
Status ListMigrations(const std::string& sql_dir, std::vector<std::string>* names);

// Applies the pending migrations of `sql_dir` and appends their names to
// `applied`. Holds the "migrations" lease meanwhile, so two nodes starting at once
// do not both apply one file. Refuses a directory with no migrations, or
// one that lacks a migration the database already has (an older release).
// MariaDB commits each DDL statement at once, so a file that fails halfway
// keeps its first statements: write migrations that can run again
// (IF NOT EXISTS) or hold one schema change each.
// One process applies them at a time (a lease, lib/lease.h): another waits
// up to `wait_seconds`, then gets Unavailable.
// REQUIRES: `db` was opened with multi_statements.
Status ApplyMigrations(Db* db, const std::string& sql_dir, std::vector<std::string>* applied,
                       int wait_seconds = 60);

}  // namespace site
