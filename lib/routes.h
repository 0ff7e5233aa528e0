// Routes: the site's URLs and the program that answers each, compiled from
// the one route table, cgi-bin/routes (the web server files are rendered
// from the same table by tools/webconf.sh).
#pragma once

#include <string>
#include <vector>

#include "error_reply.h"

namespace site {

struct Route {
  const char* path;     // the exact URL path, e.g. "/people/edit"
  const char* program;  // the cgi-bin program that answers it
  bool upload;          // its body is a collection upload, not a form
  ErrorStyle errors;    // how its errors are answered (the table's "answers")
};

// Every row of cgi-bin/routes, in table order.
const std::vector<Route>& AllRoutes();

// The URL paths `program` answers. Empty when the table has no such program.
std::vector<std::string> RoutePaths(const std::string& program);

}  // namespace site
