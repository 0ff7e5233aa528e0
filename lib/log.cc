#include "log.h"

#include <cstdio>
#include <string>

namespace site {

namespace {

// Set once at start-up, before the accept loop; it carries no request state.
std::string& ProgramName() {
  static std::string name = "site";
  return name;
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warn";
    case LogLevel::kError: return "error";
  }
  return "?";
}

// Log lines are single lines: CR, LF and other control characters a client
// could smuggle in (a username, say) are replaced so they cannot forge entries.
std::string OneLine(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  return out;
}

}  // namespace

void SetLogProgramName(const std::string& name) { ProgramName() = name; }

void Log(LogLevel level, const std::string& client, const std::string& message) {
  std::string line = std::string("[") + LevelName(level) + "] [" + ProgramName() + "]";
  if (!client.empty()) line += " [client " + OneLine(client) + "]";
  line += " " + OneLine(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace site
