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
//
// ?dryRun=1 runs every check and answers what would change (files_added,
// files_replaced, files_removed, and the refusal an install would get),
// installing nothing: for pull-request pipelines. An archive that is the
// one installed answers 200 with "unchanged": true and builds nothing.
#pragma once

#include "app.h"

namespace site {

// Answers one request of installCollection's URLs (the table above).
Status HandleInstallCollection(App& app, const Request& req, Response* resp);

// The installCollection program: HandleInstallCollection with its URLs from the route table.
Program InstallCollectionProgram();

}  // namespace site
