// Password hashing with PBKDF2-HMAC-SHA256 (OpenSSL), stored as
//   pbkdf2_sha256$<iterations>$<base64 salt>$<base64 hash>
// so that the work factor can be raised later without breaking old hashes.
// OWASP's Password Storage Cheat Sheet (2023) asks for 600,000 iterations.
#pragma once

#include <string>

#include "status.h"

namespace site {

constexpr int kDefaultPasswordIterations = 600000;
constexpr size_t kMinPasswordLength = 12;
// Caps the work an attacker can make us do per attempt (PBKDF2 hashes the
// whole password on every iteration's first block).
constexpr size_t kMaxPasswordLength = 1024;

// Hashes `password` with a fresh 16-byte random salt.
Status HashPassword(const std::string& password, int iterations, std::string* encoded);

// Returns true iff `password` matches `encoded` (constant-time comparison).
// A malformed `encoded` never matches.
bool VerifyPassword(const std::string& password, const std::string& encoded);

// Spends the same time as VerifyPassword on a real hash, for sign-ins of
// unknown usernames, so that response time does not reveal which exist.
void VerifyPasswordAgainstDummy(const std::string& password, int iterations);

// Returns an empty string if `password` is acceptable, else the reason.
std::string PasswordProblem(const std::string& password);

}  // namespace site
