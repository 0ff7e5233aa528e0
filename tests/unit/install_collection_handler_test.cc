// install_collection_handler: /installCollection, through Serve, with the
// body streamed from the test as the web server streams it.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "bearer_token.h"
#include "collection_installer.h"
#include "generations.h"
#include "handler_fixture.h"
#include "install_collection_handler.h"
#include "zip_builder.h"

using site::Access;
using site::Response;
using site_test::Contains;

namespace {

const char kGuid[] = "{6f1c2a7e-0d4b-4c39-9a57-3e2b8f1d0c11}";
const char kBoundary[] = "unit-boundary-7d3a";

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A collection of one www file, shop/a.css, as zip bytes.
std::string ShopZip(const std::string& dir, const std::string& css) {
  std::string path = dir + "/shop.zip";
  site_test::WriteZip(path,
                      {site_test::ZipFile("collection.xml",
                                          std::string("<Collection name=\"Shop\" guid=\"") + kGuid +
                                              "\"><Resource name=\"a.css\" type=\"www\" "
                                              "path=\"shop\"/></Collection>"),
                       site_test::ZipFile("a.css", css)});
  return ReadAll(path);
}

// The multipart body curl -F "collectionFile=@x.zip" sends.
std::string Multipart(const std::string& field, const std::string& file) {
  return std::string("--") + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + field +
         "\"; filename=\"x.zip\"\r\nContent-Type: application/zip\r\n\r\n" + file + "\r\n--" +
         kBoundary + "--\r\n";
}

struct InstallDb : site_test::HandlerFixture {
  InstallDb() : HandlerFixture(site::InstallCollectionProgram()) {
    BOOST_TEST_REQUIRE(site::RecoverCollections(db(), config()).ok());  // as setup does
    admin = AddPerson("Ada", "Lovelace", "ada", Access::kAdmin, "ada@example.com");
  }
  // POSTs `body` with `authorization`; counts the body bytes the handler read.
  Response Send(const std::string& authorization, const std::string& body,
                const std::string& content_type = std::string("multipart/form-data; boundary=") +
                                                  kBoundary) {
    read = 0;
    return Stream("POST", "/installCollection", body,
                  {{"HTTP_AUTHORIZATION", authorization}, {"CONTENT_TYPE", content_type}}, &read);
  }
  int64_t admin = 0;
  size_t read = 0;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(install_collection_handler_test, InstallDb, NEEDS_DB)

BOOST_AUTO_TEST_CASE(an_admins_token_installs) {
  std::string zip = ShopZip(files_dir(), "body { color: red }");
  Response resp = Send("Bearer " + Token(admin), Multipart("collectionFile", zip));
  BOOST_TEST_REQUIRE(resp.status() == 200, resp.body());
  nlohmann::json j = site_test::JsonOf(resp);
  BOOST_TEST(j.value("name", "") == "Shop");
  BOOST_TEST(j.value("guid", "") == kGuid);
  BOOST_TEST(j.value("files", 0) == 1);
  BOOST_TEST(j.value("replaced", true) == false);
  BOOST_TEST(j.value("message", "") == "Installed collection \"Shop\" (1 files)");
  BOOST_TEST(resp.Header(site::kTokenExpirationHeader) != "");
  BOOST_TEST(ReadAll(site::PublishedWwwDir(config()) + "/shop/a.css") == "body { color: red }");
  BOOST_TEST(read == Multipart("collectionFile", zip).size());

  Response again = Send("Bearer " + Token(admin), Multipart("collectionFile", ShopZip(files_dir(), "p {}")));
  BOOST_TEST_REQUIRE(again.status() == 200, again.body());
  BOOST_TEST(site_test::JsonOf(again).value("replaced", false) == true);
  BOOST_TEST(ReadAll(site::PublishedWwwDir(config()) + "/shop/a.css") == "p {}");
}

// The credentials are checked before a byte of the body is read.
BOOST_AUTO_TEST_CASE(a_bad_token_is_refused_before_the_body) {
  int64_t carl = AddPerson("Carl", "Cm", "carl", Access::kContentManager, "carl@example.com");
  const std::string body = Multipart("collectionFile", ShopZip(files_dir(), "x"));
  struct Case {
    std::string authorization;
    int status;
    std::string message;
  };
  const Case cases[] = {
      {"", 401, "Authentication required"},
      {"Bearer adminbt_nope", 401, "Authentication required"},
      {"Bearer " + Token(carl), 403, "Admin access required"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.authorization) {
      Response resp = Send(c.authorization, body);
      BOOST_TEST(resp.status() == c.status);
      BOOST_TEST(site_test::JsonOf(resp).value("message", "") == c.message);
      BOOST_TEST(read == 0u);
    }
  }
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM collections") == 0);
}

BOOST_AUTO_TEST_CASE(bad_requests_are_refused_and_recorded) {
  std::string token = Token(admin);
  Response not_multipart = Send("Bearer " + token, "a=b", "application/x-www-form-urlencoded");
  BOOST_TEST(not_multipart.status() == 400);
  Response no_field = Send("Bearer " + token, Multipart("otherFile", "PK"));
  BOOST_TEST(no_field.status() == 400);
  BOOST_TEST(Contains(site_test::JsonOf(no_field).value("message", ""), "collectionFile"));
  Response not_zip = Send("Bearer " + token, Multipart("collectionFile", "not a zip at all"));
  BOOST_TEST(not_zip.status() == 422);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM collections") == 0);
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM collection_installs") == 3);
  // Nothing is left in staging.
  std::error_code ec;
  BOOST_TEST(std::filesystem::is_empty(site::StagingDir(config()), ec));
}

BOOST_AUTO_TEST_CASE(get_is_405) {
  Response resp = site::Serve(app(), MakeRequest("GET", "/installCollection"));
  BOOST_TEST(resp.status() == 405);
  BOOST_TEST(resp.Header("Allow") == "POST");
  BOOST_TEST(site_test::JsonOf(resp).value("message", "") ==
             "Use POST with the archive in the collectionFile field.");
}

BOOST_AUTO_TEST_CASE(a_dry_run_says_what_would_change_and_installs_nothing) {
  std::string token = Token(admin);
  auto dry = [&](const std::string& zip, const std::string& flag = "1") {
    return Stream("POST", "/installCollection?dryRun=" + flag, Multipart("collectionFile", zip),
                  {{"HTTP_AUTHORIZATION", "Bearer " + token},
                   {"CONTENT_TYPE", std::string("multipart/form-data; boundary=") + kBoundary}});
  };
  const std::string first = ShopZip(files_dir(), "a");
  Response resp = dry(first);
  BOOST_TEST_REQUIRE(resp.status() == 200, resp.body());
  nlohmann::json j = site_test::JsonOf(resp);
  BOOST_TEST(j.value("dry_run", false) == true);
  BOOST_TEST(j["files_added"] == nlohmann::json::array({"www/shop/a.css"}));
  BOOST_TEST(j["files_replaced"].empty());
  BOOST_TEST(Contains(j.value("message", ""), "nothing was installed"));
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM collections") == 0);
  BOOST_TEST(QueryStr("SELECT result FROM collection_installs ORDER BY id DESC LIMIT 1") == "validated");
  // Installed, then the same archive again: unchanged, no new generation.
  BOOST_TEST_REQUIRE(Send("Bearer " + token, Multipart("collectionFile", first)).status() == 200);
  const std::string published = site::PublishedGeneration(config());
  Response same = Send("Bearer " + token, Multipart("collectionFile", first));
  BOOST_TEST_REQUIRE(same.status() == 200, same.body());
  BOOST_TEST(site_test::JsonOf(same).value("unchanged", false) == true);
  BOOST_TEST(site_test::JsonOf(same).value("files", 0) == 1);
  BOOST_TEST(site::PublishedGeneration(config()) == published);
  BOOST_TEST(QueryStr("SELECT result FROM collection_installs ORDER BY id DESC LIMIT 1") == "unchanged");
  // A new version, dry: replaced, and still the old files served.
  Response second = dry(ShopZip(files_dir(), "b"), "true");
  nlohmann::json k = site_test::JsonOf(second);
  BOOST_TEST(k["files_replaced"] == nlohmann::json::array({"www/shop/a.css"}));
  BOOST_TEST(k.value("replaced", false) == true);
  BOOST_TEST(ReadAll(site::PublishedWwwDir(config()) + "/shop/a.css") == "a");
  BOOST_TEST(dry(first, "yes").status() == 400);
}

BOOST_AUTO_TEST_SUITE_END()
