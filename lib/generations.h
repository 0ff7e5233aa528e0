// The files area on disk: files_dir/generations/<name>/{www,private,cdn},
// files_dir/current -> generations/<name> (the published one; the web
// server's document root is current/www), and files_dir/staging for
// uploads and unpacking. An install builds a new generation beside the
// published one and publishes it with one rename(2), so readers see the old
// generation or the new one, never a mix.
//
// Generation names come from the database: "gen-" and the fencing number
// of the install lease under which it was built (lib/lease.h), so names
// never collide across web nodes and order the builds; the empty first
// generation of a new site is number 0, below every build. These functions
// touch only the disk; callers hold the lease (lib/collection_installer.cc).
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "config.h"
#include "status.h"

namespace site {

extern const char* const kFileAreas[3];  // www, private, cdn

// "gen-000000000042" for 42: names sort like their numbers.
std::string GenerationName(int64_t number);
// The number of a GenerationName(), or 0 for any other name (generations
// named by an older release, from its clock, count as older than all).
int64_t GenerationNumber(const std::string& name);

std::string GenerationDir(const Config& config, const std::string& name);
std::string StagingDir(const Config& config);
// The directory of the published www area (files_dir/current/www).
std::string PublishedWwwDir(const Config& config);
// The name of the generation files_dir/current points at ("" if none).
std::string PublishedGeneration(const Config& config);

// Creates generations/ and staging/ when missing.
Status PrepareFilesArea(const Config& config);
// Creates the generation `name` with its empty areas, replacing any
// directory of that name (left by a build that never committed).
Status CreateGeneration(const Config& config, const std::string& name);
// Hard-links every regular file of generation `from` into `to`, except the
// "area/path"s of `skip`. Calls `tick` between files (the lease renews
// there); stops with its failure.
Status LinkFiles(const Config& config, const std::string& from, const std::string& to,
                 const std::set<std::string>& skip, const std::function<Status()>& tick);
// Everything written below files_dir reaches the disk (syncfs).
Status SyncFilesArea(const Config& config);
// Points files_dir/current at generation `name`, atomically, and syncs.
Status PublishGeneration(const Config& config, const std::string& name);

// Removes generation `name` (readers of its files keep them open).
void RemoveGeneration(const Config& config, const std::string& name);
// Removes what interrupted installs left: every generation except `keep`
// whose number is below `fence` (built under a lease that has ended: every
// lease before the current one's has), temporary links, and staging
// entries older than an hour (uploads spool there before the lease).
// Never a generation whose number is `fence` or more: the current lease's.
void RemoveLeftovers(const Config& config, const std::string& keep, int64_t fence);

}  // namespace site
