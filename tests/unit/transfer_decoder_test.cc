#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <string>

#include "crypto.h"
#include "test_util.h"
#include "transfer_decoder.h"

using site::Status;
using site::TransferDecoder;

namespace {

// All 256 byte values, twice, and an odd length so that padding is needed.
std::string Binary() {
  std::string s;
  for (int round = 0; round < 2; ++round) {
    for (int c = 0; c < 256; ++c) s += static_cast<char>(c);
  }
  return s + "xy";
}

// Base64 with a CRLF after every 76 characters, as Python's email package
// (Ansible's uri module) writes it, and a final CRLF.
std::string Mime64(const std::string& bytes) {
  std::string flat = site::Base64Encode(bytes), out;
  for (size_t i = 0; i < flat.size(); i += 76) out += flat.substr(i, 76) + "\r\n";
  return out;
}

// Decodes `encoded` under `encoding`, fed in pieces of `chunk` bytes.
Status DecodeAll(const std::string& encoding, const std::string& encoded, size_t chunk,
                 std::string* out) {
  out->clear();
  TransferDecoder d;
  TransferDecoder::Sink sink = [out](const char* p, size_t n) {
    out->append(p, n);
    return Status::OK();
  };
  Status s = d.Start(encoding, "collectionFile", true);
  for (size_t i = 0; s.ok() && i < encoded.size(); i += chunk) {
    s = d.Decode(encoded.data() + i, std::min(chunk, encoded.size() - i), sink);
  }
  return s.ok() ? d.Finish(sink) : s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(transfer_decoder_test)

BOOST_AUTO_TEST_CASE(identity_encodings_pass_bytes_through) {
  for (const char* e : {"", "7bit", "8bit", "binary", "BINARY", " 8Bit\t", "Binary "}) {
    std::string out;
    Status s = DecodeAll(e, Binary(), 7, &out);
    BOOST_TEST_REQUIRE(s.ok(), e << ": " << s.ToString());
    BOOST_TEST(out == Binary(), e);
  }
}

BOOST_AUTO_TEST_CASE(base64_split_at_every_chunk_size_with_crlf_lines) {
  const std::string encoded = Mime64(Binary());
  for (size_t chunk = 1; chunk <= encoded.size(); ++chunk) {
    std::string out;
    Status s = DecodeAll("base64", encoded, chunk, &out);
    BOOST_TEST_REQUIRE(s.ok(), "chunk " << chunk << ": " << s.ToString());
    BOOST_TEST_REQUIRE(out == Binary(), "chunk " << chunk);
  }
}

BOOST_AUTO_TEST_CASE(base64_in_any_case_with_spaces_lf_and_every_padding) {
  for (const char* e : {"base64", "BASE64", " Base64 "}) {
    for (const std::string& bytes : {std::string("A"), std::string("AB"), std::string("ABC"),
                                     std::string("")}) {
      std::string encoded = site::Base64Encode(bytes);
      if (encoded.size() > 2) encoded.insert(2, " \n\t");
      std::string out;
      Status s = DecodeAll(e, encoded + "\n", 1, &out);
      BOOST_TEST(s.ok(), e << " " << bytes << ": " << s.ToString());
      BOOST_TEST(out == bytes, e << " " << bytes);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_large_base64_part_decodes_through_a_fixed_buffer) {
  std::string big;
  for (int i = 0; i < 70000; ++i) big += static_cast<char>(i * 131 % 251);
  std::string encoded = Mime64(big), out;
  size_t largest = 0;
  TransferDecoder d;
  TransferDecoder::Sink sink = [&](const char* p, size_t n) {
    largest = std::max(largest, n);
    out.append(p, n);
    return Status::OK();
  };
  BOOST_TEST_REQUIRE(d.Start("base64", "collectionFile", true).ok());
  BOOST_TEST_REQUIRE(d.Decode(encoded.data(), encoded.size(), sink).ok());
  BOOST_TEST_REQUIRE(d.Finish(sink).ok());
  BOOST_TEST(out == big);
  BOOST_TEST(largest <= 4096u);  // one slice at a time, never the whole part
}

BOOST_AUTO_TEST_CASE(invalid_base64_is_a_bad_request_naming_the_problem) {
  struct Case {
    const char* what;
    std::string encoded;
    const char* message_part;
  } cases[] = {
      {"a character outside the alphabet", "QUJD*EVG", "'*' at character 5 is not in the base64 alphabet"},
      {"base64url's '-'", "QUJD-EVG", "'-' at character 5"},
      {"a NUL byte", std::string("QU\0D", 4), "0x00 at character 3"},
      {"data after padding", "QQ==QUJD", "data goes on after the \"=\" padding"},
      {"data after padding, on the next line", "QQ==\r\nQUJD\r\n", "after the \"=\" padding"},
      {"padding inside a group", "Q=Q=", "after the \"=\" padding"},
      {"three padding characters", "Q===", "misplaced \"=\" padding"},
      {"a truncated group", "QUJDRA", "ends inside a group of four characters"},
      {"a group with too little padding", "QUI", "ends inside a group of four characters"},
  };
  for (const Case& c : cases) {
    for (size_t chunk : {1u, 3u, 4u, 100u}) {
      std::string out;
      Status s = DecodeAll("base64", c.encoded, chunk, &out);
      BOOST_TEST(s.code() == Status::Code::kBadRequest, c.what << " chunk " << chunk);
      BOOST_TEST(s.message().find("collectionFile is not valid base64") == 0, s.message());
      BOOST_TEST(s.message().find(c.message_part) != std::string::npos,
                 c.what << " chunk " << chunk << ": " << s.message());
    }
  }
}

BOOST_AUTO_TEST_CASE(other_encodings_are_refused_by_name) {
  TransferDecoder d;
  Status s = d.Start("quoted-printable", "collectionFile", true);
  BOOST_TEST(s.code() == Status::Code::kBadRequest);
  BOOST_TEST(s.message() ==
             "collectionFile uses Content-Transfer-Encoding \"quoted-printable\", which this site "
             "does not accept; send the file as is (binary) or base64");
  s = d.Start(" X-Gzip ", "csrf_token", false);
  BOOST_TEST(s.message() ==
             "csrf_token uses Content-Transfer-Encoding \"X-Gzip\", which this site does not "
             "accept; send the field as is (binary) or base64");
  // A long or odd value is shown short and printable.
  s = d.Start(std::string(100, 'z') + "\"", "collectionFile", true);
  BOOST_TEST(s.message().find("\"" + std::string(40, 'z') + "...\"") != std::string::npos,
             s.message());
  // After a refusal, the next part starts afresh.
  std::string out;
  BOOST_TEST(d.Start("binary", "collectionFile", true).ok());
}

BOOST_AUTO_TEST_CASE(a_sink_error_stops_decoding) {
  TransferDecoder d;
  BOOST_TEST_REQUIRE(d.Start("base64", "collectionFile", true).ok());
  std::string encoded = Mime64(std::string(1000, 'x'));
  Status s = d.Decode(encoded.data(), encoded.size(),
                      [](const char*, size_t) { return Status::TooLarge("stop"); });
  BOOST_TEST(s.code() == Status::Code::kTooLarge);
}

BOOST_AUTO_TEST_SUITE_END()
