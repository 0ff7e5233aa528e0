#include "healthz_handler.h"

#include <filesystem>
#include <system_error>

#include "generations.h"
#include "json_body.h"

namespace site {

namespace {

// The database answers a query now: a connection that looked alive but
// was cut is found out by the query (and reopened once, see db.h).
bool DatabaseAnswers(Db* db) {
  if (!db->EnsureConnected().ok()) return false;
  std::vector<DbRow> rows;
  return db->Query("SELECT 1 AS up", {}, &rows).ok() && rows.size() == 1;
}

// The files area is there: `current` leads to a generation with its www
// area (the web server's document root). A share that is not mounted has
// no `current`.
bool FilesAreaMounted(const Config& config) {
  std::error_code ec;
  return !PublishedGeneration(config).empty() &&
         std::filesystem::is_directory(PublishedWwwDir(config), ec);
}

}  // namespace

Status HandleHealthz(App& app, const Request& req, Response* resp) {
  const bool database = DatabaseAnswers(app.db.get());
  const bool files = FilesAreaMounted(app.config);
  const bool ok = database && files;
  nlohmann::json body = {
      {"status", ok ? "ok" : "unavailable"},
      {"checks", {{"database", database ? "ok" : "unreachable"},
                  {"files", files ? "ok" : "missing"}}}};
  if (!ok) {
    body["message"] = std::string(kUnavailableMessage);
    resp->SetHeader("Retry-After", "30");
  }
  SetJsonBody(resp, body, ok ? 200 : 503);
  return Status::OK();
}

Program HealthzProgram() {
  Program p = MakeProgram(HandleHealthz, "healthz", {"GET", "HEAD"});
  p.options.needs_database = false;
  return p;
}

}  // namespace site
