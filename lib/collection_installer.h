// Installing a collection, all or nothing.
//
// The site's files live in generations: files_dir/generations/<name>/{www,
// private,cdn}, and files_dir/current is a symlink to the published one
// (the web server's document root is current/www). An install
//   1. checks everything first: the archive (collection_archive.h), its
//      manifest, imports, the updatable flag, and that no path it would
//      write belongs to another collection;
//   2. builds a new generation beside the published one: hard links to
//      every file it keeps, the collection's new files unpacked and synced;
//   3. commits the new state to the database in one transaction (which
//      names the new generation), then swaps the symlink with rename(2).
// Readers therefore see the old generation or the new one, never a mix.
// After a crash at any point, Recover() makes the disk follow the database
// (the truth) and removes what an interrupted install left behind. Installs
// are serialized by a database lock, so several web nodes sharing one
// database and one files directory take turns.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "config.h"
#include "db.h"
#include "status.h"

namespace site {

struct InstallInput {
  std::string archive_path;  // the uploaded zip, already on disk
  std::string archive_sha256;
  uint64_t archive_bytes = 0;
  int64_t person_id = 0;
  std::string client_address;
  std::string fault_point;  // tests only; see Config::allow_fault_injection
};

struct InstallOutcome {
  std::string name;
  std::string guid;
  uint64_t files = 0;
  uint64_t bytes = 0;
  bool replaced = false;
  int64_t version = 1;
  std::string replaced_installed_at;  // when the replaced version was installed
  std::vector<std::string> warnings;
};

// Validates and installs the archive, and records the attempt whatever its
// result. Returns Invalid (422) for a bad archive or collection, Conflict
// (409) for a refused replacement or a path owned by another collection,
// Unavailable (503) when another install holds the lock too long.
Status InstallCollection(Db* db, const Config& config, const InstallInput& in,
                         InstallOutcome* out);

// Records an attempt refused before the archive could be read (a bad
// upload: 400, 413), so that every attempt is in the history.
Status RecordRefusedUpload(Db* db, const InstallInput& in, const Status& refusal);

// Brings the files area in line with the database after a crash, creating
// the first (empty) generation on a new site. Takes the install lock.
Status RecoverCollections(Db* db, const Config& config);

// Runs `fn` while holding the install lock, so that no install changes the
// database or the files area meanwhile (a consistent backup of both).
// Returns Unavailable when an install holds the lock too long.
Status WithInstallLock(Db* db, const std::function<Status()>& fn);

// The directory of the published www area (files_dir/current/www).
std::string PublishedWwwDir(const Config& config);

}  // namespace site
