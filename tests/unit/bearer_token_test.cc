#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <ctime>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "bearer_token.h"
#include "crypto.h"
#include "test_util.h"

using site::kTokenChecksumChars;
using site::kTokenLength;
using site::kTokenPrefix;
using site::kTokenPrefixLength;
using site::kTokenRandomChars;
using site::BearerHeader;
using site::Status;

namespace site {

// Lets BOOST_TEST print parse results when a check fails.
inline std::ostream& operator<<(std::ostream& os, BearerHeader h) {
  switch (h) {
    case BearerHeader::kAbsent: return os << "kAbsent";
    case BearerHeader::kMalformed: return os << "kMalformed";
    case BearerHeader::kWellFormed: return os << "kWellFormed";
  }
  return os << "BearerHeader(" << static_cast<int>(h) << ")";
}

}  // namespace site

namespace {

const std::string kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// The next base62 character after `c` (wrapping).
char NextBase62(char c) { return kBase62[(kBase62.find(c) + 1) % kBase62.size()]; }

std::string NewToken() {
  std::string token;
  Status s = site::NewBearerToken(&token);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  return token;
}

// The checksum as the header documents it, computed independently of the
// library: the first 32 bits of SHA-256 over prefix + body, as six base62
// digits, most significant first.
std::string Checksum(const std::string& prefix_and_body) {
  uint64_t v = std::stoull(site::Sha256Hex(prefix_and_body).substr(0, 8), nullptr, 16);
  std::string out(kTokenChecksumChars, '0');
  for (size_t i = kTokenChecksumChars; i-- > 0;) {
    out[i] = kBase62[v % 62];
    v /= 62;
  }
  return out;
}

// prefix + body + the checksum that matches them: lets a case break exactly
// one rule (prefix, length, alphabet) while the checksum stays right.
std::string WithChecksum(const std::string& prefix, const std::string& body) {
  return prefix + body + Checksum(prefix + body);
}

std::string Body(const std::string& token) {
  return token.substr(kTokenPrefixLength, kTokenRandomChars);
}

std::time_t Utc(const std::string& text) {
  std::time_t t = 0;
  BOOST_TEST_REQUIRE(site::ParseUtc(text, &t), "cannot parse '" << text << "'");
  return t;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(bearer_token_test)

// ---------------------------------------------------------------------------
// NewBearerToken

BOOST_AUTO_TEST_CASE(constants_match_the_documented_format) {
  BOOST_TEST(std::string(kTokenPrefix) == "adminbt_");
  BOOST_TEST(kTokenPrefixLength == 8u);
  BOOST_TEST(kTokenRandomChars == 43u);
  BOOST_TEST(kTokenChecksumChars == 6u);
  BOOST_TEST(kTokenLength == 57u);
}

BOOST_AUTO_TEST_CASE(new_token_has_the_documented_shape) {
  for (int i = 0; i < 50; ++i) {
    std::string token = NewToken();
    BOOST_TEST_CONTEXT(token) {
      BOOST_TEST(token.size() == kTokenLength);
      BOOST_TEST(token.compare(0, kTokenPrefixLength, kTokenPrefix) == 0);
      BOOST_TEST(token.find_first_not_of(kBase62, kTokenPrefixLength) == std::string::npos);
      BOOST_TEST(site::IsWellFormedBearerToken(token));
      // The checksum is the documented one, not merely self-consistent.
      BOOST_TEST(token.substr(kTokenLength - kTokenChecksumChars) ==
                 Checksum(token.substr(0, kTokenLength - kTokenChecksumChars)));
    }
  }
}

BOOST_AUTO_TEST_CASE(thousand_tokens_are_distinct) {
  std::set<std::string> tokens, bodies;
  for (int i = 0; i < 1000; ++i) {
    std::string token = NewToken();
    tokens.insert(token);
    bodies.insert(Body(token));
  }
  BOOST_TEST(tokens.size() == 1000u);
  BOOST_TEST(bodies.size() == 1000u);
}

BOOST_AUTO_TEST_CASE(body_characters_are_roughly_uniform) {
  // 2000 tokens x 43 random characters: about 1387 of each of the 62. A
  // biased generator (modulo bias, a missing range) lands far outside
  // [0.5x, 1.5x]; a fair one never does (the bound is over 18 sigma wide).
  constexpr int kTokens = 2000;
  std::map<char, int> counts;
  for (int i = 0; i < kTokens; ++i) {
    for (char c : Body(NewToken())) ++counts[c];
  }
  const double expected = kTokens * static_cast<double>(kTokenRandomChars) / 62.0;
  BOOST_TEST(counts.size() == 62u);
  for (char c : kBase62) {
    BOOST_TEST_CONTEXT("'" << c << "' seen " << counts[c] << " times, expected about "
                           << expected) {
      BOOST_TEST(counts[c] >= 0.5 * expected);
      BOOST_TEST(counts[c] <= 1.5 * expected);
    }
  }
}

// ---------------------------------------------------------------------------
// IsWellFormedBearerToken

BOOST_AUTO_TEST_CASE(handmade_token_with_the_documented_checksum_is_well_formed) {
  const std::string bodies[] = {
      std::string(kTokenRandomChars, '0'),
      std::string(kTokenRandomChars, 'z'),
      kBase62.substr(0, kTokenRandomChars),
      kBase62.substr(62 - kTokenRandomChars),
  };
  for (const std::string& body : bodies) {
    BOOST_TEST_CONTEXT(body) { BOOST_TEST(site::IsWellFormedBearerToken(WithChecksum(kTokenPrefix, body))); }
  }
}

BOOST_AUTO_TEST_CASE(every_single_character_change_is_refused) {
  const std::string token = NewToken();
  BOOST_TEST_REQUIRE(site::IsWellFormedBearerToken(token));
  int tried = 0;
  for (size_t i = 0; i < token.size(); ++i) {
    // Every other base62 character at every position: body, checksum, and
    // the prefix too (where it breaks the prefix and the checksum).
    for (char c : kBase62 + "_") {
      if (c == token[i]) continue;
      std::string changed = token;
      changed[i] = c;
      ++tried;
      BOOST_TEST_CONTEXT("position " << i << " '" << token[i] << "' -> '" << c << "': " << changed) {
        BOOST_TEST(!site::IsWellFormedBearerToken(changed));
      }
    }
  }
  BOOST_TEST(tried == static_cast<int>(kTokenLength) * 62);
}

BOOST_AUTO_TEST_CASE(refused_shapes) {
  const std::string token = NewToken();
  const std::string body = Body(token);
  const std::string upper_prefix = "ADMINBT_";
  struct Case {
    const char* what;
    std::string text;
  };
  const Case cases[] = {
      {"empty", ""},
      {"prefix only", kTokenPrefix},
      {"no prefix", token.substr(kTokenPrefixLength)},
      {"wrong prefix, old checksum", "adminbx_" + token.substr(kTokenPrefixLength)},
      {"wrong prefix, its own checksum", WithChecksum("adminbx_", body)},
      {"upper-case prefix, old checksum", upper_prefix + token.substr(kTokenPrefixLength)},
      {"upper-case prefix, its own checksum", WithChecksum(upper_prefix, body)},
      {"capitalised prefix, its own checksum", WithChecksum("Adminbt_", body)},
      {"dash instead of underscore", WithChecksum("adminbt-", body)},
      {"prefix without underscore", WithChecksum("adminbt", body + "A")},
      {"one character short", token.substr(0, kTokenLength - 1)},
      {"one character long", token + "A"},
      {"short body, right checksum", WithChecksum(kTokenPrefix, body.substr(1))},
      {"long body, right checksum", WithChecksum(kTokenPrefix, body + "A")},
      {"checksum missing", token.substr(0, kTokenLength - kTokenChecksumChars)},
      {"doubled", token + token},
      {"leading space", " " + token.substr(1)},
      {"trailing space", token.substr(0, kTokenLength - 1) + " "},
      {"surrounded by spaces", " " + token + " "},
      {"dash in body, right checksum", WithChecksum(kTokenPrefix, "-" + body.substr(1))},
      {"underscore in body, right checksum", WithChecksum(kTokenPrefix, body.substr(1) + "_")},
      {"equals sign in body, right checksum",
       WithChecksum(kTokenPrefix, body.substr(0, 20) + "=" + body.substr(21))},
      {"plus and slash (base64), right checksum",
       WithChecksum(kTokenPrefix, "+/" + body.substr(2))},
      {"dot in body, right checksum", WithChecksum(kTokenPrefix, "." + body.substr(1))},
      {"space in body, right checksum", WithChecksum(kTokenPrefix, " " + body.substr(1))},
      {"NUL in body, right checksum",
       WithChecksum(kTokenPrefix, std::string(1, '\0') + body.substr(1))},
      {"non-ASCII in body (2 bytes), right checksum",
       WithChecksum(kTokenPrefix, "\xc3\xa9" + body.substr(2))},
      {"high byte in body, right checksum", WithChecksum(kTokenPrefix, "\xff" + body.substr(1))},
      {"non-base62 in checksum", token.substr(0, kTokenLength - 1) + "-"},
      {"lower-cased checksum", token.substr(0, kTokenLength - 6) + "abcdef"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what << ": '" << c.text << "'") {
      BOOST_TEST(!site::IsWellFormedBearerToken(c.text));
    }
  }
  BOOST_TEST(site::IsWellFormedBearerToken(token));
}

// ---------------------------------------------------------------------------
// BearerTokenDigest

BOOST_AUTO_TEST_CASE(digest_known_vectors) {
  // FIPS 180-2 example: SHA-256("abc") when there is no secret.
  BOOST_TEST(site::BearerTokenDigest("abc", "") ==
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(site::BearerTokenDigest("", "") ==
             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 4231 test case 2: HMAC-SHA256 with key "Jefe".
  BOOST_TEST(site::BearerTokenDigest("what do ya want for nothing?", "Jefe") ==
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

BOOST_AUTO_TEST_CASE(digest_properties) {
  const std::string token = NewToken();
  const std::string plain = site::BearerTokenDigest(token, "");
  const std::string a = site::BearerTokenDigest(token, "secret-A");
  const std::string b = site::BearerTokenDigest(token, "secret-B");
  for (const std::string& d : {plain, a, b}) {
    BOOST_TEST_CONTEXT(d) {
      BOOST_TEST(d.size() == 64u);
      BOOST_TEST(d.find_first_not_of("0123456789abcdef") == std::string::npos);
      BOOST_TEST(d.find(token) == std::string::npos);
    }
  }
  BOOST_TEST(plain == site::Sha256Hex(token));
  BOOST_TEST(a != plain);  // the secret is used
  BOOST_TEST(a != b);      // and which one matters
  BOOST_TEST(a == site::BearerTokenDigest(token, "secret-A"));  // deterministic
  BOOST_TEST(plain == site::BearerTokenDigest(token, ""));
  BOOST_TEST(a != site::BearerTokenDigest(NewToken(), "secret-A"));
  // Not merely the secret prepended or appended to the token.
  BOOST_TEST(a != site::Sha256Hex("secret-A" + token));
  BOOST_TEST(a != site::Sha256Hex(token + "secret-A"));
}

// ---------------------------------------------------------------------------
// BearerTokenHint

BOOST_AUTO_TEST_CASE(hint_is_prefix_ellipsis_and_last_four) {
  for (int i = 0; i < 20; ++i) {
    const std::string token = NewToken();
    const std::string hint = site::BearerTokenHint(token);
    BOOST_TEST_CONTEXT(token << " -> " << hint) {
      BOOST_TEST(hint == "adminbt_\xe2\x80\xa6" + token.substr(kTokenLength - 4));
      BOOST_TEST(hint.size() == 15u);  // fits bearer_tokens.hint VARCHAR(32)
      BOOST_TEST(hint.find(token) == std::string::npos);
      // Nothing of the random body: the last four come from the checksum.
      const std::string body = Body(token);
      for (size_t j = 0; j + 4 <= body.size(); ++j) {
        BOOST_TEST(hint.find(body.substr(j, 4)) == std::string::npos, "body piece at " << j);
      }
    }
  }
  const std::string handmade = WithChecksum(kTokenPrefix, std::string(kTokenRandomChars, 'Q'));
  BOOST_TEST(site::BearerTokenHint(handmade) ==
             std::string("adminbt_\u2026") + handmade.substr(kTokenLength - 4));
}

// ---------------------------------------------------------------------------
// FormatUtc / ParseUtc / BearerTokenExpiry

BOOST_AUTO_TEST_CASE(format_and_parse_utc_known_values) {
  struct Case {
    std::time_t t;
    const char* text;
  };
  const Case cases[] = {
      {0, "1970-01-01 00:00:00"},
      {951868800, "2000-03-01 00:00:00"},
      {1709200800, "2024-02-29 10:00:00"},
      {2147483647, "2038-01-19 03:14:07"},
      {2147483648LL, "2038-01-19 03:14:08"},  // past 32-bit time_t
      {4107542399LL, "2100-02-28 23:59:59"},
      {4107542400LL, "2100-03-01 00:00:00"},  // 2100 has no 29 February
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.text) {
      BOOST_TEST(site::FormatUtc(c.t) == c.text);
      std::time_t parsed = -1;
      BOOST_TEST(site::ParseUtc(c.text, &parsed));
      BOOST_TEST(parsed == c.t);
    }
  }
}

BOOST_AUTO_TEST_CASE(format_parse_round_trip) {
  // Every day boundary and a few odd times, 1999 to 2101.
  int checked = 0;
  for (std::time_t t = Utc("1999-12-31 23:59:59"); t < Utc("2101-01-02 00:00:00");
       t += 86400 * 7 + 3661) {
    std::string text = site::FormatUtc(t);
    std::time_t back = -1;
    BOOST_TEST_REQUIRE(site::ParseUtc(text, &back), text);
    BOOST_TEST(back == t, text);
    BOOST_TEST(site::FormatUtc(back) == text);
    ++checked;
  }
  BOOST_TEST(checked > 5000);
}

BOOST_AUTO_TEST_CASE(parse_utc_refuses_malformed_text) {
  const std::string cases[] = {
      "",
      "2024",
      "2024-02-29",
      "2024-02-29 10",
      "2024-02-29 10:00",
      "2024-02-29 10:00:",
      "2024-02-29 10:00:00 ",
      "2024-02-29 10:00:00Z",
      "2024-02-29 10:00:00 UTC",
      "2024-02-29 10:00:00.5",
      "2024-02-29 10:00:00\n",
      std::string("2024-02-29 10:00:00\0junk", 24),
      "2024-02-29T10:00:00",
      "2024/02/29 10:00:00",
      "29-02-2024 10:00:00",
      "abcd-ef-gh ij:kl:mn",
      "now",
  };
  for (const std::string& text : cases) {
    BOOST_TEST_CONTEXT("'" << text << "'") {
      std::time_t out = 12345;
      BOOST_TEST(!site::ParseUtc(text, &out));
    }
  }
}

BOOST_AUTO_TEST_CASE(parse_utc_refuses_text_not_in_the_exact_shape) {
  // "YYYY-MM-DD HH:MM:SS" and nothing looser: each of these would be read
  // as some other time (or the fields rolled over) if accepted.
  const std::string cases[] = {
      " 2024-02-29 10:00:00",   // leading space
      "2024-02-2910:00:00",     // no space between date and time
      "2024-2-9 1:2:3",         // single-digit fields
      "+2024-02-29 10:00:00",   // signed year
      "2024-13-01 00:00:00",    // month 13
      "2024-00-10 00:00:00",    // month 0
      "2023-02-29 00:00:00",    // 29 February of a common year
      "2024-04-31 00:00:00",    // 31 April
      "2024-02-29 24:00:00",    // hour 24
      "2024-02-29 10:60:00",    // minute 60
  };
  for (const std::string& text : cases) {
    BOOST_TEST_CONTEXT("'" << text << "'") {
      std::time_t out = 12345;
      bool accepted = site::ParseUtc(text, &out);
      BOOST_TEST(!accepted, "accepted as " << site::FormatUtc(out));
    }
  }
}

BOOST_AUTO_TEST_CASE(expiry_is_one_calendar_year_later) {
  struct Case {
    const char* created;
    const char* expires;
  };
  const Case cases[] = {
      {"2024-02-29 10:00:00", "2025-02-28 10:00:00"},  // leap day -> 28 Feb
      {"2023-02-28 10:00:00", "2024-02-28 10:00:00"},  // not 29 Feb in the leap year
      {"2023-03-01 10:00:00", "2024-03-01 10:00:00"},
      {"2024-02-28 23:59:59", "2025-02-28 23:59:59"},
      {"2024-03-01 00:00:00", "2025-03-01 00:00:00"},
      {"2027-12-31 23:59:59", "2028-12-31 23:59:59"},
      {"2028-01-01 00:00:00", "2029-01-01 00:00:00"},
      {"2099-02-28 12:00:00", "2100-02-28 12:00:00"},  // 2100 is not a leap year
      {"2099-03-01 12:00:00", "2100-03-01 12:00:00"},
      {"2100-02-28 08:30:00", "2101-02-28 08:30:00"},
      {"2100-03-01 08:30:00", "2101-03-01 08:30:00"},
      {"2096-02-29 06:07:08", "2097-02-28 06:07:08"},
      {"2000-02-29 00:00:00", "2001-02-28 00:00:00"},  // 2000 is a leap year
      {"1999-02-28 00:00:00", "2000-02-28 00:00:00"},
      {"2037-06-15 03:14:08", "2038-06-15 03:14:08"},  // across the 32-bit limit
      {"1970-01-01 00:00:00", "1971-01-01 00:00:00"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.created << " -> " << c.expires) {
      std::time_t created = Utc(c.created);
      std::time_t expires = site::BearerTokenExpiry(created);
      BOOST_TEST(site::FormatUtc(expires) == c.expires);
      BOOST_TEST(expires == Utc(c.expires));
    }
  }
}

BOOST_AUTO_TEST_CASE(expiry_preserves_the_time_of_day) {
  // Every second-of-day pattern below, on ordinary, leap and century dates.
  const char* dates[] = {"2023-07-04", "2024-02-29", "2100-02-28", "2000-02-29", "2026-11-28"};
  const char* times[] = {"00:00:00", "00:00:01", "11:59:59", "12:00:00", "23:59:59", "17:45:30"};
  for (const char* date : dates) {
    for (const char* time : times) {
      std::string created = std::string(date) + " " + time;
      BOOST_TEST_CONTEXT(created) {
        std::string expires = site::FormatUtc(site::BearerTokenExpiry(Utc(created)));
        BOOST_TEST(expires.substr(11) == time);
        BOOST_TEST(std::stoi(expires.substr(0, 4)) == std::stoi(created.substr(0, 4)) + 1);
        // Same month; same day except that 29 February becomes 28.
        BOOST_TEST(expires.substr(4, 3) == created.substr(4, 3));
        std::string day = created.substr(5, 5) == "02-29" ? "28" : created.substr(8, 2);
        BOOST_TEST(expires.substr(8, 2) == day);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// ParseBearerHeader

BOOST_AUTO_TEST_CASE(parse_bearer_header_table) {
  const std::string token = NewToken();
  const std::string body = Body(token);
  const std::string checksum = token.substr(site::kTokenLength - site::kTokenChecksumChars);
  const std::string handmade = WithChecksum(site::kTokenPrefix, std::string(43, 'k'));
  std::string off_by_one = token;
  off_by_one.back() = NextBase62(off_by_one.back());

  const std::string exact = [&] {
    std::string h = "Bearer " + token;
    h.resize(site::kMaxAuthorizationBytes, ' ');
    return h;
  }();

  using H = BearerHeader;
  struct Case {
    const char* what;
    std::string header;
    H expected;
    std::string token;  // for kWellFormed
  };
  const Case cases[] = {
      // Nothing there.
      {"empty", "", H::kAbsent, ""},
      {"only spaces", "     ", H::kAbsent, ""},
      {"only tabs and spaces", " \t \t ", H::kAbsent, ""},
      // Our scheme and a token, in every accepted spelling.
      {"canonical", "Bearer " + token, H::kWellFormed, token},
      {"lower-case scheme", "bearer " + token, H::kWellFormed, token},
      {"upper-case scheme", "BEARER " + token, H::kWellFormed, token},
      {"mixed-case scheme", "BeArEr " + token, H::kWellFormed, token},
      {"two spaces between", "Bearer  " + token, H::kWellFormed, token},
      {"a tab between", "Bearer\t" + token, H::kWellFormed, token},
      {"tab and spaces between", "Bearer \t " + token, H::kWellFormed, token},
      {"leading and trailing blanks", " \t Bearer " + token + " \t ", H::kWellFormed, token},
      {"hand-made token", "Bearer " + handmade, H::kWellFormed, handmade},
      {"exactly kMaxAuthorizationBytes", exact, H::kWellFormed, token},
      // The Bearer scheme without a usable token.
      {"scheme alone", "Bearer", H::kMalformed, ""},
      {"scheme and a space", "Bearer ", H::kMalformed, ""},
      {"scheme and spaces", "Bearer    ", H::kMalformed, ""},
      {"scheme and tabs, padded", "  Bearer\t\t", H::kMalformed, ""},
      {"two tokens", "Bearer " + token + " " + token, H::kMalformed, ""},
      {"token and comma", "Bearer " + token + ",", H::kMalformed, ""},
      {"token and a parameter", "Bearer " + token + ", realm=\"site\"", H::kMalformed, ""},
      {"scheme twice", "Bearer Bearer " + token, H::kMalformed, ""},
      {"token as a parameter", "Bearer token=" + token, H::kMalformed, ""},
      {"quoted token", "Bearer \"" + token + "\"", H::kMalformed, ""},
      {"CR inside token", "Bearer " + token.substr(0, 20) + "\r" + token.substr(20), H::kMalformed, ""},
      {"LF inside token", "Bearer " + token.substr(0, 20) + "\n" + token.substr(20), H::kMalformed, ""},
      {"CRLF at end", "Bearer " + token + "\r\n", H::kMalformed, ""},
      {"LF at end", "Bearer " + token + "\n", H::kMalformed, ""},
      {"header injection", "Bearer " + token + "\r\nX-Admin: yes", H::kMalformed, ""},
      {"NUL inside token", "Bearer " + token.substr(0, 30) + std::string(1, '\0') + token.substr(30),
       H::kMalformed, ""},
      {"NUL at end", "Bearer " + token + std::string(1, '\0'), H::kMalformed, ""},
      {"DEL at end", "Bearer " + token + "\x7f", H::kMalformed, ""},
      {"vertical tab before token", "Bearer \v" + token, H::kMalformed, ""},
      {"UTF-8 e-acute in token",
       "Bearer " + WithChecksum(site::kTokenPrefix, "\xc3\xa9" + body.substr(2)), H::kMalformed, ""},
      {"UTF-8 after token", "Bearer " + token + " \xc3\xa9", H::kMalformed, ""},
      {"8 KiB of token characters", "Bearer " + std::string(8192, 'a'), H::kMalformed, ""},
      {"8 KiB: a real token then padding", "Bearer " + token + std::string(8192, ' '), H::kMalformed, ""},
      {"kMaxAuthorizationBytes + 1", exact + " ", H::kMalformed, ""},
      {"checksum off by one character", "Bearer " + off_by_one, H::kMalformed, ""},
      {"missing last character", "Bearer " + token.substr(0, token.size() - 1), H::kMalformed, ""},
      {"one extra character", "Bearer " + token + "A", H::kMalformed, ""},
      {"upper-case token prefix", "Bearer ADMINBT_" + token.substr(site::kTokenPrefixLength),
       H::kMalformed, ""},
      {"upper-case token prefix, own checksum", "Bearer " + WithChecksum("ADMINBT_", body),
       H::kMalformed, ""},
      {"no token prefix", "Bearer " + token.substr(site::kTokenPrefixLength), H::kMalformed, ""},
      {"dash in body", "Bearer " + WithChecksum(site::kTokenPrefix, body.substr(1) + "-"),
       H::kMalformed, ""},
      {"underscore in body", "Bearer " + WithChecksum(site::kTokenPrefix, "_" + body.substr(1)),
       H::kMalformed, ""},
      {"equals in body",
       "Bearer " + WithChecksum(site::kTokenPrefix, body.substr(0, 10) + "=" + body.substr(11)),
       H::kMalformed, ""},
      {"a session id, not a token", "Bearer " + site::RandomHex(32), H::kMalformed, ""},
      {"a JWT, not a token", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
       H::kMalformed, ""},
      // Other schemes, or not a scheme followed by a space: not ours.
      {"Basic", "Basic dXNlcjpwYXNz", H::kAbsent, ""},
      {"Basic with CR", "Basic dXNl\rcjpwYXNz", H::kAbsent, ""},
      {"Basic with CRLF at end", "Basic dXNlcjpwYXNz\r\n", H::kAbsent, ""},
      {"Digest",
       "Digest username=\"ann\", realm=\"site\", nonce=\"dcd98b7102dd2f0e\", uri=\"/\", "
       "response=\"6629fae49393a05397450978507c4ef1\"",
       H::kAbsent, ""},
      {"Token scheme", "Token " + token, H::kAbsent, ""},
      {"our token with no scheme", token, H::kAbsent, ""},
      {"Bearer= (no space)", "Bearer=" + token, H::kAbsent, ""},
      {"Bearer: (no space)", "Bearer:" + token, H::kAbsent, ""},
      {"Bearer glued to token", "Bearer" + token, H::kAbsent, ""},
      {"Bearers", "Bearers " + token, H::kAbsent, ""},
      {"non-ASCII scheme", "B\xc3\xa9\x61rer " + token, H::kAbsent, ""},
  };
  BOOST_TEST(sizeof(cases) / sizeof(cases[0]) >= 30u);
  BOOST_TEST_REQUIRE(exact.size() == site::kMaxAuthorizationBytes);

  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what << " (" << c.header.size() << " bytes)") {
      std::string out = "left over from before";
      BearerHeader got = BearerHeader::kAbsent;
      BOOST_CHECK_NO_THROW(got = site::ParseBearerHeader(c.header, &out));
      BOOST_TEST(got == c.expected);
      if (c.expected == H::kWellFormed) {
        BOOST_TEST(out == c.token);
      } else {
        BOOST_TEST(out.empty(), "token set to '" << out << "'");
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(parse_never_crashes_on_any_length) {
  // Every length around and far beyond the cap, of token-like characters.
  for (size_t n : {0u, 1u, 63u, 64u, 65u, 511u, 512u, 513u, 4096u, 65536u, 1u << 20}) {
    BOOST_TEST_CONTEXT(n) {
      std::string out = "x";
      BearerHeader got = site::ParseBearerHeader("Bearer " + std::string(n, 'Z'), &out);
      BOOST_TEST(got == BearerHeader::kMalformed);
      BOOST_TEST(out.empty());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
