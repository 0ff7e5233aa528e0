#include "install_plan.h"

#include <set>

#include "safe_path.h"
#include "text.h"

namespace site {

bool IsNestedArchive(const ManifestResource& r) {
  std::string base = Lower(r.name.substr(r.name.rfind('/') + 1));
  return base.size() > 4 && base.compare(base.size() - 4, 4, ".zip") == 0;
}

namespace {

Status CheckTargets(const std::vector<PlannedFile>& files) {
  std::set<std::string> targets;
  for (const PlannedFile& p : files) {
    Status s = CheckRelativePath(p.path, "install path");
    if (!s.ok()) return s;
    if (p.path.size() > kMaxInstallPathBytes) {
      return Status::Invalid("install path \"" + p.path + "\" is longer than " +
                             std::to_string(kMaxInstallPathBytes) + " bytes");
    }
    // In any case: paths that differ only in case are one file on a
    // case-insensitive file system (sql/005).
    if (!targets.insert(p.area + "/" + Lower(p.path)).second) {
      return Status::Invalid("two resources would install to " + p.area + "/" + p.path);
    }
  }
  for (const PlannedFile& p : files) {
    for (size_t slash = p.path.find('/'); slash != std::string::npos;
         slash = p.path.find('/', slash + 1)) {
      if (targets.count(p.area + "/" + Lower(p.path.substr(0, slash)))) {
        return Status::Invalid(p.area + "/" + p.path.substr(0, slash) +
                               " would be both a file and a directory");
      }
    }
  }
  return Status::OK();
}

}  // namespace

Status PlanInstall(const PlanInput& in, InstallPlan* out) {
  *out = InstallPlan();
  const ArchiveLimits& limits = in.limits;
  std::set<std::string> archive_files(in.archive.files.begin(), in.archive.files.end());
  // The limits hold for the install as a whole, nested archives included:
  // everything that will be written is charged.
  uint64_t unpacked = in.archive.declared_bytes, entries = in.archive.entries;
  std::set<std::string> used = {in.manifest_name}, names;
  for (const ManifestResource& r : in.manifest->resources) {
    if (!names.insert(r.name).second) {
      return Status::Invalid(in.manifest_name + ": <Resource name=\"" + r.name +
                             "\"> appears more than once");
    }
    if (!archive_files.count(r.name)) {
      return Status::Invalid(in.manifest_name + ": <Resource name=\"" + r.name +
                             "\"> names a file the archive does not have");
    }
    used.insert(r.name);
    if (!IsNestedArchive(r)) {
      out->files.push_back(PlannedFile{r.type, JoinPath(r.path, r.name.substr(r.name.rfind('/') + 1)),
                                       r.name, ""});
      continue;
    }
    auto it = in.nested.find(r.name);
    if (it == in.nested.end()) return Status::Internal("no listing of " + r.name);
    unpacked += it->second.declared_bytes;
    entries += it->second.entries;
    if (unpacked > limits.max_unpacked_bytes) {
      return Status::Invalid("the archive unpacks to more than " +
                             FormatBytes(limits.max_unpacked_bytes) + " (nested archives included)");
    }
    if (entries > limits.max_entries) {
      return Status::Invalid("the archive has more than " + std::to_string(limits.max_entries) +
                             " entries (nested archives included)");
    }
    for (const std::string& f : it->second.files) {
      out->files.push_back(PlannedFile{r.type, JoinPath(r.path, f), f, r.name});
    }
  }
  if (out->files.size() > limits.max_entries) {
    return Status::Invalid("the collection installs more than " +
                           std::to_string(limits.max_entries) + " files");
  }
  for (const std::string& f : in.archive.files) {
    if (!used.count(f)) out->warnings.push_back("archive entry \"" + f + "\" is not a <Resource>; ignored");
  }
  return CheckTargets(out->files);
}

}  // namespace site
