// The route table as the programs see it (compiled from cgi-bin/routes).
#include "routes.h"

#include <boost/test/unit_test.hpp>

#include <set>

#include "app.h"

using site::AllRoutes;
using site::RoutePaths;

BOOST_AUTO_TEST_SUITE(routes_test)

BOOST_AUTO_TEST_CASE(each_url_is_exact_and_listed_once) {
  std::set<std::string> seen;
  BOOST_TEST_REQUIRE(!AllRoutes().empty());
  for (const site::Route& r : AllRoutes()) {
    std::string path = r.path;
    BOOST_TEST_CONTEXT(path) {
      BOOST_TEST(path.size() > 1u);
      BOOST_TEST(path[0] == '/');
      BOOST_TEST(path.find_first_of("?#*$^(|") == std::string::npos);
      BOOST_TEST(seen.insert(path).second);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_program_gets_its_own_urls_only) {
  BOOST_TEST(RoutePaths("people") ==
                 (std::vector<std::string>{"/people", "/people/new", "/people/edit"}),
             boost::test_tools::per_element());
  BOOST_TEST(RoutePaths("installCollection") == std::vector<std::string>{"/installCollection"},
             boost::test_tools::per_element());
  BOOST_TEST(RoutePaths("no-such-program").empty());
  BOOST_TEST(RoutePaths("").empty());
}

BOOST_AUTO_TEST_CASE(the_upload_urls_are_marked) {
  std::set<std::string> uploads;
  for (const site::Route& r : AllRoutes()) {
    if (r.upload) uploads.insert(r.path);
  }
  BOOST_TEST((uploads == std::set<std::string>{"/installCollection", "/collections/upload"}));
}

// The table's "answers" and body columns are what each program is served
// with (RouteOptions): the web server files use the same columns.
BOOST_AUTO_TEST_CASE(route_options_come_from_the_table) {
  struct Case {
    const char* program;
    site::ErrorStyle errors;
    bool stream_body;
    size_t paths;
  };
  const Case cases[] = {
      {"login", site::ErrorStyle::kHtmlPage, false, 1},
      {"people", site::ErrorStyle::kHtmlPage, false, 3},
      {"createBearerToken", site::ErrorStyle::kByAccept, false, 1},
      {"tokenInfo", site::ErrorStyle::kJson, false, 1},
      {"installCollection", site::ErrorStyle::kJson, true, 1},
      {"collections", site::ErrorStyle::kByAccept, true, 2},  // one of its URLs is an upload
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.program) {
      site::ProgramOptions o = site::RouteOptions(c.program);
      BOOST_TEST((o.errors == c.errors));
      BOOST_TEST(o.stream_body == c.stream_body);
      BOOST_TEST(o.paths == site::RoutePaths(c.program), boost::test_tools::per_element());
      BOOST_TEST(o.paths.size() == c.paths);
    }
  }
  BOOST_TEST(site::RouteOptions("no-such-program").paths.empty());
}

BOOST_AUTO_TEST_SUITE_END()
