#include "transfer_decoder.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "text.h"

namespace site {

namespace {

// Input is handed to OpenSSL in slices of this size, so that one slice's
// output (at most 3/4 of the slice plus the 63 characters OpenSSL may still
// hold) always fits the fixed output buffer.
constexpr size_t kSlice = 4096;
constexpr size_t kOutput = kSlice / 4 * 3 + 64;

bool IsBase64Alphabet(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// RFC 2045 section 6.8 lets decoders ignore line breaks; we also allow
// spaces and tabs, which OpenSSL skips too.
bool IsBase64Space(unsigned char c) { return c == '\r' || c == '\n' || c == ' ' || c == '\t'; }

// A byte as a person reads it in a message: "'-'" or "0x00".
std::string Shown(unsigned char c) {
  char buf[8];
  if (c > 0x20 && c < 0x7f) {
    std::snprintf(buf, sizeof buf, "'%c'", c);
  } else {
    std::snprintf(buf, sizeof buf, "0x%02X", c);
  }
  return buf;
}

// The encoding as sent, for a message: trimmed, printable ASCII only, and
// short (a header value can be 8 KiB).
std::string ShownEncoding(const std::string& encoding) {
  std::string out;
  for (char c : Trim(encoding)) {
    if (out.size() == 40) return out + "...";
    out += (c >= 0x20 && c < 0x7f && c != '"') ? c : '?';
  }
  return out;
}

}  // namespace

// OpenSSL's streaming decoder does the arithmetic and keeps the partial
// line between calls; we screen each byte first because EVP_DecodeUpdate
// alone is too lenient for an upload: it takes '-' as an end marker and
// silently drops the rest of that call's input, and it forgets a seen "="
// once a full group is decoded, so "QQ==QUJD" passes when split between
// calls. Either would make the result depend on how the body was chunked.
struct TransferDecoder::Base64 {
  std::unique_ptr<EVP_ENCODE_CTX, decltype(&EVP_ENCODE_CTX_free)> ctx{EVP_ENCODE_CTX_new(),
                                                                      &EVP_ENCODE_CTX_free};
  bool padded = false;   // an '=' has been seen: only '=' and whitespace may follow
  size_t position = 0;   // characters of the part so far, for messages
  unsigned char out[kOutput];
};

TransferDecoder::TransferDecoder() = default;
TransferDecoder::~TransferDecoder() = default;

Status TransferDecoder::Start(const std::string& encoding, const std::string& part_name,
                              bool is_file) {
  base64_.reset();
  part_name_ = part_name;
  std::string e = Lower(Trim(encoding));
  if (e.empty() || e == "7bit" || e == "8bit" || e == "binary") return Status::OK();
  if (e == "base64") {
    base64_ = std::make_unique<Base64>();
    if (!base64_->ctx) return Status::Internal("cannot allocate a base64 decoder");
    EVP_DecodeInit(base64_->ctx.get());
    return Status::OK();
  }
  return Status::BadRequest(part_name + " uses Content-Transfer-Encoding \"" +
                            ShownEncoding(encoding) +
                            "\", which this site does not accept; send the " +
                            (is_file ? "file" : "field") + " as is (binary) or base64");
}

Status TransferDecoder::Decode(const char* data, size_t size, const Sink& sink) {
  if (size == 0) return Status::OK();
  if (!base64_) return sink ? sink(data, size) : Status::OK();
  for (size_t off = 0; off < size; off += kSlice) {
    Status s = DecodeBase64(data + off, std::min(kSlice, size - off), sink);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status TransferDecoder::DecodeBase64(const char* data, size_t size, const Sink& sink) {
  Base64& b = *base64_;
  for (size_t i = 0; i < size; ++i) {
    unsigned char c = static_cast<unsigned char>(data[i]);
    size_t at = b.position + i;
    if (c == '=') {
      b.padded = true;
    } else if (IsBase64Alphabet(c)) {
      if (b.padded) {
        return Status::BadRequest(part_name_ + " is not valid base64: data goes on after the \"=\" "
                                  "padding (at character " + std::to_string(at + 1) + ")");
      }
    } else if (!IsBase64Space(c)) {
      return Status::BadRequest(part_name_ + " is not valid base64: " + Shown(c) +
                                " at character " + std::to_string(at + 1) +
                                " is not in the base64 alphabet");
    }
  }
  b.position += size;
  int n = 0;
  if (EVP_DecodeUpdate(b.ctx.get(), b.out, &n, reinterpret_cast<const unsigned char*>(data),
                       static_cast<int>(size)) < 0) {
    // What the screen above lets through and OpenSSL still refuses: "="
    // inside a group, or more than two of them.
    return Status::BadRequest(part_name_ + " is not valid base64: misplaced \"=\" padding");
  }
  return n > 0 && sink ? sink(reinterpret_cast<const char*>(b.out), static_cast<size_t>(n))
                       : Status::OK();
}

Status TransferDecoder::Finish(const Sink& sink) {
  if (!base64_) return Status::OK();
  std::unique_ptr<Base64> b = std::move(base64_);
  int n = 0;
  if (EVP_DecodeFinal(b->ctx.get(), b->out, &n) < 0) {
    return Status::BadRequest(part_name_ + " is not valid base64: it ends inside a group of four "
                              "characters (truncated, or its \"=\" padding is missing)");
  }
  return n > 0 && sink ? sink(reinterpret_cast<const char*>(b->out), static_cast<size_t>(n))
                       : Status::OK();
}

}  // namespace site
