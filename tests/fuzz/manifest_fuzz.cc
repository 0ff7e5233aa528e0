// libFuzzer target for the manifest reader (make fuzz): any input either
// parses into a manifest whose fields obey the documented rules or is
// refused with a message; nothing crashes, hangs or expands entities.
#include <cstddef>
#include <cstdint>
#include <string>

#include "collection_manifest.h"
#include "safe_path.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string xml(reinterpret_cast<const char*>(data), size);
  site::CollectionManifest m;
  site::Status s = site::ParseManifest(xml, "fuzz.xml", &m);
  if (!s.ok()) {
    if (s.message().empty()) __builtin_trap();
    return 0;
  }
  if (m.name.empty() || !site::IsValidGuid(m.guid)) __builtin_trap();
  for (const auto& r : m.resources) {
    if (!site::CheckRelativePath(r.name, "name").ok()) __builtin_trap();
    if (!r.path.empty() && !site::CheckRelativePath(r.path, "path").ok()) __builtin_trap();
    if (r.type != "www" && r.type != "private" && r.type != "cdn") __builtin_trap();
  }
  for (const auto& g : m.imports) {
    if (!site::IsValidGuid(g)) __builtin_trap();
  }
  return 0;
}
