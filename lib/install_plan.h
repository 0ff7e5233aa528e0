// The plan of an install: which file of which archive goes where. A pure
// step (no disk, no database), so that every rule is table-tested
// (tests/unit/install_plan_test.cc): resources must exist once each, the
// limits hold for nested archives too, paths are safe, fit the database's
// key, and no path is two files or a file and a directory at once.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "collection_archive.h"
#include "collection_manifest.h"
#include "status.h"

namespace site {

// Install paths are keyed whole in the database (sql/008): at most this
// many bytes (and so characters) each.
constexpr size_t kMaxInstallPathBytes = 700;

// What the plan needs to know of an archive: its files and declared sizes.
struct ArchiveListing {
  std::vector<std::string> files;  // regular files, in archive order
  uint64_t declared_bytes = 0;     // all entries, unpacked
  uint64_t entries = 0;            // all entries, directories included
};

struct PlannedFile {
  std::string area;   // www, private or cdn
  std::string path;   // relative to the area
  std::string entry;  // in the archive, or in the nested archive
  std::string nested;  // "": the collection archive; else the resource holding it
};

struct InstallPlan {
  std::vector<PlannedFile> files;
  std::vector<std::string> warnings;  // entries no <Resource> names
};

struct PlanInput {
  const CollectionManifest* manifest = nullptr;
  std::string manifest_name;  // the manifest's entry in the archive
  ArchiveListing archive;
  // The listing of every resource that is itself a zip, by resource name.
  std::map<std::string, ArchiveListing> nested;
  ArchiveLimits limits;
};

// True iff the resource is unpacked into its area (its name ends in .zip).
bool IsNestedArchive(const ManifestResource& resource);

// Plans the install of `in`, or returns Invalid naming what is wrong.
// REQUIRES: in.nested holds a listing for every nested-archive resource
// that the archive has.
Status PlanInstall(const PlanInput& in, InstallPlan* out);

}  // namespace site
