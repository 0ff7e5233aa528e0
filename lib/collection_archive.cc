#include "collection_archive.h"

#include "text.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "collection_manifest.h"
#include "safe_path.h"

namespace site {

namespace {


bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class ZipFile {
 public:
  explicit ZipFile(zip_file_t* f) : f_(f) {}
  ~ZipFile() {
    if (f_) zip_fclose(f_);
  }
  zip_file_t* get() const { return f_; }

 private:
  zip_file_t* f_;
};

uint32_t Le16(const unsigned char* p) { return p[0] | (p[1] << 8); }
uint32_t Le32(const unsigned char* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

// Checks the entry names as bytes, in the zip's own central directory.
// libzip hides two things this must see: it turns a NUL in a name into a
// space, and it reads a name with control characters as CP437 (\x01 becomes
// a smiley). It also refuses duplicate names without saying which.
// For Zip64 it reads the entry count first: libzip would load the whole
// central directory (millions of entries: hundreds of MiB) before
// Open() could count them.
Status CheckRawNames(const std::string& path, uint64_t max_entries) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Internal("cannot open the upload");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::Internal("cannot stat the upload");
  // The end-of-central-directory record: 22 bytes plus a comment of at most 64 KiB.
  off_t tail_size = std::min<off_t>(st.st_size, 22 + 65535);
  std::string tail(static_cast<size_t>(tail_size), '\0');
  if (::pread(fd, tail.data(), tail.size(), st.st_size - tail_size) != tail_size) {
    return Status::OK();  // too short: libzip says "not a zip"
  }
  size_t eocd = std::string::npos;
  for (size_t i = tail.size() >= 22 ? tail.size() - 22 + 1 : 0; i-- > 0;) {
    if (tail.compare(i, 4, "PK\x05\x06") == 0) {
      eocd = i;
      break;
    }
  }
  if (eocd == std::string::npos) return Status::OK();
  const auto* e = reinterpret_cast<const unsigned char*>(tail.data() + eocd);
  uint32_t count = Le16(e + 10), cd_size = Le32(e + 12), cd_offset = Le32(e + 16);
  auto too_many = [&](uint64_t n) {
    return Status::Invalid("the archive has " + std::to_string(n) + " entries; at most " +
                           std::to_string(max_entries) + " are allowed");
  };
  if (count == 0xFFFF || cd_offset == 0xFFFFFFFF || cd_size == 0xFFFFFFFF) {
    // Zip64: the locator sits just before the end record.
    if (eocd < 20 || tail.compare(eocd - 20, 4, "PK\x06\x07") != 0) return Status::OK();
    const auto* loc = reinterpret_cast<const unsigned char*>(tail.data() + eocd - 20);
    uint64_t rec = Le32(loc + 8) | (uint64_t{Le32(loc + 12)} << 32);
    unsigned char z[56];
    if (rec + sizeof z > static_cast<uint64_t>(st.st_size) ||
        ::pread(fd, z, sizeof z, static_cast<off_t>(rec)) != static_cast<ssize_t>(sizeof z) ||
        Le32(z) != 0x06064b50) {
      return Status::OK();
    }
    uint64_t entries = Le32(z + 32) | (uint64_t{Le32(z + 36)} << 32);
    uint64_t size64 = Le32(z + 40) | (uint64_t{Le32(z + 44)} << 32);
    if (entries > max_entries) return too_many(entries);
    if (size64 / 46 > max_entries) return too_many(size64 / 46);
    return Status::OK();
  }
  if (count > max_entries) return too_many(count);
  if (cd_size > (64u << 20) || static_cast<off_t>(cd_offset) + cd_size > st.st_size) {
    return Status::OK();
  }
  std::string cd(cd_size, '\0');
  if (::pread(fd, cd.data(), cd.size(), cd_offset) != static_cast<ssize_t>(cd_size)) {
    return Status::OK();
  }
  std::set<std::string> seen;
  size_t pos = 0;
  for (uint32_t n = 0; n < count && pos + 46 <= cd.size(); ++n) {
    const auto* h = reinterpret_cast<const unsigned char*>(cd.data() + pos);
    if (Le32(h) != 0x02014b50) break;
    size_t name_len = Le16(h + 28), extra_len = Le16(h + 30), comment_len = Le16(h + 32);
    if (pos + 46 + name_len > cd.size()) break;
    std::string name = cd.substr(pos + 46, name_len);
    std::string shown;
    for (unsigned char c : name) shown += c == 0 ? std::string("\\0") : std::string(1, static_cast<char>(c));
    if (name.find('\0') != std::string::npos) {
      return Status::Invalid("archive entry \"" + shown + "\" contains a NUL character");
    }
    for (unsigned char c : name) {
      if (c < 0x20 || c == 0x7f) {
        return Status::Invalid("archive entry \"" + shown + "\" contains a control character");
      }
    }
    if (!seen.insert(name).second) {
      return Status::Invalid("archive entry \"" + name + "\" appears more than once");
    }
    pos += 46 + name_len + extra_len + comment_len;
  }
  return Status::OK();
}

}  // namespace

std::string FormatBytes(uint64_t bytes) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

CollectionArchive::~CollectionArchive() {
  if (zip_) zip_discard(zip_);
}

Status CollectionArchive::Open(const std::string& path, const ArchiveLimits& limits,
                               bool require_manifest, std::unique_ptr<CollectionArchive>* out) {
  Status raw = CheckRawNames(path, limits.max_entries);
  if (!raw.ok()) return raw;
  int error = 0;
  // ZIP_CHECKCONS compares local and central headers (PITFALLS.md).
  zip_t* z = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (z == nullptr) {
    if (error == ZIP_ER_NOZIP || error == ZIP_ER_INCONS) {
      return Status::Invalid("collectionFile is not a zip archive (or a damaged one)");
    }
    zip_error_t ze;
    zip_error_init_with_code(&ze, error);
    std::string why = zip_error_strerror(&ze);
    zip_error_fini(&ze);
    return Status::Invalid("collectionFile cannot be read as a zip archive: " + why);
  }
  std::unique_ptr<CollectionArchive> a(new CollectionArchive());
  a->zip_ = z;

  zip_int64_t count = zip_get_num_entries(z, 0);
  if (count < 0) return Status::Invalid("collectionFile cannot be read as a zip archive");
  if (static_cast<uint64_t>(count) > limits.max_entries) {
    return Status::Invalid("the archive has " + std::to_string(count) + " entries; at most " +
                           std::to_string(limits.max_entries) + " are allowed");
  }
  a->entries_ = static_cast<uint64_t>(count);
  uint64_t total = 0;
  std::vector<std::string> manifests;
  std::set<std::string> lower_names;
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z, static_cast<zip_uint64_t>(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME)) {
      return Status::Invalid("archive entry #" + std::to_string(i) + " cannot be read");
    }
    // libzip turns CP437 names into UTF-8 (PITFALLS.md): the name checked is
    // the name used.
    std::string name = st.name;
    bool is_dir = !name.empty() && name.back() == '/';
    std::string clean = is_dir ? name.substr(0, name.size() - 1) : name;
    Status s = CheckRelativePath(clean, "archive entry");
    if (!s.ok()) return s;

    zip_uint8_t opsys = 0;
    zip_uint32_t attributes = 0;
    if (zip_file_get_external_attributes(z, static_cast<zip_uint64_t>(i), 0, &opsys,
                                         &attributes) == 0 &&
        opsys == ZIP_OPSYS_UNIX) {
      mode_t mode = static_cast<mode_t>(attributes >> 16);
      if (S_ISLNK(mode)) return Status::Invalid("archive entry \"" + name + "\" is a symbolic link");
      if (S_ISCHR(mode) || S_ISBLK(mode) || S_ISFIFO(mode) || S_ISSOCK(mode)) {
        return Status::Invalid("archive entry \"" + name + "\" is a device or special file");
      }
    }
    if (!lower_names.insert(Lower(clean)).second) {
      return Status::Invalid("archive entry \"" + name + "\" appears more than once");
    }
    if (is_dir) continue;
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
      return Status::Invalid("archive entry \"" + name + "\" is encrypted");
    }
    if ((st.valid & ZIP_STAT_COMP_METHOD) && st.comp_method != ZIP_CM_STORE &&
        st.comp_method != ZIP_CM_DEFLATE) {
      return Status::Invalid("archive entry \"" + name + "\" uses an unsupported compression method");
    }
    total += st.size;
    if (total > limits.max_unpacked_bytes) {
      return Status::Invalid("the archive unpacks to more than " +
                             FormatBytes(limits.max_unpacked_bytes));
    }
    if (st.size > limits.ratio_floor_bytes &&
        (st.comp_size == 0 || st.size / st.comp_size > limits.max_ratio)) {
      return Status::Invalid("archive entry \"" + name + "\" has a suspicious compression ratio (" +
                             std::to_string(st.comp_size ? st.size / st.comp_size : st.size) +
                             ":1); it looks like a zip bomb");
    }
    a->total_declared_ += st.size;
    a->files_.push_back(name);
    a->index_[name] = static_cast<uint64_t>(i);
    a->sizes_[name] = st.size;
    if (name.find('/') == std::string::npos && EndsWith(Lower(name), ".xml")) {
      manifests.push_back(name);
    }
  }
  if (require_manifest) {
    if (manifests.empty()) {
      return Status::Invalid("the archive has no manifest: an .xml file at its root is required");
    }
    if (manifests.size() > 1) {
      return Status::Invalid("the archive has more than one manifest at its root: " +
                             manifests[0] + ", " + manifests[1]);
    }
    a->manifest_name_ = manifests[0];
  }
  *out = std::move(a);
  return Status::OK();
}

uint64_t CollectionArchive::declared_size(const std::string& name) const {
  auto it = sizes_.find(name);
  return it == sizes_.end() ? 0 : it->second;
}

Status CollectionArchive::ReadEntry(const std::string& name, uint64_t cap, std::string* data) {
  data->clear();
  auto it = index_.find(name);
  if (it == index_.end()) return Status::Invalid("the archive has no entry \"" + name + "\"");
  if (sizes_[name] > cap) return Status::Invalid("\"" + name + "\" is too large");
  ZipFile f(zip_fopen_index(zip_, it->second, 0));
  if (!f.get()) return Status::Invalid("archive entry \"" + name + "\" cannot be opened");
  char buf[65536];
  for (;;) {
    zip_int64_t n = zip_fread(f.get(), buf, sizeof buf);
    if (n < 0) {
      return Status::Invalid("archive entry \"" + name + "\" is damaged: " +
                             zip_error_strerror(zip_file_get_error(f.get())));
    }
    if (n == 0) break;
    data->append(buf, static_cast<size_t>(n));
    if (data->size() > sizes_[name]) {
      return Status::Invalid("archive entry \"" + name + "\" is larger than its declared size");
    }
  }
  if (data->size() != sizes_[name]) {
    return Status::Invalid("archive entry \"" + name + "\" is smaller than its declared size");
  }
  return Status::OK();
}

Status CollectionArchive::ReadManifest(std::string* xml) {
  if (manifest_name_.empty()) return Status::Invalid("the archive has no manifest");
  return ReadEntry(manifest_name_, kMaxManifestBytes, xml);
}

Status CollectionArchive::Extract(const std::string& name, const std::string& dest,
                                  uint64_t* bytes) {
  auto it = index_.find(name);
  if (it == index_.end()) return Status::Invalid("the archive has no entry \"" + name + "\"");
  const uint64_t declared = sizes_[name];
  ZipFile f(zip_fopen_index(zip_, it->second, 0));
  if (!f.get()) return Status::Invalid("archive entry \"" + name + "\" cannot be opened");
  int fd = ::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return Status::Internal("cannot create " + dest);
  uint64_t written = 0;
  char buf[65536];
  Status s;
  for (;;) {
    zip_int64_t n = zip_fread(f.get(), buf, sizeof buf);
    if (n < 0) {
      s = Status::Invalid("archive entry \"" + name + "\" is damaged: " +
                          zip_error_strerror(zip_file_get_error(f.get())));
      break;
    }
    if (n == 0) break;
    written += static_cast<uint64_t>(n);
    if (written > declared) {
      s = Status::Invalid("archive entry \"" + name + "\" is larger than its declared size");
      break;
    }
    for (zip_int64_t off = 0; off < n;) {
      ssize_t w = ::write(fd, buf + off, static_cast<size_t>(n - off));
      if (w <= 0) {
        s = Status::Internal("cannot write " + dest);
        break;
      }
      off += w;
    }
    if (!s.ok()) break;
  }
  if (s.ok() && written != declared) {
    s = Status::Invalid("archive entry \"" + name + "\" is smaller than its declared size");
  }
  // No fsync per file: the installer syncs the whole files area once
  // (syncfs) before the database names the new generation.
  ::close(fd);
  if (!s.ok()) {
    ::unlink(dest.c_str());
    return s;
  }
  *bytes += written;
  return Status::OK();
}

}  // namespace site
