// The baseline of `make bench`: a FastCGI responder that does nothing but
// answer, under the same Apache and mod_fcgid as the site's programs. The
// difference to /tokenInfo is the cost of our code: config, the auth
// library's one indexed lookup on a persistent connection, and JSON.
#include <fcgiapp.h>

int main() {
  FCGX_Init();
  FCGX_Request request;
  FCGX_InitRequest(&request, 0, 0);
  while (FCGX_Accept_r(&request) == 0) {
    FCGX_PutS("Status: 200 OK\r\nContent-Type: application/json\r\n\r\n{}\n", request.out);
    FCGX_Finish_r(&request);
  }
  return 0;
}
