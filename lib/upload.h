// Receiving a collection upload: the multipart body is streamed from the
// web server in 64 KiB chunks through MultipartReader, the collectionFile
// part written to a file in files_dir/staging as it arrives (with its
// SHA-256), so that memory stays flat whatever the archive's size.
#pragma once

#include <cstdint>
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

// Reads the request's body. Returns BadRequest (not multipart, no
// collectionFile, two of them, an empty one, a truncated body), TooLarge
// (past max_upload_bytes, refused before reading when Content-Length says
// so) or OK with the file spooled.
Status ReceiveCollectionUpload(const Config& config, const Request& req, ReceivedUpload* out);

// Removes the spooled file, if any.
void DiscardUpload(ReceivedUpload* upload);

}  // namespace site
