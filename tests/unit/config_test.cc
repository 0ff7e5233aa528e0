#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <optional>
#include <string>

#include "config.h"
#include "test_util.h"

using site::Config;
using site::ParseConfig;
using site::Status;

namespace {

const char kRequired[] =
    "db_name = site\ndb_user = web\ntemplates_dir = /srv/templates\nfiles_dir = /srv/files\n";

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Restores an environment variable when the test ends.
class ScopedEnv {
 public:
  explicit ScopedEnv(const char* name) : name_(name) {
    const char* v = std::getenv(name);
    if (v != nullptr) old_ = v;
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(config_test)

BOOST_AUTO_TEST_CASE(defaults_when_only_required_keys_are_set) {
  Config c;
  Status s = ParseConfig(kRequired, "site.conf", &c);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(c.db_name == "site");
  BOOST_TEST(c.db_user == "web");
  BOOST_TEST(c.templates_dir == "/srv/templates");
  BOOST_TEST(c.db_socket == "");
  BOOST_TEST(c.db_host == "127.0.0.1");
  BOOST_TEST(c.db_port == 3306);
  BOOST_TEST(c.db_password == "");
  BOOST_TEST(c.session_idle_minutes == 30);
  BOOST_TEST(c.session_absolute_hours == 12);
  BOOST_TEST(c.cookie_secure == false);
  BOOST_TEST(c.signin_max_failures == 5);
  BOOST_TEST(c.signin_window_minutes == 15);
  BOOST_TEST(c.password_iterations == 600000);
  BOOST_TEST(c.max_form_bytes == int64_t{1} << 20);
  BOOST_TEST(c.pool_processes == 4);
}

BOOST_AUTO_TEST_CASE(every_key_is_read) {
  const std::string text =
      "db_host = db.internal\n"
      "db_port = 3307\n"
      "db_name = people\n"
      "db_user = site_web\n"
      "db_password = s3cret=with=equals\n"
      "templates_dir = /opt/site/templates\n"
      "files_dir = /var/lib/site/files\n"
      "session_idle_minutes = 20\n"
      "session_absolute_hours = 8\n"
      "cookie_secure = true\n"
      "signin_max_failures = 7\n"
      "signin_window_minutes = 10\n"
      "password_iterations = 700000\n"
      "max_form_bytes = 2048\n"
      "pool_processes = 12\n";
  Config c;
  Status s = ParseConfig(text, "site.conf", &c);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(c.db_host == "db.internal");
  BOOST_TEST(c.db_port == 3307);
  BOOST_TEST(c.db_name == "people");
  BOOST_TEST(c.db_user == "site_web");
  BOOST_TEST(c.db_password == "s3cret=with=equals");  // split at the first '=' only
  BOOST_TEST(c.templates_dir == "/opt/site/templates");
  BOOST_TEST(c.files_dir == "/var/lib/site/files");
  BOOST_TEST(c.session_idle_minutes == 20);
  BOOST_TEST(c.session_absolute_hours == 8);
  BOOST_TEST(c.cookie_secure == true);
  BOOST_TEST(c.signin_max_failures == 7);
  BOOST_TEST(c.signin_window_minutes == 10);
  BOOST_TEST(c.password_iterations == 700000);
  BOOST_TEST(c.max_form_bytes == 2048);
  BOOST_TEST(c.pool_processes == 12);
}

BOOST_AUTO_TEST_CASE(comments_blank_lines_whitespace_and_crlf) {
  const std::string text =
      "# Site settings\r\n"
      "\r\n"
      "   # an indented comment\n"
      "\t\n"
      "  db_name   =   site  \r\n"
      "db_user\t=\tweb\r\n"
      "templates_dir=/srv/templates\n"
      "files_dir=/srv/files\n"
      "cookie_secure = false\n"
      "db_port = 0042\n";
  Config c;
  Status s = ParseConfig(text, "site.conf", &c);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(c.db_name == "site");
  BOOST_TEST(c.db_user == "web");
  BOOST_TEST(c.templates_dir == "/srv/templates");
  BOOST_TEST(c.cookie_secure == false);
  BOOST_TEST(c.db_port == 42);
}

BOOST_AUTO_TEST_CASE(unknown_key_is_refused_naming_key_and_line) {
  Config c;
  Status s = ParseConfig(std::string(kRequired) + "sesion_idle_minutes = 10\n", "site.conf", &c);
  BOOST_TEST(s.code() == Status::Code::kInvalid);
  BOOST_TEST(Contains(s.message(), "sesion_idle_minutes"), s.message());
  BOOST_TEST(Contains(s.message(), "site.conf:5"), s.message());
}

BOOST_AUTO_TEST_CASE(missing_required_key_is_named) {
  const char* keys[] = {"db_name", "db_user", "templates_dir", "files_dir"};
  for (const char* missing : keys) {
    BOOST_TEST_CONTEXT("without " << missing) {
      std::string text;
      for (const char* k : keys) {
        if (std::string(k) != missing) text += std::string(k) + " = x\n";
      }
      Config c;
      Status s = ParseConfig(text, "site.conf", &c);
      BOOST_TEST(s.code() == Status::Code::kInvalid);
      BOOST_TEST(Contains(s.message(), std::string("'") + missing + "'"), s.message());
      BOOST_TEST(Contains(s.message(), "site.conf"), s.message());
    }
  }
  // An empty value counts as missing.
  Config c;
  Status s = ParseConfig("db_name =\ndb_user = web\ntemplates_dir = /t\nfiles_dir = /f\n", "site.conf", &c);
  BOOST_TEST(s.code() == Status::Code::kInvalid);
  BOOST_TEST(Contains(s.message(), "db_name"), s.message());
}

BOOST_AUTO_TEST_CASE(socket_and_host_exclude_each_other) {
  Config c;
  BOOST_TEST(ParseConfig(std::string(kRequired) + "db_socket = /run/mysqld/mysqld.sock\n",
                         "site.conf", &c).ok());
  BOOST_TEST(c.db_socket == "/run/mysqld/mysqld.sock");
  for (const char* tcp : {"db_host = db.internal\n", "db_port = 3307\n"}) {
    Status s = ParseConfig(std::string(kRequired) + "db_socket = /run/mysqld/mysqld.sock\n" + tcp,
                           "site.conf", &c);
    BOOST_TEST(s.code() == Status::Code::kInvalid);
    BOOST_TEST(Contains(s.message(), "'db_socket'"), s.message());
  }
}

BOOST_AUTO_TEST_CASE(directories_are_checked_naming_the_key) {
  site_test::TempDir dir;
  Config c;
  c.templates_dir = dir.path();
  c.files_dir = dir.path();
  BOOST_TEST(site::CheckConfigDirectories(c).ok());

  c.files_dir = dir.path() + "/absent";
  Status s = site::CheckConfigDirectories(c);
  BOOST_TEST(s.code() == Status::Code::kInvalid);
  BOOST_TEST(Contains(s.message(), "'files_dir'"), s.message());
  BOOST_TEST(Contains(s.message(), "No such file"), s.message());

  c.files_dir = dir.path();
  dir.Write("plain", "not a directory");
  c.templates_dir = dir.path() + "/plain";
  s = site::CheckConfigDirectories(c);
  BOOST_TEST(s.code() == Status::Code::kInvalid);
  BOOST_TEST(Contains(s.message(), "'templates_dir'"), s.message());
  BOOST_TEST(Contains(s.message(), "not a directory"), s.message());
}

BOOST_AUTO_TEST_CASE(bad_values_are_refused_naming_the_key) {
  struct Case {
    const char* line;
    const char* key;
  };
  const Case cases[] = {
      {"db_port = abc", "db_port"},
      {"db_port = -1", "db_port"},
      {"db_port = +80", "db_port"},
      {"db_port = 80.5", "db_port"},
      {"db_port = 8 0", "db_port"},
      {"db_port =", "db_port"},
      {"db_port = 0", "db_port"},
      {"db_port = 65536", "db_port"},
      {"db_port = 99999999999999999999999", "db_port"},
      {"session_idle_minutes = 0", "session_idle_minutes"},
      {"session_idle_minutes = 1441", "session_idle_minutes"},
      {"session_absolute_hours = 0", "session_absolute_hours"},
      {"session_absolute_hours = 721", "session_absolute_hours"},
      {"signin_max_failures = 0", "signin_max_failures"},
      {"signin_max_failures = 1001", "signin_max_failures"},
      {"signin_window_minutes = 0", "signin_window_minutes"},
      {"signin_window_minutes = 1441", "signin_window_minutes"},
      {"password_iterations = 99999", "password_iterations"},
      {"password_iterations = 10000001", "password_iterations"},
      {"max_form_bytes = 1023", "max_form_bytes"},
      {"max_form_bytes = 67108865", "max_form_bytes"},
      {"pool_processes = 0", "pool_processes"},
      {"pool_processes = 257", "pool_processes"},
      {"cookie_secure = yes", "cookie_secure"},
      {"cookie_secure = TRUE", "cookie_secure"},
      {"cookie_secure = 1", "cookie_secure"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.line) {
      Config out;
      Status s = ParseConfig(std::string(kRequired) + c.line + "\n", "site.conf", &out);
      BOOST_TEST(s.code() == Status::Code::kInvalid);
      BOOST_TEST(Contains(s.message(), std::string("'") + c.key + "'"), s.message());
      BOOST_TEST(Contains(s.message(), "site.conf:5"), s.message());
    }
  }
}

BOOST_AUTO_TEST_CASE(range_limits_are_accepted) {
  struct Case {
    const char* line;
    int64_t Config::*wide;
    int Config::*narrow;
    int64_t expected;
  };
  const Case cases[] = {
      {"db_port = 1", nullptr, &Config::db_port, 1},
      {"db_port = 65535", nullptr, &Config::db_port, 65535},
      {"session_idle_minutes = 1", nullptr, &Config::session_idle_minutes, 1},
      {"session_idle_minutes = 1440", nullptr, &Config::session_idle_minutes, 1440},
      {"session_absolute_hours = 720", nullptr, &Config::session_absolute_hours, 720},
      {"signin_max_failures = 1000", nullptr, &Config::signin_max_failures, 1000},
      {"signin_window_minutes = 1440", nullptr, &Config::signin_window_minutes, 1440},
      {"password_iterations = 100000", nullptr, &Config::password_iterations, 100000},
      {"password_iterations = 10000000", nullptr, &Config::password_iterations, 10000000},
      {"max_form_bytes = 1024", &Config::max_form_bytes, nullptr, 1024},
      {"max_form_bytes = 67108864", &Config::max_form_bytes, nullptr, 67108864},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.line) {
      Config out;
      Status s = ParseConfig(std::string(kRequired) + c.line + "\n", "site.conf", &out);
      BOOST_TEST_REQUIRE(s.ok(), s.ToString());
      int64_t got = c.wide != nullptr ? out.*c.wide : out.*c.narrow;
      BOOST_TEST(got == c.expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(line_without_equals_is_refused) {
  Config c;
  Status s = ParseConfig(std::string(kRequired) + "db_port 3306\n", "site.conf", &c);
  BOOST_TEST(s.code() == Status::Code::kInvalid);
  BOOST_TEST(Contains(s.message(), "site.conf:5"), s.message());
}

BOOST_AUTO_TEST_CASE(load_config_file_reads_and_names_the_file) {
  site_test::TempDir dir;
  dir.Write("site.conf", std::string(kRequired) + "db_port = 3310\n");
  Config c;
  Status s = site::LoadConfigFile(dir.path() + "/site.conf", &c);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(c.db_port == 3310);

  dir.Write("bad.conf", std::string(kRequired) + "db_prot = 3310\n");
  s = site::LoadConfigFile(dir.path() + "/bad.conf", &c);
  BOOST_TEST(s.code() == Status::Code::kInvalid);
  BOOST_TEST(Contains(s.message(), dir.path() + "/bad.conf:5"), s.message());
  BOOST_TEST(Contains(s.message(), "db_prot"), s.message());

  s = site::LoadConfigFile(dir.path() + "/missing.conf", &c);
  BOOST_TEST(!s.ok());
  BOOST_TEST(Contains(s.message(), "missing.conf"), s.message());
}

BOOST_AUTO_TEST_CASE(load_config_from_environment) {
  ScopedEnv restore("SITE_CONFIG");
  site_test::TempDir dir;
  dir.Write("site.conf", std::string(kRequired) + "signin_max_failures = 9\n");

  unsetenv("SITE_CONFIG");
  Config c;
  Status s = site::LoadConfigFromEnvironment(&c);
  BOOST_TEST(!s.ok());
  BOOST_TEST(Contains(s.message(), "SITE_CONFIG"), s.message());

  setenv("SITE_CONFIG", "", 1);
  s = site::LoadConfigFromEnvironment(&c);
  BOOST_TEST(!s.ok());
  BOOST_TEST(Contains(s.message(), "SITE_CONFIG"), s.message());

  setenv("SITE_CONFIG", (dir.path() + "/site.conf").c_str(), 1);
  s = site::LoadConfigFromEnvironment(&c);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(c.signin_max_failures == 9);
}

BOOST_AUTO_TEST_SUITE_END()
