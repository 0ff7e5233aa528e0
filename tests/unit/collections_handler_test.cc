// collections_handler: the Collections page and its upload form, through
// Serve, with the upload streamed from the test.
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "collection_installer.h"
#include "collections_handler.h"
#include "generations.h"
#include "handler_fixture.h"
#include "zip_builder.h"

using site::Access;
using site::Response;
using site_test::Contains;

namespace {

const char kGuid[] = "{0a9e3c55-61b2-4f0e-8d7c-2b4a6e9f1d20}";
const char kBoundary[] = "----formdata-unit";

std::string ZipBytes(const std::string& dir) {
  std::string path = dir + "/docs.zip";
  site_test::WriteZip(path, {site_test::ZipFile("collection.xml",
                                                std::string("<Collection name=\"Docs &amp; Help\" guid=\"") +
                                                    kGuid +
                                                    "\"><Resource name=\"i.html\" type=\"www\" "
                                                    "path=\"docs\"/></Collection>"),
                             site_test::ZipFile("i.html", "<p>hi</p>")});
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The body the page's form sends: its CSRF token first, then the file.
std::string UploadBody(const std::string& csrf, const std::string& zip) {
  std::string b = std::string("--") + kBoundary +
                  "\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + csrf +
                  "\r\n--" + kBoundary +
                  "\r\nContent-Disposition: form-data; name=\"collectionFile\"; filename=\"d.zip\""
                  "\r\nContent-Type: application/zip\r\n\r\n";
  return b + zip + "\r\n--" + kBoundary + "--\r\n";
}

struct CollectionsDb : site_test::HandlerFixture {
  CollectionsDb() : HandlerFixture(site::CollectionsProgram()) {
    BOOST_TEST_REQUIRE(site::RecoverCollections(db(), config()).ok());  // as setup does
    admin = SignIn(AddUser("Ada", "ada", Access::kAdmin));
    manager = SignIn(AddUser("Carl", "carl", Access::kContentManager));
  }
  Response Upload(const site_test::SignedIn& who, const std::string& csrf, bool json = true) {
    std::map<std::string, std::string> extra = {
        {"HTTP_COOKIE", who.cookie},
        {"CONTENT_TYPE", std::string("multipart/form-data; boundary=") + kBoundary}};
    if (json) extra["HTTP_ACCEPT"] = "application/json";
    return Stream("POST", "/collections/upload", UploadBody(csrf, ZipBytes(files_dir())), extra);
  }
  site_test::SignedIn admin, manager;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(collections_handler_test, CollectionsDb, NEEDS_DB)

BOOST_AUTO_TEST_CASE(the_page_needs_a_session) {
  Response resp = Get("/collections");
  BOOST_TEST(resp.status() == 303);
  BOOST_TEST(resp.Header("Location") == "/login?next=%2Fcollections");
}

BOOST_AUTO_TEST_CASE(an_admin_uploads_and_the_page_lists_it) {
  Response empty = Get("/collections", &admin);
  BOOST_TEST(empty.status() == 200);
  BOOST_TEST(Contains(empty.body(), "action=\"/collections/upload\""));

  Response resp = Upload(admin, admin.csrf);
  BOOST_TEST_REQUIRE(resp.status() == 200, resp.body());
  BOOST_TEST(site_test::JsonOf(resp).value("name", "") == "Docs & Help");

  Response page = Get("/collections", &manager);
  BOOST_TEST(page.status() == 200);
  BOOST_TEST(Contains(page.body(), "Docs &amp; Help"), page.body());
  BOOST_TEST(Contains(page.body(), kGuid));
  BOOST_TEST(Contains(page.body(), "Ada Tester"));  // installed by
  BOOST_TEST(Contains(page.body(), "9 bytes"));     // FormatBytes of <p>hi</p>
  BOOST_TEST(!Contains(page.body(), "action=\"/collections/upload\""));  // not for a manager
}

BOOST_AUTO_TEST_CASE(without_javascript_the_result_is_a_page) {
  Response resp = Upload(admin, admin.csrf, false);
  BOOST_TEST_REQUIRE(resp.status() == 200, resp.body());
  BOOST_TEST(resp.Header("Content-Type").rfind("text/html", 0) == 0u);
  BOOST_TEST(Contains(resp.body(), "Installed collection &quot;Docs &amp; Help&quot; (1 files)."),
             resp.body());
}

BOOST_AUTO_TEST_CASE(a_forged_or_unprivileged_upload_installs_nothing) {
  Response forged = Upload(admin, "0123456789abcdef");
  BOOST_TEST(forged.status() == 403);
  Response cm = Upload(manager, manager.csrf);
  BOOST_TEST(cm.status() == 403);
  BOOST_TEST(site_test::JsonOf(cm).value("message", "") == "Only an Admin can install collections.");
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM collections") == 0);
  // Another site's form writes nothing into the history either.
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM collection_installs") == 0);
}

BOOST_AUTO_TEST_CASE(the_wrong_method_or_path) {
  BOOST_TEST(Post("/collections", {}, &admin).status() == 400);
  BOOST_TEST(Get("/collections/upload", &admin).status() == 400);
  BOOST_TEST(Get("/collections/other", &admin).status() == 404);
}

BOOST_AUTO_TEST_SUITE_END()
