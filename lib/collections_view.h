// What the Collections page shows: installed collections and the history
// of install attempts, read from the database.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "db.h"
#include "status.h"

namespace site {

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

// The latest attempts, newest first; only those of `guid` when it is not "".
Status ListInstallAttempts(Db* db, const std::string& guid, int limit,
                           std::vector<InstallAttempt>* out);

}  // namespace site
