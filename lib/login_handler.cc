#include "login_handler.h"

#include "access.h"
#include "crypto.h"
#include "log.h"
#include "page.h"
#include "password.h"
#include "people.h"
#include "session.h"
#include "signin_throttle.h"

namespace site {
namespace {

constexpr char kLoginCsrfCookie[] = "login_csrf";
constexpr size_t kMaxUsernameBytes = 64;
const char kGenericFailure[] = "Incorrect username or password.";

// The sign-in form's double-submit cookie: Secure (and so __Host-) under
// HTTPS, as the session cookie is.
CookieOptions LoginCsrfCookieOptions(const App& app, const Request& req) {
  CookieOptions o;
  o.secure = app.config.cookie_secure || req.IsHttps();
  return o;
}

Status RenderSignInForm(App& app, const Request& req, const std::string& error,
                        const std::string& username, Response* resp) {
  std::string token = RandomHex(32);
  CookieOptions o = LoginCsrfCookieOptions(app, req);
  o.max_age = 3600;
  resp->SetCookie(CookieName(kLoginCsrfCookie, o), token, o);
  auto dict = NewPage("Sign in", nullptr);
  dict->SetValue("LOGIN_CSRF", token);
  dict->SetValue("USERNAME", username);
  dict->SetValue("NEXT", SafeLocalPath(req.IsPost() ? req.Form("next") : req.Query("next")));
  if (!error.empty()) dict->SetValueAndShowSection("ERROR", error, "HAS_ERROR");
  if (req.Query("signed_out") == "1" && !req.IsPost()) dict->ShowSection("SIGNED_OUT");
  return RenderPage(app.templates.get(), "login.tpl", *dict, resp);
}

Status SignIn(App& app, const Request& req, Response* resp) {
  const std::string login_cookie = CookieName(kLoginCsrfCookie, LoginCsrfCookieOptions(app, req));
  if (!ConstantTimeEquals(req.Form(kCsrfField), req.Cookie(login_cookie)) ||
      req.Form(kCsrfField).empty()) {
    resp->set_status(403);
    return RenderSignInForm(app, req, "Your sign-in form expired. Please try again.", "", resp);
  }
  const std::string& address = req.client_address();
  int retry_after = 0;
  std::string username = req.Form("username");
  std::string password = req.Form("password");
  Person person;
  bool ok = false;
  // The password is checked under the throttle, one attempt of this
  // address at a time (exact under races; signin_throttle.h).
  Status s = ThrottledSignIn(app.db.get(), app.config, address, [&](bool* failed) -> Status {
    ok = false;
    if (username.size() <= kMaxUsernameBytes && password.size() <= kMaxPasswordLength) {
      std::string hash;
      Status found = FindPersonForSignIn(app.db.get(), username, &person, &hash);
      if (found.ok()) {
        ok = VerifyPassword(password, hash) && MayUseAdminSite(person.access);
      } else if (found.code() == Status::Code::kNotFound) {
        VerifyPasswordAgainstDummy(password, app.config.password_iterations);
      } else {
        return found;
      }
    }
    *failed = !ok;
    return Status::OK();
  }, &retry_after);
  if (s.code() == Status::Code::kTooManyRequests) {
    Log(LogLevel::kWarning, address, "sign-in refused: too many failures");
    resp->set_status(429);
    resp->SetHeader("Retry-After", std::to_string(retry_after));
    return RenderSignInForm(app, req, s.message(), username, resp);
  }
  if (!s.ok()) return s;
  if (!ok) {
    Log(LogLevel::kWarning, address, "sign-in failed");
    return RenderSignInForm(app, req, kGenericFailure, username.substr(0, kMaxUsernameBytes),
                            resp);
  }
  s = StartSession(app.db.get(), app.config, req, person.id, resp);
  if (!s.ok()) return s;
  Log(LogLevel::kInfo, address, "signed in: person " + std::to_string(person.id));
  CookieOptions gone = LoginCsrfCookieOptions(app, req);
  gone.max_age = 0;
  resp->SetCookie(login_cookie, "", gone);
  resp->Redirect(SafeLocalPath(req.Form("next")));
  return Status::OK();
}

}  // namespace

Status HandleLogin(App& app, const Request& req, Response* resp) {
  if (req.IsPost()) return SignIn(app, req, resp);
  std::optional<SessionInfo> session;
  Status s = FindSession(app.db.get(), app.config, req, &session);
  if (!s.ok()) return s;
  if (session) {
    resp->Redirect(SafeLocalPath(req.Query("next")));
    return Status::OK();
  }
  return RenderSignInForm(app, req, "", "", resp);
}

Program LoginProgram() {
  return MakeProgram(HandleLogin, "login");
}

}  // namespace site

