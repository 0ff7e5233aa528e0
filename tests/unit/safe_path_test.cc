#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "safe_path.h"
#include "test_util.h"

using site::CheckRelativePath;
using site::JoinPath;
using site::kMaxPathBytes;
using site::kMaxPathSegmentBytes;
using site::Status;

namespace {

// Prints a path with its non-printable and non-ASCII bytes escaped, so that
// a failing case names itself readably.
std::string Printable(const std::string& s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out + "\" (" + std::to_string(s.size()) + " bytes)";
}

// A path of exactly `total` bytes: the fewest segments of at most `segment`
// bytes ('a'..'z' repeated) that fit, joined by '/'.
std::string PathOfLength(size_t total, size_t segment) {
  size_t k = (total + 1 + segment) / (segment + 1);  // ceil((total + 1) / (segment + 1))
  size_t chars = total - (k - 1);
  std::string out;
  for (size_t i = 0; i < k; ++i) {
    if (i > 0) out += '/';
    size_t n = chars / k + (i < chars % k ? 1 : 0);
    for (size_t j = 0; j < n; ++j) out += static_cast<char>('a' + j % 26);
  }
  return out;
}

struct Case {
  std::string path;
  bool ok;
  std::string why;  // a fragment of the refusal's reason ("" when ok)
};

std::vector<Case> Cases() {
  const std::string seg255(kMaxPathSegmentBytes, 's');
  const std::string seg256(kMaxPathSegmentBytes + 1, 's');
  // 127 two-byte characters and one ASCII byte: 255 bytes, 128 characters.
  std::string utf8_seg255;
  for (int i = 0; i < 127; ++i) utf8_seg255 += "\xc3\xa9";
  utf8_seg255 += "x";
  return {
      // Accepted.
      {"a", true, ""},
      {"a/b/c.css", true, ""},
      {"dir/file.tar.gz", true, ""},
      {"ünïcødé/файл.txt", true, ""},
      {".hidden", true, ""},
      {"a/.htaccess", true, ""},
      {"...", true, ""},
      {"a..b/c", true, ""},
      {"..a", true, ""},
      {"a b/c d.txt", true, ""},
      {"emoji/\xf0\x9f\x98\x80.png", true, ""},       // U+1F600, 4 bytes
      {"max/\xf4\x8f\xbf\xbf", true, ""},             // U+10FFFF, the last code point
      {"cjk/\xe4\xb8\xad\xe6\x96\x87", true, ""},     // 3-byte characters
      {"\xed\x9f\xbf", true, ""},                     // U+D7FF, just below the surrogates
      {"\xee\x80\x80", true, ""},                     // U+E000, just above them
      {"a~b/c-d_e+f=g,h;i@j!k(l)m[n]o{p}", true, ""},
      {seg255, true, ""},
      {"d/" + seg255 + "/f", true, ""},
      {utf8_seg255, true, ""},
      {PathOfLength(kMaxPathBytes, kMaxPathSegmentBytes), true, ""},
      {PathOfLength(kMaxPathBytes, 10), true, ""},

      // Refused.
      {"", false, "empty"},
      {"/etc/passwd", false, "absolute"},
      {"/", false, "absolute"},
      {"../x", false, "\"..\""},
      {"..", false, "\"..\""},
      {"a/../b", false, "\"..\""},
      {"a/..", false, "\"..\""},
      {".", false, "\".\""},
      {"./a", false, "\".\""},
      {"a/./b", false, "\".\""},
      {"a/.", false, "\".\""},
      {"a//b", false, "empty path segment"},
      {"a/", false, "empty path segment"},
      {"a\\b", false, "backslash"},
      {"..\\x", false, "backslash"},
      {"\\\\server\\share", false, "backslash"},
      {"C:/x", false, "drive letter"},
      {"c:x", false, "drive letter"},
      {"C:", false, "drive letter"},
      {"a:b", false, "drive letter"},  // "a:" is a drive, whatever follows
      {"ab:c", false, "colon"},
      {"a/b:c", false, "colon"},
      {"dir/file.txt:stream", false, "colon"},
      {"a\x01" "b", false, "control character"},
      {"a\tb", false, "control character"},
      {"a\nb", false, "control character"},
      {"a\rb", false, "control character"},
      {"a\x1f", false, "control character"},
      {"dir/a\x7f" "b", false, "control character"},
      {std::string("a\0b", 3), false, "NUL"},
      {std::string("\0", 1), false, "NUL"},
      {"\xff", false, "UTF-8"},
      {"a\xfe" "b", false, "UTF-8"},
      {"\x80", false, "UTF-8"},                       // a lone continuation byte
      {"\xc0\xaf", false, "UTF-8"},                   // overlong '/'
      {"\xc1\xbf", false, "UTF-8"},                   // overlong 2-byte
      {"\xe0\x80\xaf", false, "UTF-8"},               // overlong 3-byte '/'
      {"\xf0\x80\x80\xaf", false, "UTF-8"},           // overlong 4-byte '/'
      {"\xed\xa0\x80", false, "UTF-8"},               // surrogate U+D800
      {"\xed\xbf\xbf", false, "UTF-8"},               // surrogate U+DFFF
      {"\xf4\x90\x80\x80", false, "UTF-8"},           // U+110000, past the last code point
      {"\xf5\x80\x80\x80", false, "UTF-8"},
      {"\xe2\x82", false, "UTF-8"},                   // truncated 3-byte sequence
      {"a/\xe2\x82/b", false, "UTF-8"},               // truncated, then more bytes
      {"\xc3", false, "UTF-8"},                       // truncated 2-byte sequence
      {"\xf0\x9f\x98", false, "UTF-8"},               // truncated 4-byte sequence
      {seg256, false, "segment that is too long"},
      {"d/" + seg256, false, "segment that is too long"},
      {utf8_seg255 + "x", false, "segment that is too long"},
      {PathOfLength(kMaxPathBytes + 1, kMaxPathSegmentBytes), false, "too long"},
      {PathOfLength(kMaxPathBytes + 1, 10), false, "too long"},
      {PathOfLength(100000, 10), false, "too long"},
  };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(safe_path_test)

BOOST_AUTO_TEST_CASE(limits_match_the_documentation) {
  BOOST_TEST(kMaxPathBytes == 1024u);
  BOOST_TEST(kMaxPathSegmentBytes == 255u);
  // The generated long paths are what their cases say they are.
  BOOST_TEST(PathOfLength(1024, 255).size() == 1024u);
  BOOST_TEST(PathOfLength(1025, 255).size() == 1025u);
  BOOST_TEST(PathOfLength(1024, 255).find("//") == std::string::npos);
  BOOST_TEST(PathOfLength(1024, 255).back() != '/');
  for (size_t total : {1u, 255u, 256u, 257u, 1023u, 1024u, 1025u}) {
    for (size_t seg : {2u, 10u, 255u}) {
      std::string p = PathOfLength(total, seg);
      BOOST_TEST(p.size() == total, total << "/" << seg);
      BOOST_TEST(p.find("//") == std::string::npos);
      BOOST_TEST(p.front() != '/');
      BOOST_TEST(p.back() != '/');
    }
  }
}

BOOST_AUTO_TEST_CASE(table_of_paths) {
  const std::vector<Case> cases = Cases();
  BOOST_TEST(cases.size() >= 35u);
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(Printable(c.path)) {
      Status s = CheckRelativePath(c.path, "archive entry");
      BOOST_TEST(s.ok() == c.ok, s.ToString());
      if (!c.ok) {
        BOOST_TEST(s.code() == Status::Code::kInvalid);
        BOOST_TEST(s.message().find(c.why) != std::string::npos, s.message());
      }
    }
  }
}

// Every refusal names what was checked and the path itself, so that the
// person reading it can find the offending entry.
BOOST_AUTO_TEST_CASE(every_refusal_names_what_and_the_path) {
  const std::string what = "<Resource> name in collection.xml";
  for (const Case& c : Cases()) {
    if (c.ok) continue;
    BOOST_TEST_CONTEXT(Printable(c.path)) {
      Status s = CheckRelativePath(c.path, what);
      BOOST_TEST_REQUIRE(!s.ok());
      BOOST_TEST(s.message().find(what) != std::string::npos, s.message());
      BOOST_TEST(s.message().find(c.path) != std::string::npos, Printable(s.message()));
    }
  }
}

BOOST_AUTO_TEST_CASE(accepted_paths_stay_accepted_whatever_the_what) {
  for (const Case& c : Cases()) {
    if (!c.ok) continue;
    for (const char* what : {"", "x", "archive entry \"..\""}) {
      BOOST_TEST(CheckRelativePath(c.path, what).ok(), Printable(c.path) << " / " << what);
    }
  }
}

BOOST_AUTO_TEST_CASE(segment_limit_is_per_segment_and_total_limit_is_per_path) {
  const std::string s255(255, 'q');
  // Four segments of 255 bytes and three slashes: 1023 bytes, every segment
  // at its limit.
  std::vector<std::string> segs(4, s255);
  auto join = [](const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& s : v) out = JoinPath(out, s);
    return out;
  };
  BOOST_TEST(join(segs).size() == 1023u);
  BOOST_TEST(CheckRelativePath(join(segs), "p").ok());
  // One byte more in any one segment: 1024 bytes in all, within the total,
  // but that segment is over its limit.
  for (size_t i = 0; i < segs.size(); ++i) {
    std::vector<std::string> longer = segs;
    longer[i] += "q";
    BOOST_TEST_CONTEXT("segment " << i) {
      BOOST_TEST(join(longer).size() == 1024u);
      Status s = CheckRelativePath(join(longer), "p");
      BOOST_TEST(!s.ok());
      BOOST_TEST(s.message().find("segment that is too long") != std::string::npos, s.message());
    }
  }
  // A fifth, short segment: over the total though no segment is too long.
  std::vector<std::string> five = segs;
  five.push_back("z");
  BOOST_TEST(join(five).size() == 1025u);
  Status s = CheckRelativePath(join(five), "p");
  BOOST_TEST(!s.ok());
  BOOST_TEST(s.message().find("is too long") != std::string::npos, s.message().substr(0, 40));
}

BOOST_AUTO_TEST_CASE(join_path) {
  struct JoinCase {
    const char* a;
    const char* b;
    const char* joined;
  } cases[] = {
      {"", "", ""},
      {"", "b", "b"},
      {"a", "", "a"},
      {"a", "b", "a/b"},
      {"a/b", "c/d.css", "a/b/c/d.css"},
      {"shop/css", "shop.css", "shop/css/shop.css"},
      {"\xc3\xbc", "\xd1\x84", "\xc3\xbc/\xd1\x84"},
  };
  for (const JoinCase& c : cases) {
    BOOST_TEST(JoinPath(c.a, c.b) == c.joined, "'" << c.a << "' + '" << c.b << "'");
  }
}

// Joining two safe paths gives a safe path (as long as it fits the total).
BOOST_AUTO_TEST_CASE(join_of_safe_paths_is_safe) {
  std::vector<std::string> safe;
  for (const Case& c : Cases()) {
    if (c.ok && c.path.size() < 300) safe.push_back(c.path);
  }
  safe.push_back("");
  for (const std::string& a : safe) {
    for (const std::string& b : safe) {
      std::string j = JoinPath(a, b);
      if (j.empty()) continue;
      BOOST_TEST(CheckRelativePath(j, "joined").ok(), Printable(a) << " + " << Printable(b));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
