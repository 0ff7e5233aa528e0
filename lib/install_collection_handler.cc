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

  ReceivedUpload upload;
  s = ReceiveCollectionUpload(app.config, req, &upload);
  InstallInput in = InstallInputFor(upload, who.person_id, req.client_address());
  if (!s.ok()) {
    RecordRefusedUpload(app.db.get(), in, s);
    return s;
  }
  in.fault_point = req.Env("HTTP_X_FAULT_POINT");
  InstallOutcome out;
  s = InstallCollection(app.db.get(), app.config, in, &out);
  DiscardUpload(&upload);
  if (!s.ok()) return s;

  const std::string warning = TokenExpiryWarning(who);
  nlohmann::json body = {
      {"message", InstallSummary(out) + (warning.empty() ? "" : "; " + warning)},
      {"name", out.name},
      {"guid", out.guid},
      {"version", out.version},
      {"files", out.files},
      {"bytes", out.bytes},
      {"replaced", out.replaced},
      {"archive_sha256", upload.sha256},
      {"warnings", out.warnings}};
  if (out.replaced) body["replaced_version_installed_at"] = out.replaced_installed_at;
  SetJsonBody(resp, body);
  return Status::OK();
}

Program InstallCollectionProgram() {
  Program p;
  p.handler = HandleInstallCollection;
  p.options = RouteOptions("installCollection");
  p.options.methods = {"POST"};
  p.options.method_hint = "Use POST with the archive in the collectionFile field.";
  return p;
}

}  // namespace site

