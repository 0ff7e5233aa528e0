#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "crypto.h"
#include "password.h"
#include "test_util.h"

using site::HashPassword;
using site::PasswordProblem;
using site::VerifyPassword;

namespace {

// Few iterations keep most tests fast; the format does not depend on them.
constexpr int kFastIterations = 1000;
const char kPassword[] = "correct horse battery staple";

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos == std::string::npos ? pos : pos - start));
    if (pos == std::string::npos) return parts;
    start = pos + 1;
  }
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "$" : "") + parts[i];
  return out;
}

std::string Hash(const std::string& password, int iterations = kFastIterations) {
  std::string encoded;
  site::Status s = HashPassword(password, iterations, &encoded);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  return encoded;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(password_test)

BOOST_AUTO_TEST_CASE(hash_then_verify_round_trip) {
  std::string encoded = Hash(kPassword);
  BOOST_TEST(VerifyPassword(kPassword, encoded));
  BOOST_TEST(!VerifyPassword("correct horse battery stapl", encoded));
  BOOST_TEST(!VerifyPassword("Correct horse battery staple", encoded));
  BOOST_TEST(!VerifyPassword("", encoded));
}

BOOST_AUTO_TEST_CASE(encoding_format_and_iterations_are_honoured) {
  for (int iterations : {1, kFastIterations, 100000}) {
    BOOST_TEST_CONTEXT(iterations << " iterations") {
      std::string encoded = Hash(kPassword, iterations);
      std::vector<std::string> parts = Split(encoded, '$');
      BOOST_TEST_REQUIRE(parts.size() == 4u, encoded);
      BOOST_TEST(parts[0] == "pbkdf2_sha256");
      BOOST_TEST(parts[1] == std::to_string(iterations));
      std::string salt, hash;
      BOOST_TEST_REQUIRE(site::Base64Decode(parts[2], &salt));
      BOOST_TEST_REQUIRE(site::Base64Decode(parts[3], &hash));
      BOOST_TEST(salt.size() == 16u);
      BOOST_TEST(hash.size() == 32u);
      BOOST_TEST(VerifyPassword(kPassword, encoded));

      // The iteration count is part of the hash: changing it breaks the match.
      std::vector<std::string> other = parts;
      other[1] = std::to_string(iterations + 1);
      BOOST_TEST(!VerifyPassword(kPassword, Join(other)));
    }
  }
}

BOOST_AUTO_TEST_CASE(known_pbkdf2_vector_verifies) {
  // PBKDF2-HMAC-SHA256("password", "salt", 1 iteration, 32 bytes): the widely
  // published test vector, so the stored format interoperates with others.
  std::string salt = site::Base64Encode("salt");
  std::string hash;
  // 120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b
  const unsigned char dk[] = {0x12, 0x0f, 0xb6, 0xcf, 0xfc, 0xf8, 0xb3, 0x2c, 0x43, 0xe7, 0x22,
                              0x52, 0x56, 0xc4, 0xf8, 0x37, 0xa8, 0x65, 0x48, 0xc9, 0x2c, 0xcc,
                              0x35, 0x48, 0x08, 0x05, 0x98, 0x7c, 0xb7, 0x0b, 0xe1, 0x7b};
  hash.assign(reinterpret_cast<const char*>(dk), sizeof dk);
  std::string encoded = "pbkdf2_sha256$1$" + salt + "$" + site::Base64Encode(hash);
  BOOST_TEST(VerifyPassword("password", encoded));
  BOOST_TEST(!VerifyPassword("passwore", encoded));
}

BOOST_AUTO_TEST_CASE(each_hash_gets_a_fresh_salt) {
  std::string a = Hash(kPassword), b = Hash(kPassword);
  BOOST_TEST(a != b);
  BOOST_TEST(Split(a, '$')[2] != Split(b, '$')[2]);
  BOOST_TEST(VerifyPassword(kPassword, a));
  BOOST_TEST(VerifyPassword(kPassword, b));
}

BOOST_AUTO_TEST_CASE(tampered_salt_or_hash_never_matches) {
  std::string encoded = Hash(kPassword);
  std::vector<std::string> parts = Split(encoded, '$');
  BOOST_TEST_REQUIRE(parts.size() == 4u);

  for (size_t field : {2u, 3u}) {
    BOOST_TEST_CONTEXT("field " << field) {
      std::string bytes;
      BOOST_TEST_REQUIRE(site::Base64Decode(parts[field], &bytes));
      for (size_t i : {size_t{0}, bytes.size() / 2, bytes.size() - 1}) {
        std::string flipped = bytes;
        flipped[i] = static_cast<char>(flipped[i] ^ 0x01);
        std::vector<std::string> tampered = parts;
        tampered[field] = site::Base64Encode(flipped);
        BOOST_TEST(!VerifyPassword(kPassword, Join(tampered)), "byte " << i);
      }
    }
  }
  // Another password's hash under this salt does not match either.
  std::vector<std::string> swapped = parts;
  swapped[3] = Split(Hash("another password!"), '$')[3];
  BOOST_TEST(!VerifyPassword(kPassword, Join(swapped)));
}

BOOST_AUTO_TEST_CASE(malformed_encodings_never_match) {
  std::string good = Hash(kPassword);
  std::vector<std::string> p = Split(good, '$');
  std::string short_hash = site::Base64Encode(std::string(31, 'x'));
  std::string long_hash = site::Base64Encode(std::string(33, 'x'));
  const std::string cases[] = {
      "",
      "pbkdf2_sha256",
      "pbkdf2_sha256$$$",
      kPassword,
      "pbkdf2_sha1$" + p[1] + "$" + p[2] + "$" + p[3],
      "PBKDF2_SHA256$" + p[1] + "$" + p[2] + "$" + p[3],
      "pbkdf2_sha256$" + p[1] + "$" + p[2],                      // three parts
      good + "$extra",                                           // five parts
      "pbkdf2_sha256$$" + p[2] + "$" + p[3],                     // no iterations
      "pbkdf2_sha256$0$" + p[2] + "$" + p[3],                    // zero iterations
      "pbkdf2_sha256$-1000$" + p[2] + "$" + p[3],                // negative
      "pbkdf2_sha256$1e3$" + p[2] + "$" + p[3],                  // not digits
      "pbkdf2_sha256$ 1000$" + p[2] + "$" + p[3],                // space
      "pbkdf2_sha256$123456789$" + p[2] + "$" + p[3],            // over 8 digits
      "pbkdf2_sha256$99999999999999999999$" + p[2] + "$" + p[3], // would overflow int
      "pbkdf2_sha256$" + p[1] + "$not base64!$" + p[3],
      "pbkdf2_sha256$" + p[1] + "$" + p[2] + "$not base64!",
      "pbkdf2_sha256$" + p[1] + "$" + p[2] + "$" + p[3].substr(1),  // truncated base64
      "pbkdf2_sha256$" + p[1] + "$" + p[2] + "$" + short_hash,     // 31-byte hash
      "pbkdf2_sha256$" + p[1] + "$" + p[2] + "$" + long_hash,      // 33-byte hash
      "pbkdf2_sha256$" + p[1] + "$" + p[2] + "$",                  // empty hash
      " " + good,
      good + " ",
  };
  for (const std::string& encoded : cases) {
    BOOST_TEST_CONTEXT("'" << encoded << "'") {
      bool matched = true;
      BOOST_CHECK_NO_THROW(matched = VerifyPassword(kPassword, encoded));
      BOOST_TEST(!matched);
    }
  }
}

BOOST_AUTO_TEST_CASE(over_long_password_is_refused_even_with_its_own_hash) {
  std::string longest(site::kMaxPasswordLength, 'p');
  std::string too_long(site::kMaxPasswordLength + 1, 'p');
  BOOST_TEST(VerifyPassword(longest, Hash(longest)));
  BOOST_TEST(!VerifyPassword(too_long, Hash(too_long)));
  // The over-long password must not match the hash of its first 1024 characters.
  BOOST_TEST(!VerifyPassword(too_long, Hash(longest)));
}

BOOST_AUTO_TEST_CASE(verify_against_dummy_accepts_any_password) {
  // It has no result; it must only not throw or crash, whatever it is given.
  BOOST_CHECK_NO_THROW(site::VerifyPasswordAgainstDummy("", kFastIterations));
  BOOST_CHECK_NO_THROW(site::VerifyPasswordAgainstDummy(
      std::string(site::kMaxPasswordLength * 10, 'x'), kFastIterations));
}

BOOST_AUTO_TEST_CASE(password_problem_length_rules) {
  struct Case {
    size_t length;
    bool acceptable;
  };
  const Case cases[] = {
      {0, false},
      {1, false},
      {site::kMinPasswordLength - 1, false},
      {site::kMinPasswordLength, true},
      {100, true},
      {site::kMaxPasswordLength, true},
      {site::kMaxPasswordLength + 1, false},
      {site::kMaxPasswordLength * 4, false},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.length << " characters") {
      std::string problem = PasswordProblem(std::string(c.length, 'a'));
      BOOST_TEST(problem.empty() == c.acceptable, "problem: '" << problem << "'");
    }
  }
  BOOST_TEST(PasswordProblem("short").find("12") != std::string::npos);
  BOOST_TEST(PasswordProblem(std::string(2000, 'a')).find("1024") != std::string::npos);
  BOOST_TEST(site::kMinPasswordLength == 12u);
  BOOST_TEST(site::kDefaultPasswordIterations >= 600000);
}

BOOST_AUTO_TEST_SUITE_END()
