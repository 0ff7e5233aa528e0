// /collections         the Collections page: installed collections, the
//                      history of installs (?guid= for one collection's),
//                      and an upload form for Admins
// /collections/upload  POST multipart (csrf_token, collectionFile): the same
//                      install as /installCollection, for the browser. The
//                      page's script asks for JSON and shows a progress bar;
//                      without JavaScript the result comes back as a page.
#pragma once

#include "app.h"

namespace site {

// Answers one request of collections's URLs (the table above).
Status HandleCollections(App& app, const Request& req, Response* resp);

// The collections program: HandleCollections with its URLs from the route table.
Program CollectionsProgram();

}  // namespace site
