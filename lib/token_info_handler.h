// /tokenInfo: lets a build server check its bearer token: who it acts as,
// when it expires, how many days are left.
//
//   curl https://yoursite.com/tokenInfo -H "Authorization: Bearer <token>"
//
// Like every API program it needs a token whose person has Admin access;
// for another person's token the 403 still says whose it is.
#pragma once

#include "app.h"

namespace site {

// Answers one request of tokenInfo's URLs (the table above).
Status HandleTokenInfo(App& app, const Request& req, Response* resp);

// The tokenInfo program: HandleTokenInfo with its URLs from the route table.
Program TokenInfoProgram();

}  // namespace site
