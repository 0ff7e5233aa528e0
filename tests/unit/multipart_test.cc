#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "crypto.h"
#include "multipart.h"
#include "test_util.h"

using site::MultipartLimits;
using site::MultipartReader;
using site::PartHeaders;
using site::Status;

namespace {

struct Part {
  std::string name;
  std::string filename;  // "(none)" when absent
  std::string content_type;
  std::string data;
  std::string transfer_encoding;
};

// Parses `body` fed in pieces of `chunk` bytes; returns the parts seen and
// the first non-OK status (from Feed or Finish).
Status Parse(const std::string& boundary, const std::string& body, size_t chunk,
             std::vector<Part>* parts, MultipartLimits limits = MultipartLimits()) {
  parts->clear();
  MultipartReader::Callbacks cb;
  cb.on_part_begin = [&](const PartHeaders& h) {
    parts->push_back(Part{h.name, h.filename.value_or("(none)"), h.content_type, "",
                          h.transfer_encoding});
    return Status::OK();
  };
  cb.on_part_data = [&](const char* d, size_t n) {
    parts->back().data.append(d, n);
    return Status::OK();
  };
  cb.on_part_end = [] { return Status::OK(); };
  MultipartReader reader(boundary, cb, limits);
  for (size_t i = 0; i < body.size(); i += chunk) {
    Status s = reader.Feed(body.data() + i, std::min(chunk, body.size() - i));
    if (!s.ok()) return s;
  }
  return reader.Finish();
}

const std::string kCurlBody =
    "--------------------------abc123\r\n"
    "Content-Disposition: form-data; name=\"collectionFile\"; filename=\"my.zip\"\r\n"
    "Content-Type: application/zip\r\n"
    "\r\n"
    "PK\x03\x04 binary \r\n-- not a delimiter\r\n--------------------------abc12 near miss\r\n"
    "--------------------------abc123--\r\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(multipart_test)

BOOST_AUTO_TEST_CASE(boundary_from_content_type) {
  struct Case {
    const char* content_type;
    bool ok;
    const char* boundary;
  } cases[] = {
      {"multipart/form-data; boundary=abc", true, "abc"},
      {"multipart/form-data; boundary=\"abc def\"", true, "abc def"},
      {"Multipart/Form-Data; BOUNDARY=xyz", true, "xyz"},
      {"multipart/form-data;boundary=----WebKitFormBoundary7MA4YWxk", true,
       "----WebKitFormBoundary7MA4YWxk"},
      {"multipart/form-data; charset=utf-8; boundary=q", true, "q"},
      {"multipart/form-data", false, ""},
      {"multipart/form-data; boundary=", false, ""},
      {"multipart/form-data; boundary=\"\"", false, ""},
      {"multipart/mixed; boundary=abc", false, ""},
      {"application/x-www-form-urlencoded", false, ""},
      {"", false, ""},
      {"multipart/form-data; boundary=has<angle>", false, ""},
  };
  for (const Case& c : cases) {
    std::string b;
    Status s = MultipartReader::BoundaryFromContentType(c.content_type, &b);
    BOOST_TEST(s.ok() == c.ok, c.content_type);
    if (c.ok) BOOST_TEST(b == c.boundary, c.content_type);
  }
  std::string b;
  BOOST_TEST(!MultipartReader::BoundaryFromContentType(
                  "multipart/form-data; boundary=" + std::string(71, 'a'), &b)
                  .ok());
  BOOST_TEST(MultipartReader::BoundaryFromContentType(
                 "multipart/form-data; boundary=" + std::string(70, 'a'), &b)
                 .ok());
}

BOOST_AUTO_TEST_CASE(curl_body_at_every_chunk_size) {
  for (size_t chunk = 1; chunk <= kCurlBody.size(); ++chunk) {
    std::vector<Part> parts;
    Status s = Parse("------------------------abc123", kCurlBody, chunk, &parts);
    BOOST_TEST_REQUIRE(s.ok(), "chunk " << chunk << ": " << s.ToString());
    BOOST_TEST_REQUIRE(parts.size() == 1u);
    BOOST_TEST(parts[0].name == "collectionFile");
    BOOST_TEST(parts[0].filename == "my.zip");
    BOOST_TEST(parts[0].content_type == "application/zip");
    BOOST_TEST(parts[0].data ==
               "PK\x03\x04 binary \r\n-- not a delimiter\r\n--------------------------abc12 near miss");
  }
}

BOOST_AUTO_TEST_CASE(several_parts_preamble_epilogue_and_header_case) {
  std::string body =
      "This is a preamble.\r\n"
      "--b\r\n"
      "content-disposition: FORM-DATA; NAME=a\r\n"
      "\r\n"
      "one\r\n"
      "--b  \t\r\n"  // transport padding
      "CONTENT-DISPOSITION: form-data; name=\"f\"; filename=\"x;y\\\".zip\"\r\n"
      "\r\n"
      "\r\n"  // a file whose content is one CRLF
      "\r\n--b--\r\n"
      "epilogue that is ignored --b\r\n";
  for (size_t chunk : {1u, 2u, 3u, 7u, 64u, 4096u}) {
    std::vector<Part> parts;
    Status s = Parse("b", body, chunk, &parts);
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    BOOST_TEST_REQUIRE(parts.size() == 2u);
    BOOST_TEST(parts[0].name == "a");
    BOOST_TEST(parts[0].filename == "(none)");
    BOOST_TEST(parts[0].data == "one");
    BOOST_TEST(parts[1].name == "f");
    BOOST_TEST(parts[1].filename == "x;y\".zip");
    BOOST_TEST(parts[1].data == "\r\n");
  }
}

BOOST_AUTO_TEST_CASE(missing_final_crlf_is_accepted) {
  std::vector<Part> parts;
  Status s = Parse("b", "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--b--", 5,
                   &parts);
  BOOST_TEST(s.ok(), s.ToString());
  BOOST_TEST(parts.size() == 1u);
  BOOST_TEST(parts[0].data == "x");
}

BOOST_AUTO_TEST_CASE(empty_file_part) {
  std::vector<Part> parts;
  Status s = Parse(
      "b", "--b\r\nContent-Disposition: form-data; name=f; filename=e.zip\r\n\r\n\r\n--b--\r\n",
      1, &parts);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(parts.size() == 1u);
  BOOST_TEST(parts[0].data.empty());
}

BOOST_AUTO_TEST_CASE(refusals) {
  struct Case {
    const char* what;
    std::string body;
  } cases[] = {
      {"truncated in the body", "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nxyz"},
      {"truncated in the headers", "--b\r\nContent-Disposition: form-da"},
      {"no delimiter at all", "just some bytes"},
      {"closing delimiter cut short", "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--b-"},
      {"empty body", ""},
      {"part without content-disposition", "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--"},
      {"header line without colon", "--b\r\nnonsense\r\n\r\nx\r\n--b--"},
      {"not form-data", "--b\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n--b--"},
      {"junk after delimiter", "--b junk\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--b--"},
  };
  for (const Case& c : cases) {
    std::vector<Part> parts;
    BOOST_TEST(!Parse("b", c.body, 3, &parts).ok(), c.what);
  }
}

// What Ansible's uri module sends (body_format: form-multipart, through
// Python's email package): a quoted boundary of '=' signs, the file part
// first with Content-Transfer-Encoding: base64 in 76-character CRLF lines.
std::string AnsibleBody(const std::string& file) {
  std::string flat = site::Base64Encode(file), lines;
  for (size_t i = 0; i < flat.size(); i += 76) lines += flat.substr(i, 76) + "\r\n";
  return "--===============8876199913122028112==\r\n"
         "Content-Transfer-Encoding: base64\r\n"
         "Content-Type: application/zip\r\n"
         "Content-Disposition: form-data; name=\"collectionFile\"; filename=\"c.zip\"\r\n"
         "\r\n" + lines + "\r\n"
         "--===============8876199913122028112==\r\n"
         "Content-Type: text/plain\r\n"
         "Content-Disposition: form-data; name=\"f\"\r\n"
         "\r\n"
         "v\r\n"
         "--===============8876199913122028112==--\r\n";
}

BOOST_AUTO_TEST_CASE(a_base64_part_is_decoded_at_every_chunk_size) {
  std::string file = "PK\x03\x04";
  for (int i = 0; i < 300; ++i) file += static_cast<char>(i * 7);
  std::string body = AnsibleBody(file);
  std::string boundary;
  BOOST_TEST_REQUIRE(MultipartReader::BoundaryFromContentType(
                         "multipart/form-data; boundary=\"===============8876199913122028112==\"",
                         &boundary).ok());
  for (size_t chunk = 1; chunk <= body.size(); ++chunk) {
    std::vector<Part> parts;
    Status s = Parse(boundary, body, chunk, &parts);
    BOOST_TEST_REQUIRE(s.ok(), "chunk " << chunk << ": " << s.ToString());
    BOOST_TEST_REQUIRE(parts.size() == 2u);
    BOOST_TEST(parts[0].transfer_encoding == "base64");
    BOOST_TEST_REQUIRE(parts[0].data == file, "chunk " << chunk);
    BOOST_TEST(parts[1].data == "v");
  }
}

BOOST_AUTO_TEST_CASE(transfer_encodings_identity_refused_and_invalid) {
  auto body = [](const std::string& encoding, const std::string& data) {
    return "--b\r\nContent-Disposition: form-data; name=collectionFile; filename=c.zip\r\n"
           "content-transfer-encoding:" + encoding + "\r\n\r\n" + data + "\r\n--b--\r\n";
  };
  for (const char* identity : {"7bit", " 8BIT ", "Binary"}) {
    std::vector<Part> parts;
    BOOST_TEST_REQUIRE(Parse("b", body(identity, "QQ==*"), 2, &parts).ok(), identity);
    BOOST_TEST(parts[0].data == "QQ==*", identity);  // taken as is
  }
  std::vector<Part> parts;
  Status s = Parse("b", body(" quoted-printable", "a=3D"), 3, &parts);
  BOOST_TEST(s.code() == Status::Code::kBadRequest);
  BOOST_TEST(s.message() ==
             "collectionFile uses Content-Transfer-Encoding \"quoted-printable\", which this site "
             "does not accept; send the file as is (binary) or base64");
  BOOST_TEST(parts.empty());  // refused before the part began
  s = Parse("b", body("x-gzip", "\x1f\x8b"), 3, &parts);
  BOOST_TEST(s.message().find("\"x-gzip\"") != std::string::npos, s.message());
  s = Parse("b", body("base64", "QUJD\r\n!!!!"), 3, &parts);
  BOOST_TEST(s.code() == Status::Code::kBadRequest);
  BOOST_TEST(s.message().find("collectionFile is not valid base64") == 0, s.message());
  s = Parse("b", body("base64", "QUJDR"), 3, &parts);  // truncated: found at the delimiter
  BOOST_TEST(s.message().find("ends inside a group of four") != std::string::npos, s.message());
}

BOOST_AUTO_TEST_CASE(limits_on_headers_and_parts) {
  MultipartLimits limits;
  limits.max_header_bytes = 64;
  limits.max_parts = 2;
  std::vector<Part> parts;
  std::string big_header =
      "--b\r\nContent-Disposition: form-data; name=\"" + std::string(100, 'n') + "\"\r\n\r\nx\r\n--b--";
  BOOST_TEST(!Parse("b", big_header, 7, &parts, limits).ok());
  std::string part = "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n";
  BOOST_TEST(Parse("b", part + part + "--b--", 7, &parts, limits).ok());
  BOOST_TEST(!Parse("b", part + part + part + "--b--", 7, &parts, limits).ok());
}

BOOST_AUTO_TEST_CASE(memory_stays_bounded_while_streaming) {
  // 8 MiB of body in 64 KiB chunks: the callback sees it all, and nothing
  // is held beyond a chunk (checked by the data arriving as we go).
  MultipartReader::Callbacks cb;
  size_t received = 0, max_gap = 0, fed = 0;
  cb.on_part_begin = [](const PartHeaders&) { return Status::OK(); };
  cb.on_part_data = [&](const char*, size_t n) {
    received += n;
    return Status::OK();
  };
  cb.on_part_end = [] { return Status::OK(); };
  MultipartReader reader("b", cb);
  std::string head = "--b\r\nContent-Disposition: form-data; name=f; filename=z\r\n\r\n";
  BOOST_TEST_REQUIRE(reader.Feed(head.data(), head.size()).ok());
  std::string chunk(64 * 1024, 'z');
  for (int i = 0; i < 128; ++i) {
    BOOST_TEST_REQUIRE(reader.Feed(chunk.data(), chunk.size()).ok());
    fed += chunk.size();
    max_gap = std::max(max_gap, fed - received);
  }
  std::string tail = "\r\n--b--\r\n";
  BOOST_TEST_REQUIRE(reader.Feed(tail.data(), tail.size()).ok());
  BOOST_TEST(reader.Finish().ok());
  BOOST_TEST(received == fed);
  BOOST_TEST(max_gap < 16u);  // at most a delimiter's length held back
}

BOOST_AUTO_TEST_CASE(a_callback_error_stops_the_parse) {
  MultipartReader::Callbacks cb;
  cb.on_part_begin = [](const PartHeaders&) { return Status::TooLarge("stop"); };
  MultipartReader reader("b", cb);
  std::string body = "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--b--";
  Status s = reader.Feed(body.data(), body.size());
  BOOST_TEST(s.code() == Status::Code::kTooLarge);
  BOOST_TEST(!reader.Finish().ok());
}

BOOST_AUTO_TEST_SUITE_END()
