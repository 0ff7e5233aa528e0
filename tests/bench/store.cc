// The "store-only upload" baseline of `make bench`, standing in for a
// WordPress-style media upload that only keeps the file: reads the request
// body as it streams in (64 KiB at a time, as lib/upload.cc does), writes
// it to a new file in $BENCH_STORE_DIR, fsyncs it, and answers
// {"bytes": N}. No parsing, no checks, no database. Run as a pool like the
// site's programs, behind the same front end settings as the upload URLs.
#include <fcgiapp.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

void Answer(FCGX_Request* request, int status, const std::string& reason, const std::string& body) {
  std::string out = "Status: " + std::to_string(status) + " " + reason +
                    "\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body;
  FCGX_PutStr(out.data(), static_cast<int>(out.size()), request->out);
}

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

int main() {
  const char* dir = std::getenv("BENCH_STORE_DIR");
  if (dir == nullptr || *dir == '\0') {
    std::fprintf(stderr, "store: BENCH_STORE_DIR is not set\n");
    return 1;
  }
  FCGX_Init();
  FCGX_Request request;
  FCGX_InitRequest(&request, 0, 0);
  static char buf[64 * 1024];
  for (unsigned long count = 0; FCGX_Accept_r(&request) == 0; ++count) {
    std::string path = std::string(dir) + "/upload-" + std::to_string(getpid()) + "-" +
                       std::to_string(count) + ".bin";
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    long long bytes = 0;
    bool ok = fd >= 0;
    for (int n; (n = FCGX_GetStr(buf, sizeof buf, request.in)) > 0;) {
      if (ok) ok = WriteAll(fd, buf, static_cast<size_t>(n));
      bytes += n;
    }
    if (fd >= 0) {
      if (fsync(fd) != 0) ok = false;
      if (close(fd) != 0) ok = false;
    }
    if (ok) {
      Answer(&request, 200, "OK", "{\"bytes\": " + std::to_string(bytes) + "}\n");
    } else {
      Answer(&request, 500, "Internal Server Error", "{\"error\": \"cannot store the body\"}\n");
    }
    FCGX_Finish_r(&request);
  }
  return 0;
}
