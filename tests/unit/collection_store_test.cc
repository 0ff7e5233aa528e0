#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "collection_store.h"
#include "scratch_db.h"
#include "test_util.h"

using site::CollectionManifest;
using site::Status;

namespace {

struct StoreDb : site_test::MigratedDb {
  // Saves a collection `guid` with `files` ("area/path"), as an install does.
  int64_t Save(const std::string& guid, const std::string& name,
               const std::vector<std::pair<std::string, std::string>>& files,
               int64_t existing_id = 0) {
    CollectionManifest m;
    m.guid = guid;
    m.name = name;
    m.addons = {{"An Addon", "{addon}"}};
    site::SavedCollection c;
    c.manifest = &m;
    c.existing_id = existing_id;
    c.archive_sha256 = std::string(64, 'a');
    for (const auto& [area, path] : files) c.files.push_back({area, path, 10});
    Status s = site::RunInTransaction(db(), [&] { return site::SaveCollection(db(), c); });
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    return QueryInt("SELECT id FROM collections WHERE guid = ?", {guid});
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(collection_store_test, StoreDb, NEEDS_DB)

BOOST_AUTO_TEST_CASE(a_saved_collection_is_found_and_its_files_listed) {
  int64_t id = Save("{one}", "One", {{"www", "one/a.css"}, {"cdn", "one/b.js"}});
  bool found = false;
  site::CollectionVersion v;
  BOOST_TEST_REQUIRE(site::FindCollection(db(), "{one}", &found, &v).ok());
  BOOST_TEST(found);
  BOOST_TEST(v.id == id);
  BOOST_TEST(v.updatable);
  BOOST_TEST(v.installed_at.size() == 19u);
  std::set<std::string> files;
  BOOST_TEST_REQUIRE(site::CollectionFiles(db(), id, &files).ok());
  BOOST_TEST(files == (std::set<std::string>{"cdn/one/b.js", "www/one/a.css"}),
             boost::test_tools::per_element());
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM collection_addons WHERE collection_id = ?", {id}) == 1);
  BOOST_TEST_REQUIRE(site::FindCollection(db(), "{none}", &found, &v).ok());
  BOOST_TEST(!found);

  // A new version replaces the files and add-ons of the old.
  Save("{one}", "One", {{"www", "one/c.css"}}, id);
  BOOST_TEST_REQUIRE(site::CollectionFiles(db(), id, &files).ok());
  BOOST_TEST(files == (std::set<std::string>{"www/one/c.css"}), boost::test_tools::per_element());
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM collection_addons WHERE collection_id = ?", {id}) == 1);
}

BOOST_AUTO_TEST_CASE(paths_of_other_collections_conflict_in_any_case) {
  int64_t mine = Save("{mine}", "Mine", {{"www", "Shared/Logo.png"}, {"www", "dir/file.css"}});
  struct Case {
    const char* area;
    const char* path;
    int64_t collection;
    const char* conflict;  // "" when free
  };
  const Case cases[] = {
      {"www", "Shared/Logo.png", 0, "www/Shared/Logo.png belongs to collection \"Mine\" ({mine})"},
      {"www", "shared/logo.png", 0, "collides with www/Shared/Logo.png of collection \"Mine\""},
      {"www", "dir/file.css/inner.css", 0, "collides with www/dir/file.css"},  // below a file
      {"www", "dir", 0, "collides with www/dir/file.css"},                     // a file over a dir
      {"www", "Shared/Logo.png", mine, ""},  // its own path
      {"cdn", "Shared/Logo.png", 0, ""},     // another area
      {"www", "Shared/Logo.png2", 0, ""},
      {"www", "di%", 0, ""},  // LIKE's wildcards are literal
      {"www", "d_r", 0, ""},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.area << "/" << c.path) {
      Status s = site::CheckPathFree(db(), c.area, c.path, c.collection);
      if (*c.conflict == 0) {
        BOOST_TEST(s.ok(), s.ToString());
      } else {
        BOOST_TEST((s.code() == Status::Code::kConflict), s.ToString());
        BOOST_TEST(s.message().find(c.conflict) != std::string::npos, s.message());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(the_generation_is_swapped_only_from_the_one_expected) {
  BOOST_TEST_REQUIRE(site::WriteSiteGeneration(db(), "gen-000000000001").ok());
  bool swapped = false;
  BOOST_TEST_REQUIRE(site::SwapSiteGeneration(db(), "gen-000000000009", "gen-000000000010",
                                              &swapped).ok());
  BOOST_TEST(!swapped);
  BOOST_TEST_REQUIRE(site::SwapSiteGeneration(db(), "gen-000000000001", "gen-000000000002",
                                              &swapped).ok());
  BOOST_TEST(swapped);
  std::string g;
  BOOST_TEST_REQUIRE(site::ReadSiteGeneration(db(), &g).ok());
  BOOST_TEST(g == "gen-000000000002");
}

BOOST_AUTO_TEST_CASE(imports_must_be_installed) {
  Save("{base}", "Base", {});
  BOOST_TEST(site::CheckImportsInstalled(db(), {"{base}", "{self}"}, "{self}").ok());
  Status s = site::CheckImportsInstalled(db(), {"{base}", "{missing}"}, "{self}");
  BOOST_TEST((s.code() == Status::Code::kInvalid));
  BOOST_TEST(s.message() == "<ImportCollection> {missing} is not installed; install it first");
}

BOOST_AUTO_TEST_CASE(the_history_lists_attempts_newest_first_with_their_results) {
  site::AttemptRecord a;
  a.guid = "{h}";
  a.name = "History";
  a.client_address = "192.0.2.7";
  a.http_status = 200;
  BOOST_TEST_REQUIRE(site::RecordInstallAttempt(db(), a).ok());
  a.http_status = 409;
  a.reason = "not updatable";
  BOOST_TEST_REQUIRE(site::RecordInstallAttempt(db(), a).ok());
  a.http_status = 503;
  a.reason = "busy";
  BOOST_TEST_REQUIRE(site::RecordInstallAttempt(db(), a).ok());
  std::vector<site::InstallAttempt> history;
  BOOST_TEST_REQUIRE(site::ListInstallAttempts(db(), "{h}", 10, &history).ok());
  BOOST_TEST_REQUIRE(history.size() == 3u);
  BOOST_TEST(history[0].result == "failed");
  BOOST_TEST(history[1].result == "refused");
  BOOST_TEST(history[1].reason == "not updatable");
  BOOST_TEST(history[2].result == "installed");
  BOOST_TEST_REQUIRE(site::ListInstallAttempts(db(), "{other}", 10, &history).ok());
  BOOST_TEST(history.empty());
}

BOOST_AUTO_TEST_SUITE_END()
