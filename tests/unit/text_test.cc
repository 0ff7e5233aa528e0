#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string>
#include <utility>

#include "text.h"

BOOST_AUTO_TEST_SUITE(text_test)

BOOST_AUTO_TEST_CASE(lower_and_trim) {
  BOOST_TEST(site::Lower("Content-Disposition") == "content-disposition");
  BOOST_TEST(site::Lower("ÄB") == "Äb");  // ASCII only: UTF-8 bytes untouched
  BOOST_TEST(site::Trim("  a b \t\r\n") == "a b");
  BOOST_TEST(site::Trim(" \t ").empty());
  BOOST_TEST(site::Trim("xxaxx", "x") == "a");
}

BOOST_AUTO_TEST_CASE(utf8) {
  struct Case {
    std::string text;
    bool valid;
  } cases[] = {
      {"", true},
      {"plain", true},
      {"d\xc3\xa9j\xc3\xa0", true},          // déjà
      {"\xe2\x82\xac", true},                // €
      {"\xf0\x9f\x98\x80", true},            // an emoji
      {"\xff", false},
      {"\xc0\xaf", false},                   // overlong '/'
      {"\xe0\x80\xaf", false},               // overlong, 3 bytes
      {"\xed\xa0\x80", false},               // a surrogate
      {"\xf4\x90\x80\x80", false},           // past U+10FFFF
      {"\xe2\x82", false},                   // cut short
      {"a\x80z", false},                     // a lone continuation byte
  };
  for (const auto& c : cases) BOOST_TEST(site::IsValidUtf8(c.text) == c.valid, c.text);
}

BOOST_AUTO_TEST_CASE(starts_with) {
  BOOST_TEST(site::StartsWith("shop/css/a.css", "shop/"));
  BOOST_TEST(site::StartsWith("shop", ""));
  BOOST_TEST(site::StartsWith("shop", "shop"));
  BOOST_TEST(!site::StartsWith("sho", "shop"));
  BOOST_TEST(!site::StartsWith("Shop/a", "shop/"));
}

BOOST_AUTO_TEST_CASE(format_bytes) {
  const std::pair<uint64_t, std::string> cases[] = {
      {0, "0 bytes"},
      {1023, "1023 bytes"},
      {1024, "1 KiB"},
      {1536, "1.5 KiB"},
      {4096, "4 KiB"},
      {1048575, "1.0 MiB"},
      {1047552, "1023 KiB"},
      {1048576, "1 MiB"},
      {1572864, "1.5 MiB"},
      {16777216, "16 MiB"},
      {268435456, "256 MiB"},
      {268435457, "256.0 MiB"},
      {1099511627776ull, "1048576 MiB"},
  };
  for (const auto& [bytes, text] : cases) {
    BOOST_TEST_CONTEXT(bytes) { BOOST_TEST(site::FormatBytes(bytes) == text); }
  }
}

BOOST_AUTO_TEST_SUITE_END()
