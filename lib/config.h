// Config: the site's settings, read once at program start from a
// `key = value` file whose path is in the SITE_CONFIG environment variable.
//
// A file path rather than the settings themselves travels through the
// environment because mod_fcgid cuts variable values at 127 characters
// (see docs/stack-notes.md). A missing or malformed setting stops the program at
// start with a message that names the key.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "db.h"
#include "status.h"

namespace site {

struct Config {
  // Database: a unix socket path (preferred) or host + port.
  std::string db_socket;
  std::string db_host = "127.0.0.1";
  int db_port = 3306;
  std::string db_name;
  std::string db_user;
  std::string db_password;

  std::string templates_dir;

  // Sessions end after this long without a request, and after this long in all.
  int session_idle_minutes = 30;
  int session_absolute_hours = 12;
  // Cookies get the Secure attribute when true (the site is served over HTTPS).
  bool cookie_secure = false;

  // Sign-in throttling: at most this many failures from one address in the window.
  int signin_max_failures = 5;
  int signin_window_minutes = 15;

  // Bearer tokens are stored as HMAC-SHA256(token_secret, token); every web
  // node of one site needs the same secret. Empty: plain SHA-256.
  std::string token_secret;
  // Invalid bearer tokens from one address before 429, within the window.
  int bearer_max_failures = 20;
  int bearer_failure_window_minutes = 10;

  // PBKDF2-HMAC-SHA256 iterations for new password hashes (OWASP 2023: 600,000).
  int password_iterations = 600000;

  // Largest form body an admin page accepts. The web servers' own limit for
  // forms is rendered from it (tools/webconf.sh).
  int64_t max_form_bytes = 1 << 20;

  // Processes in each program's FastCGI pool (tools/pool.sh starts them).
  // Each serves one request at a time and holds one database connection.
  int pool_processes = 4;

  // The site's files: collections install into generations below it, and
  // files_dir/current/www is the web server's document root.
  std::string files_dir;
  // Largest collection upload (413 beyond). The web server's own limit is
  // rendered from it (tools/webconf.sh: SITE_UPLOAD_LIMIT, lighttpd's KiB).
  int64_t max_upload_bytes = 256ll << 20;
  // Tests only: lets a request ask the installer to die at a named point
  // (X-Fault-Point header), to prove that a crash leaves old or new.
  bool allow_fault_injection = false;
};

// Parses `text` (the file's contents). REQUIRES: `origin` names the file, for messages.
// Unknown keys are refused, so that a typo does not silently leave a default.
Status ParseConfig(const std::string& text, const std::string& origin, Config* out);

// Reads and parses the file at `path`.
Status LoadConfigFile(const std::string& path, Config* out);

// Returns Invalid, naming the key, unless templates_dir and files_dir are
// existing directories: programs check this at start, not at a request.
Status CheckConfigDirectories(const Config& c);

// Reads the file named by $SITE_CONFIG.
Status LoadConfigFromEnvironment(Config* out);

// The database connection the config names (socket or host and port,
// database, account).
DbOptions DatabaseOptions(const Config& c);

}  // namespace site
