// libFuzzer target for the streaming multipart reader (make fuzz).
// The first byte picks the chunk size the body is fed in, so that every
// split of a delimiter across chunks gets exercised; the next line is a
// Content-Type header value; the rest is the body. Parts may carry a
// Content-Transfer-Encoding (the seed ansible-base64.txt has base64), so the
// decoder behind the reader is fuzzed too.
#include <cstddef>
#include <cstdint>
#include <string>

#include "multipart.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  size_t chunk = 1 + data[0] % 64;
  std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t nl = rest.find('\n');
  std::string content_type = nl == std::string::npos ? rest : rest.substr(0, nl);
  std::string body = nl == std::string::npos ? "" : rest.substr(nl + 1);

  std::string boundary;
  if (!site::MultipartReader::BoundaryFromContentType(content_type, &boundary).ok()) {
    boundary = "b";
  }
  size_t in_part = 0, total = 0;
  site::MultipartReader::Callbacks cb;
  cb.on_part_begin = [&](const site::PartHeaders&) {
    if (in_part != 0) __builtin_trap();  // begin inside a part: a state bug
    in_part = 1;
    return site::Status::OK();
  };
  cb.on_part_data = [&](const char*, size_t n) {
    if (in_part != 1) __builtin_trap();  // data outside a part
    total += n;
    return site::Status::OK();
  };
  cb.on_part_end = [&] {
    if (in_part != 1) __builtin_trap();
    in_part = 0;
    return site::Status::OK();
  };
  site::MultipartReader reader(boundary, cb);
  for (size_t i = 0; i < body.size(); i += chunk) {
    if (!reader.Feed(body.data() + i, std::min(chunk, body.size() - i)).ok()) return 0;
  }
  reader.Finish();
  if (total > body.size()) __builtin_trap();  // never invents bytes
  return 0;
}
