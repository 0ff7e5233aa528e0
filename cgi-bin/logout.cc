// /logout: signing out (POST only, with the session's CSRF token, so that
// another site cannot sign an admin out).
#include "app.h"
#include "routes.h"
#include "page.h"
#include "session.h"

namespace site {
namespace {

Status HandleLogout(App& app, const Request& req, Response* resp) {
  if (!req.IsPost()) {
    resp->set_status(405);
    resp->SetHeader("Allow", "POST");
    auto dict = NewPage("Sign out", nullptr);
    dict->SetValue("MESSAGE", "Use the Sign out button to sign out.");
    return RenderPage(app, "error.tpl", *dict, resp);
  }
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

}  // namespace
}  // namespace site

int main(int, char** argv) {
  site::ProgramOptions options;
  options.paths = site::RoutePaths("logout");
  return site::RunFastCgi(argv[0], site::HandleLogout, options);
}
