// Bearer tokens: their format, checksum, digest and expiry.
//
// A token reads  adminbt_<43 base62 characters><6 base62 characters>
//   - "adminbt_" is a fixed prefix, so secret scanners can find leaked tokens;
//   - the 43 characters are drawn uniformly from [0-9A-Za-z] with OpenSSL's
//     CSPRNG: 43 x log2(62) = 256.03 bits;
//   - the last 6 are a checksum (the first 32 bits of SHA-256 over prefix and
//     body, in base62), so a mistyped or truncated token is refused before
//     any database lookup, as GitHub's and GitLab's tokens are.
// Only a digest of the token is stored (HMAC-SHA256 keyed with the site's
// token_secret, or plain SHA-256 without one), with a non-secret hint.
#pragma once

#include <ctime>
#include <string>

#include "status.h"

namespace site {

constexpr char kTokenPrefix[] = "adminbt_";
constexpr size_t kTokenPrefixLength = sizeof(kTokenPrefix) - 1;
constexpr size_t kTokenRandomChars = 43;
constexpr size_t kTokenChecksumChars = 6;
constexpr size_t kTokenLength = kTokenPrefixLength + kTokenRandomChars + kTokenChecksumChars;

// Makes a new token from the CSPRNG.
Status NewBearerToken(std::string* token);

// Returns true iff `token` has the prefix, the length, only base62
// characters, and a matching checksum.
bool IsWellFormedBearerToken(const std::string& token);

// The digest stored for `token`: 64 hex characters.
std::string BearerTokenDigest(const std::string& token, const std::string& secret);

// The non-secret hint shown on the person's record: "adminbt_…" plus the
// token's last 4 characters.
std::string BearerTokenHint(const std::string& token);

// Returns the expiry of a token created at `created` (UTC seconds): the same
// time one calendar year later; a token created on 29 February expires on
// 28 February of the next year.
std::time_t BearerTokenExpiry(std::time_t created);

// A token with less than this many days left says so in every successful
// API answer (bearer_auth.h, TokenExpiryWarning), so that a build log shows
// it in time, and the People list marks it.
constexpr int kTokenExpiryWarningDays = 30;

// Formats UTC seconds as "YYYY-MM-DD HH:MM:SS" (the database's DATETIME).
std::string FormatUtc(std::time_t t);
// Parses "YYYY-MM-DD HH:MM:SS" as UTC; returns false if malformed.
bool ParseUtc(const std::string& text, std::time_t* out);

// Longest Authorization header we look at; longer ones are malformed,
// refused before any decoding (lighttpd's mod_auth caps credentials too).
constexpr size_t kMaxAuthorizationBytes = 512;

enum class BearerHeader {
  kAbsent,     // no header, an empty one, or another scheme (Basic, ...)
  kMalformed,  // the Bearer scheme, but no token or not one of ours
  kWellFormed  // a token with our prefix, length, alphabet and checksum
};

// Parses an Authorization header value. The scheme is case-insensitive;
// spaces and tabs around the token are allowed; anything else (a second
// token, control characters, non-ASCII, a bad checksum) is malformed. Sets
// *token only for kWellFormed. Needs no database.
BearerHeader ParseBearerHeader(const std::string& header, std::string* token);

// The header every authenticated response carries, like GitHub's
// GitHub-Authentication-Token-Expiration: "2027-11-28 06:04:30 UTC".
constexpr char kTokenExpirationHeader[] = "Authentication-Token-Expiration";

// A WWW-Authenticate value (RFC 6750 section 3): `Bearer realm="site"`, with
// error and error_description when `error` is set. REQUIRES: neither holds
// a double quote (ours are fixed texts).
std::string BearerChallenge(const std::string& error = "", const std::string& description = "");

}  // namespace site
