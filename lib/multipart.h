// MultipartReader: a streaming (push) parser for multipart/form-data
// bodies (RFC 7578 over RFC 2046).
//
// Why our own: cgicc reads the whole body into memory and copies it again
// per part (about 3x the upload, docs/stack-notes.md), which is fine for admin forms
// and not for collection archives of hundreds of MiB. This reader holds at
// most one fed chunk plus a boundary's length, whatever the body's size, and
// hands part data to the caller as it arrives.
//
// It accepts what RFC 7578 and real clients send: a quoted or unquoted
// boundary, header names and parameters in any case, a preamble and an
// epilogue, transport padding after a delimiter, and a body that ends right
// after the closing delimiter without its CRLF. A part's
// Content-Transfer-Encoding (base64 from Ansible's uri module) is undone
// here, so that callers see decoded bytes; an encoding it cannot undo stops
// the parse with a BadRequest naming it (TransferDecoder). It is standalone
// (no I/O, no globals) so that a fuzzer can drive it.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <vector>
#include <string>

#include "status.h"
#include "transfer_decoder.h"

namespace site {

struct PartHeaders {
  std::string name;                     // Content-Disposition name
  std::optional<std::string> filename;  // present for file fields
  std::string content_type;             // "" when absent
  std::string transfer_encoding;        // Content-Transfer-Encoding as sent, "" when absent
};

struct MultipartLimits {
  size_t max_header_bytes = 8 * 1024;  // per part, all header lines together
  size_t max_parts = 32;
};

class MultipartReader {
 public:
  // Each callback may return a non-OK Status to stop the parse; Feed() and
  // Finish() then return it unchanged.
  struct Callbacks {
    std::function<Status(const PartHeaders&)> on_part_begin;
    std::function<Status(const char* data, size_t size)> on_part_data;  // decoded bytes
    std::function<Status()> on_part_end;
  };

  // Extracts the boundary from a Content-Type header value. Returns
  // BadRequest when the type is not multipart/form-data or the boundary is
  // missing or not 1 to 70 characters of RFC 2046's alphabet.
  static Status BoundaryFromContentType(const std::string& content_type, std::string* boundary);

  MultipartReader(const std::string& boundary, Callbacks callbacks,
                  MultipartLimits limits = MultipartLimits());

  // Parses the next `size` bytes of the body.
  Status Feed(const char* data, size_t size);

  // Ends the body. Returns BadRequest if it ended before the closing
  // delimiter (a truncated upload).
  Status Finish();

  // True once the closing delimiter has been seen.
  bool done() const { return state_ == State::kEpilogue; }

 private:
  enum class State { kPreamble, kAfterDelimiter, kHeaders, kBody, kEpilogue };

  Status Process();
  Status ParseHeaders(const std::string& block, PartHeaders* out);

  std::string delimiter_;  // "\r\n--" + boundary
  Callbacks callbacks_;
  MultipartLimits limits_;
  State state_ = State::kPreamble;
  std::string pending_;  // bytes not yet consumed; bounded, see Process()
  TransferDecoder decoder_;  // the current part's Content-Transfer-Encoding
  size_t parts_ = 0;
  bool failed_ = false;
};

}  // namespace site
