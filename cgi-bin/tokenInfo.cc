// /tokenInfo: lets a build server check its bearer token: who it acts as,
// when it expires, how many days are left.
//
//   curl https://yoursite.com/tokenInfo -H "Authorization: Bearer <token>"
//
// Like every API program it needs a token whose person has Admin access;
// for another person's token the 403 still says whose it is.
#include "app.h"
#include "routes.h"
#include "json_body.h"
#include "bearer_auth.h"

namespace site {
namespace {

Status HandleTokenInfo(App& app, const Request& req, Response* resp) {
  BearerIdentity who;
  Status s = AuthenticateBearer(app.db.get(), app.config, req, &who);
  if (!s.ok()) return s;
  SetTokenExpirationHeader(who, resp);
  if (!RequireAdminOrReply(who, req, resp)) return Status::OK();
  nlohmann::json body = {
      {"person",
       {{"id", who.person_id},
        {"username", who.username},
        {"name", who.display_name},
        {"access", AccessLabel(who.access)}}},
      {"token",
       {{"hint", who.hint},
        {"created_at", who.created_at + " UTC"},
        {"expires_at", who.expires_at + " UTC"},
        {"days_left", who.days_left}}}};
  SetJsonBody(resp, body);
  return Status::OK();
}

}  // namespace
}  // namespace site

int main(int, char** argv) {
  site::ProgramOptions options;
  options.errors = site::ErrorStyle::kJson;
  options.paths = site::RoutePaths("tokenInfo");
  options.methods = {"GET", "HEAD"};
  return site::RunFastCgi(argv[0], site::HandleTokenInfo, options);
}
