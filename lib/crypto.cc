#include "crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstdlib>

#include "log.h"

namespace site {

Status RandomBytes(size_t n, std::string* out) {
  out->assign(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out->data()), static_cast<int>(n)) != 1) {
    out->clear();
    return Status::Internal("OpenSSL RAND_bytes failed");
  }
  return Status::OK();
}

std::string RandomHex(size_t n) {
  std::string bytes;
  if (!RandomBytes(n, &bytes).ok()) {
    Log(LogLevel::kError, "", "CSPRNG failure; aborting");
    std::abort();
  }
  return HexEncode(bytes);
}

std::string HexEncode(const std::string& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return HexEncode(std::string(reinterpret_cast<char*>(digest), sizeof digest));
}

std::string HmacSha256Hex(const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &length);
  return HexEncode(std::string(reinterpret_cast<char*>(mac), length));
}

std::string Base64Encode(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool Base64Decode(const std::string& text, std::string* out) {
  if (text.size() % 4 != 0) return false;
  // Padding only at the end, at most two characters of it.
  size_t pad = text.size() - std::min(text.size(), text.find_last_not_of('=') + 1);
  if (pad > 2) return false;
  std::string body = text.substr(0, text.size() - pad);
  if (body.find_first_not_of(
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") !=
      std::string::npos) {
    return false;
  }
  std::string buf(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(buf.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return false;
  // EVP_DecodeBlock counts padding as zero bytes; drop them.
  buf.resize(static_cast<size_t>(n) - pad);
  *out = buf;
  return true;
}

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace site
