#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "config.h"
#include "crypto.h"
#include "test_util.h"
#include "upload.h"

namespace {

// A request whose body the handler streams, as under FastCGI.
site::Request UploadRequest(const std::string& content_type, const std::string& body,
                            bool with_length = true, size_t chunk = 1000) {
  site::Request::Environment env = {{"REQUEST_METHOD", "POST"}, {"CONTENT_TYPE", content_type}};
  if (with_length) env["CONTENT_LENGTH"] = std::to_string(body.size());
  site::Request req(env, "");
  auto offset = std::make_shared<size_t>(0);
  auto data = std::make_shared<std::string>(body);
  req.set_body_reader([offset, data, chunk](char* buf, size_t size) {
    size_t n = std::min({size, chunk, data->size() - *offset});
    std::copy(data->data() + *offset, data->data() + *offset + n, buf);
    *offset += n;
    return n;
  });
  return req;
}

std::string Body(const std::string& boundary, const std::string& file, const std::string& extra = "") {
  return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc\r\n" +
         extra + "--" + boundary +
         "\r\nContent-Disposition: form-data; name=\"collectionFile\"; filename=\"c.zip\"\r\n"
         "Content-Type: application/zip\r\n\r\n" + file + "\r\n--" + boundary + "--\r\n";
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

struct UploadFixture {
  site_test::TempDir dir;
  site::Config config;
  UploadFixture() {
    config.files_dir = dir.path();
    config.max_upload_bytes = 4096;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(upload_test, UploadFixture)

BOOST_AUTO_TEST_CASE(spools_the_file_with_its_digest_and_keeps_text_fields) {
  std::string file(3000, 'z');
  file[10] = '\r';
  file[11] = '\n';
  for (bool quoted : {false, true}) {
    std::string type = quoted ? "multipart/form-data; boundary=\"q b\"" : "multipart/form-data; boundary=q b";
    site::ReceivedUpload up;
    site::Status s = site::ReceiveCollectionUpload(config, UploadRequest(type, Body("q b", file)), &up);
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    BOOST_TEST(up.bytes == file.size());
    BOOST_TEST(ReadFile(up.path) == file);
    BOOST_TEST(up.sha256 == site::Sha256Hex(file));
    BOOST_TEST(up.fields["csrf_token"] == "abc");
    site::DiscardUpload(&up);
  }
}

BOOST_AUTO_TEST_CASE(a_base64_file_part_is_spooled_decoded_with_the_decoded_digest) {
  std::string file;
  for (int i = 0; i < 4000; ++i) file += static_cast<char>(i * 13 % 256);
  std::string flat = site::Base64Encode(file), lines;
  for (size_t i = 0; i < flat.size(); i += 76) lines += flat.substr(i, 76) + "\r\n";
  std::string body = "--b\r\nContent-Transfer-Encoding: base64\r\n"
                     "Content-Disposition: form-data; name=\"collectionFile\"; filename=\"c.zip\"\r\n\r\n" +
                     lines + "\r\n--b--\r\n";
  // 5,500 bytes of base64 under a 4,096-byte limit: the limit counts the
  // decoded bytes.
  for (size_t chunk : {1u, 77u, 1000u}) {
    site::ReceivedUpload up;
    site::Status s = site::ReceiveCollectionUpload(
        config, UploadRequest("multipart/form-data; boundary=b", body, true, chunk), &up);
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    BOOST_TEST(up.bytes == file.size());
    BOOST_TEST(ReadFile(up.path) == file);
    BOOST_TEST(up.sha256 == site::Sha256Hex(file));
    site::DiscardUpload(&up);
  }
  // Decoded past the limit: 413 as for a binary part.
  std::string big = site::Base64Encode(std::string(5000, 'x'));
  site::ReceivedUpload up;
  site::Status s = site::ReceiveCollectionUpload(
      config,
      UploadRequest("multipart/form-data; boundary=b",
                    "--b\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: form-data; "
                    "name=\"collectionFile\"; filename=\"c.zip\"\r\n\r\n" + big + "\r\n--b--\r\n"),
      &up);
  BOOST_TEST(s.code() == site::Status::Code::kTooLarge, s.ToString());
  BOOST_TEST(up.path.empty());
}

BOOST_AUTO_TEST_CASE(refusals_leave_no_file) {
  struct Case {
    const char* what;
    std::string type, body;
    site::Status::Code code;
  } cases[] = {
      {"not multipart", "application/x-www-form-urlencoded", "a=b", site::Status::Code::kBadRequest},
      {"no collectionFile", "multipart/form-data; boundary=b",
       "--b\r\nContent-Disposition: form-data; name=\"other\"; filename=\"x\"\r\n\r\nx\r\n--b--\r\n",
       site::Status::Code::kBadRequest},
      {"two files", "multipart/form-data; boundary=b",
       Body("b", "one", "--b\r\nContent-Disposition: form-data; name=\"collectionFile\"; filename=\"a\"\r\n\r\ntwo\r\n"),
       site::Status::Code::kBadRequest},
      {"empty file", "multipart/form-data; boundary=b", Body("b", ""), site::Status::Code::kBadRequest},
      {"truncated", "multipart/form-data; boundary=b", Body("b", "data").substr(0, 150),
       site::Status::Code::kBadRequest},
      {"too large", "multipart/form-data; boundary=b", Body("b", std::string(5000, 'x')),
       site::Status::Code::kTooLarge},
      {"quoted-printable", "multipart/form-data; boundary=b",
       "--b\r\nContent-Disposition: form-data; name=\"collectionFile\"; filename=\"c.zip\"\r\n"
       "Content-Transfer-Encoding: quoted-printable\r\n\r\nPK=03=04\r\n--b--\r\n",
       site::Status::Code::kBadRequest},
      {"invalid base64", "multipart/form-data; boundary=b",
       "--b\r\nContent-Disposition: form-data; name=\"collectionFile\"; filename=\"c.zip\"\r\n"
       "Content-Transfer-Encoding: base64\r\n\r\nUEsD%%%%\r\n--b--\r\n",
       site::Status::Code::kBadRequest},
  };
  for (const Case& c : cases) {
    site::ReceivedUpload up;
    site::Status s = site::ReceiveCollectionUpload(config, UploadRequest(c.type, c.body, false), &up);
    BOOST_TEST(s.code() == c.code, c.what << ": " << s.ToString());
    BOOST_TEST(up.path.empty(), c.what);
  }
  // Every spooled file was removed again.
  std::error_code ec;
  BOOST_TEST(std::filesystem::is_empty(dir.path() + "/staging", ec));
}

BOOST_AUTO_TEST_CASE(a_declared_length_over_the_limit_is_refused_before_reading) {
  site::ReceivedUpload up;
  site::Request::Environment env = {{"REQUEST_METHOD", "POST"},
                                    {"CONTENT_TYPE", "multipart/form-data; boundary=b"},
                                    {"CONTENT_LENGTH", std::to_string(1 << 30)}};
  site::Request big(env, "");
  bool read = false;
  big.set_body_reader([&read](char*, size_t) { read = true; return size_t{0}; });
  site::Status s = site::ReceiveCollectionUpload(config, big, &up);
  BOOST_TEST(s.code() == site::Status::Code::kTooLarge);
  // The limit, exactly (FormatBytes: 4096 bytes are 4 KiB).
  BOOST_TEST(s.message().find("larger than 4 KiB,") != std::string::npos, s.message());
  BOOST_TEST(!read);
}

BOOST_AUTO_TEST_SUITE_END()
