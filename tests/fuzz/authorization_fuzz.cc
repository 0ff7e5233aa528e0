// libFuzzer target for the Authorization header parser (make fuzz): it never
// crashes, and what it calls well-formed is exactly one of our tokens, with
// nothing but spaces and tabs around it and the Bearer scheme before it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "bearer_token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string header(reinterpret_cast<const char*>(data), size);
  std::string token = "left over";
  site::BearerHeader parsed = site::ParseBearerHeader(header, &token);
  if (parsed != site::BearerHeader::kWellFormed) {
    if (!token.empty()) __builtin_trap();  // a token only for kWellFormed
    return 0;
  }
  if (!site::IsWellFormedBearerToken(token) || token.size() != site::kTokenLength) __builtin_trap();
  if (header.size() > site::kMaxAuthorizationBytes) __builtin_trap();
  size_t at = header.find(token);
  if (at == std::string::npos) __builtin_trap();
  for (size_t i = 0; i < header.size(); ++i) {
    if (i >= at && i < at + token.size()) continue;
    unsigned char c = static_cast<unsigned char>(header[i]);
    if (c < 0x20 && c != '\t') __builtin_trap();  // no control character passes
    if (c >= 0x7f) __builtin_trap();
  }
  return 0;
}
