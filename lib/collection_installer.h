// Installing a collection, all or nothing.
//
// An install, in order:
//   1. reads the archive and its manifest and plans where every file goes
//      (lib/install_plan.h: pure, table-tested);
//   2. takes the site's "collections" lease (lib/lease.h: a row in the
//      database, cluster-wide, with a fencing number) and recovers the
//      files area if an earlier holder died (lib/generations.h);
//   3. checks the plan against what is installed: the updatable flag,
//      imports, paths owned by other collections (lib/collection_store.h);
//   4. builds a new generation, named after the lease's fence: hard links
//      to every file it keeps, the new files unpacked, all synced;
//   5. commits in one transaction that names the new generation, records
//      the attempt, and writes the lease row (so it commits only while the
//      lease is still this install's);
//   6. publishes the generation with one rename(2), and only then lets the
//      lease go.
// After a crash at any point the disk is brought back to the database (the
// truth) by the next holder of the lease, or by `siteadmin recover-files`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "config.h"
#include "db.h"
#include "generations.h"
#include "lease.h"
#include "status.h"
#include "upload.h"

namespace site {

struct InstallInput {
  std::string archive_path;  // the uploaded zip, already on disk
  std::string archive_sha256;
  uint64_t archive_bytes = 0;
  int64_t person_id = 0;
  std::string client_address;
  std::string fault_point;  // tests only; see Config::allow_fault_injection
  // Runs every check and says what would change, installs nothing; the
  // attempt is recorded as "validated".
  bool dry_run = false;
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
  // The archive is the one installed (same SHA-256, its files in place):
  // nothing was built, the attempt is recorded as "unchanged".
  bool unchanged = false;
  // A dry run: what an install would do, as "area/path" of each file.
  bool dry_run = false;
  std::vector<std::string> files_added, files_replaced, files_removed;
};

// The input for installing `upload` (or recording its refusal: then only
// its byte count is known), sent by `person_id` from `client_address`.
InstallInput InstallInputFor(const ReceivedUpload& upload, int64_t person_id,
                             const std::string& client_address);

// "Installed collection "Shop" (12 files, replacing the previous version)",
// or what a dry run or an unchanged archive did instead: the message both
// the API and the Collections page give.
std::string InstallSummary(const InstallOutcome& out);

// Validates and installs the archive (with in.dry_run, only validates it;
// an archive already installed, out->unchanged, builds nothing), and
// records the attempt whatever its result. Returns Invalid (422) for a bad
// archive or collection, Conflict (409) for a refused replacement or a path
// owned by another collection, Unavailable (503) when another install holds
// the lease too long.
Status InstallCollection(Db* db, const Config& config, const InstallInput& in,
                         InstallOutcome* out);

// Records an attempt refused before the archive could be read (a bad
// upload: 400, 413), so that every attempt is in the history.
Status RecordRefusedUpload(Db* db, const InstallInput& in, const Status& refusal);

// Brings the files area in line with the database after a crash, creating
// the first (empty) generation on a new site. Takes the install lease.
Status RecoverCollections(Db* db, const Config& config);

// Runs `fn` while holding the install lease, so that no install changes the
// database or the files area meanwhile (a consistent backup of both). `fn`
// must call lease->RenewIfDue() at least every 10 s while it runs.
// Returns Unavailable when an install holds the lease too long.
Status WithInstallLock(Db* db, const std::function<Status(Lease* lease)>& fn);

}  // namespace site
