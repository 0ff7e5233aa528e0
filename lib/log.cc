#include "log.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
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

// UTC, to the second: mod_fcgid copies the programs' stderr into Apache's
// error log as it is, and lighttpd's breakage log adds no time either.
std::string Timestamp() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &utc);
  return buf;
}

}  // namespace

void SetLogProgramName(const std::string& name) { ProgramName() = name; }

void Log(LogLevel level, const std::string& client, const std::string& message) {
  std::string line = "[" + Timestamp() + "] [" + LevelName(level) + "] [" + ProgramName() +
                     ":" + std::to_string(getpid()) + "]";
  if (!client.empty()) line += " [client " + OneLine(client) + "]";
  line += " " + OneLine(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace site
