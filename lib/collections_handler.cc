#include "collections_handler.h"

#include "collection_installer.h"
#include "collection_store.h"
#include "json_body.h"
#include "page.h"
#include "session.h"
#include "text.h"
#include "upload.h"

namespace site {
namespace {

const char* ResultLabel(const InstallAttempt& a) {
  if (a.result == "installed") return a.replaced ? "Installed (replaced)" : "Installed";
  if (a.result == "unchanged") return "Unchanged";
  if (a.result == "validated") return "Validated (dry run)";
  if (a.result == "refused") return "Refused";
  return "Failed";
}

Status ShowPage(App& app, const Request& req, const SessionInfo& session, Response* resp,
                const std::string& notice, const std::string& error) {
  std::string guid = req.Query("guid").substr(0, 64);
  std::vector<InstalledCollection> installed;
  Status s = ListInstalledCollections(app.db.get(), &installed);
  if (!s.ok()) return s;
  std::vector<InstallAttempt> attempts;
  s = ListInstallAttempts(app.db.get(), guid, 50, &attempts);
  if (!s.ok()) return s;

  auto dict = NewPage("Collections", &session);
  for (const InstalledCollection& c : installed) {
    TemplateDictionary* row = dict->AddSectionDictionary("COLLECTION");
    row->SetValue("NAME", c.name);
    row->SetValue("GUID", c.guid);
    row->SetValue("INSTALLED_BY", c.installed_by.empty() ? "—" : c.installed_by);
    row->SetValue("INSTALLED_AT", c.installed_at + " UTC");
    row->SetIntValue("VERSION", static_cast<long>(c.version));
    row->SetIntValue("FILES", static_cast<long>(c.files));
    row->SetValue("SIZE", FormatBytes(static_cast<uint64_t>(c.bytes)));
    if (!c.updatable) row->ShowSection("NOT_UPDATABLE");
  }
  if (installed.empty()) dict->ShowSection("NO_COLLECTIONS");
  if (!guid.empty()) dict->SetValueAndShowSection("GUID", guid, "ONE_COLLECTION");
  for (const InstallAttempt& a : attempts) {
    TemplateDictionary* row = dict->AddSectionDictionary("ATTEMPT");
    row->SetValue("WHEN", a.attempted_at + " UTC");
    row->SetValue("NAME", a.name.empty() ? "—" : a.name);
    row->SetValue("GUID", a.guid);
    row->SetValue("BY", a.person.empty() ? "—" : a.person);
    row->SetValue("FROM", a.client_address);
    row->SetValue("RESULT", ResultLabel(a));
    row->SetValue("REASON", a.reason);
    row->SetIntValue("STATUS", static_cast<long>(a.http_status));
    row->SetValue("SHA", a.sha256.substr(0, 12));
  }
  if (attempts.empty()) dict->ShowSection("NO_ATTEMPTS");
  if (session.access == Access::kAdmin) dict->ShowSection("CAN_UPLOAD");
  if (!notice.empty()) dict->SetValueAndShowSection("NOTICE", notice, "HAS_NOTICE");
  if (!error.empty()) dict->SetValueAndShowSection("ERROR", error, "HAS_ERROR");
  return RenderPage(app.templates.get(), "collections.tpl", *dict, resp);
}

Status Upload(App& app, const Request& req, const SessionInfo& session, Response* resp) {
  if (session.access != Access::kAdmin) return Status::Forbidden("Only an Admin can install collections.");
  ReceivedUpload upload;
  // The form's CSRF token comes before its file (collections.tpl, and
  // FormData keeps that order): checked then, so that a forged upload is
  // refused before its file is read, let alone stored.
  auto csrf_first = [&session](const std::map<std::string, std::string>& fields) {
    auto it = fields.find(kCsrfField);
    return CheckCsrfToken(session, it == fields.end() ? std::string() : it->second);
  };
  Status s = ReceiveCollectionUpload(app.config, req, &upload, csrf_first);
  if (s.ok()) {
    s = CheckCsrfToken(session, upload.fields[kCsrfField]);
    if (!s.ok()) DiscardUpload(&upload);
  } else if (CheckCsrfToken(session, upload.fields[kCsrfField]).ok()) {
    // Recorded only for this site's own form: another site must not be able
    // to write refusals into the history under an Admin's name.
    RecordRefusedUpload(app.db.get(),
                        InstallInputFor(upload, session.person_id, req.client_address()), s);
  }
  InstallOutcome out;
  if (s.ok()) {
    s = InstallCollection(app.db.get(), app.config,
                          InstallInputFor(upload, session.person_id, req.client_address()), &out);
    DiscardUpload(&upload);
  }
  std::string message = s.ok() ? InstallSummary(out) + "." : s.message();
  if (req.WantsJson()) {
    if (!s.ok()) return s;  // JSON error with the same message (ErrorStyle::kByAccept)
    nlohmann::json body = {{"message", message}, {"name", out.name}, {"guid", out.guid},
                           {"files", out.files}, {"bytes", out.bytes}, {"replaced", out.replaced},
                           {"warnings", out.warnings}};
    SetJsonBody(resp, body);
    return Status::OK();
  }
  if (!s.ok()) {
    if (s.code() == Status::Code::kForbidden || s.code() == Status::Code::kUnavailable ||
        s.code() == Status::Code::kInternal) {
      return s;
    }
    resp->set_status(HttpStatusOf(s));
    return ShowPage(app, req, session, resp, "", "Not installed: " + message);
  }
  std::string notice = message;
  for (const std::string& w : out.warnings) notice += " Warning: " + w + ".";
  return ShowPage(app, req, session, resp, notice, "");
}

}  // namespace

Status HandleCollections(App& app, const Request& req, Response* resp) {
  std::optional<SessionInfo> session;
  Status s = SessionOrRedirect(app.db.get(), app.config, req, resp, &session);
  if (!s.ok() || !session) return s;
  if (req.path() == "/collections/upload") {
    if (!req.IsPost()) return Status::BadRequest("Use the upload form on the Collections page.");
    return Upload(app, req, *session, resp);
  }
  if (req.IsPost()) return Status::BadRequest("The Collections page takes no form here.");
  return ShowPage(app, req, *session, resp, "", "");
}

Program CollectionsProgram() {
  return MakeProgram(HandleCollections, "collections");
}

}  // namespace site

