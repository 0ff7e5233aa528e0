// Helpers shared by the unit tests: printing of lib enums in assertion
// messages, scratch directories, and where the site's templates live.
//
// Include after <boost/test/unit_test.hpp>.
#pragma once

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>

#include "access.h"
#include "status.h"

namespace site {

// Lets BOOST_TEST print Status codes and access levels when a check fails.
inline std::ostream& operator<<(std::ostream& os, Status::Code code) {
  return os << "k" << CodeName(code);
}

inline std::ostream& operator<<(std::ostream& os, Access a) { return os << AccessToDb(a); }

}  // namespace site

namespace site_test {

// Returns $name, or "" when it is unset.
inline std::string GetEnv(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it
// when the object goes away.
class TempDir {
 public:
  TempDir() {
    std::string base = GetEnv("TMPDIR");
    if (base.empty()) base = "/tmp";
    std::string pattern = base + "/site_unit_XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      BOOST_FAIL("cannot create a temporary directory under " << base);
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

  // Writes `contents` to `name` (relative to the directory), replacing it.
  void Write(const std::string& name, const std::string& contents) const {
    std::ofstream f(path_ + "/" + name, std::ios::binary | std::ios::trunc);
    f << contents;
    f.close();
    if (!f) BOOST_FAIL("cannot write " << path_ << "/" << name);
  }

 private:
  std::string path_;
};

// The site's templates/ directory: $SITE_TEST_TEMPLATES_DIR, else the
// templates/ beside $SITE_TEST_SQL_DIR, else ./templates (the tests run from
// the repository root). Fails the test when none of them exists.
inline std::string TemplatesDir() {
  std::string candidates[] = {
      GetEnv("SITE_TEST_TEMPLATES_DIR"),
      GetEnv("SITE_TEST_SQL_DIR").empty() ? std::string() : GetEnv("SITE_TEST_SQL_DIR") + "/../templates",
      "templates",
  };
  for (const std::string& c : candidates) {
    std::error_code ec;
    if (!c.empty() && std::filesystem::exists(c + "/layout_top.tpl", ec)) {
      return std::filesystem::absolute(c, ec).lexically_normal().string();
    }
  }
  BOOST_FAIL("cannot find the site's templates/: set SITE_TEST_TEMPLATES_DIR or SITE_TEST_SQL_DIR, "
             "or run the tests from the repository root");
  return "";
}

// Counts the occurrences of `needle` in `haystack`.
inline size_t CountOf(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

}  // namespace site_test
