// Receiving a collection upload: the multipart body is streamed from the
// web server in 64 KiB chunks through MultipartReader, the collectionFile
// part written to a file in files_dir/staging as it arrives (with its
// SHA-256), so that memory stays flat whatever the archive's size.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "config.h"
#include "request.h"
#include "status.h"

namespace site {

constexpr char kCollectionFileField[] = "collectionFile";

struct ReceivedUpload {
  std::string path;  // the spooled file; the caller removes it
  std::string sha256;
  uint64_t bytes = 0;
  std::map<std::string, std::string> fields;  // small text fields (csrf_token)
};

// Called with the text fields read so far when the collectionFile part
// begins, before a byte of the file is read or stored: a non-OK Status stops
// the upload there and is returned (the Collections page checks its CSRF
// token so, which its form sends before the file).
using BeforeFileCheck = std::function<Status(const std::map<std::string, std::string>& fields)>;

// Reads the request's body. Returns BadRequest (not multipart, no
// collectionFile, two of them, an empty one, a truncated body), TooLarge
// (a file past max_upload_bytes, or a body past MaxUploadRequestBytes:
// refused before reading when Content-Length says so), what `before_file`
// returned, or OK with the file spooled.
Status ReceiveCollectionUpload(const Config& config, const Request& req, ReceivedUpload* out,
                               const BeforeFileCheck& before_file = nullptr);

// The largest request body an upload may be: a file of max_upload_bytes
// base64-encoded in 76-character lines (Ansible's uri module sends file
// parts so: 4/3 of the file plus a CRLF every 76 characters, 1.37 times in
// all) plus 64 KiB of multipart framing. tools/webconf.sh gives the web
// servers the same figure with 1 MiB of framing (lighttpd: UPLOAD_LIMIT_KIB).
int64_t MaxUploadRequestBytes(const Config& config);

// Removes the spooled file, if any.
void DiscardUpload(ReceivedUpload* upload);

}  // namespace site
