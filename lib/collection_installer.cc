#include "collection_installer.h"

#include "text.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <map>
#include <set>

#include "bearer_token.h"
#include "collection_archive.h"
#include "collection_manifest.h"
#include "crypto.h"
#include "log.h"
#include "safe_path.h"

namespace fs = std::filesystem;

namespace site {

namespace {

const char* const kAreas[] = {"www", "private", "cdn"};
const char kLockName[] = "site_collections";
// Under mod_fcgid's FcgidIOTimeout (apache-conf/site-common.conf), so that a queued
// install answers 503 itself rather than being cut off by the web server.
constexpr int kLockWaitSeconds = 30;
// Paths are keyed on their first 700 characters (sql/004_collections.sql).
constexpr size_t kMaxInstallPathBytes = 700;



fs::path Root(const Config& c) { return fs::path(c.files_dir); }
fs::path Generations(const Config& c) { return Root(c) / "generations"; }
fs::path Staging(const Config& c) { return Root(c) / "staging"; }
fs::path Current(const Config& c) { return Root(c) / "current"; }

// Tests only: dies here, as kill -9 would, when asked to.
void MaybeDie(const InstallInput& in, const Config& config, const char* point) {
  if (config.allow_fault_injection && in.fault_point == point) {
    Log(LogLevel::kWarning, in.client_address, std::string("fault injected at ") + point);
    _exit(137);
  }
}

std::string NewGenerationName() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", &tm);
  return std::string("g") + buf + "-" + RandomHex(4);
}

Status SyncDirectory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::Internal("cannot open " + dir.string());
  // syncfs: everything written below files_dir reaches the disk before the
  // database names the new generation.
  int rc = ::syncfs(fd);
  ::close(fd);
  return rc == 0 ? Status::OK() : Status::Internal("cannot sync " + dir.string());
}

// Points files_dir/current at generations/<generation>, atomically.
Status Publish(const Config& config, const std::string& generation) {
  fs::path link_tmp = Root(config) / ("current.new-" + RandomHex(4));
  std::string target = "generations/" + generation;
  if (::symlink(target.c_str(), link_tmp.c_str()) != 0) {
    return Status::Internal("cannot create symlink " + link_tmp.string());
  }
  if (::rename(link_tmp.c_str(), Current(config).c_str()) != 0) {
    ::unlink(link_tmp.c_str());
    return Status::Internal("cannot publish generation " + generation);
  }
  return SyncDirectory(Root(config));
}

std::string PublishedGeneration(const Config& config) {
  std::error_code ec;
  fs::path target = fs::read_symlink(Current(config), ec);
  if (ec) return "";
  return target.filename().string();
}

// Holds the database's named lock for the scope (GET_LOCK is per connection).
class InstallLock {
 public:
  explicit InstallLock(Db* db) : db_(db) {}
  Status Acquire() {
    // A reconnect would silently drop the lock: while it is held, a lost
    // connection ends the install instead (Db::set_retry_reads).
    db_->set_retry_reads(false);
    std::vector<DbRow> rows;
    Status s = db_->Query("SELECT GET_LOCK(?, ?)",
                          {std::string(kLockName), static_cast<int64_t>(kLockWaitSeconds)}, &rows);
    if (!s.ok()) return s;
    if (rows.empty() || rows[0].Int(0) != 1) {
      return Status::Unavailable("another collection install is running; try again shortly");
    }
    held_ = true;
    return Status::OK();
  }
  ~InstallLock() {
    if (held_) {
      std::vector<DbRow> ignored;
      db_->Query("SELECT RELEASE_LOCK(?)", {std::string(kLockName)}, &ignored);
    }
    db_->set_retry_reads(true);
  }

 private:
  Db* db_;
  bool held_ = false;
};

// REQUIRES: the install lock.
Status RecoverLocked(Db* db, const Config& config) {
  std::error_code ec;
  fs::create_directories(Generations(config), ec);
  fs::create_directories(Staging(config), ec);
  if (ec) return Status::Internal("cannot create " + Generations(config).string());
  std::vector<DbRow> rows;
  Status s = db->Query("SELECT generation FROM site_state WHERE id = 1", {}, &rows);
  if (!s.ok()) return s;
  std::string generation = rows.empty() ? "" : rows[0].Str(0);
  std::string published = PublishedGeneration(config);
  if (!generation.empty() && !fs::is_directory(Generations(config) / generation) &&
      !published.empty() && fs::is_directory(Generations(config) / published)) {
    // Never throw files away: keep what is served, and say so.
    Log(LogLevel::kError, "", "generation " + generation + " named by the database is missing; "
                              "keeping the published " + published);
    s = db->Exec("UPDATE site_state SET generation = ? WHERE id = 1", {published});
    if (!s.ok()) return s;
    generation = published;
  }
  if (!generation.empty() && !fs::is_directory(Generations(config) / generation)) {
    // Installed collections and no files for them: most likely the shared
    // files area is not mounted. Starting empty would lose them for good.
    s = db->Query("SELECT COUNT(*) FROM collections", {}, &rows);
    if (!s.ok()) return s;
    if (!rows.empty() && rows[0].Int(0) > 0) {
      return Status::Internal("generation " + generation + " is missing from " +
                              config.files_dir + " (is the files area mounted?)");
    }
  }
  if (generation.empty() || !fs::is_directory(Generations(config) / generation)) {
    // A new site (or a lost generation): an empty one, named in the database.
    generation = NewGenerationName();
    for (const char* area : kAreas) fs::create_directories(Generations(config) / generation / area, ec);
    if (ec) return Status::Internal("cannot create the first generation");
    s = SyncDirectory(Root(config));
    if (!s.ok()) return s;
    s = db->Exec("UPDATE site_state SET generation = ? WHERE id = 1", {generation});
    if (!s.ok()) return s;
  }
  if (PublishedGeneration(config) != generation) {
    if (!published.empty()) {
      Log(LogLevel::kWarning, "", "publishing generation " + generation + " (recovery)");
    }
    s = Publish(config, generation);
    if (!s.ok()) return s;
  }
  // Whatever else is there was left by an interrupted install: a build in
  // progress holds the lock we hold now (and keeps it: see InstallLock).
  for (const auto& entry : fs::directory_iterator(Generations(config), ec)) {
    if (entry.path().filename() != generation) fs::remove_all(entry.path(), ec);
  }
  for (const auto& entry : fs::directory_iterator(Root(config), ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("current.new-", 0) == 0) fs::remove(entry.path(), ec);
  }
  // Uploads spool here before they take the lock: only old ones are leftovers.
  auto hour_ago = fs::file_time_type::clock::now() - std::chrono::hours(1);
  for (const auto& entry : fs::directory_iterator(Staging(config), ec)) {
    if (fs::last_write_time(entry.path(), ec) < hour_ago) fs::remove_all(entry.path(), ec);
  }
  return Status::OK();
}

struct PlannedFile {
  std::string area;
  std::string path;  // relative to the area
  std::string entry;  // in the archive, or in the nested archive
  size_t nested = 0;  // 0: the collection archive; n: nested archive n-1
};

Status RecordAttempt(Db* db, const InstallInput& in, const CollectionManifest* m,
                     const Status& result, const InstallOutcome* outcome) {
  int code = HttpStatusOf(result);
  const char* kind = result.ok() ? "installed" : code >= 500 ? "failed" : "refused";
  return db->Exec(
      "INSERT INTO collection_installs (guid, name, person_id, client_address, attempted_at, "
      "archive_sha256, archive_bytes, result, http_status, reason, file_count, total_bytes, "
      "replaced) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6), ?, ?, ?, ?, ?, ?, ?, ?)",
      {m ? m->guid : std::string(), m ? m->name : std::string(),
       in.person_id > 0 ? DbValue(in.person_id) : DbValue(nullptr), in.client_address,
       in.archive_sha256, static_cast<int64_t>(in.archive_bytes), std::string(kind),
       static_cast<int64_t>(code), result.message().substr(0, 2000),
       static_cast<int64_t>(outcome ? outcome->files : 0),
       static_cast<int64_t>(outcome ? outcome->bytes : 0),
       static_cast<int64_t>(outcome && outcome->replaced ? 1 : 0)});
}

// The install itself; InstallCollection() records whatever this returns.
// `lock` is the caller's, so that the attempt is recorded before it is
// released: the history then lists installs in the order they committed.
Status Install(Db* db, const Config& config, const InstallInput& in, CollectionManifest* m,
               InstallOutcome* out, InstallLock* lock) {
  ArchiveLimits limits;
  std::unique_ptr<CollectionArchive> archive;
  Status s = CollectionArchive::Open(in.archive_path, limits, true, &archive);
  if (!s.ok()) return s;
  std::string xml;
  s = archive->ReadManifest(&xml);
  if (!s.ok()) return s;
  s = ParseManifest(xml, archive->manifest_name(), m);
  if (!s.ok()) return s;
  out->name = m->name;
  out->guid = m->guid;
  out->warnings = m->warnings;

  // Nested resource zips are unpacked to staging first: checked like the
  // outer archive, before anything is published.
  fs::path work = Staging(config) / ("install-" + RandomHex(8));
  std::error_code ec;
  fs::create_directories(work, ec);
  if (ec) return Status::Internal("cannot create " + work.string());
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(dir, e);
    }
  } cleanup{work};

  std::vector<std::unique_ptr<CollectionArchive>> nested;
  std::vector<PlannedFile> plan;
  // The limits hold for the install as a whole, nested archives included:
  // everything that will be written is charged.
  uint64_t unpacked = archive->total_declared(), entries = archive->entry_count();
  std::set<std::string> used_entries = {archive->manifest_name()};
  std::set<std::string> resource_names;
  for (const ManifestResource& r : m->resources) {
    if (!resource_names.insert(r.name).second) {
      return Status::Invalid(archive->manifest_name() + ": <Resource name=\"" + r.name +
                             "\"> appears more than once");
    }
    if (!archive->Has(r.name)) {
      return Status::Invalid(archive->manifest_name() + ": <Resource name=\"" + r.name +
                             "\"> names a file the archive does not have");
    }
    used_entries.insert(r.name);
    std::string base = r.name.substr(r.name.rfind('/') + 1);
    if (Lower(base).size() > 4 && Lower(base).compare(base.size() - 4, 4, ".zip") == 0) {
      fs::path inner = work / ("nested-" + std::to_string(nested.size()) + ".zip");
      uint64_t ignored = 0;
      s = archive->Extract(r.name, inner.string(), &ignored);
      if (!s.ok()) return s;
      std::unique_ptr<CollectionArchive> a;
      s = CollectionArchive::Open(inner.string(), limits, false, &a);
      if (!s.ok()) return Status::Invalid("in " + r.name + ": " + s.message());
      unpacked += a->total_declared();
      entries += a->entry_count();
      if (unpacked > limits.max_unpacked_bytes) {
        return Status::Invalid("the archive unpacks to more than " +
                               FormatBytes(limits.max_unpacked_bytes) +
                               " (nested archives included)");
      }
      if (entries > limits.max_entries) {
        return Status::Invalid("the archive has more than " + std::to_string(limits.max_entries) +
                               " entries (nested archives included)");
      }
      for (const std::string& f : a->files()) {
        plan.push_back(PlannedFile{r.type, JoinPath(r.path, f), f, nested.size() + 1});
      }
      nested.push_back(std::move(a));
    } else {
      plan.push_back(PlannedFile{r.type, JoinPath(r.path, base), r.name, 0});
    }
  }
  if (plan.size() > limits.max_entries) {
    return Status::Invalid("the collection installs more than " +
                           std::to_string(limits.max_entries) + " files");
  }
  for (const std::string& f : archive->files()) {
    if (!used_entries.count(f)) {
      out->warnings.push_back("archive entry \"" + f + "\" is not a <Resource>; ignored");
    }
  }
  std::set<std::string> targets;
  for (const PlannedFile& p : plan) {
    s = CheckRelativePath(p.path, "install path");
    if (!s.ok()) return s;
    if (p.path.size() > kMaxInstallPathBytes) {
      return Status::Invalid("install path \"" + p.path + "\" is longer than " +
                             std::to_string(kMaxInstallPathBytes) + " bytes");
    }
    if (!targets.insert(p.area + "/" + Lower(p.path)).second) {
      return Status::Invalid("two resources would install to " + p.area + "/" + p.path);
    }
  }
  // A path cannot be a file and a directory at once.
  for (const PlannedFile& p : plan) {
    for (size_t slash = p.path.find('/'); slash != std::string::npos;
         slash = p.path.find('/', slash + 1)) {
      if (targets.count(p.area + "/" + Lower(p.path.substr(0, slash)))) {
        return Status::Invalid(p.area + "/" + p.path.substr(0, slash) +
                               " would be both a file and a directory");
      }
    }
  }

  s = lock->Acquire();
  if (!s.ok()) return s;
  s = RecoverLocked(db, config);
  if (!s.ok()) return s;

  std::vector<DbRow> rows;
  s = db->Query(
      "SELECT id, updatable, DATE_FORMAT(installed_at, '%Y-%m-%d %H:%i:%s'), version "
      "FROM collections WHERE guid = ?",
      {m->guid}, &rows);
  if (!s.ok()) return s;
  int64_t existing_id = 0;
  if (!rows.empty()) {
    existing_id = rows[0].Int(0);
    if (rows[0].Int(1) == 0) {
      return Status::Conflict("collection \"" + m->name + "\" (" + m->guid +
                              ") is installed and not updatable (updatable=\"false\")");
    }
    out->replaced = true;
    out->replaced_installed_at = rows[0].Str(2) + " UTC";
    out->version = rows[0].Int(3) + 1;
  }
  for (const std::string& guid : m->imports) {
    s = db->Query("SELECT 1 FROM collections WHERE guid = ?", {guid}, &rows);
    if (!s.ok()) return s;
    if (rows.empty() && guid != m->guid) {
      return Status::Invalid("<ImportCollection> " + guid + " is not installed; install it first");
    }
  }
  for (const PlannedFile& p : plan) {
    // The path itself, a file where one of its directories would go, or
    // files below it where it would be a file; in any case (path_folded,
    // sql/005).
    std::vector<std::string> candidates = {p.path};
    for (size_t slash = p.path.find('/'); slash != std::string::npos;
         slash = p.path.find('/', slash + 1)) {
      candidates.push_back(p.path.substr(0, slash));
    }
    for (const std::string& c : candidates) {
      s = db->Query(
          "SELECT c.name, c.guid, f.path FROM collection_files f "
          "JOIN collections c ON c.id = f.collection_id "
          "WHERE f.area = ? AND f.path_folded = LOWER(?) AND f.collection_id <> ?",
          {p.area, c, existing_id}, &rows);
      if (!s.ok()) return s;
      if (!rows.empty()) break;
    }
    if (rows.empty()) {
      std::string prefix;
      for (char ch : p.path + "/") {
        if (ch == '%' || ch == '_' || ch == '\\') prefix += '\\';
        prefix += ch;
      }
      s = db->Query(
          "SELECT c.name, c.guid, f.path FROM collection_files f "
          "JOIN collections c ON c.id = f.collection_id "
          "WHERE f.area = ? AND f.path_folded LIKE LOWER(?) AND f.collection_id <> ? LIMIT 1",
          {p.area, prefix + "%", existing_id}, &rows);
      if (!s.ok()) return s;
    }
    if (!rows.empty()) {
      std::string owner = "collection \"" + rows[0].Str(0) + "\" (" + rows[0].Str(1) + ")";
      if (rows[0].Str(2) == p.path) {
        return Status::Conflict(p.area + "/" + p.path + " belongs to " + owner);
      }
      const std::string& theirs = rows[0].Str(2);
      bool same_case = StartsWith(p.path, theirs + "/") || StartsWith(theirs, p.path + "/");
      std::string why =
          same_case ? "" : " (paths that differ only in case are one file on a case-insensitive file system)";
      return Status::Conflict(p.area + "/" + p.path + " collides with " + p.area + "/" + theirs +
                              " of " + owner + why);
    }
  }

  // Build the new generation: links to what stays, the new files unpacked.
  // Read under the lock, after recovery: the database's generation is the
  // published one, and the commit below replaces exactly it.
  std::string old_generation;
  s = db->Query("SELECT generation FROM site_state WHERE id = 1", {}, &rows);
  if (!s.ok()) return s;
  if (!rows.empty()) old_generation = rows[0].Str(0);
  if (old_generation.empty() || !fs::is_directory(Generations(config) / old_generation)) {
    return Status::Internal("the published generation is missing from " + config.files_dir);
  }
  std::set<std::string> replaced_files;
  if (existing_id != 0) {
    s = db->Query("SELECT area, path FROM collection_files WHERE collection_id = ?", {existing_id},
                  &rows);
    if (!s.ok()) return s;
    for (const DbRow& r : rows) replaced_files.insert(r.Str(0) + "/" + r.Str(1));
  }
  std::string generation = NewGenerationName();
  fs::path next = Generations(config) / generation;
  fs::path prev = Generations(config) / old_generation;
  // Until the database names it, a failed build is removed at once.
  struct Unpublished {
    fs::path dir;
    bool keep = false;
    ~Unpublished() {
      std::error_code e;
      if (!keep) fs::remove_all(dir, e);
    }
  } unpublished{next};
  MaybeDie(in, config, "before-build");
  for (const char* area : kAreas) {
    fs::create_directories(next / area, ec);
    if (ec) return Status::Internal("cannot create " + (next / area).string());
    if (!fs::is_directory(prev / area)) continue;
    for (auto it = fs::recursive_directory_iterator(prev / area, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      // Lexically, and without following links: only regular files are
      // carried over (the installer never makes anything else).
      fs::path rel = it->path().lexically_relative(prev / area);
      fs::file_status st = it->symlink_status(ec);
      if (ec || !fs::is_regular_file(st)) continue;
      if (replaced_files.count(std::string(area) + "/" + rel.string())) continue;
      fs::create_directories((next / area / rel).parent_path(), ec);
      fs::create_hard_link(it->path(), next / area / rel, ec);
      if (ec) return Status::Internal("cannot link " + (next / area / rel).string());
    }
    if (ec) return Status::Internal("cannot read " + (prev / area).string());
  }
  size_t done = 0;
  for (const PlannedFile& p : plan) {
    fs::path dest = next / p.area / p.path;
    fs::create_directories(dest.parent_path(), ec);
    if (ec) return Status::Internal("cannot create " + dest.parent_path().string());
    CollectionArchive* from = p.nested == 0 ? archive.get() : nested[p.nested - 1].get();
    s = from->Extract(p.entry, dest.string(), &out->bytes);
    if (!s.ok()) return s;
    ++out->files;
    if (++done == 1) MaybeDie(in, config, "mid-build");
  }
  s = SyncDirectory(Root(config));
  if (!s.ok()) return s;
  MaybeDie(in, config, "after-build");

  // One transaction names the new generation and records what it holds
  // (run again from the top after a conflict: the files are built already).
  s = RunInTransaction(db, [&]() -> Status {
    Status s;
    int64_t id = existing_id;
    std::vector<DbValue> fields = {m->name,
                                   static_cast<int64_t>(m->system),
                                   static_cast<int64_t>(m->updatable),
                                   out->version,
                                   in.person_id > 0 ? DbValue(in.person_id) : DbValue(nullptr),
                                   static_cast<int64_t>(out->files),
                                   static_cast<int64_t>(out->bytes),
                                   in.archive_sha256,
                                   m->help_link,
                                   m->help};
    if (id == 0) {
      fields.push_back(m->guid);
      ExecResult r;
      s = db->Exec(
          "INSERT INTO collections (name, is_system, updatable, version, installed_by, installed_at, "
          "file_count, total_bytes, archive_sha256, help_link, help, guid) "
          "VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(), ?, ?, ?, ?, ?, ?)",
          fields, &r);
      id = static_cast<int64_t>(r.last_insert_id);
    } else {
      fields.push_back(id);
      s = db->Exec(
          "UPDATE collections SET name = ?, is_system = ?, updatable = ?, version = ?, "
          "installed_by = ?, installed_at = UTC_TIMESTAMP(), file_count = ?, total_bytes = ?, "
          "archive_sha256 = ?, help_link = ?, help = ? WHERE id = ?",
          fields);
      if (s.ok()) s = db->Exec("DELETE FROM collection_files WHERE collection_id = ?", {id});
      if (s.ok()) s = db->Exec("DELETE FROM collection_addons WHERE collection_id = ?", {id});
    }
    if (!s.ok()) return s;
    for (const PlannedFile& p : plan) {
      s = db->Exec("INSERT INTO collection_files (area, path, collection_id, bytes) VALUES (?, ?, ?, ?)",
                   {p.area, p.path, id,
                    static_cast<int64_t>(fs::file_size(next / p.area / p.path, ec))});
      if (s.code() == Status::Code::kConflict) {
        return Status::Conflict(p.area + "/" + p.path + " belongs to another collection");
      }
      if (!s.ok()) return s;
    }
    for (const ManifestAddon& a : m->addons) {
      s = db->Exec("INSERT INTO collection_addons (collection_id, name, guid) VALUES (?, ?, ?)",
                   {id, a.name.substr(0, 200), a.guid.substr(0, 64)});
      if (!s.ok()) return s;
    }
    // Compare and set: if another install slipped in (a lost lock), this
    // one must not publish a tree that lacks its files.
    ExecResult swapped;
    s = db->Exec("UPDATE site_state SET generation = ? WHERE id = 1 AND generation = ?",
                 {generation, old_generation}, &swapped);
    if (!s.ok()) return s;
    if (swapped.affected_rows != 1 || !fs::is_directory(next / "www")) {
      return Status::Unavailable("another collection install changed the site meanwhile; try again");
    }
    // Kept from here on even if COMMIT reports a failure: it may have been
    // committed all the same; recovery removes it if the database says not.
    unpublished.keep = true;
    return Status::OK();
  });
  if (!s.ok()) return s;
  MaybeDie(in, config, "after-commit");
  s = Publish(config, generation);
  if (!s.ok()) {
    // Committed: the install happened; recovery completes the publication.
    Log(LogLevel::kError, in.client_address, "publishing " + generation + ": " + s.message());
    out->warnings.push_back("installed; the web server will serve it after the next recovery");
    return Status::OK();
  }
  MaybeDie(in, config, "after-publish");
  fs::remove_all(prev, ec);  // readers of the old generation keep their open files
  return Status::OK();
}

}  // namespace

Status RecordRefusedUpload(Db* db, const InstallInput& in, const Status& refusal) {
  return RecordAttempt(db, in, nullptr, refusal, nullptr);
}

std::string PublishedWwwDir(const Config& config) { return (Current(config) / "www").string(); }

Status RecoverCollections(Db* db, const Config& config) {
  InstallLock lock(db);
  Status s = lock.Acquire();
  if (!s.ok()) return s;
  return RecoverLocked(db, config);
}

Status WithInstallLock(Db* db, const std::function<Status()>& fn) {
  InstallLock lock(db);
  Status s = lock.Acquire();
  if (!s.ok()) return s;
  return fn();
}

Status InstallCollection(Db* db, const Config& config, const InstallInput& in,
                         InstallOutcome* out) {
  *out = InstallOutcome();
  CollectionManifest manifest;
  InstallLock lock(db);
  Status s;
  try {
    s = Install(db, config, in, &manifest, out, &lock);
  } catch (const std::exception& e) {
    s = Status::Internal(std::string("install failed: ") + e.what());
  }
  Status recorded = RecordAttempt(db, in, manifest.guid.empty() ? nullptr : &manifest, s,
                                  s.ok() ? out : nullptr);
  if (!recorded.ok()) {
    Log(LogLevel::kError, in.client_address, "cannot record an install attempt: " + recorded.message());
  }
  Log(s.ok() ? LogLevel::kInfo : LogLevel::kWarning, in.client_address,
      "collection install by person " + std::to_string(in.person_id) + ": " +
          (s.ok() ? "installed " + manifest.guid : s.ToString()));
  return s;
}

}  // namespace site
