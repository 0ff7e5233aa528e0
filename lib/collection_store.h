// The collections' SQL: installed collections, their files and add-ons,
// the install history, and site_state (the published generation). The one
// module that reads or writes those tables (sql/004, 005, 007, 008): for
// the installer, and for the Collections page.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "collection_manifest.h"
#include "db.h"
#include "status.h"

namespace site {

// The generation that site_state names ("" on a new site).
Status ReadSiteGeneration(Db* db, std::string* generation);
// Names `generation` in site_state.
Status WriteSiteGeneration(Db* db, const std::string& generation);
// Names `generation` in site_state iff it still names `expected`. Sets
// *swapped to whether it did.
Status SwapSiteGeneration(Db* db, const std::string& expected, const std::string& generation,
                          bool* swapped);

Status CountCollections(Db* db, int64_t* count);

struct CollectionVersion {
  int64_t id = 0;
  bool updatable = true;
  int64_t version = 0;
  std::string installed_at;  // "YYYY-MM-DD HH:MM:SS" (UTC)
  std::string archive_sha256;  // of the archive it was installed from
};

// Sets *found and, when found, *out to the installed collection `guid`.
Status FindCollection(Db* db, const std::string& guid, bool* found, CollectionVersion* out);

// Returns Invalid naming the first of `imports` (other than `self`) that is
// not installed.
Status CheckImportsInstalled(Db* db, const std::vector<std::string>& imports,
                             const std::string& self);

// Returns Conflict when `path` of `area` (in any case) is a file, a
// directory of files, or below a file of a collection other than
// `collection_id` (0: any collection); the message names the owner.
Status CheckPathFree(Db* db, const std::string& area, const std::string& path,
                     int64_t collection_id);

// The "area/path" of every file of collection `collection_id`.
Status CollectionFiles(Db* db, int64_t collection_id, std::set<std::string>* files);

struct SavedFile {
  std::string area;
  std::string path;
  uint64_t bytes = 0;
};

struct SavedCollection {
  const CollectionManifest* manifest = nullptr;
  int64_t existing_id = 0;  // 0: a new collection
  int64_t version = 1;
  int64_t person_id = 0;    // 0: none
  std::string archive_sha256;
  uint64_t bytes = 0;
  std::vector<SavedFile> files;
};

// Writes the collection, its files and add-ons, replacing what an earlier
// version had. REQUIRES: inside a transaction. Returns Conflict when a file
// belongs to another collection meanwhile.
Status SaveCollection(Db* db, const SavedCollection& c);

struct AttemptRecord {
  std::string guid, name;  // "" when the archive could not be read
  int64_t person_id = 0;
  std::string client_address;
  std::string archive_sha256;
  uint64_t archive_bytes = 0;
  int http_status = 200;
  std::string reason;  // "" when installed
  uint64_t files = 0, bytes = 0;
  bool replaced = false;
  // "unchanged" or "validated" (a dry run); "" for what http_status says:
  // installed (2xx), refused (4xx) or failed (5xx).
  std::string result;
};

// Adds the attempt to the install history, stamped with the time of this
// call: an install records itself inside its own commit, under the lease
// (lib/lease.h), so the history lists installs in the order they replaced
// each other on any node (AUTO_INCREMENT ids are not that order on Galera).
Status RecordInstallAttempt(Db* db, const AttemptRecord& a);

// What the Collections page lists.
struct InstalledCollection {
  std::string name, guid, installed_by, installed_at;
  int64_t version = 0, files = 0, bytes = 0;
  bool updatable = true;
};

struct InstallAttempt {
  std::string name, guid, person, client_address, attempted_at, result, reason, sha256;
  int64_t http_status = 0, files = 0, bytes = 0;
  bool replaced = false;
};

Status ListInstalledCollections(Db* db, std::vector<InstalledCollection>* out);

// The latest attempts, newest first (in the order they committed, see
// RecordInstallAttempt); only those of `guid` when it is not "".
Status ListInstallAttempts(Db* db, const std::string& guid, int limit,
                           std::vector<InstallAttempt>* out);

}  // namespace site
