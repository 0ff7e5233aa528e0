#include "create_bearer_token_handler.h"

#include "json_body.h"
#include "log.h"
#include "page.h"
#include "people.h"
#include "session.h"
#include "token_store.h"

namespace site {

Status HandleCreateBearerToken(App& app, const Request& req, Response* resp) {
  std::optional<SessionInfo> session;
  Status s = FindSession(app.db.get(), app.config, req, &session);
  if (!s.ok()) return s;
  if (!session) {
    if (req.WantsJson()) return Status::Unauthorized("Your session has ended. Sign in again.");
    resp->Redirect("/login?next=%2Fpeople");
    return Status::OK();
  }
  s = CheckCsrf(*session, req);
  if (!s.ok()) return s;
  if (session->access != Access::kAdmin) {
    return Status::Forbidden("Only an Admin can create bearer tokens.");
  }
  std::optional<int64_t> id = ParseId(req.Form("person_id"));
  if (!id) return Status::NotFound("There is no person with this id.");
  int64_t person_id = *id;
  Person person;
  s = GetPerson(app.db.get(), person_id, &person);
  if (!s.ok()) return s;

  NewToken created;
  s = CreateBearerToken(app.db.get(), app.config.token_secret, person_id, session->person_id,
                        req.client_address(), &created);
  if (!s.ok()) return s;
  // Who and for whom, never the token.
  Log(LogLevel::kInfo, req.client_address(),
      "person " + std::to_string(session->person_id) + " created a bearer token for person " +
          std::to_string(person_id) + (created.replaced ? " (replacing the previous one)" : ""));

  std::string expires = created.expires_at + " UTC";
  if (req.WantsJson()) {
    nlohmann::json body = {{"token", created.token},
                           {"hint", created.hint},
                           {"created_at", created.created_at + " UTC"},
                           {"expires_at", expires},
                           {"replaced", created.replaced},
                           {"person", {{"id", person_id}, {"name", person.DisplayName()}}}};
    SetJsonBody(resp, body);
    return Status::OK();
  }
  auto dict = NewPage("Your new bearer token", &*session);
  dict->SetValue("TOKEN", created.token);
  dict->SetValue("EXPIRES_AT", expires);
  dict->SetValue("PERSON_NAME", person.DisplayName());
  dict->SetIntValue("PERSON_ID", static_cast<long>(person_id));
  if (created.replaced) dict->ShowSection("REPLACED");
  return RenderPage(app.templates.get(), "token_created.tpl", *dict, resp);
}

Program CreateBearerTokenProgram() {
  return MakeProgram(HandleCreateBearerToken, "createBearerToken", {"POST"},
                     "Use the Create Bearer Token button on a person's record.");
}

}  // namespace site

