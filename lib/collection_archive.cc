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

// --- The raw central directory, read before libzip ------------------------
//
// libzip loads the whole directory it finds before Open() can count it, and
// hides some facts about it, so the checks that protect memory and the ones
// on raw bytes run here first, on the structures of APPNOTE.TXT 4.3.

uint32_t Le16(const unsigned char* p) { return p[0] | (p[1] << 8); }
uint32_t Le32(const unsigned char* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
uint64_t Le64(const unsigned char* p) { return Le32(p) | (uint64_t{Le32(p + 4)} << 32); }

const unsigned char* Bytes(const std::string& s, size_t at) {
  return reinterpret_cast<const unsigned char*>(s.data() + at);
}

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
const std::string kEndSig("PK\x05\x06", 4);
constexpr size_t kLocalBytes = 30;
constexpr size_t kCentralBytes = 46;
constexpr size_t kEndBytes = 22;
constexpr size_t kZip64EndBytes = 56;
constexpr size_t kZip64LocatorBytes = 20;
// How far from the end libzip 1.7.3 looks for an end record (zipint.h
// CDBUFSIZE: a 65536-byte comment, the record and a Zip64 locator).
constexpr size_t kEndSearchBytes = 65536 + kEndBytes + kZip64LocatorBytes;
// Central directory bytes allowed per permitted entry, on average. A name
// may be kMaxPathBytes long, but a collection's names, extra fields and
// comments average far less; libzip keeps about the directory's size in
// memory, so this bounds it (10,000 entries: 10 MB) before libzip reads it.
constexpr uint64_t kDirectoryBytesPerEntry = 1024;

Status NotAZip() { return Status::Invalid("collectionFile is not a zip archive (or a damaged one)"); }

Status TooManyEntries(uint64_t n, uint64_t max_entries) {
  return Status::Invalid("the archive has " + std::to_string(n) + " entries; at most " +
                         std::to_string(max_entries) + " are allowed");
}

// The upload, read by offset.
class RawFile {
 public:
  RawFile() = default;
  RawFile(const RawFile&) = delete;
  RawFile& operator=(const RawFile&) = delete;
  ~RawFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Open(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return Status::Internal("cannot open the upload");
    struct stat st;
    if (::fstat(fd_, &st) != 0) return Status::Internal("cannot stat the upload");
    size_ = static_cast<uint64_t>(st.st_size);
    return Status::OK();
  }
  uint64_t size() const { return size_; }
  // Reads `n` bytes at `offset` into *out. Returns false if the file ends first.
  bool Read(uint64_t offset, size_t n, std::string* out) const {
    if (offset > size_ || n > size_ - offset) return false;
    out->resize(n);
    for (size_t done = 0; done < n;) {
      ssize_t r = ::pread(fd_, out->data() + done, n - done, static_cast<off_t>(offset + done));
      if (r <= 0) return false;
      done += static_cast<size_t>(r);
    }
    return true;
  }

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
};

// What one end-of-central-directory record says of the directory.
struct Directory {
  uint64_t end_at = 0;  // where the (32-bit) end record starts
  uint64_t offset = 0;  // where the central directory starts
  uint64_t size = 0;
  uint64_t count = 0;  // as declared; a 16-bit count may have wrapped
  bool zip64 = false;
  bool reaches_end = false;  // its comment ends exactly at the end of the file
};

// Reads the Zip64 end record that the locator at `loc` points to. Sets
// d->zip64 and d->count as soon as the record is there (libzip allocates
// that many entries before it checks anything else); returns true iff the
// directory it names ends exactly where the record starts.
bool ReadZip64End(const RawFile& file, uint64_t locator_at, const unsigned char* loc,
                  Directory* d) {
  d->zip64 = true;
  uint64_t at = Le64(loc + 8);
  std::string rec;
  if (at > locator_at || locator_at - at < kZip64EndBytes || !file.Read(at, kZip64EndBytes, &rec) ||
      Le32(Bytes(rec, 0)) != kZip64EndSig) {
    return false;
  }
  d->count = Le64(Bytes(rec, 32));
  d->size = Le64(Bytes(rec, 40));
  d->offset = Le64(Bytes(rec, 48));
  return d->offset <= at && d->size == at - d->offset;
}

// Reads the candidate end record at tail[i] (the tail starts at `tail_at`)
// as libzip 1.7.3 finds it (zip_open.c: _zip_read_cdir, _zip_read_eocd,
// _zip_read_eocd64). Returns true iff the central directory it names ends
// exactly where the end record (or the Zip64 record) starts, as every writer
// makes it. libzip itself is laxer (it opens with za->flags, which never
// hold ZIP_CHECKCONS there, so it takes a directory ending anywhere before
// the record): the caller refuses what this does not take, rather than
// leave libzip a directory no check has read. A Zip64 locator just before
// the record makes libzip read the Zip64 record, whatever the 32-bit fields
// say.
bool ReadEndRecord(const RawFile& file, const std::string& tail, uint64_t tail_at, size_t i,
                   Directory* d) {
  const unsigned char* e = Bytes(tail, i);
  d->end_at = tail_at + i;
  d->reaches_end = Le16(e + 20) == file.size() - d->end_at - kEndBytes;
  if (i >= kZip64LocatorBytes && Le32(e - kZip64LocatorBytes) == kZip64LocatorSig) {
    return ReadZip64End(file, d->end_at - kZip64LocatorBytes, e - kZip64LocatorBytes, d);
  }
  d->zip64 = false;
  d->count = Le16(e + 10);
  d->size = Le32(e + 12);
  d->offset = Le32(e + 16);
  return d->offset + d->size == d->end_at;
}

// Finds the central directory libzip will load, as libzip 1.7.3 does
// (_zip_find_central_dir): it tries every end record signature in the last
// kEndSearchBytes and loads the directory of each one whose comment reaches
// exactly the end of the file. A second such record, or one hidden in the
// comment, exists only to make two readers disagree: with a fake record in
// the comment, a backward scan read a small directory while libzip loaded 3
// million entries (714 MB). A Zip64 record declaring more than max_entries
// is refused even when libzip would drop it, since libzip allocates its
// entries first. Sets *found to false when there is no directory (the
// caller then answers "not a zip").
Status FindDirectory(const RawFile& file, uint64_t max_entries, Directory* dir, bool* found) {
  *found = false;
  size_t tail_size = static_cast<size_t>(std::min<uint64_t>(file.size(), kEndSearchBytes));
  uint64_t tail_at = file.size() - tail_size;
  std::string tail;
  if (tail_size < kEndBytes || !file.Read(tail_at, tail_size, &tail)) return Status::OK();
  size_t first = tail_size == kEndSearchBytes ? kZip64LocatorBytes : 0;
  size_t chosen = 0;
  for (size_t i = tail.find(kEndSig, first); i != std::string::npos && i + kEndBytes <= tail_size;
       i = tail.find(kEndSig, i + 1)) {
    Directory d;
    bool consistent = ReadEndRecord(file, tail, tail_at, i, &d);
    if (d.zip64 && d.count > max_entries) return TooManyEntries(d.count, max_entries);
    if (!d.reaches_end) continue;
    // Fail closed: a record libzip may load whose directory does not end
    // where the record starts (a gap byte, or a broken Zip64 record) would
    // otherwise leave libzip a directory none of the checks below has read.
    if (!consistent) {
      return Status::Invalid(
          "the archive's end of central directory record does not match its central directory");
    }
    if (*found) {
      return Status::Invalid("the archive has more than one end of central directory record");
    }
    *dir = d;
    *found = true;
    chosen = i;
  }
  if (*found && tail.find(kEndSig, chosen + kEndBytes) != std::string::npos) {
    return Status::Invalid(
        "the archive's comment holds another end of central directory record");
  }
  return Status::OK();
}

// One central directory entry, with its Zip64 values applied.
struct RawEntry {
  std::string name;
  uint64_t local_offset = 0;
  uint64_t comp_size = 0;
};

// Applies the Zip64 extra field (APPNOTE.TXT 4.5.3) of the entry whose
// central header is `h`: it holds the uncompressed size, the compressed size
// and the local header offset whose 32-bit fields are 0xFFFFFFFF, in that
// order. Returns false if that field is missing or short (libzip fails too).
bool ApplyZip64(const unsigned char* h, RawEntry* e) {
  uint32_t size32 = Le32(h + 24), comp32 = Le32(h + 20), offset32 = Le32(h + 42);
  e->comp_size = comp32;
  e->local_offset = offset32;
  if (size32 != 0xFFFFFFFF && comp32 != 0xFFFFFFFF && offset32 != 0xFFFFFFFF) return true;
  const unsigned char* extra = h + kCentralBytes + Le16(h + 28);
  size_t extra_len = Le16(h + 30);
  for (size_t p = 0; p + 4 <= extra_len; p += 4 + Le16(extra + p + 2)) {
    if (Le16(extra + p) != 0x0001) continue;
    const unsigned char* f = extra + p + 4;
    size_t len = std::min<size_t>(Le16(extra + p + 2), extra_len - p - 4), at = 0;
    auto next = [&](uint64_t* v) {
      if (at + 8 > len) return false;
      *v = Le64(f + at);
      at += 8;
      return true;
    };
    uint64_t size64 = 0;
    return (size32 != 0xFFFFFFFF || next(&size64)) && (comp32 != 0xFFFFFFFF || next(&e->comp_size)) &&
           (offset32 != 0xFFFFFFFF || next(&e->local_offset));
  }
  return false;
}

// Reads every entry of `dir` as libzip will: up to the directory's size,
// also past a 16-bit count that wrapped (InfoZIP's writers store the count
// modulo 65536). Refuses a directory larger than max_entries can need, and
// too many entries, before libzip allocates them.
Status ReadDirectory(const RawFile& file, const Directory& dir, uint64_t max_entries,
                     std::vector<RawEntry>* entries) {
  uint64_t max_size = max_entries * kDirectoryBytesPerEntry;
  if (dir.size > max_size) {
    return Status::Invalid("the archive's central directory takes " + std::to_string(dir.size) +
                           " bytes; at most " + std::to_string(max_size) + " are allowed (" +
                           std::to_string(max_entries) + " entries)");
  }
  if (dir.count > max_entries) return TooManyEntries(dir.count, max_entries);
  if (dir.count > dir.size / kCentralBytes) return NotAZip();
  std::string cd;
  if (!file.Read(dir.offset, static_cast<size_t>(dir.size), &cd)) return NotAZip();
  uint64_t count = 0;
  for (size_t pos = 0; pos < cd.size(); ++count) {
    const unsigned char* h = Bytes(cd, pos);
    if (cd.size() - pos < kCentralBytes || Le32(h) != kCentralSig) return NotAZip();
    size_t name_len = Le16(h + 28), extra_len = Le16(h + 30), comment_len = Le16(h + 32);
    size_t entry_len = kCentralBytes + name_len + extra_len + comment_len;
    if (cd.size() - pos < entry_len) return NotAZip();
    if (count < max_entries) {
      RawEntry e;
      e.name = cd.substr(pos + kCentralBytes, name_len);
      if (!ApplyZip64(h, &e)) return NotAZip();
      entries->push_back(std::move(e));
    }
    pos += entry_len;
  }
  if (count > max_entries) return TooManyEntries(count, max_entries);
  return Status::OK();
}

// Checks the entry names as bytes. libzip hides two things this must see:
// it turns a NUL in a name into a space, and it reads a name with control
// characters as CP437 (\x01 becomes a smiley). It also refuses duplicate
// names without saying which.
Status CheckRawNames(const std::vector<RawEntry>& entries) {
  std::set<std::string> seen;
  for (const RawEntry& e : entries) {
    std::string shown;
    for (unsigned char c : e.name) shown += c == 0 ? std::string("\\0") : std::string(1, static_cast<char>(c));
    if (e.name.find('\0') != std::string::npos) {
      return Status::Invalid("archive entry \"" + shown + "\" contains a NUL character");
    }
    for (unsigned char c : e.name) {
      if (c < 0x20 || c == 0x7f) {
        return Status::Invalid("archive entry \"" + shown + "\" contains a control character");
      }
    }
    if (!seen.insert(e.name).second) {
      return Status::Invalid("archive entry \"" + e.name + "\" appears more than once");
    }
  }
  return Status::OK();
}

// Refuses entries whose bytes overlap. In a non-recursive zip bomb (David
// Fifield, 2019: https://www.bamsoftware.com/hacks/zipbomb/) the entries
// share one compressed stream, each entry's data quoting the next entry's
// local header, so each entry stays under the ratio check: 59 KB declared
// 959 MiB. An entry's bytes are its local header, with the name and extra
// field lengths of that header, and its compressed data; all of them lie
// before the central directory. Gaps are fine (a data descriptor sits in one).
Status CheckDataRanges(const RawFile& file, const Directory& dir,
                       const std::vector<RawEntry>& entries) {
  struct Range {
    uint64_t begin, end;
    size_t entry;
  };
  std::vector<Range> ranges;
  std::string local;
  for (size_t i = 0; i < entries.size(); ++i) {
    const RawEntry& e = entries[i];
    auto past = [&e] {
      return Status::Invalid("archive entry \"" + e.name +
                             "\" runs past the start of the central directory");
    };
    if (e.local_offset > dir.offset || dir.offset - e.local_offset < kLocalBytes) return past();
    if (!file.Read(e.local_offset, kLocalBytes, &local) || Le32(Bytes(local, 0)) != kLocalSig) {
      return Status::Invalid("archive entry \"" + e.name + "\" has no local header");
    }
    uint64_t data_at = e.local_offset + kLocalBytes + Le16(Bytes(local, 26)) + Le16(Bytes(local, 28));
    if (data_at > dir.offset || e.comp_size > dir.offset - data_at) return past();
    ranges.push_back({e.local_offset, data_at + e.comp_size, i});
  }
  std::stable_sort(ranges.begin(), ranges.end(),
                   [](const Range& a, const Range& b) { return a.begin < b.begin; });
  for (size_t k = 1; k < ranges.size(); ++k) {
    if (ranges[k].begin < ranges[k - 1].end) {
      return Status::Invalid("archive entry \"" + entries[ranges[k].entry].name +
                             "\" overlaps the data of entry \"" +
                             entries[ranges[k - 1].entry].name + "\"");
    }
  }
  return Status::OK();
}

// The checks on the raw directory, in order. No directory found is "not a
// zip" here, whatever libzip would make of the file: what libzip opens has
// always been read by these checks first.
Status CheckRawDirectory(const std::string& path, uint64_t max_entries) {
  RawFile file;
  Status s = file.Open(path);
  Directory dir;
  bool found = false;
  if (s.ok()) s = FindDirectory(file, max_entries, &dir, &found);
  if (!s.ok()) return s;
  if (!found) return NotAZip();
  std::vector<RawEntry> entries;
  s = ReadDirectory(file, dir, max_entries, &entries);
  if (s.ok()) s = CheckRawNames(entries);
  if (s.ok()) s = CheckDataRanges(file, dir, entries);
  return s;
}

}  // namespace

CollectionArchive::~CollectionArchive() {
  if (zip_) zip_discard(zip_);
}

Status CollectionArchive::Open(const std::string& path, const ArchiveLimits& limits,
                               bool require_manifest, std::unique_ptr<CollectionArchive>* out) {
  Status raw = CheckRawDirectory(path, limits.max_entries);
  if (!raw.ok()) return raw;
  int error = 0;
  // ZIP_CHECKCONS compares local and central headers (docs/stack-notes.md).
  zip_t* z = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (z == nullptr) {
    if (error == ZIP_ER_NOZIP || error == ZIP_ER_INCONS) return NotAZip();
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
    return TooManyEntries(static_cast<uint64_t>(count), limits.max_entries);
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
    // libzip turns CP437 names into UTF-8 (docs/stack-notes.md): the name checked is
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
