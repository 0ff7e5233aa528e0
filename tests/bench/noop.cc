// The first baseline of `make bench`: a FastCGI responder that does nothing
// but answer, run as a pool exactly like the site's programs (spawn-fcgi -n
// + tools/pool.sh, i.e. multiwatch with pool_processes copies) behind the
// same front end (mod_proxy_fcgi with flushpackets=on, or lighttpd's
// fastcgi.server with a "socket"). Like the site's programs it always
// sends a Content-Length (Apache trusts it: ap_trust_cgilike_cl), so both
// answers take the same path through the front end.
#include <fcgiapp.h>

int main() {
  FCGX_Init();
  FCGX_Request request;
  FCGX_InitRequest(&request, 0, 0);
  while (FCGX_Accept_r(&request) == 0) {
    FCGX_PutS("Status: 200 OK\r\nContent-Type: application/json\r\nContent-Length: 3\r\n\r\n{}\n",
              request.out);
    FCGX_Finish_r(&request);
  }
  return 0;
}
