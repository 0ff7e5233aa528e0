#include "routes.h"

namespace site {

const std::vector<Route>& AllRoutes() {
  static const std::vector<Route> kRoutes = {
#include "routes.inc"
  };
  return kRoutes;
}

std::vector<std::string> RoutePaths(const std::string& program) {
  std::vector<std::string> paths;
  for (const Route& r : AllRoutes()) {
    if (program == r.program) paths.emplace_back(r.path);
  }
  return paths;
}

}  // namespace site
