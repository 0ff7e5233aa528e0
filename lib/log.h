// Log: one line per event on standard error, which Apache's mod_fcgid copies
// into the server's main error log and lighttpd into its breakage log.
//
// Callers never pass secrets (passwords, session ids, tokens, CSRF tokens):
// log who and what, never the credential itself.
#pragma once

#include <string>

namespace site {

enum class LogLevel { kInfo, kWarning, kError };

// Writes "[time UTC] [level] [program:pid] [client address] message" to stderr.
// `client` may be empty when there is no request (start-up, tools).
void Log(LogLevel level, const std::string& client, const std::string& message);

// Sets the program name that prefixes every line (argv[0]'s basename).
void SetLogProgramName(const std::string& name);

}  // namespace site
