// The second baseline of `make bench`: the no-op responder plus one
// prepared primary-key SELECT on the site's database, through the site's
// own lib/db (the same Connector/C++ connection, statement cache and row
// reading as /tokenInfo), the connection opened once per process at start.
// The difference between this and /tokenInfo is what the site's own code
// costs on top of one indexed lookup: the Request/Response objects, the
// bearer-token parsing and HMAC, the larger JOIN, and the JSON.
//
//   GET /bench/select?id=N   answers {"id": N, "username": "..."} (404 if no row)
// Run with SITE_CONFIG naming the site's config file (tools/pool.sh needs it too).
#include <fcgiapp.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config.h"
#include "db.h"

namespace {

void Answer(FCGX_Request* request, int status, const std::string& reason, const std::string& body) {
  std::string out = "Status: " + std::to_string(status) + " " + reason +
                    "\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body;
  FCGX_PutStr(out.data(), static_cast<int>(out.size()), request->out);
}

}  // namespace

int main() {
  site::Config config;
  site::Status s = site::LoadConfigFromEnvironment(&config);
  if (!s.ok()) {
    std::fprintf(stderr, "noop_select: cannot start: %s\n", s.message().c_str());
    return 1;
  }
  site::Db db(site::DatabaseOptions(config));
  s = db.EnsureConnected();  // once per process; Query reconnects if it must
  if (!s.ok()) std::fprintf(stderr, "noop_select: %s (will retry per request)\n", s.message().c_str());

  FCGX_Init();
  FCGX_Request request;
  FCGX_InitRequest(&request, 0, 0);
  while (FCGX_Accept_r(&request) == 0) {
    const char* query = FCGX_GetParam("QUERY_STRING", request.envp);
    int64_t id = 0;
    if (query != nullptr && std::string(query).rfind("id=", 0) == 0) id = std::atoll(query + 3);
    std::vector<site::DbRow> rows;
    s = db.EnsureConnected();
    if (s.ok()) s = db.Query("SELECT id, username FROM people WHERE id = ?", {id}, &rows);
    if (!s.ok()) {
      Answer(&request, 503, "Service Unavailable", "{\"error\": \"unavailable\"}\n");
    } else if (rows.empty()) {
      Answer(&request, 404, "Not Found", "{\"error\": \"not_found\"}\n");
    } else {
      nlohmann::json body = {{"id", rows[0].Int(0)}, {"username", rows[0].Str(1)}};
      Answer(&request, 200, "OK", body.dump() + "\n");
    }
    FCGX_Finish_r(&request);
  }
  return 0;
}
