// Safe relative paths: the only shape of name from an archive or a
// manifest that may become a path on our disk.
#pragma once

#include <string>

#include "status.h"

namespace site {

constexpr size_t kMaxPathBytes = 1024;
constexpr size_t kMaxPathSegmentBytes = 255;

// Returns OK iff `path` is a relative path of '/'-separated segments, none
// empty, "." or "..", with no leading '/', no backslash, no drive letter
// ("C:"), no NUL or other control character, valid UTF-8, at most 255 bytes
// a segment and 1024 in all. Otherwise Invalid, naming `what` and the rule.
Status CheckRelativePath(const std::string& path, const std::string& what);

// Joins two safe relative paths ("" joins to the other).
std::string JoinPath(const std::string& a, const std::string& b);

}  // namespace site
