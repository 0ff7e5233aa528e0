#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "log.h"
#include "test_util.h"

using site::LogLevel;
using site_test::TempDir;

namespace {

// Sends file descriptor 2 to a temporary file until Stop() (or the end of
// the object), then gives back what was written there.
class StderrCapture {
 public:
  StderrCapture() : path_(dir_.path() + "/stderr") {
    std::fflush(stderr);
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    BOOST_TEST_REQUIRE(fd >= 0, "cannot create " << path_);
    saved_ = ::dup(2);
    BOOST_TEST_REQUIRE(saved_ >= 0);
    BOOST_TEST_REQUIRE(::dup2(fd, 2) == 2);
    ::close(fd);
  }
  ~StderrCapture() { Restore(); }
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;

  // Restores stderr and returns everything written to it meanwhile.
  std::string Stop() {
    Restore();
    std::ifstream f(path_, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }

 private:
  void Restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    saved_ = -1;
  }

  TempDir dir_;
  std::string path_;
  int saved_ = -1;
};

// What one Log() call writes, captured.
std::string Logged(LogLevel level, const std::string& client, const std::string& message) {
  StderrCapture capture;
  site::Log(level, client, message);
  return capture.Stop();
}

// Names the program for the test and restores log.cc's own default after
// it, so that the lines other tests log look as before.
struct ProgramName {
  explicit ProgramName(const std::string& name) { site::SetLogProgramName(name); }
  ~ProgramName() { site::SetLogProgramName("site"); }
};

// The fields of a line: "[YYYY-MM-DD HH:MM:SS UTC] [level] [program:pid]",
// then " [client X]" when there is a client, then " message" and "\n".
struct Line {
  std::string time;  // without " UTC"
  std::string level, program, pid;
  bool has_client = false;
  std::string client, message;
};

bool IsDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Parses `text` as one line of that form; false when it is not one.
bool ParseLine(const std::string& text, Line* out) {
  *out = Line();
  if (text.empty() || text.back() != '\n') return false;
  size_t pos = 0;
  // The next "[field]" from pos, and the space after it.
  auto field = [&](std::string* value) {
    if (text.compare(pos, 1, "[") != 0) return false;
    size_t end = text.find(']', pos);
    if (end == std::string::npos || text.compare(end + 1, 1, " ") != 0) return false;
    *value = text.substr(pos + 1, end - pos - 1);
    pos = end + 2;
    return true;
  };
  std::string time, who;
  if (!field(&time) || !field(&out->level) || !field(&who)) return false;
  // 2024-01-31 23:59:58 UTC
  if (time.size() != 23 || time.compare(19, 4, " UTC") != 0) return false;
  for (size_t i : {4, 7}) {
    if (time[i] != '-') return false;
  }
  if (time[10] != ' ' || time[13] != ':' || time[16] != ':') return false;
  for (size_t i : {0, 5, 8, 11, 14, 17}) {
    if (!IsDigits(time.substr(i, i == 0 ? 4 : 2))) return false;
  }
  out->time = time.substr(0, 19);
  if (out->level.empty() || !std::all_of(out->level.begin(), out->level.end(),
                                         [](char c) { return c >= 'a' && c <= 'z'; })) {
    return false;
  }
  size_t colon = who.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  out->program = who.substr(0, colon);
  out->pid = who.substr(colon + 1);
  if (!IsDigits(out->pid)) return false;
  if (text.compare(pos, 8, "[client ") == 0) {
    std::string client;
    if (!field(&client)) return false;
    out->has_client = true;
    out->client = client.substr(7);
  }
  out->message = text.substr(pos, text.size() - pos - 1);
  return true;
}

std::time_t ParseUtc(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%d %H:%M:%S");
  BOOST_TEST_REQUIRE(!in.fail(), "bad time " << text);
  return timegm(&tm);
}

// True iff `s` holds a byte below 0x20 or DEL.
bool HasControlByte(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(log_test)

BOOST_AUTO_TEST_CASE(a_line_names_time_level_program_pid_client_and_message) {
  ProgramName name("installCollection");
  const struct Case {
    LogLevel level;
    const char* shown;
  } cases[] = {
      {LogLevel::kInfo, "info"},
      {LogLevel::kWarning, "warn"},
      {LogLevel::kError, "error"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.shown) {
      std::time_t before = std::time(nullptr);
      std::string line = Logged(c.level, "192.0.2.7", "signed in: alice");
      std::time_t after = std::time(nullptr);
      Line m;
      BOOST_TEST_REQUIRE(ParseLine(line, &m), line);
      std::time_t when = ParseUtc(m.time);
      BOOST_TEST(when >= before);  // UTC, to the second: the clock's now
      BOOST_TEST(when <= after);
      BOOST_TEST(m.level == c.shown);
      BOOST_TEST(m.program == "installCollection");
      BOOST_TEST(m.pid == std::to_string(getpid()));
      BOOST_TEST(m.has_client);
      BOOST_TEST(m.client == "192.0.2.7");
      BOOST_TEST(m.message == "signed in: alice");
      // All of it, exactly.
      BOOST_TEST(line == "[" + m.time + " UTC] [" + c.shown + "] [installCollection:" +
                             std::to_string(getpid()) + "] [client 192.0.2.7] signed in: alice\n");
    }
  }
}

BOOST_AUTO_TEST_CASE(without_a_client_the_client_field_is_left_out) {
  ProgramName name("siteadmin");
  std::string line = Logged(LogLevel::kWarning, "", "recovering the files area");
  Line m;
  BOOST_TEST_REQUIRE(ParseLine(line, &m), line);
  BOOST_TEST(!m.has_client);
  BOOST_TEST(m.message == "recovering the files area");
  BOOST_TEST(line.find("client") == std::string::npos, line);
  BOOST_TEST(line.substr(line.find("] [warn] ")) ==
             "] [warn] [siteadmin:" + std::to_string(getpid()) + "] recovering the files area\n");
}

BOOST_AUTO_TEST_CASE(the_program_name_is_the_last_one_set) {
  ProgramName first("people");
  std::string a = Logged(LogLevel::kInfo, "", "one");
  site::SetLogProgramName("tokens");
  std::string b = Logged(LogLevel::kInfo, "", "two");
  std::string pid = std::to_string(getpid());
  BOOST_TEST(a.find("] [people:" + pid + "] one\n") != std::string::npos, a);
  BOOST_TEST(b.find("] [tokens:" + pid + "] two\n") != std::string::npos, b);
}

// A client can put anything in a username or a header that reaches a log
// line; it must not be able to end the line and start a forged one.
BOOST_AUTO_TEST_CASE(control_characters_cannot_forge_a_second_line) {
  ProgramName name("signin");
  const std::string forged = "[2024-01-01 00:00:00 UTC] [info] [signin:1] signed in: admin";
  const struct Case {
    const char* what;
    std::string in;
    std::string shown;  // what the line holds instead
  } cases[] = {
      {"LF", "bob\n" + forged, "bob?" + forged},
      {"CRLF", "bob\r\n" + forged, "bob??" + forged},
      {"CR", "bob\r" + forged, "bob?" + forged},
      {"a trailing LF", "bob\n", "bob?"},
      {"tab and vertical tab", "a\tb\vc\fd", "a?b?c?d"},
      {"NUL", std::string("nul\0after", 9), "nul?after"},
      {"escape sequence", "\x1b[2J\x1b[31mred", "?[2J?[31mred"},
      {"DEL and 0x1f", std::string("a") + '\x7f' + "b" + '\x1f' + "c", "a?b?c"},
      {"UTF-8 is left alone", "Zo\xc3\xab \xe2\x82\xac", "Zo\xc3\xab \xe2\x82\xac"},
      {"printable ASCII is left alone", " !~[]{}", " !~[]{}"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      for (bool in_client : {false, true}) {
        BOOST_TEST_CONTEXT((in_client ? "in the client" : "in the message")) {
          std::string line = in_client ? Logged(LogLevel::kInfo, c.in, "signed in: bob")
                                       : Logged(LogLevel::kInfo, "192.0.2.1", c.in);
          // One line: its only control byte is the newline that ends it.
          BOOST_TEST_REQUIRE(!line.empty());
          BOOST_TEST(line.back() == '\n');
          BOOST_TEST(site_test::CountOf(line, "\n") == 1u, line);
          BOOST_TEST(!HasControlByte(line.substr(0, line.size() - 1)), line);
          std::string expected_tail = in_client ? " [client " + c.shown + "] signed in: bob\n"
                                                : " [client 192.0.2.1] " + c.shown + "\n";
          BOOST_TEST(line.size() >= expected_tail.size());
          BOOST_TEST(line.substr(line.size() - std::min(line.size(), expected_tail.size())) ==
                         expected_tail,
                     line);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_long_message_is_one_whole_line) {
  std::string message(100000, 'x');
  message[50000] = '\n';
  std::string line = Logged(LogLevel::kError, "", message);
  BOOST_TEST(site_test::CountOf(line, "\n") == 1u);
  std::string expected = message;
  expected[50000] = '?';
  BOOST_TEST((line.size() > expected.size() &&
              line.compare(line.size() - expected.size() - 1, expected.size(), expected) == 0));
}

// Lines logged at once from several threads come out whole, one per call.
BOOST_AUTO_TEST_CASE(lines_from_several_threads_are_not_mixed) {
  ProgramName name("pool");
  constexpr int kThreads = 4, kLines = 250;
  std::string out;
  {
    StderrCapture capture;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([t] {
        for (int i = 0; i < kLines; ++i) {
          site::Log(LogLevel::kInfo, "10.0.0." + std::to_string(t),
                    "thread " + std::to_string(t) + " line " + std::to_string(i) + " " +
                        std::string(200, static_cast<char>('a' + t)));
        }
      });
    }
    for (std::thread& th : threads) th.join();
    out = capture.Stop();
  }
  std::istringstream in(out);
  std::string line;
  std::vector<int> next(kThreads, 0);
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    Line m;
    BOOST_TEST_REQUIRE(ParseLine(line + "\n", &m), line);
    BOOST_TEST_REQUIRE(m.client.compare(0, 7, "10.0.0.") == 0, line);
    int t = std::stoi(m.client.substr(7));
    BOOST_TEST_REQUIRE((t >= 0 && t < kThreads));
    // Each thread's lines whole and in its order.
    BOOST_TEST(m.message == "thread " + std::to_string(t) + " line " + std::to_string(next[t]) +
                                " " + std::string(200, static_cast<char>('a' + t)));
    ++next[t];
  }
  BOOST_TEST(lines == kThreads * kLines);
}

BOOST_AUTO_TEST_SUITE_END()
