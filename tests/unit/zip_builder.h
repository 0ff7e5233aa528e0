// ZipEntry and WriteZip: zip archives built with libzip's write API, for the
// tests of the archive reader and of the installer.
//
// Include after <boost/test/unit_test.hpp>.
#pragma once

#include <zip.h>

#include <cstdint>
#include <string>
#include <vector>

namespace site_test {

// One entry of a zip to build.
struct ZipEntry {
  std::string name;
  std::string data;
  bool dir = false;
  zip_int32_t method = ZIP_CM_DEFLATE;
  uint32_t unix_mode = 0;  // st_mode recorded as UNIX attributes; 0: libzip's default
  bool aes = false;        // encrypt with AES-256
};

inline ZipEntry ZipFile(const std::string& name, const std::string& data,
                        zip_int32_t method = ZIP_CM_DEFLATE) {
  ZipEntry e;
  e.name = name;
  e.data = data;
  e.method = method;
  return e;
}

inline ZipEntry ZipDir(const std::string& name) {
  ZipEntry e;
  e.name = name;
  e.dir = true;
  return e;
}

inline ZipEntry WithMode(ZipEntry e, uint32_t mode) {
  e.unix_mode = mode;
  return e;
}

// Writes `entries` to a new zip at `path` (replacing it); fails the test
// when libzip cannot.
inline void WriteZip(const std::string& path, const std::vector<ZipEntry>& entries) {
  int error = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  BOOST_TEST_REQUIRE(z != nullptr, "zip_open(" << path << ") failed: " << error);
  auto fail = [&](const std::string& what) {
    std::string why = zip_strerror(z);
    zip_discard(z);
    BOOST_FAIL(what << ": " << why);
  };
  for (const ZipEntry& e : entries) {
    zip_int64_t idx;
    if (e.dir) {
      idx = zip_dir_add(z, e.name.c_str(), ZIP_FL_ENC_UTF_8);
    } else {
      zip_source_t* src = zip_source_buffer(z, e.data.data(), e.data.size(), 0);
      if (src == nullptr) fail("zip_source_buffer " + e.name);
      idx = zip_file_add(z, e.name.c_str(), src, ZIP_FL_ENC_UTF_8);
      if (idx < 0) zip_source_free(src);
    }
    if (idx < 0) fail("adding " + e.name);
    zip_uint64_t i = static_cast<zip_uint64_t>(idx);
    if (!e.dir && zip_set_file_compression(z, i, e.method, 0) != 0) fail("compression " + e.name);
    if (e.unix_mode != 0 &&
        zip_file_set_external_attributes(z, i, 0, ZIP_OPSYS_UNIX, e.unix_mode << 16) != 0) {
      fail("attributes " + e.name);
    }
    if (e.aes && zip_file_set_encryption(z, i, ZIP_EM_AES_256, "correct horse") != 0) {
      fail("encryption " + e.name);
    }
  }
  if (zip_close(z) != 0) fail("zip_close " + path);
}

}  // namespace site_test
