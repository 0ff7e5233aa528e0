// libFuzzer target for the entry-name check (make fuzz): whatever it
// accepts must be a path that cannot leave its directory.
#include <cstddef>
#include <cstdint>
#include <string>

#include "safe_path.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path(reinterpret_cast<const char*>(data), size);
  if (!site::CheckRelativePath(path, "entry").ok()) return 0;
  if (path.empty() || path[0] == '/' || path.find('\0') != std::string::npos ||
      path.find('\\') != std::string::npos) {
    __builtin_trap();
  }
  size_t start = 0;
  for (;;) {
    size_t slash = path.find('/', start);
    std::string segment = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (segment.empty() || segment == "." || segment == "..") __builtin_trap();
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return 0;
}
