// CollectionArchive: a collection zip, checked before anything is unpacked.
//
// Open() first reads the raw central directory that libzip will read, and
// refuses an ambiguous one (two end records, or one hidden in the comment),
// one larger than max_entries can need, and too many entries, before libzip
// loads them. It then reads the directory with libzip and refuses, naming
// the entry: unsafe names (safe_path.h), symlinks and devices, duplicate
// names, entries whose bytes overlap (non-recursive zip bombs), encrypted
// entries, unsupported compression, too much data unpacked, suspicious
// compression ratios (zip bombs), and a manifest that is missing or not
// alone. Extract() then counts the bytes it really
// reads, since libzip does not hold an entry to its declared size
// (docs/stack-notes.md), and reports CRC errors.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "status.h"

typedef struct zip zip_t;

namespace site {

struct ArchiveLimits {
  uint64_t max_entries = 10000;
  uint64_t max_unpacked_bytes = 1ull << 30;  // all entries together
  uint64_t max_ratio = 200;                  // unpacked / packed, per entry
  uint64_t ratio_floor_bytes = 1 << 20;      // smaller entries may compress well
};

class CollectionArchive {
 public:
  // Opens `path`. With `require_manifest`, exactly one *.xml must sit at the
  // root (the manifest); a nested resource zip has none.
  static Status Open(const std::string& path, const ArchiveLimits& limits, bool require_manifest,
                     std::unique_ptr<CollectionArchive>* out);
  ~CollectionArchive();

  const std::string& manifest_name() const { return manifest_name_; }
  // Reads the manifest (at most kMaxManifestBytes).
  Status ReadManifest(std::string* xml);

  // The files of the archive (directories left out), by name.
  const std::vector<std::string>& files() const { return files_; }
  bool Has(const std::string& name) const { return index_.count(name) > 0; }
  uint64_t declared_size(const std::string& name) const;
  // All entries' declared sizes together, and the number of entries.
  uint64_t total_declared() const { return total_declared_; }
  uint64_t entry_count() const { return entries_; }

  // Writes entry `name` to the new file `dest`, checking that it yields
  // exactly its declared size and a good CRC. Adds the bytes to *bytes.
  // Does not sync: the caller makes the files durable together.
  Status Extract(const std::string& name, const std::string& dest, uint64_t* bytes);

 private:
  CollectionArchive() = default;
  Status ReadEntry(const std::string& name, uint64_t cap, std::string* data);

  zip_t* zip_ = nullptr;
  std::string manifest_name_;
  std::vector<std::string> files_;
  std::map<std::string, uint64_t> index_;  // name -> zip index
  std::map<std::string, uint64_t> sizes_;  // name -> declared size
  uint64_t total_declared_ = 0;
  uint64_t entries_ = 0;  // directories included, as max_entries counts them
};

}  // namespace site
