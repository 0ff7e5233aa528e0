#include "generations.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "crypto.h"
#include "text.h"

namespace fs = std::filesystem;

namespace site {

const char* const kFileAreas[3] = {"www", "private", "cdn"};

namespace {

constexpr char kPrefix[] = "gen-";

fs::path Root(const Config& c) { return fs::path(c.files_dir); }
fs::path Generations(const Config& c) { return Root(c) / "generations"; }
fs::path Current(const Config& c) { return Root(c) / "current"; }

}  // namespace

std::string GenerationName(int64_t number) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%012lld", kPrefix, static_cast<long long>(number));
  return buf;
}

int64_t GenerationNumber(const std::string& name) {
  if (!StartsWith(name, kPrefix) || name.size() == sizeof kPrefix - 1 || name.size() > 22) return 0;
  int64_t n = 0;
  for (size_t i = sizeof kPrefix - 1; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return 0;
    n = n * 10 + (name[i] - '0');
  }
  return n;
}

std::string GenerationDir(const Config& config, const std::string& name) {
  return (Generations(config) / name).string();
}

std::string StagingDir(const Config& config) { return (Root(config) / "staging").string(); }

std::string PublishedWwwDir(const Config& config) { return (Current(config) / "www").string(); }

std::string PublishedGeneration(const Config& config) {
  std::error_code ec;
  fs::path target = fs::read_symlink(Current(config), ec);
  if (ec) return "";
  return target.filename().string();
}

Status PrepareFilesArea(const Config& config) {
  std::error_code ec;
  fs::create_directories(Generations(config), ec);
  if (!ec) fs::create_directories(StagingDir(config), ec);
  if (ec) return Status::Internal("cannot create " + Generations(config).string() + ": " + ec.message());
  return Status::OK();
}

Status CreateGeneration(const Config& config, const std::string& name) {
  fs::path dir = Generations(config) / name;
  std::error_code ec;
  fs::remove_all(dir, ec);
  for (const char* area : kFileAreas) {
    fs::create_directories(dir / area, ec);
    if (ec) return Status::Internal("cannot create " + (dir / area).string());
  }
  return Status::OK();
}

Status LinkFiles(const Config& config, const std::string& from, const std::string& to,
                 const std::set<std::string>& skip, const std::function<Status()>& tick) {
  fs::path prev = Generations(config) / from, next = Generations(config) / to;
  std::error_code ec;
  for (const char* area : kFileAreas) {
    if (!fs::is_directory(prev / area)) continue;
    for (auto it = fs::recursive_directory_iterator(prev / area, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      // Lexically, and without following links: only regular files are
      // carried over (the installer never makes anything else).
      fs::path rel = it->path().lexically_relative(prev / area);
      fs::file_status st = it->symlink_status(ec);
      if (ec || !fs::is_regular_file(st)) continue;
      if (skip.count(std::string(area) + "/" + rel.string())) continue;
      fs::create_directories((next / area / rel).parent_path(), ec);
      fs::create_hard_link(it->path(), next / area / rel, ec);
      if (ec) return Status::Internal("cannot link " + (next / area / rel).string());
      Status s = tick();
      if (!s.ok()) return s;
    }
    if (ec) return Status::Internal("cannot read " + (prev / area).string());
  }
  return Status::OK();
}

Status SyncFilesArea(const Config& config) {
  int fd = ::open(Root(config).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::Internal("cannot open " + Root(config).string());
  // syncfs: everything written below files_dir reaches the disk before the
  // database names the new generation.
  int rc = ::syncfs(fd);
  ::close(fd);
  return rc == 0 ? Status::OK() : Status::Internal("cannot sync " + Root(config).string());
}

Status PublishGeneration(const Config& config, const std::string& name) {
  fs::path link_tmp = Root(config) / ("current.new-" + RandomHex(4));
  std::string target = "generations/" + name;
  if (::symlink(target.c_str(), link_tmp.c_str()) != 0) {
    return Status::Internal("cannot create symlink " + link_tmp.string());
  }
  if (::rename(link_tmp.c_str(), Current(config).c_str()) != 0) {
    ::unlink(link_tmp.c_str());
    return Status::Internal("cannot publish generation " + name);
  }
  return SyncFilesArea(config);
}

void RemoveGeneration(const Config& config, const std::string& name) {
  std::error_code ec;
  if (!name.empty()) fs::remove_all(Generations(config) / name, ec);
}

void RemoveLeftovers(const Config& config, const std::string& keep, int64_t fence) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(Generations(config), ec)) {
    std::string name = entry.path().filename().string();
    if (name != keep && GenerationNumber(name) < fence) fs::remove_all(entry.path(), ec);
  }
  for (const auto& entry : fs::directory_iterator(Root(config), ec)) {
    if (StartsWith(entry.path().filename().string(), "current.new-")) fs::remove(entry.path(), ec);
  }
  auto hour_ago = fs::file_time_type::clock::now() - std::chrono::hours(1);
  for (const auto& entry : fs::directory_iterator(StagingDir(config), ec)) {
    if (fs::last_write_time(entry.path(), ec) < hour_ago) fs::remove_all(entry.path(), ec);
  }
}

}  // namespace site
