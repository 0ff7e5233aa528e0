#include "revoke_bearer_token_handler.h"

#include "log.h"
#include "page.h"
#include "session.h"
#include "token_store.h"

namespace site {

Status HandleRevokeBearerToken(App& app, const Request& req, Response* resp) {
  std::optional<SessionInfo> session;
  Status s = SessionOrRedirect(app.db.get(), app.config, req, resp, &session);
  if (!s.ok() || !session) return s;
  s = CheckCsrf(*session, req);
  if (!s.ok()) return s;
  if (session->access != Access::kAdmin) {
    return Status::Forbidden("Only an Admin can revoke bearer tokens.");
  }
  std::optional<int64_t> id = ParseId(req.Form("person_id"));
  if (!id) return Status::NotFound("There is no person with this id.");
  int64_t person_id = *id;
  bool revoked = false;
  s = RevokeBearerToken(app.db.get(), person_id, session->person_id, req.client_address(),
                        &revoked);
  if (!s.ok()) return s;
  if (revoked) {
    Log(LogLevel::kInfo, req.client_address(),
        "person " + std::to_string(session->person_id) + " revoked the bearer token of person " +
            std::to_string(person_id));
  }
  resp->Redirect("/people/edit?id=" + std::to_string(person_id) +
                 (revoked ? "&revoked=1" : ""));
  return Status::OK();
}

Program RevokeBearerTokenProgram() {
  return MakeProgram(HandleRevokeBearerToken, "revokeBearerToken", {"POST"},
                     "Use the Revoke button on a person's record.");
}

}  // namespace site

