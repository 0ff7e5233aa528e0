// fastcgi_loop: the accept loop itself, in a child process listening on a
// Unix socket as under spawn-fcgi, spoken to with FastCGI records (a small
// client here: the web servers are the integration tests'). What it must
// do: read a form body within max_form_bytes and the Content-Length, read a
// chunked one to its end, refuse the rest before the handler runs, hand a
// streaming handler its body, and carry nothing from one request to the next.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "fastcgi_loop.h"
#include "handler_fixture.h"

using site::Response;
using site::Status;

namespace {

// Echoes what reached the handler: the form field `a`, and for a streaming
// program the body it read.
site::Status Echo(site::App&, const site::Request& req, site::Response* resp) {
  std::string text = "a=" + req.Form("a");
  if (req.path() == "/stream") {
    std::string body;
    char buf[1000];
    for (size_t n; (n = req.ReadBody(buf, sizeof buf)) > 0;) body.append(buf, n);
    text += " body=" + std::to_string(body.size());
  }
  resp->SetHeader("Content-Type", "text/plain");
  resp->set_body(text);
  return Status::OK();
}

// One FastCGI record: version 1, request id 1, no padding.
std::string Record(uint8_t type, const std::string& content) {
  std::string r = {1, static_cast<char>(type), 0, 1, static_cast<char>(content.size() >> 8),
                   static_cast<char>(content.size() & 0xff), 0, 0};
  return r + content;
}

std::string NameValue(const std::string& name, const std::string& value) {
  auto length = [](size_t n) {
    if (n < 128) return std::string(1, static_cast<char>(n));
    return std::string{static_cast<char>(0x80 | (n >> 24)), static_cast<char>(n >> 16),
                       static_cast<char>(n >> 8), static_cast<char>(n)};
  };
  return length(name.size()) + length(value.size()) + name + value;
}

struct Answer {
  int status = 0;
  std::string body;
};

class LoopFixture : public site_test::HandlerFixture {
 public:
  LoopFixture() : HandlerFixture(site::Program()) {}
  ~LoopFixture() {
    for (pid_t pid : children_) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }

  // Starts RunFastCgi in a child, listening on a socket of its own.
  void Start(bool stream, int64_t max_form_bytes = 1024) {
    socket_ = files_dir() + "/fcgi.sock";
    std::string conf = files_dir() + "/site.conf";
    std::ofstream(conf) << "db_socket = " << config().db_socket << "\ndb_name = " << config().db_name
                        << "\ndb_user = " << config().db_user
                        << "\ndb_password = " << config().db_password
                        << "\ntemplates_dir = " << config().templates_dir
                        << "\nfiles_dir = " << files_dir()
                        << "\nmax_form_bytes = " << max_form_bytes << "\n";
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    BOOST_TEST_REQUIRE(listener >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    BOOST_TEST_REQUIRE(socket_.size() < sizeof addr.sun_path);
    socket_.copy(addr.sun_path, socket_.size());
    BOOST_TEST_REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    BOOST_TEST_REQUIRE(listen(listener, 8) == 0);
    pid_t pid = fork();
    BOOST_TEST_REQUIRE(pid >= 0);
    if (pid == 0) {
      dup2(listener, 0);  // where libfcgi looks for its listening socket
      setenv("SITE_CONFIG", conf.c_str(), 1);
      site::Program p;
      p.handler = Echo;
      p.options.paths = {"/form", "/stream"};
      p.options.stream_body = stream;
      _exit(site::RunFastCgi("fastcgi_loop_test", p));
    }
    close(listener);
    children_.push_back(pid);
  }

  // Sends one request (its PARAMS and STDIN records) and reads the answer.
  Answer Ask(const std::map<std::string, std::string>& params, const std::string& stdin_data) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    socket_.copy(addr.sun_path, socket_.size());
    BOOST_TEST_REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    std::string out = Record(1, std::string{0, 1, 0, 0, 0, 0, 0, 0});  // BEGIN_REQUEST, responder
    std::string pairs;
    for (const auto& [k, v] : params) pairs += NameValue(k, v);
    out += Record(4, pairs) + Record(4, "");
    for (size_t i = 0; i < stdin_data.size(); i += 8192) out += Record(5, stdin_data.substr(i, 8192));
    out += Record(5, "");
    BOOST_TEST_REQUIRE(write(fd, out.data(), out.size()) == static_cast<ssize_t>(out.size()));
    std::string in;
    char buf[65536];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) in.append(buf, static_cast<size_t>(n));
    close(fd);
    // Collect the STDOUT records up to END_REQUEST.
    std::string cgi;
    for (size_t i = 0; i + 8 <= in.size();) {
      uint8_t type = static_cast<uint8_t>(in[i + 1]);
      size_t length = (static_cast<uint8_t>(in[i + 4]) << 8) | static_cast<uint8_t>(in[i + 5]);
      size_t padding = static_cast<uint8_t>(in[i + 6]);
      if (type == 6) cgi += in.substr(i + 8, length);
      i += 8 + length + padding;
      if (type == 3) break;
    }
    Answer a;
    BOOST_TEST_REQUIRE(cgi.rfind("Status: ", 0) == 0u, "no CGI answer: " << cgi);
    a.status = std::stoi(cgi.substr(8, 3));
    size_t blank = cgi.find("\r\n\r\n");
    BOOST_TEST_REQUIRE(blank != std::string::npos);
    a.body = cgi.substr(blank + 4);
    return a;
  }

  std::map<std::string, std::string> Post(const std::string& path, const std::string& length) {
    std::map<std::string, std::string> p = {{"REQUEST_METHOD", "POST"},
                                            {"SCRIPT_NAME", path},
                                            {"REQUEST_URI", path},
                                            {"REMOTE_ADDR", "192.0.2.5"},
                                            {"CONTENT_TYPE", "application/x-www-form-urlencoded"}};
    if (!length.empty()) p["CONTENT_LENGTH"] = length;
    return p;
  }

 private:
  std::string socket_;
  std::vector<pid_t> children_;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(fastcgi_loop_test, LoopFixture, NEEDS_DB)

BOOST_AUTO_TEST_CASE(a_form_reaches_its_handler_and_nothing_carries_over) {
  Start(false);
  Answer first = Ask(Post("/form", "3"), "a=1");
  BOOST_TEST(first.status == 200);
  BOOST_TEST(first.body == "a=1");
  Answer second = Ask(Post("/form", ""), "");
  BOOST_TEST(second.status == 200);
  BOOST_TEST(second.body == "a=");  // the first request's field is gone
  Answer other = Ask(Post("/other", "3"), "a=1");
  BOOST_TEST(other.status == 404);
}

BOOST_AUTO_TEST_CASE(a_form_is_read_no_further_than_its_length_and_the_cap) {
  Start(false, 1024);
  // Content-Length says 3: the rest of stdin is not the form.
  Answer shorter = Ask(Post("/form", "3"), "a=1&a=2");
  BOOST_TEST(shorter.body == "a=1");
  Answer at_cap = Ask(Post("/form", "1024"), "a=" + std::string(1022, 'x'));
  BOOST_TEST(at_cap.status == 200);
  BOOST_TEST(at_cap.body.size() == 1024u);
  Answer over = Ask(Post("/form", "1025"), "a=" + std::string(1023, 'x'));
  BOOST_TEST(over.status == 413);
  BOOST_TEST(site_test::Contains(over.body, "The form is larger than this site accepts (1 KiB)."),
             over.body);
}

BOOST_AUTO_TEST_CASE(a_broken_length_is_400_before_the_handler) {
  Start(false);
  Answer early = Ask(Post("/form", "100"), "a=1");
  BOOST_TEST(early.status == 400);
  BOOST_TEST(site_test::Contains(early.body, "The request body ended early."));
  for (const char* length : {"abc", "-1", "3 ", "1234567890123456789"}) {
    BOOST_TEST_CONTEXT(length) {
      Answer bad = Ask(Post("/form", length), "a=1");
      BOOST_TEST(bad.status == 400);
      BOOST_TEST(site_test::Contains(bad.body, "Content-Length is not a number"));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_chunked_form_is_read_to_its_end_within_the_cap) {
  Start(false, 1024);
  auto chunked = Post("/form", "");
  chunked["HTTP_TRANSFER_ENCODING"] = "chunked";
  Answer ok = Ask(chunked, "a=chunked");
  BOOST_TEST(ok.body == "a=chunked");
  Answer over = Ask(chunked, "a=" + std::string(2000, 'x'));
  BOOST_TEST(over.status == 413);
}

BOOST_AUTO_TEST_CASE(a_streaming_handler_reads_the_body_itself) {
  Start(true);
  Answer resp = Ask(Post("/stream", "50000"), std::string(50000, 'z'));
  BOOST_TEST(resp.status == 200);
  BOOST_TEST(resp.body == "a= body=50000");  // no form parsed from a streamed body
  // A body the handler leaves unread does not reach the next request.
  Answer unread = Ask(Post("/form", "5000"), std::string(5000, 'q'));
  BOOST_TEST(unread.status == 200);
  Answer next = Ask(Post("/stream", "3"), "abc");
  BOOST_TEST(next.body == "a= body=3");
}

BOOST_AUTO_TEST_SUITE_END()
