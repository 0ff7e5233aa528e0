#include "upload.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <filesystem>
#include <algorithm>
#include <memory>
#include <optional>

#include "collection_archive.h"
#include "crypto.h"
#include "generations.h"
#include "multipart.h"
#include "text.h"

namespace site {

namespace {

constexpr size_t kChunk = 64 * 1024;
constexpr size_t kMaxTextField = 4096;

std::string TooLargeMessage(const Config& config) {
  return "The collection file is larger than " +
         FormatBytes(static_cast<uint64_t>(config.max_upload_bytes)) +
         ", the most this site accepts.";
}

// The upload's file in staging, written as it arrives, with its SHA-256:
// the one copy of the data before the unpack.
class Spool {
 public:
  Spool() : sha_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
    EVP_DigestInit_ex(sha_.get(), EVP_sha256(), nullptr);
  }
  ~Spool() {
    if (fd_ >= 0) ::close(fd_);
  }
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Creates a new file of our own (O_EXCL) in `staging`; *path names it.
  Status Create(const std::filesystem::path& staging, std::string* path) {
    std::error_code ec;
    std::filesystem::create_directories(staging, ec);
    *path = (staging / ("upload-" + RandomHex(8) + ".zip")).string();
    fd_ = ::open(path->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ >= 0) return Status::OK();
    path->clear();
    return Status::Internal("cannot create an upload file in " + staging.string());
  }

  Status Write(const char* data, size_t size) {
    EVP_DigestUpdate(sha_.get(), data, size);
    for (size_t off = 0; off < size;) {
      ssize_t w = ::write(fd_, data + off, size - off);
      if (w <= 0) return Status::Internal("cannot write the upload file");
      off += static_cast<size_t>(w);
    }
    return Status::OK();
  }

  std::string Sha256Hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(sha_.get(), digest, &length);
    return HexEncode(std::string(reinterpret_cast<char*>(digest), length));
  }

 private:
  int fd_ = -1;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> sha_;
};

// Feeds the request's body to `reader` in kChunk pieces: no further than a
// declared length, and `too_large` past `max_body` (a chunked body has no
// length to check first; parts that are not the file, ignored ones, are
// bounded here too).
Status FeedBody(const Request& req, std::optional<int64_t> declared, int64_t max_body,
                const Status& too_large, MultipartReader* reader) {
  std::unique_ptr<char[]> buf(new char[kChunk]);
  int64_t received = 0;
  for (;;) {
    size_t want = kChunk;
    if (declared) want = static_cast<size_t>(std::min<int64_t>(kChunk, *declared - received));
    if (want == 0) return Status::OK();
    size_t n = req.ReadBody(buf.get(), want);
    if (n == 0) return Status::OK();
    received += static_cast<int64_t>(n);
    if (received > max_body) return too_large;
    Status s = reader->Feed(buf.get(), n);
    if (!s.ok()) return s;
  }
}

}  // namespace

int64_t MaxUploadRequestBytes(const Config& config) {
  const int64_t max = config.max_upload_bytes;
  return max + (max * 37 + 99) / 100 + 64 * 1024;
}

void DiscardUpload(ReceivedUpload* upload) {
  if (!upload->path.empty()) ::unlink(upload->path.c_str());
  upload->path.clear();
}

Status ReceiveCollectionUpload(const Config& config, const Request& req, ReceivedUpload* out,
                               const BeforeFileCheck& before_file) {
  *out = ReceivedUpload();
  std::string boundary;
  Status s = MultipartReader::BoundaryFromContentType(req.Env("CONTENT_TYPE"), &boundary);
  if (!s.ok()) return s;
  const int64_t max_body = MaxUploadRequestBytes(config);
  std::optional<int64_t> declared;
  s = req.ContentLength(&declared);
  if (!s.ok()) return s;
  // More than even a base64-encoded file of the largest size needs: the
  // file is too large whatever its encoding.
  if (declared && *declared > max_body) return Status::TooLarge(TooLargeMessage(config));

  Spool spool;
  s = spool.Create(StagingDir(config), &out->path);
  if (!s.ok()) return s;

  int files = 0;
  enum class Part { kNone, kFile, kText, kIgnored } part = Part::kNone;
  std::string text_name, text_value;
  MultipartReader::Callbacks cb;
  cb.on_part_begin = [&](const PartHeaders& h) {
    if (h.name == kCollectionFileField && h.filename.has_value()) {
      if (++files > 1) return Status::BadRequest("The request has more than one collectionFile.");
      if (before_file) {
        Status checked = before_file(out->fields);
        if (!checked.ok()) return checked;
      }
      part = Part::kFile;
    } else if (!h.filename.has_value()) {
      part = Part::kText;
      text_name = h.name;
      text_value.clear();
    } else {
      part = Part::kIgnored;
    }
    return Status::OK();
  };
  cb.on_part_data = [&](const char* data, size_t size) {
    if (part == Part::kText) {
      if (text_value.size() + size > kMaxTextField) {
        return Status::BadRequest("A form field of the upload is too large.");
      }
      text_value.append(data, size);
    } else if (part == Part::kFile) {
      out->bytes += size;
      if (out->bytes > static_cast<uint64_t>(config.max_upload_bytes)) {
        return Status::TooLarge(TooLargeMessage(config));
      }
      return spool.Write(data, size);
    }
    return Status::OK();
  };
  cb.on_part_end = [&] {
    if (part == Part::kText && out->fields.size() < 16) out->fields.emplace(text_name, text_value);
    part = Part::kNone;
    return Status::OK();
  };
  MultipartReader reader(boundary, cb);
  s = FeedBody(req, declared, max_body, Status::TooLarge(TooLargeMessage(config)), &reader);
  if (s.ok()) s = reader.Finish();
  if (s.ok() && files == 0) {
    s = Status::BadRequest(
        "The request has no collectionFile: send the archive as -F \"collectionFile=@myCollection.zip\".");
  }
  if (s.ok() && out->bytes == 0) s = Status::BadRequest("collectionFile is empty.");
  if (!s.ok()) {
    DiscardUpload(out);
    return s;
  }
  out->sha256 = spool.Sha256Hex();
  return Status::OK();
}

}  // namespace site
