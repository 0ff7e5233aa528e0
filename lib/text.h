// Small text helpers shared by the modules that read what clients send.
#pragma once

#include <cstdint>
#include <string>

namespace site {

// ASCII lowercase (header names, XML names, settings).
std::string Lower(std::string s);

// Returns true iff `s` begins with `prefix`.
bool StartsWith(const std::string& s, const std::string& prefix);

// Removes leading and trailing characters of `chars` (spaces, tabs, CR, LF).
std::string Trim(const std::string& s, const char* chars = " \t\r\n");

// Returns true iff `s` is well-formed UTF-8: no overlong forms, no
// surrogates, nothing past U+10FFFF (what MariaDB's utf8mb4 accepts).
bool IsValidUtf8(const std::string& s);

// Escapes LIKE's wildcards (\\, %, _) so that `s` matches only itself.
std::string EscapeLike(const std::string& s);

// A byte count for people, the one way the site writes sizes (limits in
// refusals, sizes on the Collections page): "256 MiB" and "64 KiB" when
// exact, "1.5 MiB" to one decimal otherwise, "812 bytes" below 1 KiB.
std::string FormatBytes(uint64_t bytes);

}  // namespace site
