// TransferDecoder: undoes a multipart part's Content-Transfer-Encoding
// while the part streams.
//
// RFC 7578 section 4.7 deprecates the header for form-data, but senders
// still use it: Ansible's uri module (body_format: form-multipart, through
// Python's email package) sends every file part as base64 with CRLF line
// breaks (docs/stack-notes.md). Identity encodings ("7bit", "8bit", "binary", or no
// header) pass bytes through; "base64" is decoded; anything else
// (quoted-printable, x-gzip...) is refused by name rather than stored
// undecoded and later called a damaged archive.
//
// Memory stays flat: base64 keeps at most one line of undecoded characters
// (OpenSSL's fixed 80-byte context) and decodes through a fixed buffer,
// whatever the part's size. No I/O, no globals.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "status.h"

namespace site {

class TransferDecoder {
 public:
  // Receives decoded bytes; a non-OK Status stops the decoding and is
  // returned unchanged by Decode() or Finish().
  using Sink = std::function<Status(const char* data, size_t size)>;

  TransferDecoder();
  ~TransferDecoder();
  TransferDecoder(const TransferDecoder&) = delete;
  TransferDecoder& operator=(const TransferDecoder&) = delete;

  // Prepares for a new part whose Content-Transfer-Encoding header value is
  // `encoding` ("" when absent; any case, surrounding whitespace allowed).
  // `part_name` and `is_file` only word the messages. Returns BadRequest
  // naming the encoding when it is neither an identity one nor base64.
  Status Start(const std::string& encoding, const std::string& part_name, bool is_file);

  // Decodes the next `size` bytes of the part, handing the result to `sink`.
  // Returns BadRequest naming the problem when a base64 part holds a
  // character outside the base64 alphabet and whitespace, or data after
  // its "=" padding.
  Status Decode(const char* data, size_t size, const Sink& sink);

  // Ends the part. Returns BadRequest when base64 stopped inside a group
  // of four characters (a truncated part, or missing padding).
  Status Finish(const Sink& sink);

 private:
  struct Base64;
  Status DecodeBase64(const char* data, size_t size, const Sink& sink);

  std::unique_ptr<Base64> base64_;  // null for identity encodings
  std::string part_name_;
};

}  // namespace site
