#include "collection_installer.h"

#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "collection_archive.h"
#include "collection_manifest.h"
#include "collection_store.h"
#include "crypto.h"
#include "install_plan.h"
#include "log.h"

namespace fs = std::filesystem;

namespace site {

namespace {

const char kLeaseName[] = "collections";
const char kBusy[] = "another collection install is running; try again shortly";
// How long an install waits for another to finish: under the web server's
// timeout for the upload routes (cgi-bin/routes), so that a queued install
// answers 503 itself.
constexpr int kLeaseWaitSeconds = 30;
// A lease not renewed for this long ends (its holder died on another host);
// installs renew it between files, a third of this apart.
constexpr int kLeaseTtlSeconds = 30;

// Tests only: dies here, as kill -9 would, when asked to.
void MaybeDie(const InstallInput& in, const Config& config, const char* point) {
  if (config.allow_fault_injection && in.fault_point == point) {
    Log(LogLevel::kWarning, in.client_address, std::string("fault injected at ") + point);
    _exit(137);
  }
}

bool GenerationExists(const Config& config, const std::string& name) {
  return !name.empty() && fs::is_directory(GenerationDir(config, name));
}

// Names `generation` in the database, while the lease is still ours.
Status NameGeneration(Db* db, Lease* lease, const std::string& generation) {
  return RunInTransaction(db, [&]() -> Status {
    Status s = lease->Fence();
    if (s.ok()) s = WriteSiteGeneration(db, generation);
    return s;
  });
}

// REQUIRES: the lease. Makes the disk follow the database: publishes the
// generation it names, creates the first (empty) one on a new site, and
// removes what interrupted installs left (RemoveLeftovers' rules). Sets
// *published to the generation that the database names and current serves.
Status RecoverHeld(Db* db, const Config& config, Lease* lease, std::string* published_out) {
  Status s = PrepareFilesArea(config);
  if (!s.ok()) return s;
  std::string generation;
  s = ReadSiteGeneration(db, &generation);
  if (!s.ok()) return s;
  std::string published = PublishedGeneration(config);
  if (!generation.empty() && !GenerationExists(config, generation) &&
      GenerationExists(config, published)) {
    // Never throw files away: keep what is served, and say so.
    Log(LogLevel::kError, "", "generation " + generation + " named by the database is missing; "
                              "keeping the published " + published);
    s = NameGeneration(db, lease, published);
    if (!s.ok()) return s;
    generation = published;
  }
  if (!generation.empty() && !GenerationExists(config, generation)) {
    // Installed collections and no files for them: most likely the shared
    // files area is not mounted. Starting empty would lose them for good.
    int64_t installed = 0;
    s = CountCollections(db, &installed);
    if (!s.ok()) return s;
    if (installed > 0) {
      return Status::Internal("generation " + generation + " is missing from " +
                              config.files_dir + " (is the files area mounted?)");
    }
  }
  if (!GenerationExists(config, generation)) {
    // A new site (or a lost, empty one): an empty generation of our own,
    // number 0, below every fence: an install recovering under this lease
    // builds generation `fence` next, which must be another directory.
    generation = GenerationName(0);
    s = CreateGeneration(config, generation);
    if (s.ok()) s = SyncFilesArea(config);
    if (s.ok()) s = NameGeneration(db, lease, generation);
    if (!s.ok()) return s;
  }
  if (PublishedGeneration(config) != generation) {
    if (!published.empty()) {
      Log(LogLevel::kWarning, "", "publishing generation " + generation + " (recovery)");
    }
    s = PublishGeneration(config, generation);
    if (!s.ok()) return s;
  }
  RemoveLeftovers(config, generation, lease->fence());
  *published_out = generation;
  return Status::OK();
}

ArchiveListing ListingOf(const CollectionArchive& a) {
  return ArchiveListing{a.files(), a.total_declared(), a.entry_count()};
}

// The archive, the nested archives it holds and the plan made from them.
struct OpenedCollection {
  std::unique_ptr<CollectionArchive> archive;
  std::map<std::string, std::unique_ptr<CollectionArchive>> nested;  // by resource name
  InstallPlan plan;
};

// Step 1: reads the archive and its manifest, unpacks nested archives into
// `work` (checked like the outer one), and plans the install.
Status ReadAndPlan(const InstallInput& in, const fs::path& work, CollectionManifest* m,
                   OpenedCollection* c, InstallOutcome* out) {
  PlanInput plan_in;
  Status s = CollectionArchive::Open(in.archive_path, plan_in.limits, true, &c->archive);
  if (!s.ok()) return s;
  std::string xml;
  s = c->archive->ReadManifest(&xml);
  if (!s.ok()) return s;
  s = ParseManifest(xml, c->archive->manifest_name(), m);
  if (!s.ok()) return s;
  out->name = m->name;
  out->guid = m->guid;
  out->warnings = m->warnings;
  plan_in.manifest = m;
  plan_in.manifest_name = c->archive->manifest_name();
  plan_in.archive = ListingOf(*c->archive);
  for (const ManifestResource& r : m->resources) {
    if (!IsNestedArchive(r) || !c->archive->Has(r.name) || c->nested.count(r.name)) continue;
    fs::path inner = work / ("nested-" + std::to_string(c->nested.size()) + ".zip");
    uint64_t ignored = 0;
    s = c->archive->Extract(r.name, inner.string(), &ignored);
    if (!s.ok()) return s;
    std::unique_ptr<CollectionArchive> a;
    s = CollectionArchive::Open(inner.string(), plan_in.limits, false, &a);
    if (!s.ok()) return Status::Invalid("in " + r.name + ": " + s.message());
    plan_in.nested[r.name] = ListingOf(*a);
    c->nested[r.name] = std::move(a);
  }
  s = PlanInstall(plan_in, &c->plan);
  out->warnings.insert(out->warnings.end(), c->plan.warnings.begin(), c->plan.warnings.end());
  return s;
}

// Step 3: the plan against what is installed.
Status CheckAgainstInstalled(Db* db, const CollectionManifest& m, const InstallPlan& plan,
                             const CollectionVersion& existing, InstallOutcome* out) {
  if (existing.id != 0) {
    if (!existing.updatable) {
      return Status::Conflict("collection \"" + m.name + "\" (" + m.guid +
                              ") is installed and not updatable (updatable=\"false\")");
    }
    out->replaced = true;
    out->replaced_installed_at = existing.installed_at + " UTC";
    out->version = existing.version + 1;
  }
  Status s = CheckImportsInstalled(db, m.imports, m.guid);
  for (size_t i = 0; s.ok() && i < plan.files.size(); ++i) {
    s = CheckPathFree(db, plan.files[i].area, plan.files[i].path, existing.id);
  }
  return s;
}

// The declared size of the archive entry a planned file comes from.
uint64_t DeclaredSize(const OpenedCollection& c, const PlannedFile& p) {
  const CollectionArchive* from = p.nested.empty() ? c.archive.get() : c.nested.at(p.nested).get();
  return from->declared_size(p.entry);
}

// True iff `existing` was installed from this very archive and its files
// are in generation `generation` at their sizes: then an install would
// change nothing (a damaged files area is repaired by installing again).
bool AlreadyInstalled(const Config& config, const InstallInput& in, const OpenedCollection& c,
                      const CollectionVersion& existing, const std::string& generation) {
  if (existing.id == 0 || in.archive_sha256.empty() || existing.archive_sha256 != in.archive_sha256 ||
      generation.empty()) {
    return false;
  }
  const fs::path root = GenerationDir(config, generation);
  for (const PlannedFile& p : c.plan.files) {
    std::error_code ec;
    if (fs::file_size(root / p.area / p.path, ec) != DeclaredSize(c, p) || ec) return false;
  }
  return true;
}

// Counts the plan's files and bytes into *out (what a dry run would
// install, or what an unchanged archive holds).
void CountPlanned(const OpenedCollection& c, InstallOutcome* out) {
  out->files = c.plan.files.size();
  out->bytes = 0;
  for (const PlannedFile& p : c.plan.files) out->bytes += DeclaredSize(c, p);
}

// A dry run: the checks an install makes against what is installed, and
// what it would add, replace and remove. Takes no lease: it writes nothing
// but its history row.
Status DryRun(Db* db, const Config& config, const InstallInput& in, const CollectionManifest& m,
              const OpenedCollection& c, InstallOutcome* out) {
  out->dry_run = true;
  CollectionVersion existing;
  bool found = false;
  Status s = FindCollection(db, m.guid, &found, &existing);
  if (!s.ok()) return s;
  CountPlanned(c, out);
  if (AlreadyInstalled(config, in, c, existing, PublishedGeneration(config))) {
    out->unchanged = true;
    out->version = existing.version;
    return Status::OK();
  }
  s = CheckAgainstInstalled(db, m, c.plan, existing, out);
  if (!s.ok()) return s;
  std::set<std::string> installed;
  if (existing.id != 0) s = CollectionFiles(db, existing.id, &installed);
  if (!s.ok()) return s;
  for (const PlannedFile& p : c.plan.files) {
    std::string file = p.area + "/" + p.path;
    (installed.erase(file) ? out->files_replaced : out->files_added).push_back(file);
  }
  out->files_removed.assign(installed.begin(), installed.end());
  return Status::OK();
}

// Step 4: generation `next` = `prev` without `dropped`, plus the plan's files.
Status BuildGeneration(const Config& config, const InstallInput& in, Lease* lease,
                       const OpenedCollection& c, const std::string& prev,
                       const std::string& next, const std::set<std::string>& dropped,
                       InstallOutcome* out) {
  MaybeDie(in, config, "before-build");
  Status s = CreateGeneration(config, next);
  if (s.ok()) s = LinkFiles(config, prev, next, dropped, [lease] { return lease->RenewIfDue(); });
  if (!s.ok()) return s;
  fs::path root = GenerationDir(config, next);
  std::error_code ec;
  for (const PlannedFile& p : c.plan.files) {
    fs::path dest = root / p.area / p.path;
    fs::create_directories(dest.parent_path(), ec);
    if (ec) return Status::Internal("cannot create " + dest.parent_path().string());
    CollectionArchive* from = p.nested.empty() ? c.archive.get() : c.nested.at(p.nested).get();
    s = from->Extract(p.entry, dest.string(), &out->bytes);
    if (s.ok()) s = lease->RenewIfDue();
    if (!s.ok()) return s;
    if (++out->files == 1) MaybeDie(in, config, "mid-build");
  }
  s = SyncFilesArea(config);
  MaybeDie(in, config, "after-build");
  return s;
}

AttemptRecord AttemptOf(const InstallInput& in, const CollectionManifest* m, const Status& result,
                         const InstallOutcome* outcome) {
  AttemptRecord a;
  if (m) {
    a.guid = m->guid;
    a.name = m->name;
  }
  a.person_id = in.person_id;
  a.client_address = in.client_address;
  a.archive_sha256 = in.archive_sha256;
  a.archive_bytes = in.archive_bytes;
  a.http_status = HttpStatusOf(result);
  a.reason = result.ok() ? "" : result.message();
  if (outcome) {
    a.files = outcome->files;
    a.bytes = outcome->bytes;
    a.replaced = outcome->replaced;
    a.result = outcome->dry_run ? "validated" : outcome->unchanged ? "unchanged" : "";
  }
  return a;
}

// Step 5: one transaction names the new generation, records what it holds
// and the attempt, and commits only while the lease is ours (run again
// from the top after a conflict: the files are built already). Sets
// *committing once a COMMIT was sent: from then on it may have committed
// even if it reports a failure.
Status CommitInstall(Db* db, const Config& config, const InstallInput& in, Lease* lease,
                     const CollectionManifest& m, const InstallPlan& plan, int64_t existing_id,
                     const std::string& prev, const std::string& next, const InstallOutcome* out,
                     bool* committing) {
  SavedCollection saved;
  saved.manifest = &m;
  saved.existing_id = existing_id;
  saved.version = out->version;
  saved.person_id = in.person_id;
  saved.archive_sha256 = in.archive_sha256;
  saved.bytes = out->bytes;
  std::error_code ec;
  for (const PlannedFile& p : plan.files) {
    saved.files.push_back(SavedFile{
        p.area, p.path, fs::file_size(fs::path(GenerationDir(config, next)) / p.area / p.path, ec)});
  }
  return RunInTransaction(db, [&]() -> Status {
    Status s = lease->Fence();
    if (s.ok()) s = SaveCollection(db, saved);
    bool swapped = false;
    if (s.ok()) s = SwapSiteGeneration(db, prev, next, &swapped);
    if (s.ok() && !swapped) {
      s = Status::Unavailable("another collection install changed the site meanwhile; try again");
    }
    if (s.ok()) s = RecordInstallAttempt(db, AttemptOf(in, &m, Status::OK(), out));
    if (s.ok()) *committing = true;
    return s;
  });
}

// The install; sets *recorded when its commit recorded the attempt.
Status Install(Db* db, const Config& config, const InstallInput& in, Lease* lease,
               CollectionManifest* m, InstallOutcome* out, bool* recorded) {
  fs::path work = fs::path(StagingDir(config)) / ("install-" + RandomHex(8));
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
  OpenedCollection c;
  Status s = ReadAndPlan(in, work, m, &c, out);
  if (!s.ok()) return s;
  if (in.dry_run) return DryRun(db, config, in, *m, c, out);

  // After recovery the database's generation is the published one, and the
  // commit below replaces exactly it.
  std::string prev;
  s = lease->Acquire(kLeaseWaitSeconds, kBusy);
  if (s.ok()) s = RecoverHeld(db, config, lease, &prev);
  if (!s.ok()) return s;
  CollectionVersion existing;
  bool found = false;
  s = FindCollection(db, m->guid, &found, &existing);
  if (!s.ok()) return s;
  if (AlreadyInstalled(config, in, c, existing, prev)) {
    out->unchanged = true;  // recorded by InstallCollection
    out->version = existing.version;
    CountPlanned(c, out);
    return Status::OK();
  }
  s = CheckAgainstInstalled(db, *m, c.plan, existing, out);
  if (!s.ok()) return s;

  std::set<std::string> dropped;
  if (existing.id != 0) s = CollectionFiles(db, existing.id, &dropped);
  if (!s.ok()) return s;
  std::string next = GenerationName(lease->fence());
  // Until the database names it, a failed build is removed at once.
  struct Unpublished {
    const Config& config;
    std::string name;
    bool keep = false;
    ~Unpublished() {
      if (!keep) RemoveGeneration(config, name);
    }
  } unpublished{config, next};
  s = BuildGeneration(config, in, lease, c, prev, next, dropped, out);
  if (!s.ok()) return s;

  // Kept once a COMMIT was sent, even if it reports a failure: it may have
  // been committed all the same; recovery removes it if the database says not.
  s = CommitInstall(db, config, in, lease, *m, c.plan, existing.id, prev, next, out,
                    &unpublished.keep);
  if (!s.ok()) return s;
  *recorded = true;
  MaybeDie(in, config, "after-commit");
  // Step 6: publish, while still the holder (else the next holder's
  // recovery publishes what the database names: this or a newer one).
  s = lease->Renew();
  if (s.ok()) s = PublishGeneration(config, next);
  if (!s.ok()) {
    Log(LogLevel::kError, in.client_address, "publishing " + next + ": " + s.message());
    out->warnings.push_back("installed; the web server will serve it after the next recovery");
    return Status::OK();
  }
  MaybeDie(in, config, "after-publish");
  RemoveGeneration(config, prev);  // readers of the old generation keep their open files
  return Status::OK();
}

}  // namespace

InstallInput InstallInputFor(const ReceivedUpload& upload, int64_t person_id,
                             const std::string& client_address) {
  InstallInput in;
  in.archive_path = upload.path;
  in.archive_sha256 = upload.sha256;
  in.archive_bytes = upload.bytes;
  in.person_id = person_id;
  in.client_address = client_address;
  return in;
}

std::string InstallSummary(const InstallOutcome& out) {
  const std::string name = "\"" + out.name + "\"";
  if (out.unchanged) {
    return "Collection " + name + " is unchanged: this archive is the one installed" +
           (out.dry_run ? "" : "; nothing was installed");
  }
  if (out.dry_run) {
    return "Dry run: collection " + name + " would be installed (" + std::to_string(out.files) +
           " files: " + std::to_string(out.files_added.size()) + " added, " +
           std::to_string(out.files_replaced.size()) + " replaced, " +
           std::to_string(out.files_removed.size()) + " removed" +
           (out.replaced ? ", replacing the previous version" : "") + "); nothing was installed";
  }
  return "Installed collection " + name + " (" + std::to_string(out.files) + " files" +
         (out.replaced ? ", replacing the previous version" : "") + ")";
}

Status RecordRefusedUpload(Db* db, const InstallInput& in, const Status& refusal) {
  return RecordInstallAttempt(db, AttemptOf(in, nullptr, refusal, nullptr));
}

Status RecoverCollections(Db* db, const Config& config) {
  Lease lease(db, kLeaseName, kLeaseTtlSeconds);
  Status s = lease.Acquire(kLeaseWaitSeconds, kBusy);
  std::string published;
  if (s.ok()) s = RecoverHeld(db, config, &lease, &published);
  return s;
}

Status WithInstallLock(Db* db, const std::function<Status(Lease*)>& fn) {
  Lease lease(db, kLeaseName, kLeaseTtlSeconds);
  Status s = lease.Acquire(kLeaseWaitSeconds, kBusy);
  if (!s.ok()) return s;
  return fn(&lease);
}

Status InstallCollection(Db* db, const Config& config, const InstallInput& in,
                         InstallOutcome* out) {
  *out = InstallOutcome();
  CollectionManifest manifest;
  Lease lease(db, kLeaseName, kLeaseTtlSeconds);
  bool recorded = false;
  Status s;
  try {
    s = Install(db, config, in, &lease, &manifest, out, &recorded);
  } catch (const std::exception& e) {
    s = Status::Internal(std::string("install failed: ") + e.what());
  }
  lease.Release();
  if (!recorded) {
    Status r = RecordInstallAttempt(
        db, AttemptOf(in, manifest.guid.empty() ? nullptr : &manifest, s, s.ok() ? out : nullptr));
    if (!r.ok()) {
      Log(LogLevel::kError, in.client_address, "cannot record an install attempt: " + r.message());
    }
  }
  Log(s.ok() ? LogLevel::kInfo : LogLevel::kWarning, in.client_address,
      "collection install by person " + std::to_string(in.person_id) + ": " +
          (!s.ok()         ? s.ToString()
           : out->dry_run  ? "validated " + manifest.guid + " (dry run)"
           : out->unchanged ? "unchanged " + manifest.guid
                            : "installed " + manifest.guid));
  return s;
}

}  // namespace site
