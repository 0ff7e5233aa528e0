#include "token_info_handler.h"

#include "bearer_auth.h"
#include "json_body.h"

namespace site {

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

Program TokenInfoProgram() {
  Program p;
  p.handler = HandleTokenInfo;
  p.options = RouteOptions("tokenInfo");
  p.options.methods = {"GET", "HEAD"};
  return p;
}

}  // namespace site

