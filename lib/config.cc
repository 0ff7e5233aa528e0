#include "config.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "text.h"

namespace site {

namespace {


Status ParseInt(const std::string& key, const std::string& value, int64_t min, int64_t max,
                int64_t* out) {
  if (value.empty() || value.size() > 18 ||
      value.find_first_not_of("0123456789") != std::string::npos) {
    return Status::Invalid("setting '" + key + "' must be a whole number, got '" + value + "'");
  }
  int64_t v = std::stoll(value);
  if (v < min || v > max) {
    return Status::Invalid("setting '" + key + "' must be between " + std::to_string(min) +
                           " and " + std::to_string(max));
  }
  *out = v;
  return Status::OK();
}

}  // namespace

Status ParseConfig(const std::string& text, const std::string& origin, Config* out) {
  Config c;
  std::map<std::string, std::function<Status(const std::string&, const std::string&)>> setters;
  auto str = [&](std::string* field) {
    return [field](const std::string&, const std::string& v) { *field = v; return Status::OK(); };
  };
  auto num = [&](auto* field, int64_t min, int64_t max) {
    return [field, min, max](const std::string& k, const std::string& v) {
      int64_t n = 0;
      Status s = ParseInt(k, v, min, max, &n);
      if (s.ok()) *field = static_cast<std::remove_pointer_t<decltype(field)>>(n);
      return s;
    };
  };
  setters["db_socket"] = str(&c.db_socket);
  setters["db_host"] = str(&c.db_host);
  setters["db_port"] = num(&c.db_port, 1, 65535);
  setters["db_name"] = str(&c.db_name);
  setters["db_user"] = str(&c.db_user);
  setters["db_password"] = str(&c.db_password);
  setters["templates_dir"] = str(&c.templates_dir);
  setters["session_idle_minutes"] = num(&c.session_idle_minutes, 1, 24 * 60);
  setters["session_absolute_hours"] = num(&c.session_absolute_hours, 1, 24 * 30);
  setters["signin_max_failures"] = num(&c.signin_max_failures, 1, 1000);
  setters["signin_window_minutes"] = num(&c.signin_window_minutes, 1, 24 * 60);
  setters["token_secret"] = str(&c.token_secret);
  setters["bearer_max_failures"] = num(&c.bearer_max_failures, 1, 100000);
  setters["bearer_failure_window_minutes"] = num(&c.bearer_failure_window_minutes, 1, 24 * 60);
  setters["password_iterations"] = num(&c.password_iterations, 100000, 10000000);
  setters["max_form_bytes"] = num(&c.max_form_bytes, 1024, 64 << 20);
  setters["pool_processes"] = num(&c.pool_processes, 1, 256);
  auto flag = [&](bool* field) {
    return [field](const std::string& k, const std::string& v) {
      if (v != "true" && v != "false") {
        return Status::Invalid("setting '" + k + "' must be true or false");
      }
      *field = (v == "true");
      return Status::OK();
    };
  };
  setters["cookie_secure"] = flag(&c.cookie_secure);
  setters["allow_fault_injection"] = flag(&c.allow_fault_injection);
  setters["files_dir"] = str(&c.files_dir);
  setters["max_upload_bytes"] = num(&c.max_upload_bytes, 1024, 64ll << 30);

  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  std::set<std::string> seen;
  while (std::getline(in, line)) {
    ++line_no;
    std::string t = Trim(line);
    if (t.empty() || t[0] == '#') continue;
    size_t eq = t.find('=');
    std::string where = origin + ":" + std::to_string(line_no);
    if (eq == std::string::npos) {
      return Status::Invalid(where + ": expected 'key = value'");
    }
    std::string key = Trim(t.substr(0, eq));
    std::string value = Trim(t.substr(eq + 1));
    auto it = setters.find(key);
    if (it == setters.end()) return Status::Invalid(where + ": unknown setting '" + key + "'");
    seen.insert(key);
    Status s = it->second(key, value);
    if (!s.ok()) return Status::Invalid(where + ": " + s.message());
  }

  const std::pair<const char*, const std::string*> required[] = {
      {"db_name", &c.db_name}, {"db_user", &c.db_user}, {"templates_dir", &c.templates_dir},
      {"files_dir", &c.files_dir}};
  for (const auto& [key, value] : required) {
    if (value->empty()) return Status::Invalid(origin + ": missing setting '" + key + "'");
  }
  // db_socket wins over db_host in the connection: a host who adds db_host
  // for a database on another machine and keeps the socket line would
  // silently stay on the local server.
  if (seen.count("db_socket") && (seen.count("db_host") || seen.count("db_port"))) {
    return Status::Invalid(origin + ": settings 'db_socket' and 'db_host'/'db_port' exclude "
                           "each other: keep the socket (this machine) or the host (over TCP)");
  }
  *out = c;
  return Status::OK();
}

Status LoadConfigFile(const std::string& path, Config* out) {
  std::ifstream f(path);
  if (!f) return Status::Invalid("cannot read config file '" + path + "'");
  std::ostringstream text;
  text << f.rdbuf();
  return ParseConfig(text.str(), path, out);
}

Status CheckConfigDirectories(const Config& c) {
  const std::pair<const char*, const std::string*> dirs[] = {
      {"templates_dir", &c.templates_dir}, {"files_dir", &c.files_dir}};
  for (const auto& [key, dir] : dirs) {
    struct stat st{};
    if (stat(dir->c_str(), &st) != 0) {
      return Status::Invalid("setting '" + std::string(key) + "': cannot use '" + *dir +
                             "': " + std::strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) {
      return Status::Invalid("setting '" + std::string(key) + "': '" + *dir +
                             "' is not a directory");
    }
  }
  return Status::OK();
}

Status LoadConfigFromEnvironment(Config* out) {
  const char* path = std::getenv("SITE_CONFIG");
  if (path == nullptr || *path == '\0') {
    return Status::Invalid("SITE_CONFIG is not set: it must name the site's config file");
  }
  return LoadConfigFile(path, out);
}

DbOptions DatabaseOptions(const Config& c) {
  DbOptions o;
  o.socket = c.db_socket;
  o.host = c.db_host;
  o.port = c.db_port;
  o.database = c.db_name;
  o.user = c.db_user;
  o.password = c.db_password;
  return o;
}

}  // namespace site
