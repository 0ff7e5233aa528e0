#include "bearer_token.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstdio>

#include "crypto.h"

namespace site {

namespace {

const char kBase62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

bool IsBase62(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// The checksum of prefix + body: the first 32 bits of SHA-256, as exactly
// six base62 digits (62^6 > 2^32).
std::string Checksum(const std::string& prefix_and_body) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(prefix_and_body.data()), prefix_and_body.size(),
         digest);
  uint64_t v = (uint64_t{digest[0]} << 24) | (uint64_t{digest[1]} << 16) |
               (uint64_t{digest[2]} << 8) | uint64_t{digest[3]};
  std::string out(kTokenChecksumChars, '0');
  for (size_t i = kTokenChecksumChars; i-- > 0;) {
    out[i] = kBase62[v % 62];
    v /= 62;
  }
  return out;
}

}  // namespace

Status NewBearerToken(std::string* token) {
  std::string body;
  // Rejection sampling keeps every character uniform: bytes 248..255 would
  // favour the first 8 digits, so they are drawn again.
  while (body.size() < kTokenRandomChars) {
    std::string bytes;
    Status s = RandomBytes(64, &bytes);
    if (!s.ok()) return s;
    for (unsigned char b : bytes) {
      if (b < 248 && body.size() < kTokenRandomChars) body += kBase62[b % 62];
    }
  }
  std::string prefix_and_body = kTokenPrefix + body;
  *token = prefix_and_body + Checksum(prefix_and_body);
  return Status::OK();
}

bool IsWellFormedBearerToken(const std::string& token) {
  if (token.size() != kTokenLength || token.compare(0, kTokenPrefixLength, kTokenPrefix) != 0) {
    return false;
  }
  for (size_t i = kTokenPrefixLength; i < token.size(); ++i) {
    if (!IsBase62(token[i])) return false;
  }
  size_t split = kTokenLength - kTokenChecksumChars;
  return ConstantTimeEquals(Checksum(token.substr(0, split)), token.substr(split));
}

std::string BearerTokenDigest(const std::string& token, const std::string& secret) {
  if (secret.empty()) return Sha256Hex(token);
  return HmacSha256Hex(secret, token);
}

std::string BearerTokenHint(const std::string& token) {
  return std::string(kTokenPrefix) + "\u2026" + token.substr(token.size() - 4);
}

std::time_t BearerTokenExpiry(std::time_t created) {
  std::tm tm{};
  gmtime_r(&created, &tm);
  tm.tm_year += 1;
  if (tm.tm_mon == 1 && tm.tm_mday == 29) tm.tm_mday = 28;
  return timegm(&tm);
}

std::string FormatUtc(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

bool ParseUtc(const std::string& text, std::time_t* out) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d %2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      static_cast<size_t>(consumed) != text.size()) {
    return false;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::time_t t = timegm(&tm);
  // sscanf forgives spaces and short fields, and timegm rolls 31 April into
  // May: only text that formats back to itself is the exact shape.
  if (FormatUtc(t) != text) return false;
  *out = t;
  return true;
}

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

}  // namespace

BearerHeader ParseBearerHeader(const std::string& header, std::string* token) {
  token->clear();
  if (header.size() > kMaxAuthorizationBytes) return BearerHeader::kMalformed;
  size_t b = 0, e = header.size();
  while (b < e && IsSpace(header[b])) ++b;
  while (e > b && IsSpace(header[e - 1])) --e;
  if (b == e) return BearerHeader::kAbsent;
  size_t scheme_end = b;
  while (scheme_end < e && !IsSpace(header[scheme_end])) ++scheme_end;
  std::string scheme = header.substr(b, scheme_end - b);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool bearer = scheme == "bearer";
  for (size_t i = b; i < e; ++i) {
    unsigned char c = static_cast<unsigned char>(header[i]);
    if ((c < 0x20 && c != '\t') || c >= 0x7f) {
      return bearer ? BearerHeader::kMalformed : BearerHeader::kAbsent;
    }
  }
  if (!bearer) return BearerHeader::kAbsent;
  size_t t = scheme_end;
  while (t < e && IsSpace(header[t])) ++t;
  std::string candidate = header.substr(t, e - t);
  if (!IsWellFormedBearerToken(candidate)) return BearerHeader::kMalformed;
  *token = std::move(candidate);
  return BearerHeader::kWellFormed;
}

std::string BearerChallenge(const std::string& error, const std::string& description) {
  std::string c = "Bearer realm=\"site\"";
  if (!error.empty()) c += ", error=\"" + error + "\", error_description=\"" + description + "\"";
  return c;
}

}  // namespace site
