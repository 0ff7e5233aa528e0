#include "safe_path.h"

#include "text.h"

#include <cctype>

namespace site {

namespace {


// C1 controls (U+0080..U+009F) and the bidirectional overrides and
// isolates (U+202A..U+202E, U+2066..U+2069), which disguise a name on screen.
// REQUIRES: valid UTF-8.
bool HasInvisibleControl(const std::string& s) {
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]), c1 = static_cast<unsigned char>(s[i + 1]);
    if (c == 0xC2 && c1 >= 0x80 && c1 <= 0x9F) return true;
    if (c == 0xE2 && i + 2 < s.size()) {
      unsigned char c2 = static_cast<unsigned char>(s[i + 2]);
      if (c1 == 0x80 && c2 >= 0xAA && c2 <= 0xAE) return true;
      if (c1 == 0x81 && c2 >= 0xA6 && c2 <= 0xA9) return true;
    }
  }
  return false;
}

}  // namespace

Status CheckRelativePath(const std::string& path, const std::string& what) {
  auto refuse = [&](const std::string& why) {
    return Status::Invalid(what + " \"" + path + "\" " + why);
  };
  if (path.empty()) return Status::Invalid(what + " is empty");
  if (path.size() > kMaxPathBytes) return refuse("is too long");
  for (unsigned char c : path) {
    if (c == 0) return refuse("contains a NUL character");
    if (c < 0x20 || c == 0x7f) return refuse("contains a control character");
    if (c == '\\') return refuse("contains a backslash");
  }
  if (path[0] == '/') return refuse("is an absolute path");
  if (path.size() >= 2 && std::isalpha(static_cast<unsigned char>(path[0])) && path[1] == ':') {
    return refuse("starts with a drive letter");
  }
  if (!IsValidUtf8(path)) return refuse("is not valid UTF-8");
  if (HasInvisibleControl(path)) return refuse("contains a control character");
  size_t start = 0;
  for (;;) {
    size_t slash = path.find('/', start);
    std::string segment = path.substr(start, slash == std::string::npos ? std::string::npos
                                                                        : slash - start);
    if (segment.empty()) return refuse("has an empty path segment");
    if (segment == "..") return refuse("contains \"..\"");
    if (segment == ".") return refuse("contains \".\"");
    if (segment.size() > kMaxPathSegmentBytes) return refuse("has a segment that is too long");
    if (segment.find(':') != std::string::npos) return refuse("contains a colon");
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return Status::OK();
}

std::string JoinPath(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + "/" + b;
}

}  // namespace site
