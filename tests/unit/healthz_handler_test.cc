// healthz_handler: /healthz, through Serve.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <string>

#include "collection_installer.h"
#include "generations.h"
#include "handler_fixture.h"
#include "healthz_handler.h"

using site::Response;

namespace {

struct HealthzDb : site_test::HandlerFixture {
  HealthzDb() : HandlerFixture(site::HealthzProgram()) {}
  void MakeFilesArea() {
    site::Status s = site::RecoverCollections(db(), config());  // as setup does
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(healthz_handler_test, HealthzDb, NEEDS_DB)

BOOST_AUTO_TEST_CASE(a_healthy_node_is_200) {
  MakeFilesArea();
  for (const char* method : {"GET", "HEAD"}) {
    BOOST_TEST_CONTEXT(method) {
      Response resp = site::Serve(app(), MakeRequest(method, "/healthz"));
      BOOST_TEST(resp.status() == 200);
      nlohmann::json j = site_test::JsonOf(resp);
      BOOST_TEST(j.value("status", "") == "ok");
      BOOST_TEST(j["checks"].value("database", "") == "ok");
      BOOST_TEST(j["checks"].value("files", "") == "ok");
      BOOST_TEST(resp.Header("Cache-Control") == "no-store");
      BOOST_TEST(!site_test::Contains(resp.body(), files_dir()));  // no paths
    }
  }
}

BOOST_AUTO_TEST_CASE(a_files_area_not_mounted_is_503) {
  // No generation published: what an unmounted share looks like.
  Response resp = site::Serve(app(), MakeRequest("GET", "/healthz"));
  BOOST_TEST(resp.status() == 503);
  BOOST_TEST(resp.Header("Retry-After") == "30");
  nlohmann::json j = site_test::JsonOf(resp);
  BOOST_TEST(j.value("status", "") == "unavailable");
  BOOST_TEST(j["checks"].value("database", "") == "ok");
  BOOST_TEST(j["checks"].value("files", "") == "missing");
  // Mounted again: healthy again, same process.
  MakeFilesArea();
  BOOST_TEST(site::Serve(app(), MakeRequest("GET", "/healthz")).status() == 200);
  std::filesystem::remove(files_dir() + "/current");
  BOOST_TEST(site::Serve(app(), MakeRequest("GET", "/healthz")).status() == 503);
}

BOOST_AUTO_TEST_CASE(an_unreachable_database_is_503_naming_it) {
  MakeFilesArea();
  site::Config down = config();
  down.db_socket = "/nonexistent/dir/for/site/unit/tests/mysqld.sock";
  site::App app(down, site::HealthzProgram());
  Response resp = site::Serve(app, MakeRequest("GET", "/healthz"));
  BOOST_TEST(resp.status() == 503);
  nlohmann::json j = site_test::JsonOf(resp);
  BOOST_TEST(j["checks"].value("database", "") == "unreachable");
  BOOST_TEST(j["checks"].value("files", "") == "ok");
  BOOST_TEST(j.value("message", "") == site::kUnavailableMessage);
  BOOST_TEST(!site_test::Contains(resp.body(), "nonexistent"));
}

BOOST_AUTO_TEST_CASE(only_get_and_head) {
  Response resp = site::Serve(app(), MakeRequest("POST", "/healthz", "a=1"));
  BOOST_TEST(resp.status() == 405);
  BOOST_TEST(resp.Header("Allow") == "GET, HEAD");
}

BOOST_AUTO_TEST_SUITE_END()
