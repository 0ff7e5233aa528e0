#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

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

BOOST_AUTO_TEST_SUITE_END()
