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
      {"message", WithTokenExpiryWarning("Token is valid", who)},
      {"person",
       {{"id", who.person_id},
        {"username", who.username},
        {"name", who.display_name},
        {"access", AccessLabel(who.access)}}},
      {"token",
       {{"hint", who.hint},
        {"created_at", who.created_at + " UTC"},
        {"expires_at", who.expires_at + " UTC"},
        {"days_left", who.days_left},
        {"expires_soon", who.expires_soon}}}};
  SetJsonBody(resp, body);
  return Status::OK();
}

Program TokenInfoProgram() {
  return MakeProgram(HandleTokenInfo, "tokenInfo", {"GET", "HEAD"});
}

}  // namespace site

