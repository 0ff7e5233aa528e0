#include "install_collection_handler.h"

#include "bearer_auth.h"
#include "collection_installer.h"
#include "json_body.h"
#include "upload.h"

namespace site {

Status HandleInstallCollection(App& app, const Request& req, Response* resp) {
  BearerIdentity who;
  Status s = AuthenticateBearer(app.db.get(), app.config, req, &who);
  if (!s.ok()) return s;
  SetTokenExpirationHeader(who, resp);
  if (!RequireAdminOrReply(who, req, resp)) return Status::OK();

  // ?dryRun=1: every check, nothing installed (refused before the body).
  const std::string dry_run = req.Query("dryRun");
  if (dry_run != "" && dry_run != "0" && dry_run != "1" && dry_run != "false" && dry_run != "true") {
    return Status::BadRequest("dryRun takes 1 (or true) for a dry run, 0 (or false) for an install.");
  }
  ReceivedUpload upload;
  s = ReceiveCollectionUpload(app.config, req, &upload);
  InstallInput in = InstallInputFor(upload, who.person_id, req.client_address());
  in.dry_run = dry_run == "1" || dry_run == "true";
  if (!s.ok()) {
    RecordRefusedUpload(app.db.get(), in, s);
    return s;
  }
  in.fault_point = req.Env("HTTP_X_FAULT_POINT");
  InstallOutcome out;
  s = InstallCollection(app.db.get(), app.config, in, &out);
  DiscardUpload(&upload);
  if (!s.ok()) return s;

  nlohmann::json body = {
      {"message", WithTokenExpiryWarning(InstallSummary(out), who)},
      {"name", out.name},
      {"guid", out.guid},
      {"version", out.version},
      {"files", out.files},
      {"bytes", out.bytes},
      {"replaced", out.replaced},
      {"unchanged", out.unchanged},
      {"dry_run", out.dry_run},
      {"archive_sha256", upload.sha256},
      {"warnings", out.warnings}};
  if (out.replaced) body["replaced_version_installed_at"] = out.replaced_installed_at;
  if (out.dry_run && !out.unchanged) {
    body["files_added"] = out.files_added;
    body["files_replaced"] = out.files_replaced;
    body["files_removed"] = out.files_removed;
  }
  SetJsonBody(resp, body);
  return Status::OK();
}

Program InstallCollectionProgram() {
  return MakeProgram(HandleInstallCollection, "installCollection", {"POST"},
                     "Use POST with the archive in the collectionFile field.");
}

}  // namespace site

