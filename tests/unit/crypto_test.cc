#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <set>
#include <string>

#include "crypto.h"
#include "test_util.h"

using site::Base64Decode;
using site::Base64Encode;
using site::ConstantTimeEquals;
using site::HexEncode;

namespace {

std::string AllBytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(crypto_test)

BOOST_AUTO_TEST_CASE(hex_encode_known_values) {
  const std::pair<std::string, std::string> cases[] = {
      {"", ""},
      {"abc", "616263"},
      {std::string("\x00\x01\x7f\x80\xfe\xff", 6), "00017f80feff"},
      {"\xde\xad\xbe\xef", "deadbeef"},
  };
  for (const auto& [bytes, hex] : cases) {
    BOOST_TEST_CONTEXT("expecting " << hex) { BOOST_TEST(HexEncode(bytes) == hex); }
  }
  std::string all = HexEncode(AllBytes());
  BOOST_TEST(all.size() == 512u);
  BOOST_TEST(all.substr(0, 6) == "000102");
  BOOST_TEST(all.substr(506) == "fdfeff");
}

// RFC 4648 section 10 test vectors, both ways.
BOOST_AUTO_TEST_CASE(base64_rfc4648_vectors) {
  const std::pair<std::string, std::string> cases[] = {
      {"", ""},           {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : cases) {
    BOOST_TEST_CONTEXT("'" << plain << "'") {
      BOOST_TEST(Base64Encode(plain) == encoded);
      std::string decoded = "junk";
      BOOST_TEST_REQUIRE(Base64Decode(encoded, &decoded));
      BOOST_TEST(decoded == plain);
    }
  }
}

BOOST_AUTO_TEST_CASE(base64_round_trips_binary) {
  const std::string all = AllBytes();
  for (size_t len = 0; len <= 40; ++len) {
    BOOST_TEST_CONTEXT("length " << len) {
      std::string bytes = all.substr(256 - len);  // ends in ...\xfe\xff, with NULs for long ones
      if (len > 10) bytes[3] = '\0';
      std::string encoded = Base64Encode(bytes);
      BOOST_TEST(encoded.size() == 4 * ((len + 2) / 3));
      std::string decoded;
      BOOST_TEST_REQUIRE(Base64Decode(encoded, &decoded));
      BOOST_TEST(decoded == bytes);
    }
  }
  std::string decoded;
  BOOST_TEST_REQUIRE(Base64Decode(Base64Encode(all), &decoded));
  BOOST_TEST(decoded == all);
  // The alphabet is the standard one (+ and /), not the URL-safe one.
  BOOST_TEST(Base64Encode("\xfb\xff") == "+/8=");
}

BOOST_AUTO_TEST_CASE(base64_decode_refuses_invalid_text) {
  const char* cases[] = {
      "Zg",        // padding missing
      "Zg=",       // length not a multiple of 4
      "Zm9vY",     // length not a multiple of 4
      "Zm9v!A==",  // character outside the alphabet
      "Zm9v YQ==", // space inside
      "Zm9v\nYmFy",  // line break inside
      "Zm-_",      // URL-safe alphabet
      "Zg==Zg==",  // padding in the middle
      "Z===",      // three padding characters
      "====",      // padding only
      "=Zm9",      // padding first
      "Zm=v",      // padding before data within a quantum
  };
  for (const char* text : cases) {
    BOOST_TEST_CONTEXT("'" << text << "'") {
      std::string out;
      BOOST_TEST(!Base64Decode(text, &out));
    }
  }
}

BOOST_AUTO_TEST_CASE(sha256_known_vectors) {
  BOOST_TEST(site::Sha256Hex("abc") ==
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(site::Sha256Hex("") ==
             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  BOOST_TEST(site::Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // Embedded NULs are hashed, not treated as the end of the data.
  BOOST_TEST(site::Sha256Hex(std::string("a\0b", 3)) != site::Sha256Hex("a"));
}

BOOST_AUTO_TEST_CASE(constant_time_equals) {
  struct Case {
    std::string a, b;
    bool equal;
  };
  const Case cases[] = {
      {"", "", true},
      {"token", "token", true},
      {"token", "tokem", false},
      {"token", "Token", false},
      {"token", "token ", false},  // different lengths
      {"token", "tok", false},     // a prefix
      {"", "x", false},
      {std::string("a\0b", 3), std::string("a\0c", 3), false},
      {std::string("a\0b", 3), std::string("a\0b", 3), true},
      {std::string(64, 'f'), std::string(64, 'f'), true},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT("'" << c.a << "' vs '" << c.b << "'") {
      BOOST_TEST(ConstantTimeEquals(c.a, c.b) == c.equal);
      BOOST_TEST(ConstantTimeEquals(c.b, c.a) == c.equal);
    }
  }
}

BOOST_AUTO_TEST_CASE(random_hex_has_the_right_length_and_alphabet) {
  for (size_t n : {0, 1, 16, 32, 100}) {
    BOOST_TEST_CONTEXT(n << " bytes") {
      std::string hex = site::RandomHex(n);
      BOOST_TEST(hex.size() == 2 * n);
      BOOST_TEST(hex.find_first_not_of("0123456789abcdef") == std::string::npos, hex);
    }
  }
}

BOOST_AUTO_TEST_CASE(random_hex_values_are_distinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(site::RandomHex(16));
  BOOST_TEST(seen.size() == 1000u);
  // Every hex digit turns up over 32,000 random digits.
  std::string many;
  for (const std::string& s : seen) many += s;
  for (char d : std::string("0123456789abcdef")) {
    BOOST_TEST_CONTEXT("digit " << d) { BOOST_TEST(many.find(d) != std::string::npos); }
  }
}

BOOST_AUTO_TEST_CASE(random_bytes) {
  std::string a, b;
  BOOST_TEST_REQUIRE(site::RandomBytes(32, &a).ok());
  BOOST_TEST_REQUIRE(site::RandomBytes(32, &b).ok());
  BOOST_TEST(a.size() == 32u);
  BOOST_TEST(b.size() == 32u);
  BOOST_TEST(a != b);
  std::string empty = "previous";
  BOOST_TEST_REQUIRE(site::RandomBytes(0, &empty).ok());
  BOOST_TEST(empty.empty());
}

BOOST_AUTO_TEST_SUITE_END()
