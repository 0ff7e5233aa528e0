// /installCollection (POST, multipart/form-data, file field collectionFile):
// build servers deploy a collection with the guide's command,
//
//   curl -X POST https://yoursite.com/installCollection
//     -H "Authorization: Bearer <your token here>"
//     -F "collectionFile=@myCollection.zip"
// (one command line; the guide breaks it with backslashes).
//
// Needs a bearer token whose person has Admin access. The body is streamed
// to disk (upload.h), the archive checked and installed all or nothing
// (collection_installer.h); the answer is JSON for the build server's log.
#include "app.h"
#include "routes.h"
#include "json_body.h"
#include "bearer_auth.h"
#include "collection_installer.h"
#include "upload.h"

namespace site {
namespace {

Status HandleInstallCollection(App& app, const Request& req, Response* resp) {
  BearerIdentity who;
  Status s = AuthenticateBearer(app.db.get(), app.config, req, &who);
  if (!s.ok()) return s;
  SetTokenExpirationHeader(who, resp);
  if (!RequireAdminOrReply(who, req, resp)) return Status::OK();

  ReceivedUpload upload;
  InstallInput in;
  s = ReceiveCollectionUpload(app.config, req, &upload);
  if (!s.ok()) {
    in.person_id = who.person_id;
    in.client_address = req.client_address();
    in.archive_bytes = upload.bytes;
    RecordRefusedUpload(app.db.get(), in, s);
    return s;
  }
  in.archive_path = upload.path;
  in.archive_sha256 = upload.sha256;
  in.archive_bytes = upload.bytes;
  in.person_id = who.person_id;
  in.client_address = req.client_address();
  in.fault_point = req.Env("HTTP_X_FAULT_POINT");
  InstallOutcome out;
  s = InstallCollection(app.db.get(), app.config, in, &out);
  DiscardUpload(&upload);
  if (!s.ok()) return s;

  nlohmann::json body = {
      {"message", "Installed collection \"" + out.name + "\" (" + std::to_string(out.files) +
                      " files" + (out.replaced ? ", replacing the previous version" : "") + ")"},
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

}  // namespace
}  // namespace site

int main(int, char** argv) {
  site::ProgramOptions options;
  options.errors = site::ErrorStyle::kJson;
  options.stream_body = true;
  options.paths = site::RoutePaths("installCollection");
  options.methods = {"POST"};
  options.method_hint = "Use POST with the archive in the collectionFile field.";
  return site::RunFastCgi(argv[0], site::HandleInstallCollection, options);
}
