#include "password.h"

#include <openssl/evp.h>

#include <vector>

#include "crypto.h"

namespace site {

namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
const char kScheme[] = "pbkdf2_sha256";

bool Derive(const std::string& password, const std::string& salt, int iterations,
            std::string* out) {
  out->assign(kHashBytes, '\0');
  return PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                           reinterpret_cast<const unsigned char*>(salt.data()),
                           static_cast<int>(salt.size()), iterations, EVP_sha256(),
                           static_cast<int>(kHashBytes),
                           reinterpret_cast<unsigned char*>(out->data())) == 1;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos - start));
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return parts;
}

}  // namespace

Status HashPassword(const std::string& password, int iterations, std::string* encoded) {
  std::string salt;
  Status s = RandomBytes(kSaltBytes, &salt);
  if (!s.ok()) return s;
  std::string hash;
  if (!Derive(password, salt, iterations, &hash)) return Status::Internal("PBKDF2 failed");
  *encoded = std::string(kScheme) + "$" + std::to_string(iterations) + "$" + Base64Encode(salt) +
             "$" + Base64Encode(hash);
  return Status::OK();
}

bool VerifyPassword(const std::string& password, const std::string& encoded) {
  if (password.size() > kMaxPasswordLength) return false;
  std::vector<std::string> parts = Split(encoded, '$');
  if (parts.size() != 4 || parts[0] != kScheme) return false;
  if (parts[1].empty() || parts[1].size() > 8 ||
      parts[1].find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  int iterations = std::stoi(parts[1]);
  if (iterations < 1) return false;
  std::string salt, expected, actual;
  if (!Base64Decode(parts[2], &salt) || !Base64Decode(parts[3], &expected)) return false;
  if (expected.size() != kHashBytes) return false;
  if (!Derive(password, salt, iterations, &actual)) return false;
  return ConstantTimeEquals(actual, expected);
}

void VerifyPasswordAgainstDummy(const std::string& password, int iterations) {
  std::string ignored;
  Derive(password.substr(0, kMaxPasswordLength), std::string(kSaltBytes, 's'), iterations,
         &ignored);
}

std::string PasswordProblem(const std::string& password) {
  if (password.size() < kMinPasswordLength) {
    return "Use at least " + std::to_string(kMinPasswordLength) + " characters.";
  }
  if (password.size() > kMaxPasswordLength) {
    return "Use at most " + std::to_string(kMaxPasswordLength) + " characters.";
  }
  return "";
}

}  // namespace site
