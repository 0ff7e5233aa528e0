// libFuzzer target for the archive reader (make fuzz): the raw central
// directory checks and libzip behind them. Whatever opens, every entry reads
// back within its declared size and the caps, and nothing crashes.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "collection_archive.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The reader takes a path, as an upload is on disk by then: in $TMPDIR
  // (tools/fuzz.sh points it at /dev/shm: on a disk, the writes made this
  // target wait on I/O most of its time).
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
                          "/archive_fuzz_XXXXXX";
    return std::string(mkdtemp(pattern.data()));
  }();
  std::string path = dir + "/input.zip", out = dir + "/entry";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  site::ArchiveLimits limits;
  limits.max_entries = 64;
  limits.max_unpacked_bytes = 1 << 20;
  std::unique_ptr<site::CollectionArchive> archive;
  for (bool manifest : {true, false}) {
    if (!site::CollectionArchive::Open(path, limits, manifest, &archive).ok()) continue;
    if (archive->entry_count() > limits.max_entries) __builtin_trap();
    if (archive->total_declared() > limits.max_unpacked_bytes) __builtin_trap();
    if (manifest) {
      std::string xml;
      archive->ReadManifest(&xml);
    }
    for (const std::string& name : archive->files()) {
      uint64_t bytes = 0;
      if (archive->Extract(name, out, &bytes).ok() && bytes != archive->declared_size(name)) {
        __builtin_trap();
      }
      unlink(out.c_str());
    }
  }
  return 0;
}
