#include "logout_handler.h"

#include "page.h"
#include "session.h"

namespace site {

Status HandleLogout(App& app, const Request& req, Response* resp) {
  std::optional<SessionInfo> session;
  Status s = FindSession(app.db.get(), app.config, req, &session);
  if (!s.ok()) return s;
  if (session) {
    s = CheckCsrf(*session, req);
    if (!s.ok()) return s;
  }
  s = EndSession(app.db.get(), app.config, req, resp);
  if (!s.ok()) return s;
  resp->Redirect("/login?signed_out=1");
  return Status::OK();
}

Program LogoutProgram() {
  return MakeProgram(HandleLogout, "logout", {"POST"}, "Use the Sign out button to sign out.");
}

}  // namespace site

