#include "multipart.h"

#include "text.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace site {

namespace {



// RFC 2046 section 5.1.1: bchars, and no trailing space.
bool ValidBoundary(const std::string& b) {
  if (b.empty() || b.size() > 70 || b.back() == ' ') return false;
  return std::all_of(b.begin(), b.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("'()+_,-./:=? ", c) != nullptr;
  });
}

// Splits "type; a=b; c=\"d;e\"" into the type and its parameters (names
// lowercased), honouring quoted-strings and their backslash escapes.
void ParseParameters(const std::string& value, std::string* first,
                     std::vector<std::pair<std::string, std::string>>* params) {
  size_t i = value.find(';');
  *first = Lower(Trim(value.substr(0, i)));
  while (i != std::string::npos && i < value.size()) {
    ++i;  // past ';'
    size_t eq = value.find('=', i);
    size_t semi = value.find(';', i);
    if (eq == std::string::npos || (semi != std::string::npos && semi < eq)) {
      i = semi;
      continue;
    }
    std::string name = Lower(Trim(value.substr(i, eq - i)));
    size_t v = eq + 1;
    while (v < value.size() && (value[v] == ' ' || value[v] == '\t')) ++v;
    std::string val;
    if (v < value.size() && value[v] == '"') {
      ++v;
      while (v < value.size() && value[v] != '"') {
        if (value[v] == '\\' && v + 1 < value.size()) ++v;
        val += value[v++];
      }
      i = value.find(';', v);
    } else {
      semi = value.find(';', v);
      val = Trim(value.substr(v, semi == std::string::npos ? std::string::npos : semi - v));
      i = semi;
    }
    params->emplace_back(name, val);
  }
}

}  // namespace

Status MultipartReader::BoundaryFromContentType(const std::string& content_type,
                                                std::string* boundary) {
  std::string type;
  std::vector<std::pair<std::string, std::string>> params;
  ParseParameters(content_type, &type, &params);
  if (type != "multipart/form-data") {
    return Status::BadRequest("The request must be multipart/form-data (curl -F).");
  }
  for (const auto& [name, value] : params) {
    if (name != "boundary") continue;
    if (!ValidBoundary(value)) {
      return Status::BadRequest("The multipart boundary is not valid.");
    }
    *boundary = value;
    return Status::OK();
  }
  return Status::BadRequest("The multipart Content-Type has no boundary.");
}

MultipartReader::MultipartReader(const std::string& boundary, Callbacks callbacks,
                                 MultipartLimits limits)
    : delimiter_("\r\n--" + boundary), callbacks_(std::move(callbacks)), limits_(limits) {
  // The first delimiter may open the body without a CRLF before it: feeding
  // one makes every delimiter look alike.
  pending_ = "\r\n";
}

Status MultipartReader::Feed(const char* data, size_t size) {
  if (failed_) return Status::BadRequest("The multipart body could not be read.");
  if (state_ == State::kEpilogue) return Status::OK();  // the epilogue is ignored
  pending_.append(data, size);
  Status s = Process();
  if (!s.ok()) failed_ = true;
  return s;
}

Status MultipartReader::Finish() {
  if (failed_) return Status::BadRequest("The multipart body could not be read.");
  if (state_ == State::kEpilogue) return Status::OK();
  // "--boundary--" at the very end, with nothing after it, is complete.
  if (state_ == State::kAfterDelimiter && pending_ == "--") {
    state_ = State::kEpilogue;
    return Status::OK();
  }
  failed_ = true;
  return Status::BadRequest("The upload ended early: the multipart body is incomplete.");
}

Status MultipartReader::Process() {
  for (;;) {
    switch (state_) {
      case State::kPreamble: {
        size_t at = pending_.find(delimiter_);
        if (at == std::string::npos) {
          // Keep only what could be the start of a delimiter.
          if (pending_.size() >= delimiter_.size()) {
            pending_.erase(0, pending_.size() - (delimiter_.size() - 1));
          }
          return Status::OK();
        }
        pending_.erase(0, at + delimiter_.size());
        state_ = State::kAfterDelimiter;
        break;
      }
      case State::kAfterDelimiter: {
        // "--" closes the body; otherwise optional padding, then CRLF.
        if (pending_.size() < 2) return Status::OK();
        if (pending_.compare(0, 2, "--") == 0) {
          state_ = State::kEpilogue;
          pending_.clear();
          return Status::OK();
        }
        size_t crlf = pending_.find("\r\n");
        if (crlf == std::string::npos) {
          if (pending_.size() > 256) return Status::BadRequest("Malformed multipart delimiter.");
          return Status::OK();
        }
        if (pending_.find_first_not_of(" \t") < crlf) {
          return Status::BadRequest("Malformed multipart delimiter.");
        }
        pending_.erase(0, crlf + 2);
        if (++parts_ > limits_.max_parts) {
          return Status::BadRequest("The request has too many parts.");
        }
        state_ = State::kHeaders;
        break;
      }
      case State::kHeaders: {
        size_t end = pending_.find("\r\n\r\n");
        // A part without headers starts with the blank line at once.
        bool empty_headers = pending_.compare(0, 2, "\r\n") == 0;
        if (empty_headers) end = 0;
        if (end == std::string::npos) {
          if (pending_.size() > limits_.max_header_bytes) {
            return Status::BadRequest("A multipart part's headers are too large.");
          }
          return Status::OK();
        }
        if (end > limits_.max_header_bytes) {
          return Status::BadRequest("A multipart part's headers are too large.");
        }
        PartHeaders headers;
        Status s = ParseHeaders(empty_headers ? "" : pending_.substr(0, end), &headers);
        if (!s.ok()) return s;
        pending_.erase(0, empty_headers ? 2 : end + 4);
        s = decoder_.Start(headers.transfer_encoding, headers.name, headers.filename.has_value());
        if (!s.ok()) return s;
        if (callbacks_.on_part_begin) {
          s = callbacks_.on_part_begin(headers);
          if (!s.ok()) return s;
        }
        state_ = State::kBody;
        break;
      }
      case State::kBody: {
        size_t at = pending_.find(delimiter_);
        size_t emit = at;
        if (at == std::string::npos) {
          // Hold back what could be the start of the next delimiter.
          emit = pending_.size() >= delimiter_.size() ? pending_.size() - (delimiter_.size() - 1)
                                                      : 0;
        }
        if (emit > 0) {
          Status s = decoder_.Decode(pending_.data(), emit, callbacks_.on_part_data);
          if (!s.ok()) return s;
        }
        if (at == std::string::npos) {
          pending_.erase(0, emit);
          return Status::OK();
        }
        pending_.erase(0, at + delimiter_.size());
        Status s = decoder_.Finish(callbacks_.on_part_data);
        if (!s.ok()) return s;
        if (callbacks_.on_part_end) {
          s = callbacks_.on_part_end();
          if (!s.ok()) return s;
        }
        state_ = State::kAfterDelimiter;
        break;
      }
      case State::kEpilogue:
        pending_.clear();
        return Status::OK();
    }
  }
}

Status MultipartReader::ParseHeaders(const std::string& block, PartHeaders* out) {
  bool has_disposition = false;
  size_t start = 0;
  while (start <= block.size()) {
    size_t end = block.find("\r\n", start);
    std::string line = block.substr(start, end == std::string::npos ? std::string::npos : end - start);
    start = end == std::string::npos ? block.size() + 1 : end + 2;
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon == std::string::npos) return Status::BadRequest("Malformed multipart part header.");
    std::string name = Lower(Trim(line.substr(0, colon)));
    std::string value = Trim(line.substr(colon + 1));
    if (name == "content-disposition") {
      std::string type;
      std::vector<std::pair<std::string, std::string>> params;
      ParseParameters(value, &type, &params);
      if (type != "form-data") return Status::BadRequest("A multipart part is not form-data.");
      has_disposition = true;
      for (const auto& [pname, pvalue] : params) {
        if (pname == "name") out->name = pvalue;
        if (pname == "filename") out->filename = pvalue;
      }
    } else if (name == "content-type") {
      out->content_type = value;
    } else if (name == "content-transfer-encoding") {
      out->transfer_encoding = value;
    }
  }
  if (!has_disposition) {
    return Status::BadRequest("A multipart part has no Content-Disposition.");
  }
  return Status::OK();
}

}  // namespace site
