#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "collection_archive.h"
#include "collection_manifest.h"
#include "test_util.h"
#include "zip_builder.h"

using site::ArchiveLimits;
using site::CollectionArchive;
using site::Status;
using site_test::TempDir;
using site_test::WithMode;
using site_test::WriteZip;
using site_test::ZipDir;
using site_test::ZipEntry;
using site_test::ZipFile;

namespace {

const std::string kManifest =
    "<?xml version=\"1.0\"?>\n<Collection name=\"Shop\" guid=\"{1}\">\n"
    "  <Resource name=\"css/site.css\" type=\"www\"/>\n</Collection>\n";

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  BOOST_TEST_REQUIRE(static_cast<bool>(f), "cannot read " << path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << bytes;
  f.close();
  BOOST_TEST_REQUIRE(static_cast<bool>(f), "cannot write " << path);
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

// Little-endian fields of the zip format.
uint32_t Get(const std::string& b, size_t off, int bytes) {
  BOOST_TEST_REQUIRE(off + bytes <= b.size());
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[off + i]);
  return v;
}

void Put(std::string* b, size_t off, int bytes, uint32_t v) {
  BOOST_TEST_REQUIRE(off + bytes <= b->size());
  for (int i = 0; i < bytes; ++i) (*b)[off + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// Where the headers of entry `name` sit in the zip `bytes`.
struct Headers {
  size_t local = 0;    // the local file header
  size_t central = 0;  // the central directory entry
  size_t data = 0;     // the (compressed) data
  uint32_t comp_size = 0;
};

Headers FindHeaders(const std::string& bytes, const std::string& name) {
  size_t eocd = bytes.rfind(std::string("PK\x05\x06", 4));
  BOOST_TEST_REQUIRE(eocd != std::string::npos, "no end of central directory");
  uint32_t count = Get(bytes, eocd + 10, 2);
  size_t pos = Get(bytes, eocd + 16, 4);
  for (uint32_t i = 0; i < count; ++i) {
    BOOST_TEST_REQUIRE(Get(bytes, pos, 4) == 0x02014b50u, "bad central directory entry " << i);
    size_t name_len = Get(bytes, pos + 28, 2);
    size_t extra_len = Get(bytes, pos + 30, 2);
    size_t comment_len = Get(bytes, pos + 32, 2);
    if (bytes.compare(pos + 46, name_len, name) == 0 && name_len == name.size()) {
      Headers h;
      h.central = pos;
      h.local = Get(bytes, pos + 42, 4);
      BOOST_TEST_REQUIRE(Get(bytes, h.local, 4) == 0x04034b50u, "bad local header for " << name);
      h.data = h.local + 30 + Get(bytes, h.local + 26, 2) + Get(bytes, h.local + 28, 2);
      h.comp_size = Get(bytes, pos + 20, 4);
      return h;
    }
    pos += 46 + name_len + extra_len + comment_len;
  }
  BOOST_FAIL("no entry " << name << " in the central directory");
  return Headers();
}

// Sets the uncompressed size of `name` in both of its headers.
void PatchSize(const std::string& path, const std::string& name, uint32_t size) {
  std::string bytes = ReadAll(path);
  Headers h = FindHeaders(bytes, name);
  Put(&bytes, h.local + 22, 4, size);
  Put(&bytes, h.central + 24, 4, size);
  WriteAll(path, bytes);
}

// Sets general-purpose flag bit 0 ("encrypted") of `name` in both headers.
void PatchEncryptedFlag(const std::string& path, const std::string& name) {
  std::string bytes = ReadAll(path);
  Headers h = FindHeaders(bytes, name);
  Put(&bytes, h.local + 6, 2, Get(bytes, h.local + 6, 2) | 1);
  Put(&bytes, h.central + 8, 2, Get(bytes, h.central + 8, 2) | 1);
  WriteAll(path, bytes);
}

// Renames entry `from` to `to` (of the same length) in both headers: for
// names libzip refuses to write.
void RenameOnDisk(const std::string& path, const std::string& from, const std::string& to) {
  BOOST_TEST_REQUIRE(from.size() == to.size());
  std::string bytes = ReadAll(path);
  Headers h = FindHeaders(bytes, from);
  bytes.replace(h.local + 30, to.size(), to);
  bytes.replace(h.central + 46, to.size(), to);
  WriteAll(path, bytes);
}

// A deterministic byte string with every byte value in it.
std::string Binary(size_t n, uint32_t seed = 1) {
  std::string out(n, '\0');
  uint32_t x = seed;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    out[i] = static_cast<char>(i < 256 ? i : (x >> 16) & 0xff);
  }
  return out;
}

// --- Hand-made archives, for what libzip will not write -------------------

void Le(std::string* b, int bytes, uint64_t v) {
  for (int i = 0; i < bytes; ++i) b->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t Crc32(const std::string& data) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char ch : data) {
    c ^= ch;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
  }
  return ~c;
}

// One entry of a hand-made archive.
struct RawEntry {
  std::string name;
  uint16_t method = ZIP_CM_STORE;
  uint32_t crc = 0;
  uint32_t comp_size = 0;
  uint32_t size = 0;
  uint32_t offset = 0;  // of the local header
};

RawEntry Stored(const std::string& name, const std::string& data, uint32_t offset) {
  RawEntry e;
  e.name = name;
  e.crc = Crc32(data);
  e.comp_size = e.size = static_cast<uint32_t>(data.size());
  e.offset = offset;
  return e;
}

std::string LocalHeader(const RawEntry& e) {
  std::string b;
  Le(&b, 4, 0x04034b50);
  Le(&b, 2, 20);    // version needed
  Le(&b, 2, 0);     // flags
  Le(&b, 2, e.method);
  Le(&b, 2, 0);     // time
  Le(&b, 2, 0x21);  // date: 1980-01-01
  Le(&b, 4, e.crc);
  Le(&b, 4, e.comp_size);
  Le(&b, 4, e.size);
  Le(&b, 2, e.name.size());
  Le(&b, 2, 0);  // extra field length
  return b + e.name;
}

std::string CentralHeader(const RawEntry& e) {
  std::string b;
  Le(&b, 4, 0x02014b50);
  Le(&b, 2, 20);  // version made by: MS-DOS, 2.0
  Le(&b, 2, 20);  // version needed
  Le(&b, 2, 0);
  Le(&b, 2, e.method);
  Le(&b, 2, 0);
  Le(&b, 2, 0x21);
  Le(&b, 4, e.crc);
  Le(&b, 4, e.comp_size);
  Le(&b, 4, e.size);
  Le(&b, 2, e.name.size());
  Le(&b, 2, 0);  // extra field length
  Le(&b, 2, 0);  // comment length
  Le(&b, 2, 0);  // disk
  Le(&b, 2, 0);  // internal attributes
  Le(&b, 4, 0);  // external attributes
  Le(&b, 4, e.offset);
  return b + e.name;
}

std::string EndRecord(uint64_t count, uint64_t cd_size, uint64_t cd_offset, size_t comment_len) {
  std::string b;
  Le(&b, 4, 0x06054b50);
  Le(&b, 4, 0);  // disk numbers
  Le(&b, 2, count & 0xffff);
  Le(&b, 2, count & 0xffff);
  Le(&b, 4, cd_size);
  Le(&b, 4, cd_offset);
  Le(&b, 2, comment_len);
  return b;
}

// A Zip64 end record and its locator, for a directory at cd_offset, followed
// by the 32-bit end record with `end_count` etc. (0xFFFF... in a real Zip64 archive).
std::string Zip64End(uint64_t count, uint64_t cd_size, uint64_t cd_offset, uint64_t end_count,
                     uint64_t end_size, uint64_t end_offset) {
  std::string b;
  Le(&b, 4, 0x06064b50);
  Le(&b, 8, 44);  // size of the rest of the record
  Le(&b, 2, 45);
  Le(&b, 2, 45);
  Le(&b, 4, 0);
  Le(&b, 4, 0);
  Le(&b, 8, count);
  Le(&b, 8, count);
  Le(&b, 8, cd_size);
  Le(&b, 8, cd_offset);
  Le(&b, 4, 0x07064b50);
  Le(&b, 4, 0);
  Le(&b, 8, cd_offset + cd_size);  // where the Zip64 end record starts
  Le(&b, 4, 1);
  return b + EndRecord(end_count, end_size, end_offset, 0);
}

// A deflate stored block (RFC 1951 3.2.4) holding `data`, at most 65535 bytes.
std::string StoredBlock(const std::string& data, bool final) {
  std::string b(1, final ? '\x01' : '\x00');
  Le(&b, 2, data.size());
  Le(&b, 2, ~data.size() & 0xffff);
  return b + data;
}

// David Fifield's quoted-overlap zip bomb (https://www.bamsoftware.com/hacks/zipbomb/):
// the manifest, then `n` entries whose deflate data quotes the next entry's
// local header in a stored block and goes on with that entry's data, so all
// of them share the last entry's data (`kernel`). The kernel is stored too:
// the overlap, not the compression, is under test.
std::string QuotedOverlapZip(int n, const std::string& kernel) {
  std::vector<RawEntry> bomb(n);
  std::vector<std::string> data(n);
  std::string plain = kernel;
  for (int i = n - 1; i >= 0; --i) {
    data[i] = i == n - 1 ? StoredBlock(kernel, true)
                         : StoredBlock(LocalHeader(bomb[i + 1]), false) + data[i + 1];
    if (i < n - 1) plain = LocalHeader(bomb[i + 1]) + plain;
    bomb[i].name = "bomb" + std::to_string(i) + ".txt";
    bomb[i].method = ZIP_CM_DEFLATE;
    bomb[i].crc = Crc32(plain);
    bomb[i].comp_size = static_cast<uint32_t>(data[i].size());
    bomb[i].size = static_cast<uint32_t>(plain.size());
  }
  RawEntry manifest = Stored("collection.xml", kManifest, 0);
  std::string zip = LocalHeader(manifest) + kManifest;
  bomb[0].offset = static_cast<uint32_t>(zip.size());
  zip += LocalHeader(bomb[0]) + data[0];
  for (int i = 1; i < n; ++i) {
    bomb[i].offset = bomb[i - 1].offset + static_cast<uint32_t>(LocalHeader(bomb[i - 1]).size()) + 5;
  }
  std::string cd = CentralHeader(manifest);
  for (const RawEntry& e : bomb) cd += CentralHeader(e);
  return zip + cd + EndRecord(n + 1, cd.size(), zip.size(), 0);
}

// Rewrites a (small, non-Zip64) archive as Zip64: every central entry's
// sizes and local header offset become 0xFFFFFFFF with the real values in a
// Zip64 extra field, and a Zip64 end record and locator come before an end
// record of 0xFFFF... fields. The local headers stay as they are.
std::string ToZip64(const std::string& zip) {
  size_t eocd = zip.rfind(std::string("PK\x05\x06", 4));
  BOOST_TEST_REQUIRE(eocd != std::string::npos);
  uint32_t count = Get(zip, eocd + 10, 2);
  size_t cd_offset = Get(zip, eocd + 16, 4);
  std::string out = zip.substr(0, cd_offset);
  size_t pos = cd_offset;
  for (uint32_t i = 0; i < count; ++i) {
    size_t name_len = Get(zip, pos + 28, 2), extra_len = Get(zip, pos + 30, 2);
    size_t comment_len = Get(zip, pos + 32, 2);
    std::string h = zip.substr(pos, 46);
    std::string zip64;
    Le(&zip64, 2, 0x0001);
    Le(&zip64, 2, 24);
    Le(&zip64, 8, Get(zip, pos + 24, 4));  // uncompressed size
    Le(&zip64, 8, Get(zip, pos + 20, 4));  // compressed size
    Le(&zip64, 8, Get(zip, pos + 42, 4));  // local header offset
    Put(&h, 20, 4, 0xFFFFFFFF);
    Put(&h, 24, 4, 0xFFFFFFFF);
    Put(&h, 42, 4, 0xFFFFFFFF);
    Put(&h, 30, 2, static_cast<uint32_t>(extra_len + zip64.size()));
    out += h + zip.substr(pos + 46, name_len + extra_len) + zip64 +
           zip.substr(pos + 46 + name_len + extra_len, comment_len);
    pos += 46 + name_len + extra_len + comment_len;
  }
  uint64_t cd_size = out.size() - cd_offset;
  return out + Zip64End(count, cd_size, cd_offset, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF);
}

// Sets the archive comment of the zip at `path` with libzip.
void SetComment(const std::string& path, const std::string& comment) {
  int error = 0;
  zip_t* z = zip_open(path.c_str(), 0, &error);
  BOOST_TEST_REQUIRE(z != nullptr, "zip_open(" << path << ") failed: " << error);
  BOOST_TEST_REQUIRE(zip_set_archive_comment(z, comment.data(), comment.size()) == 0,
                     zip_strerror(z));
  BOOST_TEST_REQUIRE(zip_close(z) == 0, zip_strerror(z));
}

Status Open(const std::string& path, std::unique_ptr<CollectionArchive>* out,
            const ArchiveLimits& limits = ArchiveLimits(), bool require_manifest = true) {
  return CollectionArchive::Open(path, limits, require_manifest, out);
}

// Opens the zip made of `entries`; requires a refusal that contains every
// one of `needles`.
void MustRefuse(const std::vector<ZipEntry>& entries, const std::vector<std::string>& needles,
                const ArchiveLimits& limits = ArchiveLimits(), bool require_manifest = true) {
  TempDir tmp;
  std::string zip = tmp.path() + "/c.zip";
  WriteZip(zip, entries);
  std::unique_ptr<CollectionArchive> a;
  Status s = Open(zip, &a, limits, require_manifest);
  BOOST_TEST_REQUIRE(!s.ok(), "accepted");
  BOOST_TEST(s.code() == Status::Code::kInvalid, s.ToString());
  BOOST_TEST(!a);
  for (const std::string& n : needles) {
    BOOST_TEST(s.message().find(n) != std::string::npos, "'" << n << "' not in: " << s.message());
  }
}

std::unique_ptr<CollectionArchive> MustOpen(const std::string& zip,
                                            const ArchiveLimits& limits = ArchiveLimits(),
                                            bool require_manifest = true) {
  std::unique_ptr<CollectionArchive> a;
  Status s = Open(zip, &a, limits, require_manifest);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST_REQUIRE(static_cast<bool>(a));
  return a;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(collection_archive_test)

// ---------------------------------------------------------------------------
// A good archive

BOOST_AUTO_TEST_CASE(good_archive) {
  TempDir tmp;
  const std::string zip = tmp.path() + "/good.zip";
  const std::vector<ZipEntry> entries = {
      ZipFile("collection.xml", kManifest),
      ZipDir("css"),
      ZipFile("css/site.css", "body { color: red; }\n"),
      ZipDir("img"),
      ZipFile("img/logo.png", Binary(70000), ZIP_CM_STORE),
      ZipFile("docs/readme.txt", std::string(5000, 'r')),  // no directory entry for docs/
      ZipFile("empty.txt", ""),
      ZipFile("ünï/файл.txt", "unicode\n", ZIP_CM_STORE),
  };
  WriteZip(zip, entries);
  std::unique_ptr<CollectionArchive> a = MustOpen(zip);

  BOOST_TEST(a->manifest_name() == "collection.xml");
  std::string xml;
  Status s = a->ReadManifest(&xml);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(xml == kManifest);

  std::vector<std::string> want_files;
  for (const ZipEntry& e : entries) {
    if (!e.dir) want_files.push_back(e.name);
  }
  BOOST_TEST(a->files() == want_files, boost::test_tools::per_element());

  uint64_t total = 0;
  for (const ZipEntry& e : entries) total += e.data.size();
  BOOST_TEST(a->total_declared() == total);
  for (const ZipEntry& e : entries) {
    BOOST_TEST_CONTEXT(e.name) {
      BOOST_TEST(a->Has(e.name) == !e.dir);
      BOOST_TEST(a->declared_size(e.name) == e.data.size());
    }
  }
  for (const char* absent : {"css/", "css", "img/", "docs", "docs/", "nope", "COLLECTION.XML",
                             "css/site.css/", "/css/site.css", ""}) {
    BOOST_TEST(!a->Has(absent), absent);
    BOOST_TEST(a->declared_size(absent) == 0u, absent);
  }

  // Extract writes the exact bytes and adds them to *bytes.
  uint64_t bytes = 7;
  uint64_t want_bytes = 7;
  int n = 0;
  for (const ZipEntry& e : entries) {
    if (e.dir) continue;
    BOOST_TEST_CONTEXT(e.name) {
      std::string dest = tmp.path() + "/out" + std::to_string(n++);
      s = a->Extract(e.name, dest, &bytes);
      BOOST_TEST_REQUIRE(s.ok(), s.ToString());
      want_bytes += e.data.size();
      BOOST_TEST(bytes == want_bytes);
      BOOST_TEST(ReadAll(dest) == e.data);
    }
  }
  // The manifest can be read again after extracting it.
  BOOST_TEST(a->ReadManifest(&xml).ok());
  BOOST_TEST(xml == kManifest);
}

BOOST_AUTO_TEST_CASE(extract_never_replaces_or_follows) {
  TempDir tmp;
  const std::string zip = tmp.path() + "/good.zip";
  WriteZip(zip,
           {ZipFile("collection.xml", kManifest), ZipDir("css"), ZipFile("css/site.css", "css")});
  std::unique_ptr<CollectionArchive> a = MustOpen(zip);

  // An existing destination is refused and left as it was.
  const std::string existing = tmp.path() + "/existing";
  WriteAll(existing, "keep me");
  uint64_t bytes = 3;
  Status s = a->Extract("css/site.css", existing, &bytes);
  BOOST_TEST(!s.ok());
  BOOST_TEST(ReadAll(existing) == "keep me");
  BOOST_TEST(bytes == 3u);

  // A symlink at the destination is not followed, even to a missing file.
  const std::string target = tmp.path() + "/target";
  const std::string link = tmp.path() + "/link";
  BOOST_TEST_REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
  s = a->Extract("css/site.css", link, &bytes);
  BOOST_TEST(!s.ok());
  BOOST_TEST(!Exists(target));
  BOOST_TEST(bytes == 3u);

  // Names that are not files of the archive.
  for (const char* name : {"css", "css/", "nope.txt", "../collection.xml", ""}) {
    BOOST_TEST_CONTEXT(name) {
      const std::string dest = tmp.path() + "/absent";
      s = a->Extract(name, dest, &bytes);
      BOOST_TEST(!s.ok());
      BOOST_TEST(s.code() == Status::Code::kInvalid, s.ToString());
      BOOST_TEST(!Exists(dest));
      BOOST_TEST(bytes == 3u);
    }
  }
}

// ---------------------------------------------------------------------------
// Not a zip

BOOST_AUTO_TEST_CASE(not_a_zip) {
  TempDir tmp;
  const std::string good = tmp.path() + "/good.zip";
  WriteZip(good, {ZipFile("collection.xml", kManifest)});
  const std::string good_bytes = ReadAll(good);
  struct Case {
    const char* what;
    std::string bytes;
  } cases[] = {
      {"random bytes", Binary(4096, 7)},
      {"text", "this is a collection, honest\n"},
      {"a local header and nothing else", std::string("PK\x03\x04", 4) + std::string(100, 'x')},
      {"a zip without its end", good_bytes.substr(0, good_bytes.size() - 10)},
      {"a gzip file", std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10) + Binary(100)},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      const std::string path = tmp.path() + "/bad.zip";
      WriteAll(path, c.bytes);
      std::unique_ptr<CollectionArchive> a;
      Status s = Open(path, &a);
      BOOST_TEST(!s.ok());
      BOOST_TEST(s.code() == Status::Code::kInvalid, s.ToString());
      BOOST_TEST(s.message().find("not a zip") != std::string::npos, s.message());
      BOOST_TEST(!a);
    }
  }
  // A file that is not there: refused, whatever the wording.
  std::unique_ptr<CollectionArchive> a;
  BOOST_TEST(!Open(tmp.path() + "/missing.zip", &a).ok());
}

// An empty upload is not a zip, whether or not a manifest is required.
BOOST_AUTO_TEST_CASE(empty_file_is_not_a_zip) {
  TempDir tmp;
  const std::string path = tmp.path() + "/empty.zip";
  WriteAll(path, "");
  for (bool require_manifest : {true, false}) {
    BOOST_TEST_CONTEXT("require_manifest " << require_manifest) {
      std::unique_ptr<CollectionArchive> a;
      Status s = Open(path, &a, ArchiveLimits(), require_manifest);
      BOOST_TEST(!s.ok());
      BOOST_TEST(s.message().find("not a zip") != std::string::npos, s.message());
    }
  }
}

// ---------------------------------------------------------------------------
// The manifest

BOOST_AUTO_TEST_CASE(manifest_rules) {
  struct Case {
    const char* what;
    std::vector<ZipEntry> entries;
    bool require_manifest;
    bool ok;
    std::string manifest_or_needle;  // manifest_name() when ok, else a fragment of the reason
    std::string second_needle;
  } cases[] = {
      {"no manifest", {ZipFile("css/a.css", "a")}, true, false, "no manifest", ""},
      {"only a nested .xml", {ZipFile("dir/b.xml", kManifest), ZipFile("a.css", "a")}, true, false,
       "no manifest", ""},
      {"a directory named like a manifest", {ZipDir("x.xml"), ZipFile("x.xml/a.css", "a")}, true,
       false, "no manifest", ""},
      {"two manifests", {ZipFile("a.xml", kManifest), ZipFile("B.XML", kManifest)}, true, false,
       "more than one manifest", "B.XML"},
      {"two manifests and more",
       {ZipFile("a.xml", kManifest), ZipFile("z.css", "z"), ZipFile("c.Xml", kManifest)}, true,
       false, "more than one manifest", "c.Xml"},
      {"one at the root, one nested",
       {ZipFile("a.xml", kManifest), ZipFile("dir/b.xml", kManifest)}, true, true, "a.xml", ""},
      {"upper-case extension", {ZipFile("Collection.XML", kManifest)}, true, true, "Collection.XML",
       ""},
      {"a .xml directory beside the manifest", {ZipDir("x.xml"), ZipFile("m.xml", kManifest)}, true,
       true, "m.xml", ""},
      {"not required, none", {ZipFile("a.css", "a")}, false, true, "", ""},
      {"not required, two", {ZipFile("a.xml", kManifest), ZipFile("b.xml", kManifest)}, false,
       true, "", ""},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      if (!c.ok) {
        std::vector<std::string> needles = {c.manifest_or_needle};
        if (!c.second_needle.empty()) needles.push_back(c.second_needle);
        MustRefuse(c.entries, needles, ArchiveLimits(), c.require_manifest);
        continue;
      }
      TempDir tmp;
      WriteZip(tmp.path() + "/c.zip", c.entries);
      auto a = MustOpen(tmp.path() + "/c.zip", ArchiveLimits(), c.require_manifest);
      BOOST_TEST(a->manifest_name() == c.manifest_or_needle);
      std::string xml;
      Status s = a->ReadManifest(&xml);
      BOOST_TEST(s.ok() == !c.manifest_or_needle.empty(), s.ToString());
      if (s.ok()) BOOST_TEST(xml == kManifest);
    }
  }
}

// A zip with no entries at all (only an end of central directory record).
BOOST_AUTO_TEST_CASE(archive_without_entries) {
  TempDir tmp;
  const std::string path = tmp.path() + "/none.zip";
  WriteAll(path, std::string("PK\x05\x06", 4) + std::string(18, '\0'));
  std::unique_ptr<CollectionArchive> a;
  Status s = Open(path, &a, ArchiveLimits(), true);
  BOOST_TEST(!s.ok());
  BOOST_TEST(s.message().find("no manifest") != std::string::npos, s.message());
  a = MustOpen(path, ArchiveLimits(), false);
  BOOST_TEST(a->files().empty());
  BOOST_TEST(a->manifest_name() == "");
}

BOOST_AUTO_TEST_CASE(manifest_over_the_limit_is_not_read) {
  TempDir tmp;
  const std::string zip = tmp.path() + "/c.zip";
  WriteZip(zip, {ZipFile("collection.xml", std::string(site::kMaxManifestBytes + 1, ' '),
                      ZIP_CM_STORE)});
  auto a = MustOpen(zip);
  std::string xml = "untouched";
  Status s = a->ReadManifest(&xml);
  BOOST_TEST(!s.ok());
  BOOST_TEST(s.message().find("collection.xml") != std::string::npos, s.message());
  BOOST_TEST(xml.size() <= site::kMaxManifestBytes);
}

// ---------------------------------------------------------------------------
// Entries that are refused

BOOST_AUTO_TEST_CASE(unsafe_entry_names) {
  // Names libzip writes as given.
  struct Case {
    ZipEntry entry;
    std::string named;  // what the message must contain
  } cases[] = {
      {ZipFile("../x", "x"), "../x"},
      {ZipFile("../../etc/cron.d/x", "x"), "../../etc/cron.d/x"},
      {ZipFile("/abs", "x"), "/abs"},
      {ZipFile("/etc/passwd", "x"), "/etc/passwd"},
      {ZipFile("a/../../b", "x"), "a/../../b"},
      {ZipFile("./a", "x"), "./a"},
      {ZipFile("a//b", "x"), "a//b"},
      {ZipFile("C:/x", "x"), "C:/x"},
      {ZipFile("c:x", "x"), "c:x"},
      {ZipFile(std::string(256, 'n'), "x"), std::string(256, 'n')},
      {ZipDir(".."), ".."},
      {ZipDir("a/../.."), "a/../.."},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.entry.name) {
      MustRefuse({ZipFile("collection.xml", kManifest), c.entry}, {"archive entry", c.named});
    }
  }
  // Names libzip will not write (a backslash, a control character, a NUL):
  // written under a stand-in of the same length, then renamed in both
  // headers.
  struct Raw {
    std::string name;
    std::string needle;  // besides "archive entry"
  } raws[] = {
      {"a\\b", "a\\b"},
      {"..\\..\\x", "..\\..\\x"},
      {"dir\\..\\..\\x.css", "dir\\..\\..\\x.css"},
      {"a\x01" "b", "control character"},
      {"tab\there", "control character"},
      {"new\nline", "control character"},
      {"del\x7f", "control character"},
      {std::string("nul\0.css", 8), "NUL"},
      {std::string("x.php\0.css", 10), "NUL"},
  };
  for (const Raw& r : raws) {
    BOOST_TEST_CONTEXT(r.needle) {
      TempDir tmp;
      const std::string zip = tmp.path() + "/c.zip";
      std::string stand_in = r.name;
      for (char& ch : stand_in) {
        if (ch == '\\' || static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = '_';
      }
      WriteZip(zip, {ZipFile("collection.xml", kManifest), ZipFile(stand_in, "x")});
      RenameOnDisk(zip, stand_in, r.name);
      std::unique_ptr<CollectionArchive> a;
      Status s = Open(zip, &a);
      BOOST_TEST(!s.ok());
      BOOST_TEST(s.code() == Status::Code::kInvalid, s.ToString());
      BOOST_TEST(s.message().find("archive entry") != std::string::npos, s.message());
      BOOST_TEST(s.message().find(r.needle) != std::string::npos, s.message());
    }
  }
}

BOOST_AUTO_TEST_CASE(special_files) {
  struct Case {
    const char* what;
    uint32_t mode;
    bool ok;
    const char* needle;
  } cases[] = {
      {"symlink", S_IFLNK | 0777, false, "symbolic link"},
      {"character device", S_IFCHR | 0600, false, "device"},
      {"block device", S_IFBLK | 0600, false, "device"},
      {"fifo", S_IFIFO | 0644, false, "special file"},
      {"socket", S_IFSOCK | 0755, false, "special file"},
      {"regular file", S_IFREG | 0644, true, ""},
      {"executable file", S_IFREG | 0755, true, ""},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      std::vector<ZipEntry> entries = {ZipFile("collection.xml", kManifest),
                                    WithMode(ZipFile("files/entry", "/etc/passwd"), c.mode)};
      if (!c.ok) {
        MustRefuse(entries, {"\"files/entry\"", c.needle});
        continue;
      }
      TempDir tmp;
      WriteZip(tmp.path() + "/c.zip", entries);
      auto a = MustOpen(tmp.path() + "/c.zip");
      BOOST_TEST(a->Has("files/entry"));
    }
  }
  // A directory recorded as a UNIX directory is fine.
  TempDir tmp;
  WriteZip(tmp.path() + "/c.zip", {ZipFile("collection.xml", kManifest),
                                   WithMode(ZipDir("d"), S_IFDIR | 0755), ZipFile("d/f", "f")});
  auto a = MustOpen(tmp.path() + "/c.zip");
  BOOST_TEST(a->Has("d/f"));
}

BOOST_AUTO_TEST_CASE(duplicate_names) {
  struct Case {
    const char* what;
    std::vector<ZipEntry> entries;
    std::string named;
  } cases[] = {
      {"differ in case", {ZipFile("a.txt", "1"), ZipFile("A.TXT", "2")}, "A.TXT"},
      {"differ in the directory's case", {ZipFile("Dir/x.css", "1"), ZipFile("dir/x.css", "2")},
       "dir/x.css"},
      {"a file and a directory", {ZipDir("d"), ZipFile("d", "2")}, "\"d\""},
      {"a directory twice in different case", {ZipDir("d"), ZipDir("D")}, "D/"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      std::vector<ZipEntry> entries = {ZipFile("collection.xml", kManifest)};
      entries.insert(entries.end(), c.entries.begin(), c.entries.end());
      MustRefuse(entries, {"more than once", c.named});
    }
  }
}

// libzip will not write two entries of one name: rename one on disk.
BOOST_AUTO_TEST_CASE(exact_duplicate_name_is_refused) {
  TempDir tmp;
  const std::string zip = tmp.path() + "/c.zip";
  WriteZip(zip, {ZipFile("collection.xml", kManifest), ZipFile("x.css", "first"),
                 ZipFile("y.css", "second")});
  std::string bytes = ReadAll(zip);
  Headers h = FindHeaders(bytes, "y.css");
  bytes[h.local + 30] = 'x';
  bytes[h.central + 46] = 'x';
  WriteAll(zip, bytes);
  std::unique_ptr<CollectionArchive> a;
  Status s = Open(zip, &a);
  BOOST_TEST(!s.ok());
  BOOST_TEST(s.code() == Status::Code::kInvalid, s.ToString());
  BOOST_TEST(s.message().find("\"x.css\" appears more than once") != std::string::npos,
             s.message());
}

BOOST_AUTO_TEST_CASE(entry_count_limit) {
  ArchiveLimits limits;
  limits.max_entries = 5;
  std::vector<ZipEntry> five = {ZipFile("collection.xml", kManifest), ZipDir("d"),
                                ZipFile("d/1", "1"), ZipFile("d/2", "2"), ZipFile("3", "3")};
  TempDir tmp;
  WriteZip(tmp.path() + "/five.zip", five);
  auto a = MustOpen(tmp.path() + "/five.zip", limits);
  BOOST_TEST(a->files().size() == 4u);

  std::vector<ZipEntry> six = five;
  six.push_back(ZipDir("e"));  // directories count too
  MustRefuse(six, {"6 entries", "at most 5"}, limits);
  six.back() = ZipFile("4", "4");
  MustRefuse(six, {"6 entries", "at most 5"}, limits);
}

// ---------------------------------------------------------------------------
// Overlapping entries (non-recursive zip bombs)

BOOST_AUTO_TEST_CASE(overlapping_entries_are_refused) {
  // The real thing: each entry under the ratio check, all sharing one stream.
  {
    TempDir tmp;
    const std::string zip = tmp.path() + "/bomb.zip";
    WriteAll(zip, QuotedOverlapZip(5, std::string(60000, 'a')));
    std::unique_ptr<CollectionArchive> a;
    Status s = Open(zip, &a);
    BOOST_TEST(!s.ok(), "a quoted-overlap bomb was accepted");
    BOOST_TEST(s.code() == Status::Code::kInvalid, s.ToString());
    BOOST_TEST(s.message() == "archive entry \"bomb1.txt\" overlaps the data of entry \"bomb0.txt\"",
               s.message());
  }
  // Hand-patched libzip archives: the offsets or sizes of both headers changed.
  struct Case {
    const char* what;
    bool zip64;
    void (*patch)(std::string* bytes);
    std::vector<std::string> needles;
  } cases[] = {
      {"two entries share one local header", false,
       [](std::string* b) { Put(b, FindHeaders(*b, "b.txt").central + 42, 4,
                                FindHeaders(*b, "a.txt").local); },
       {"archive entry \"b.txt\" overlaps the data of entry \"a.txt\""}},
      {"the same, in a Zip64 directory", true,
       [](std::string* b) { Put(b, FindHeaders(*b, "b.txt").central + 42, 4,
                                FindHeaders(*b, "a.txt").local); },
       {"archive entry \"b.txt\" overlaps the data of entry \"a.txt\""}},
      {"one entry's data covers the next entry's local header", false,
       [](std::string* b) {
         Headers a = FindHeaders(*b, "a.txt");
         uint32_t grown = static_cast<uint32_t>(FindHeaders(*b, "b.txt").local - a.data + 1);
         for (size_t at : {a.local + 18, a.local + 22, a.central + 20, a.central + 24}) {
           Put(b, at, 4, grown);
         }
       },
       {"archive entry \"b.txt\" overlaps the data of entry \"a.txt\""}},
      {"an entry's data runs into the central directory", false,
       [](std::string* b) {
         Headers z = FindHeaders(*b, "b.txt");
         size_t cd = Get(*b, b->rfind(std::string("PK\x05\x06", 4)) + 16, 4);
         Put(b, z.local + 18, 4, static_cast<uint32_t>(cd - z.data + 1));
         Put(b, z.central + 20, 4, static_cast<uint32_t>(cd - z.data + 1));
       },
       {"archive entry \"b.txt\"", "runs past the start of the central directory"}},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      TempDir tmp;
      const std::string zip = tmp.path() + "/c.zip";
      WriteZip(zip, {ZipFile("collection.xml", kManifest), ZipFile("a.txt", "first", ZIP_CM_STORE),
                     ZipFile("b.txt", "second", ZIP_CM_STORE)});
      std::string bytes = ReadAll(zip);
      c.patch(&bytes);
      WriteAll(zip, c.zip64 ? ToZip64(bytes) : bytes);
      std::unique_ptr<CollectionArchive> a;
      Status s = Open(zip, &a);
      BOOST_TEST(!s.ok(), "accepted");
      BOOST_TEST(s.code() == Status::Code::kInvalid, s.ToString());
      for (const std::string& n : c.needles) {
        BOOST_TEST(s.message().find(n) != std::string::npos, "'" << n << "' not in: " << s.message());
      }
    }
  }
}

// The raw checks read Zip64 sizes and offsets from the extra field: an
// ordinary Zip64 archive opens and extracts.
BOOST_AUTO_TEST_CASE(zip64_archive_is_accepted) {
  TempDir tmp;
  const std::string zip = tmp.path() + "/c.zip";
  const std::vector<ZipEntry> entries = {ZipFile("collection.xml", kManifest), ZipDir("css"),
                                      ZipFile("css/site.css", "body { color: red; }\n"),
                                      ZipFile("img/logo.png", Binary(70000), ZIP_CM_STORE),
                                      ZipFile("empty.txt", "")};
  WriteZip(zip, entries);
  WriteAll(zip, ToZip64(ReadAll(zip)));
  BOOST_TEST_REQUIRE(ReadAll(zip).find(std::string("PK\x06\x06", 4)) != std::string::npos);
  auto a = MustOpen(zip);
  BOOST_TEST(a->entry_count() == entries.size());
  int n = 0;
  for (const ZipEntry& e : entries) {
    if (e.dir) continue;
    BOOST_TEST_CONTEXT(e.name) {
      uint64_t bytes = 0;
      const std::string dest = tmp.path() + "/out" + std::to_string(n++);
      Status s = a->Extract(e.name, dest, &bytes);
      BOOST_TEST_REQUIRE(s.ok(), s.ToString());
      BOOST_TEST(ReadAll(dest) == e.data);
    }
  }
}

// ---------------------------------------------------------------------------
// The directory libzip reads, and its size

// An ordinary archive comment, up to the longest a comment can be, is fine.
BOOST_AUTO_TEST_CASE(archive_with_a_comment_is_accepted) {
  for (const std::string& comment :
       {std::string("Built by the shop's release script, 2024-01-02"), std::string(65535, 'c'),
        std::string("Boutique caf\xc3\xa9, version 2 \xe2\x80\x94 UTF-8")}) {
    BOOST_TEST_CONTEXT("a comment of " << comment.size() << " bytes") {
      TempDir tmp;
      const std::string zip = tmp.path() + "/c.zip";
      WriteZip(zip, {ZipFile("collection.xml", kManifest), ZipFile("css/site.css", "body {}")});
      SetComment(zip, comment);
      BOOST_TEST_REQUIRE(ReadAll(zip).size() > comment.size());
      auto a = MustOpen(zip);
      BOOST_TEST(a->Has("css/site.css"));
    }
  }
}

// About 3 million central entries (160 MB) behind an end record that
// disagrees with the one libzip picks, or that libzip reads differently:
// each is refused from the raw bytes, before libzip loads the entries
// (714 MB and 9.8 s when it did).
BOOST_AUTO_TEST_CASE(huge_hidden_directory_is_refused_quickly) {
  const uint64_t n = 46 * 65536 + 100;  // the 16-bit count wraps to 100
  TempDir tmp;
  const std::string zip = tmp.path() + "/huge.zip";
  RawEntry e = Stored("0000000", "", 0);
  std::string head = LocalHeader(e);
  const uint64_t cd_offset = head.size();
  std::string central = CentralHeader(e);
  head.reserve(cd_offset + n * central.size());
  for (uint64_t i = 0; i < n; ++i) {
    std::string digits = std::to_string(i);
    central.replace(central.size() - digits.size(), digits.size(), digits);
    head += central;
  }
  const uint64_t cd_size = head.size() - cd_offset;
  const uint64_t end_at = head.size();
  // A Zip64 record where its locator says, declaring a directory 46 bytes
  // shorter than the space before it.
  std::string short_zip64 = Zip64End(n, cd_size, cd_offset, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF);
  Put(&short_zip64, 40, 4, static_cast<uint32_t>(cd_size - 46));
  Put(&short_zip64, 44, 4, static_cast<uint32_t>((cd_size - 46) >> 32));
  struct Case {
    const char* what;
    std::string tail;
    std::string needle;
  } cases[] = {
      {"a fake end record in the real one's comment",
       EndRecord(n, cd_size, cd_offset, 22) + EndRecord(1, 0, 0, 5), "comment holds another"},
      {"two end records whose comments reach the end",
       EndRecord(n, cd_size, cd_offset, 22) + EndRecord(0, 0, end_at + 22, 0), "more than one"},
      {"a 16-bit count that wrapped", EndRecord(n, cd_size, cd_offset, 0),
       "central directory takes " + std::to_string(cd_size) + " bytes"},
      {"a Zip64 locator before an ordinary-looking end record",
       Zip64End(n, cd_size, cd_offset, 1, 0, 0), std::to_string(n) + " entries"},
      {"a Zip64 end record", Zip64End(n, cd_size, cd_offset, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF),
       std::to_string(n) + " entries"},
      // libzip takes a directory that ends anywhere before its end record
      // (it never checks consistency there): one junk byte used to make
      // every raw check step aside while libzip loaded the entries.
      {"a junk byte between the directory and the end record",
       "X" + EndRecord(n, cd_size, cd_offset, 0), "does not match its central directory"},
      // libzip allocates a Zip64 record's entries before checking where its
      // directory ends: the count is refused first.
      {"a Zip64 end record whose directory does not end where it says",
       short_zip64, std::to_string(n) + " entries"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      WriteAll(zip, head + c.tail);
      auto start = std::chrono::steady_clock::now();
      std::unique_ptr<CollectionArchive> a;
      Status s = Open(zip, &a);
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      BOOST_TEST(!s.ok(), "accepted");
      BOOST_TEST(s.code() == Status::Code::kInvalid, s.ToString());
      BOOST_TEST(s.message().find(c.needle) != std::string::npos, s.message());
      BOOST_TEST(seconds < 0.5, seconds << " s");
    }
  }
}

BOOST_AUTO_TEST_CASE(unpacked_size_limit) {
  ArchiveLimits limits;
  limits.max_unpacked_bytes = 1000;
  const size_t m = kManifest.size();
  BOOST_TEST_REQUIRE(m < 1000u);

  // 2000 bytes of data.
  MustRefuse({ZipFile("collection.xml", kManifest), ZipFile("big.bin", Binary(2000))},
             {"unpacks to more than"}, limits);
  // Spread over several entries, each under the limit.
  MustRefuse({ZipFile("collection.xml", kManifest), ZipFile("a", std::string(500, 'a')),
              ZipFile("b", std::string(500, 'b'))},
             {"unpacks to more than"}, limits);
  // Exactly the limit, the manifest counted: accepted; one byte more: refused.
  TempDir tmp;
  WriteZip(tmp.path() + "/c.zip",
           {ZipFile("collection.xml", kManifest), ZipDir("d"),
            ZipFile("d/fill", std::string(1000 - m, 'f'))});
  auto a = MustOpen(tmp.path() + "/c.zip", limits);
  BOOST_TEST(a->declared_size("d/fill") == 1000 - m);
  MustRefuse({ZipFile("collection.xml", kManifest), ZipFile("d/fill", std::string(1001 - m, 'f'))},
             {"unpacks to more than"}, limits);
}

BOOST_AUTO_TEST_CASE(compression_ratio_limit) {
  ArchiveLimits small;
  small.ratio_floor_bytes = 1000;
  small.max_ratio = 10;
  struct Case {
    const char* what;
    ZipEntry entry;
    ArchiveLimits limits;
    bool ok;
  } cases[] = {
      {"100 KiB of zeros, deflated", ZipFile("zeros.bin", std::string(100 * 1024, '\0')), small,
       false},
      {"the same, stored", ZipFile("zeros.bin", std::string(100 * 1024, '\0'), ZIP_CM_STORE), small,
       true},
      {"zeros up to the floor", ZipFile("zeros.bin", std::string(1000, '\0')), small, true},
      {"random data, deflated", ZipFile("zeros.bin", Binary(100 * 1024)), small, true},
      {"2 MiB of zeros, default limits", ZipFile("zeros.bin", std::string(2 << 20, '\0')),
       ArchiveLimits(), false},
      {"100 KiB of zeros, default limits", ZipFile("zeros.bin", std::string(100 * 1024, '\0')),
       ArchiveLimits(), true},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      std::vector<ZipEntry> entries = {ZipFile("collection.xml", kManifest), c.entry};
      if (!c.ok) {
        MustRefuse(entries, {"\"zeros.bin\"", "suspicious compression ratio"}, c.limits);
        continue;
      }
      TempDir tmp;
      WriteZip(tmp.path() + "/c.zip", entries);
      auto a = MustOpen(tmp.path() + "/c.zip", c.limits);
      uint64_t bytes = 0;
      Status s = a->Extract("zeros.bin", tmp.path() + "/out", &bytes);
      BOOST_TEST(s.ok(), s.ToString());
      BOOST_TEST(bytes == c.entry.data.size());
    }
  }
}

BOOST_AUTO_TEST_CASE(unsupported_compression_method) {
  if (!zip_compression_method_supported(ZIP_CM_BZIP2, 1)) {
    BOOST_TEST_MESSAGE("this libzip cannot write bzip2; case skipped");
    return;
  }
  MustRefuse({ZipFile("collection.xml", kManifest), ZipFile("a.bin", Binary(5000), ZIP_CM_BZIP2)},
             {"\"a.bin\"", "unsupported compression"});
}

// ---------------------------------------------------------------------------
// Damaged and lying entries

// A data byte flipped on disk after zip_close: Open cannot see it, Extract
// must, and must leave nothing behind.
BOOST_AUTO_TEST_CASE(crc_error_is_caught_by_extract) {
  const std::string marker = "CRC-MARKER-8d1f6a0c";
  const std::string data = "head " + marker + " " + Binary(3000, 3) + " tail";
  for (zip_int32_t method : {ZIP_CM_STORE, ZIP_CM_DEFLATE}) {
    BOOST_TEST_CONTEXT((method == ZIP_CM_STORE ? "stored" : "deflated")) {
      TempDir tmp;
      const std::string zip = tmp.path() + "/c.zip";
      WriteZip(zip, {ZipFile("collection.xml", kManifest), ZipFile("data.bin", data, method)});
      std::string bytes = ReadAll(zip);
      size_t at;
      if (method == ZIP_CM_STORE) {
        at = bytes.find(marker);
        BOOST_TEST_REQUIRE(at != std::string::npos);
        BOOST_TEST(bytes.find(marker, at + 1) == std::string::npos);
        at += marker.size() / 2;
      } else {
        Headers h = FindHeaders(bytes, "data.bin");
        at = h.data + h.comp_size / 2;
      }
      bytes[at] = static_cast<char>(bytes[at] ^ 0x20);
      WriteAll(zip, bytes);

      auto a = MustOpen(zip);
      const std::string dest = tmp.path() + "/data.bin";
      uint64_t written = 11;
      Status s = a->Extract("data.bin", dest, &written);
      BOOST_TEST(!s.ok());
      BOOST_TEST(s.code() == Status::Code::kInvalid, s.ToString());
      BOOST_TEST(s.message().find("\"data.bin\"") != std::string::npos, s.message());
      BOOST_TEST(!Exists(dest));
      BOOST_TEST(written == 11u);
      // The other entries still extract.
      BOOST_TEST(a->Extract("collection.xml", tmp.path() + "/m.xml", &written).ok());
    }
  }
}

BOOST_AUTO_TEST_CASE(crc_error_in_the_manifest) {
  TempDir tmp;
  const std::string zip = tmp.path() + "/c.zip";
  WriteZip(zip, {ZipFile("collection.xml", kManifest, ZIP_CM_STORE)});
  std::string bytes = ReadAll(zip);
  size_t at = bytes.find("Resource");
  BOOST_TEST_REQUIRE(at != std::string::npos);
  bytes[at] = 'r';
  WriteAll(zip, bytes);
  auto a = MustOpen(zip);
  std::string xml;
  Status s = a->ReadManifest(&xml);
  BOOST_TEST(!s.ok());
  BOOST_TEST(s.message().find("collection.xml") != std::string::npos, s.message());
}

// Both headers say the entry is smaller (or larger) than its data.
BOOST_AUTO_TEST_CASE(declared_size_that_lies) {
  const std::string data = Binary(3000, 5);
  struct Case {
    const char* what;
    zip_int32_t method;
    uint32_t declared;
    bool says_declared_size;  // the message must say "declared size"
  } cases[] = {
      {"stored, declared smaller", ZIP_CM_STORE, 1000, true},
      {"stored, declared zero", ZIP_CM_STORE, 0, true},
      {"deflated, declared smaller", ZIP_CM_DEFLATE, 1000, true},
      {"stored, declared larger", ZIP_CM_STORE, 5000, false},
      {"deflated, declared larger", ZIP_CM_DEFLATE, 5000, false},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      TempDir tmp;
      const std::string zip = tmp.path() + "/c.zip";
      WriteZip(zip, {ZipFile("collection.xml", kManifest), ZipFile("lie.bin", data, c.method)});
      PatchSize(zip, "lie.bin", c.declared);

      std::unique_ptr<CollectionArchive> a;
      Status s = Open(zip, &a);
      const std::string dest = tmp.path() + "/lie.bin";
      uint64_t bytes = 0;
      if (s.ok()) {
        BOOST_TEST(a->declared_size("lie.bin") == c.declared);
        s = a->Extract("lie.bin", dest, &bytes);
      }
      BOOST_TEST(!s.ok());
      BOOST_TEST(s.code() == Status::Code::kInvalid, s.ToString());
      BOOST_TEST(s.message().find("lie.bin") != std::string::npos, s.message());
      if (c.says_declared_size) {
        BOOST_TEST(s.message().find("declared size") != std::string::npos, s.message());
      }
      BOOST_TEST(!Exists(dest));
      BOOST_TEST(bytes == 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(manifest_whose_declared_size_lies) {
  TempDir tmp;
  const std::string zip = tmp.path() + "/c.zip";
  WriteZip(zip, {ZipFile("collection.xml", kManifest, ZIP_CM_STORE)});
  PatchSize(zip, "collection.xml", 20);
  std::unique_ptr<CollectionArchive> a;
  Status s = Open(zip, &a);
  std::string xml;
  if (s.ok()) s = a->ReadManifest(&xml);
  BOOST_TEST(!s.ok());
  BOOST_TEST(s.message().find("declared size") != std::string::npos, s.message());
}

BOOST_AUTO_TEST_CASE(encrypted_entries) {
  // With libzip's own AES-256 when this build has it.
  if (zip_encryption_method_supported(ZIP_EM_AES_256, 1)) {
    ZipEntry secret = ZipFile("secret.txt", "the password is swordfish");
    secret.aes = true;
    MustRefuse({ZipFile("collection.xml", kManifest), secret}, {"\"secret.txt\"", "encrypted"});
    ZipEntry manifest = ZipFile("collection.xml", kManifest);
    manifest.aes = true;
    MustRefuse({manifest}, {"\"collection.xml\"", "encrypted"});
  } else {
    BOOST_TEST_MESSAGE("this libzip cannot write AES-256; only the flag case runs");
  }
  // Traditional PKWARE encryption: general-purpose flag bit 0 in both headers.
  for (zip_int32_t method : {ZIP_CM_STORE, ZIP_CM_DEFLATE}) {
    BOOST_TEST_CONTEXT("flag bit 0, method " << method) {
      TempDir tmp;
      const std::string zip = tmp.path() + "/c.zip";
      WriteZip(zip, {ZipFile("collection.xml", kManifest), ZipFile("secret.txt", "plain", method)});
      PatchEncryptedFlag(zip, "secret.txt");
      std::unique_ptr<CollectionArchive> a;
      Status s = Open(zip, &a);
      BOOST_TEST(!s.ok());
      BOOST_TEST(s.message().find("\"secret.txt\"") != std::string::npos, s.message());
      BOOST_TEST(s.message().find("encrypted") != std::string::npos, s.message());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
