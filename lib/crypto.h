// Crypto: thin wrappers over OpenSSL for randomness, digests, encodings and
// comparisons. Everything secret-bearing goes through here.
#pragma once

#include <string>

#include "status.h"

namespace site {

// Fills `out` with `n` bytes from OpenSSL's CSPRNG (RAND_bytes).
// Returns Internal if the generator fails (never returns weak bytes).
Status RandomBytes(size_t n, std::string* out);

// Returns `n` random bytes as lowercase hex (2n characters).
// Aborts the process if the CSPRNG fails: there is no safe fallback.
std::string RandomHex(size_t n);

// Returns the SHA-256 digest of `data` as 64 lowercase hex characters.
std::string Sha256Hex(const std::string& data);

// Returns HMAC-SHA256(key, data) as 64 lowercase hex characters.
std::string HmacSha256Hex(const std::string& key, const std::string& data);

std::string HexEncode(const std::string& bytes);

// Standard base64 with padding (RFC 4648 section 4).
std::string Base64Encode(const std::string& bytes);
// Returns false if `text` is not valid padded base64.
bool Base64Decode(const std::string& text, std::string* out);

// Returns true iff a == b, in time that depends only on the lengths.
bool ConstantTimeEquals(const std::string& a, const std::string& b);

}  // namespace site
