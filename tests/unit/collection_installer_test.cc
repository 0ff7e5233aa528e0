#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "collection_installer.h"
#include "collection_store.h"
#include "crypto.h"
#include "generations.h"
#include "lease.h"
#include "scratch_db.h"
#include "test_util.h"
#include "zip_builder.h"

namespace fs = std::filesystem;
using site::InstallInput;
using site::InstallOutcome;
using site::Status;
using site_test::ZipDir;
using site_test::ZipEntry;
using site_test::ZipFile;

// Lets BOOST_TEST print the entries of two maps that differ.
namespace boost::test_tools::tt_detail {
template <>
struct print_log_value<std::pair<const std::string, std::string>> {
  void operator()(std::ostream& os, const std::pair<const std::string, std::string>& p) {
    os << p.first << " = ";
    if (p.second.size() > 60) {
      os << p.second.size() << " bytes";
    } else {
      os << '"' << p.second << '"';
    }
  }
};
}  // namespace boost::test_tools::tt_detail

namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// One <Resource> of a manifest.
struct Resource {
  std::string name, type, path;
};

// A manifest; `extra` goes inside <Collection> after the resources,
// `attributes` into its start tag.
std::string Manifest(const std::string& name, const std::string& guid,
                     const std::vector<Resource>& resources, const std::string& extra = "",
                     const std::string& attributes = "") {
  std::string xml = "<?xml version=\"1.0\"?>\n<Collection name=\"" + name + "\" guid=\"" + guid +
                    "\"" + (attributes.empty() ? "" : " " + attributes) + ">\n";
  for (const Resource& r : resources) {
    xml += "  <Resource name=\"" + r.name + "\" type=\"" + r.type + "\"" +
           (r.path.empty() ? "" : " path=\"" + r.path + "\"") + "/>\n";
  }
  return xml + extra + "</Collection>\n";
}

// The entries of a simple collection: each "dir/file" of `files` is a
// www <Resource> installed at that path, with its contents.
std::vector<ZipEntry> SimpleCollection(const std::string& name, const std::string& guid,
                                       const std::map<std::string, std::string>& files,
                                       const std::string& attributes = "",
                                       const std::string& extra = "") {
  std::vector<Resource> resources;
  std::vector<ZipEntry> entries;
  for (const auto& [path, data] : files) {
    size_t slash = path.rfind('/');
    resources.push_back({path, "www", slash == std::string::npos ? "" : path.substr(0, slash)});
    entries.push_back(ZipFile(path, data));
  }
  entries.insert(entries.begin(),
                 ZipFile("collection.xml", Manifest(name, guid, resources, extra, attributes)));
  return entries;
}

// What an install leaves, to compare before and after one that must change
// nothing: every entry below a directory (a file with its contents, a
// directory, a symbolic link with its target).
using Tree = std::map<std::string, std::string>;

Tree TreeOf(const std::string& root) {
  Tree tree;
  std::error_code ec;
  if (!fs::exists(root, ec)) return tree;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::string rel = it->path().lexically_relative(root).string();
    fs::file_status st = it->symlink_status(ec);
    if (fs::is_symlink(st)) {
      tree[rel] = "link " + fs::read_symlink(it->path(), ec).string();
    } else if (fs::is_directory(st)) {
      tree[rel] = "dir";
    } else if (fs::is_regular_file(st)) {
      tree[rel] = "file " + ReadAll(it->path().string());
    } else {
      tree[rel] = "other";
    }
  }
  BOOST_TEST_REQUIRE(!ec, "cannot walk " << root << ": " << ec.message());
  return tree;
}

// A scratch database and an empty files area of their own, per test: a
// new site, before anything ran.
struct NewSite : site_test::MigratedDb {
  NewSite() {
    files_dir = tmp.path() + "/files";
    uploads = tmp.path() + "/uploads";
    fs::create_directories(files_dir);
    fs::create_directories(uploads);
    config().files_dir = files_dir;
    Status s = site::CheckConfigDirectories(config());
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    person = AddPerson("Ada", "Admin", "ada", site::Access::kAdmin);
  }

  // Writes the zip of `entries` as the upload `name` and returns the input
  // for it, filled in as cgi-bin/installCollection.cc does.
  InstallInput Upload(const std::vector<ZipEntry>& entries, const std::string& name = "c") {
    std::string path = uploads + "/" + name + "-" + std::to_string(++uploads_made) + ".zip";
    site_test::WriteZip(path, entries);
    return InputFor(path);
  }
  InstallInput InputFor(const std::string& path) {
    InstallInput in;
    std::string bytes = ReadAll(path);
    in.archive_path = path;
    in.archive_sha256 = site::Sha256Hex(bytes);
    in.archive_bytes = bytes.size();
    in.person_id = person;
    in.client_address = "192.0.2.10";
    return in;
  }

  Status Install(const std::vector<ZipEntry>& entries, InstallOutcome* out = nullptr) {
    InstallOutcome ignored;
    return site::InstallCollection(db(), config(), Upload(entries), out ? out : &ignored);
  }
  // An install that the test needs to succeed.
  InstallOutcome MustInstall(const std::vector<ZipEntry>& entries) {
    InstallOutcome out;
    Status s = Install(entries, &out);
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    return out;
  }

  // The generation site_state names.
  std::string DbGeneration() {
    std::string g;
    Status s = site::ReadSiteGeneration(db(), &g);
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    return g;
  }
  std::set<std::string> Generations() {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(files_dir + "/generations")) {
      names.insert(e.path().filename().string());
    }
    return names;
  }

  // What the web server serves: "area/path" -> contents, in the generation
  // that files_dir/current points at.
  Tree Served() {
    std::string published = site::PublishedGeneration(config());
    BOOST_TEST_REQUIRE(!published.empty(), "files_dir/current points nowhere");
    Tree served;
    for (const auto& [rel, what] : TreeOf(site::GenerationDir(config(), published))) {
      if (what.compare(0, 5, "file ") == 0) served[rel] = what.substr(5);
    }
    return served;
  }

  // The rows of `sql`, each "a|b|c" (NULL as "NULL").
  std::vector<std::string> Rows(const std::string& sql,
                                const std::vector<site::DbValue>& params = {}) {
    std::vector<site::DbRow> rows;
    Status s = db()->Query(sql, params, &rows);
    BOOST_TEST_REQUIRE(s.ok(), sql << ": " << s.ToString());
    std::vector<std::string> out;
    for (const site::DbRow& r : rows) {
      std::string line;
      for (size_t i = 0; i < r.size(); ++i) {
        line += (i ? "|" : "") + (r.IsNull(i) ? "NULL" : r.Str(i));
      }
      out.push_back(line);
    }
    return out;
  }
  // "area/path|bytes" of every file of collection `guid`.
  std::set<std::string> DbFiles(const std::string& guid) {
    std::vector<std::string> rows = Rows(
        "SELECT CONCAT(f.area, '/', f.path), f.bytes FROM collection_files f "
        "JOIN collections c ON c.id = f.collection_id WHERE c.guid = ?",
        {guid});
    return std::set<std::string>(rows.begin(), rows.end());
  }
  // The collections' tables and site_state, all of them: the database side
  // of "nothing changed" (the history is checked on its own).
  std::vector<std::string> DbState() {
    std::vector<std::string> all;
    for (const char* sql :
         {"SELECT * FROM collections ORDER BY id",
          "SELECT area, path, collection_id, bytes FROM collection_files ORDER BY area, path",
          "SELECT * FROM collection_addons ORDER BY id", "SELECT * FROM site_state"}) {
      all.push_back(std::string("-- ") + sql);
      for (const std::string& r : Rows(sql)) all.push_back(r);
    }
    return all;
  }

  // The install history: one row per attempt, oldest first.
  struct HistoryRow {
    std::string guid, name, person, client, sha256, result, reason;
    int64_t archive_bytes, http_status, files, bytes;
    bool replaced;
  };
  std::vector<HistoryRow> History() {
    std::vector<site::DbRow> rows;
    Status s = db()->Query(
        "SELECT guid, name, person_id, client_address, archive_sha256, result, reason, "
        "archive_bytes, http_status, file_count, total_bytes, replaced "
        "FROM collection_installs ORDER BY id",
        {}, &rows);
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    std::vector<HistoryRow> out;
    for (const site::DbRow& r : rows) {
      out.push_back(HistoryRow{r.Str(0), r.Str(1), r.IsNull(2) ? "NULL" : r.Str(2), r.Str(3),
                               r.Str(4), r.Str(5), r.Str(6), r.Int(7), r.Int(8), r.Int(9),
                               r.Int(10), r.Int(11) != 0});
    }
    return out;
  }

  // Everything an install may touch, on disk and in the database.
  struct State {
    Tree disk;
    std::vector<std::string> database;
  };
  State Snapshot() { return State{TreeOf(tmp.path()), DbState()}; }
  void CheckUnchanged(const State& before) {
    State after = Snapshot();
    BOOST_TEST(after.disk == before.disk, boost::test_tools::per_element());
    BOOST_TEST(after.database == before.database, boost::test_tools::per_element());
  }

  site_test::TempDir tmp;
  std::string files_dir, uploads;
  int64_t person = 0;
  int uploads_made = 0;
};

// A site as tools/admin-site-setup.sh leaves it: `siteadmin recover-files`
// has made the first, empty generation and published it.
struct SetUpSite : NewSite {
  SetUpSite() {
    Status s = site::RecoverCollections(db(), config());
    BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  }
};

const char kGuidA[] = "{6f1c2a4e-0000-4000-8000-00000000000a}";
const char kGuidB[] = "{6f1c2a4e-0000-4000-8000-00000000000b}";

}  // namespace

BOOST_FIXTURE_TEST_SUITE(collection_installer_test, SetUpSite, NEEDS_DB)

BOOST_AUTO_TEST_CASE(a_first_install_publishes_its_files_and_records_them) {
  const std::string css = "body { color: #333; }\n";
  std::string png(3000, '\0');
  for (size_t i = 0; i < png.size(); ++i) png[i] = static_cast<char>(i * 7 + 3);
  std::string manifest = Manifest("Shop", kGuidA,
                                  {{"css/site.css", "www", "shop/css"},
                                   {"logo.png", "cdn", "shop/img"},
                                   {"config/keys.txt", "private", ""}},
                                  "  <Addon name=\"Cart\" guid=\"{cart}\"/>\n"
                                  "  <HelpLink>https://example.com/shop</HelpLink>\n");
  InstallInput in = Upload({ZipFile("collection.xml", manifest), ZipDir("css"),
                            ZipFile("css/site.css", css), ZipFile("logo.png", png, ZIP_CM_STORE),
                            ZipFile("config/keys.txt", "k"), ZipFile("README.txt", "not listed")});
  InstallOutcome out;
  Status s = site::InstallCollection(db(), config(), in, &out);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());

  BOOST_TEST(out.name == "Shop");
  BOOST_TEST(out.guid == kGuidA);
  BOOST_TEST(out.files == 3u);
  BOOST_TEST(out.bytes == css.size() + png.size() + 1);
  BOOST_TEST(!out.replaced);
  BOOST_TEST(out.version == 1);
  BOOST_TEST(out.replaced_installed_at.empty());
  BOOST_TEST(out.warnings == (std::vector<std::string>{
                                 "archive entry \"README.txt\" is not a <Resource>; ignored"}),
             boost::test_tools::per_element());

  // On disk: the published generation, the one the database names, holds
  // the files where the manifest put them, and nothing else.
  std::string generation = DbGeneration();
  BOOST_TEST(site::GenerationNumber(generation) > 0, generation);
  BOOST_TEST(fs::read_symlink(files_dir + "/current").string() == "generations/" + generation);
  BOOST_TEST(Served() == (Tree{{"www/shop/css/site.css", css},
                               {"cdn/shop/img/logo.png", png},
                               {"private/keys.txt", "k"}}),
             boost::test_tools::per_element());
  BOOST_TEST(ReadAll(site::PublishedWwwDir(config()) + "/shop/css/site.css") == css);
  BOOST_TEST(Generations() == std::set<std::string>{generation}, boost::test_tools::per_element());
  BOOST_TEST(TreeOf(site::StagingDir(config())).empty());  // the unpacking area is cleaned up

  // In the database: the same files, the collection and its add-on.
  BOOST_TEST(DbFiles(kGuidA) ==
                 (std::set<std::string>{"www/shop/css/site.css|" + std::to_string(css.size()),
                                        "cdn/shop/img/logo.png|3000", "private/keys.txt|1"}),
             boost::test_tools::per_element());
  BOOST_TEST(Rows("SELECT name, is_system, updatable, version, installed_by, file_count, "
                  "total_bytes, archive_sha256, help_link FROM collections") ==
                 (std::vector<std::string>{"Shop|0|1|1|" + std::to_string(person) + "|3|" +
                                           std::to_string(out.bytes) + "|" + in.archive_sha256 +
                                           "|https://example.com/shop"}),
             boost::test_tools::per_element());
  BOOST_TEST(
      Rows("SELECT name, guid FROM collection_addons") == std::vector<std::string>{"Cart|{cart}"},
      boost::test_tools::per_element());

  // One history row: who, what, the result.
  std::vector<HistoryRow> h = History();
  BOOST_TEST_REQUIRE(h.size() == 1u);
  BOOST_TEST(h[0].result == "installed");
  BOOST_TEST(h[0].http_status == 200);
  BOOST_TEST(h[0].reason == "");
  BOOST_TEST(h[0].guid == kGuidA);
  BOOST_TEST(h[0].name == "Shop");
  BOOST_TEST(h[0].person == std::to_string(person));
  BOOST_TEST(h[0].client == "192.0.2.10");
  BOOST_TEST(h[0].sha256 == in.archive_sha256);
  BOOST_TEST(h[0].archive_bytes == static_cast<int64_t>(in.archive_bytes));
  BOOST_TEST(h[0].files == 3);
  BOOST_TEST(h[0].bytes == static_cast<int64_t>(out.bytes));
  BOOST_TEST(!h[0].replaced);
}

BOOST_AUTO_TEST_CASE(a_reinstall_replaces_the_old_files_and_counts_the_version) {
  MustInstall(SimpleCollection("Other", kGuidB, {{"other/keep.css", "theirs"}}));
  MustInstall(SimpleCollection("Shop", kGuidA, {{"shop/a.css", "old a"}, {"shop/b.css", "old b"}}));
  const int64_t id = QueryInt("SELECT id FROM collections WHERE guid = ?", {kGuidA});
  const std::string first_installed = QueryStr(
      "SELECT DATE_FORMAT(installed_at, '%Y-%m-%d %H:%i:%s') FROM collections "
      "WHERE guid = ?",
      {kGuidA});
  const std::string old_generation = DbGeneration();

  InstallOutcome out = MustInstall(
      SimpleCollection("Shop 2", kGuidA, {{"shop/a.css", "new a"}, {"shop/c.css", "new c!"}}));
  BOOST_TEST(out.replaced);
  BOOST_TEST(out.version == 2);
  BOOST_TEST(out.replaced_installed_at == first_installed + " UTC");
  BOOST_TEST(out.name == "Shop 2");
  BOOST_TEST(out.files == 2u);
  BOOST_TEST(out.bytes == 11u);

  // The old-only file is gone, the new one there, the other collection's kept.
  BOOST_TEST(Served() == (Tree{{"www/other/keep.css", "theirs"},
                               {"www/shop/a.css", "new a"},
                               {"www/shop/c.css", "new c!"}}),
             boost::test_tools::per_element());
  std::string generation = DbGeneration();
  BOOST_TEST(site::GenerationNumber(generation) > site::GenerationNumber(old_generation));
  BOOST_TEST(site::PublishedGeneration(config()) == generation);
  BOOST_TEST(Generations() == std::set<std::string>{generation}, boost::test_tools::per_element());

  // The same row, its new version and files.
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM collections WHERE guid = ?", {kGuidA}) == 1);
  BOOST_TEST(QueryInt("SELECT id FROM collections WHERE guid = ?", {kGuidA}) == id);
  BOOST_TEST(QueryInt("SELECT version FROM collections WHERE guid = ?", {kGuidA}) == 2);
  BOOST_TEST(QueryStr("SELECT name FROM collections WHERE guid = ?", {kGuidA}) == "Shop 2");
  BOOST_TEST(DbFiles(kGuidA) == (std::set<std::string>{"www/shop/a.css|5", "www/shop/c.css|6"}),
             boost::test_tools::per_element());
  BOOST_TEST(DbFiles(kGuidB) == std::set<std::string>{"www/other/keep.css|6"},
             boost::test_tools::per_element());

  std::vector<HistoryRow> h = History();
  BOOST_TEST_REQUIRE(h.size() == 3u);
  BOOST_TEST(!h[1].replaced);
  BOOST_TEST(h[2].replaced);
  BOOST_TEST(h[2].result == "installed");
  BOOST_TEST(h[2].files == 2);

  // And a third time: version 3.
  out = MustInstall(SimpleCollection("Shop 2", kGuidA, {{"shop/a.css", "newer a"}}));
  BOOST_TEST(out.version == 3);
  BOOST_TEST(QueryInt("SELECT version FROM collections WHERE guid = ?", {kGuidA}) == 3);
  BOOST_TEST(Served().count("www/shop/c.css") == 0u);
}

BOOST_AUTO_TEST_CASE(a_collection_installed_not_updatable_is_not_replaced) {
  MustInstall(SimpleCollection("Locked", kGuidA, {{"locked/a.css", "v1"}}, "updatable=\"false\""));
  BOOST_TEST(QueryInt("SELECT updatable FROM collections WHERE guid = ?", {kGuidA}) == 0);
  InstallInput in = Upload(SimpleCollection("Locked", kGuidA, {{"locked/a.css", "v2"}}));
  State before = Snapshot();

  InstallOutcome out;
  Status s = site::InstallCollection(db(), config(), in, &out);
  BOOST_TEST((s.code() == Status::Code::kConflict), s.ToString());
  BOOST_TEST(s.message().find("not updatable") != std::string::npos, s.message());
  BOOST_TEST(s.message().find(kGuidA) != std::string::npos, s.message());
  CheckUnchanged(before);
  BOOST_TEST(Served() == (Tree{{"www/locked/a.css", "v1"}}), boost::test_tools::per_element());

  std::vector<HistoryRow> h = History();
  BOOST_TEST_REQUIRE(h.size() == 2u);
  BOOST_TEST(h[1].result == "refused");
  BOOST_TEST(h[1].http_status == 409);
  BOOST_TEST(h[1].reason == s.message());
  BOOST_TEST(h[1].guid == kGuidA);
  BOOST_TEST(h[1].files == 0);
}

BOOST_AUTO_TEST_CASE(a_path_of_another_collection_is_refused_naming_it) {
  MustInstall(
      SimpleCollection("Theirs", kGuidB, {{"shared/logo.png", "their logo"}, {"lib/x/y.js", "y"}}));
  const struct Case {
    const char* what;
    std::string path;     // the new collection's www file
    std::string needles;  // the message holds these, '|'-separated
  } cases[] = {
      {"the same path", "shared/logo.png",
       "www/shared/logo.png belongs to collection \"Theirs\" (" + std::string(kGuidB) + ")"},
      {"the same path in another case", "Shared/LOGO.png",
       "www/Shared/LOGO.png collides with www/shared/logo.png of collection \"Theirs\""},
      {"below their file", "shared/logo.png/inner.css", "www/shared/logo.png/inner.css|Theirs"},
      {"a file where their directory is", "lib/x", "www/lib/x collides with www/lib/x/y.js"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      InstallInput in =
          Upload(SimpleCollection("Mine", kGuidA, {{"mine/ok.css", "ok"}, {c.path, "mine"}}));
      State before = Snapshot();
      size_t attempts = History().size();
      InstallOutcome out;
      Status s = site::InstallCollection(db(), config(), in, &out);
      BOOST_TEST((s.code() == Status::Code::kConflict), s.ToString());
      std::istringstream needles(c.needles);
      for (std::string n; std::getline(needles, n, '|');) {
        BOOST_TEST(s.message().find(n) != std::string::npos,
                   "'" << n << "' not in " << s.message());
      }
      CheckUnchanged(before);
      BOOST_TEST(QueryInt("SELECT COUNT(*) FROM collections WHERE guid = ?", {kGuidA}) == 0);
      std::vector<HistoryRow> h = History();
      BOOST_TEST_REQUIRE(h.size() == attempts + 1);
      BOOST_TEST(h.back().result == "refused");
      BOOST_TEST(h.back().http_status == 409);
      BOOST_TEST(h.back().reason == s.message());
    }
  }
  BOOST_TEST(Served() == (Tree{{"www/shared/logo.png", "their logo"}, {"www/lib/x/y.js", "y"}}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_import_of_a_collection_not_installed_is_refused_naming_it) {
  MustInstall(SimpleCollection("Base", kGuidB, {{"base/b.css", "b"}}));
  const std::string missing = "{6f1c2a4e-0000-4000-8000-0000000000ff}";
  InstallInput in =
      Upload(SimpleCollection("Needs", kGuidA, {{"needs/n.css", "n"}}, "",
                              "  <ImportCollection>" + missing + "</ImportCollection>\n"));
  State before = Snapshot();
  InstallOutcome out;
  Status s = site::InstallCollection(db(), config(), in, &out);
  BOOST_TEST((s.code() == Status::Code::kInvalid), s.ToString());
  BOOST_TEST(s.message().find(missing) != std::string::npos, s.message());
  CheckUnchanged(before);
  std::vector<HistoryRow> h = History();
  BOOST_TEST_REQUIRE(h.size() == 2u);
  BOOST_TEST(h[1].result == "refused");
  BOOST_TEST(h[1].http_status == 422);
  BOOST_TEST(h[1].guid == kGuidA);
  BOOST_TEST(h[1].reason == s.message());

  // Importing one that is installed (and itself) is fine.
  MustInstall(SimpleCollection("Needs", kGuidA, {{"needs/n.css", "n"}}, "",
                               "  <ImportCollection>" + std::string(kGuidB) +
                                   "</ImportCollection>\n  <ImportCollection>" + kGuidA +
                                   "</ImportCollection>\n"));
  BOOST_TEST(Served().count("www/needs/n.css") == 1u);
}

// Archives that must be refused whole, before anything is written: the
// files area, the collections and site_state stay as they were, and the
// history has the refusal.
BOOST_AUTO_TEST_CASE(hostile_or_broken_archives_are_refused_and_change_nothing) {
  MustInstall(SimpleCollection("Base", kGuidB, {{"base/b.css", "b"}}));
  const std::string good = Manifest("Evil", kGuidA, {{"a.css", "www", "evil"}});
  std::string inner_zip;
  {
    site_test::TempDir t;
    site_test::WriteZip(t.path() + "/inner.zip",
                        {ZipFile("ok.css", "ok"), ZipFile("../evil", "x")});
    inner_zip = ReadAll(t.path() + "/inner.zip");
  }
  const struct Case {
    const char* what;
    std::vector<ZipEntry> entries;
    std::string needle;
    bool named;  // the history names the collection (its manifest was read)
  } cases[] = {
      {"an entry named ../x",
       {ZipFile("collection.xml", good), ZipFile("a.css", "a"), ZipFile("../x", "escaped")},
       "archive entry \"../x\"",
       false},
      {"an entry below ../..",
       {ZipFile("collection.xml", good), ZipFile("a.css", "a"), ZipFile("css/../../x", "escaped")},
       "archive entry \"css/../../x\"",
       false},
      {"an absolute entry",
       {ZipFile("collection.xml", good), ZipFile("a.css", "a"), ZipFile("/tmp/x", "escaped")},
       "archive entry \"/tmp/x\"",
       false},
      {"a symbolic link",
       {ZipFile("collection.xml", good), ZipFile("a.css", "a"),
        site_test::WithMode(ZipFile("link", "/etc/passwd"), S_IFLNK | 0777)},
       "archive entry \"link\" is a symbolic link",
       false},
      {"no manifest", {ZipFile("a.css", "a")}, "no manifest", false},
      {"a resource path out of its area",
       {ZipFile("collection.xml", Manifest("Evil", kGuidA, {{"a.css", "www", "../../escaped"}})),
        ZipFile("a.css", "a")},
       "<Resource name=\"a.css\"> path \"../../escaped\" contains \"..\"",
       false},
      {"two resources installing to one path",
       {ZipFile("collection.xml",
                Manifest("Evil", kGuidA, {{"a.css", "www", "x"}, {"b/A.css", "www", "x"}})),
        ZipFile("a.css", "a"), ZipFile("b/A.css", "b")},
       "two resources would install to www/x/A.css",
       true},
      {"a resource the archive lacks",
       {ZipFile("collection.xml",
                Manifest("Evil", kGuidA, {{"a.css", "www", ""}, {"b.css", "www", ""}})),
        ZipFile("a.css", "a")},
       "<Resource name=\"b.css\"> names a file the archive does not have",
       true},
      {"a nested archive with an entry named ../evil",
       {ZipFile("collection.xml", Manifest("Evil", kGuidA, {{"inner.zip", "www", "evil"}})),
        ZipFile("inner.zip", inner_zip, ZIP_CM_STORE)},
       "in inner.zip: archive entry \"../evil\"",
       true},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      InstallInput in = Upload(c.entries);
      State before = Snapshot();
      size_t attempts = History().size();
      InstallOutcome out;
      Status s = site::InstallCollection(db(), config(), in, &out);
      BOOST_TEST((s.code() == Status::Code::kInvalid), s.ToString());
      BOOST_TEST(s.message().find(c.needle) != std::string::npos, s.message());
      CheckUnchanged(before);
      std::vector<HistoryRow> h = History();
      BOOST_TEST_REQUIRE(h.size() == attempts + 1);
      BOOST_TEST(h.back().result == "refused");
      BOOST_TEST(h.back().http_status == 422);
      BOOST_TEST(h.back().reason == s.message());
      BOOST_TEST(h.back().guid == (c.named ? kGuidA : ""));
      BOOST_TEST(h.back().sha256 == in.archive_sha256);
      BOOST_TEST(h.back().person == std::to_string(person));
      BOOST_TEST(h.back().files == 0);
    }
  }
  BOOST_TEST(Served() == (Tree{{"www/base/b.css", "b"}}), boost::test_tools::per_element());
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM collections") == 1);
}

BOOST_FIXTURE_TEST_CASE(a_hostile_first_install_writes_nothing_at_all, NewSite) {
  InstallInput in =
      Upload({ZipFile("collection.xml", Manifest("Evil", kGuidA, {{"a.css", "www", ""}})),
              ZipFile("a.css", "a"), ZipFile("../x", "escaped")});
  InstallOutcome out;
  Status s = site::InstallCollection(db(), config(), in, &out);
  BOOST_TEST((s.code() == Status::Code::kInvalid), s.ToString());
  BOOST_TEST(s.message().find("\"../x\"") != std::string::npos, s.message());
  // No file anywhere but the upload; no generation, nothing published.
  for (const auto& [rel, what] : TreeOf(tmp.path())) {
    if (what.compare(0, 4, "file") == 0) BOOST_TEST(rel.compare(0, 8, "uploads/") == 0, rel);
  }
  BOOST_TEST(!fs::exists(files_dir + "/generations"));
  BOOST_TEST(!fs::exists(files_dir + "/current"));
  BOOST_TEST(DbGeneration() == "");
  std::vector<HistoryRow> h = History();
  BOOST_TEST_REQUIRE(h.size() == 1u);
  BOOST_TEST(h[0].result == "refused");
  BOOST_TEST(h[0].reason == s.message());
}

// A damaged entry is found while the new generation is being built, after
// the lease was taken: the half-built generation goes, the old one stays.
BOOST_AUTO_TEST_CASE(an_entry_found_damaged_while_building_leaves_the_old_version) {
  MustInstall(SimpleCollection("Shop", kGuidA, {{"shop/a.css", "old a"}}));
  const std::string damaged = "DAMAGED-0123456789-0123456789";
  InstallInput in = Upload(
      {ZipFile("collection.xml",
               Manifest("Shop", kGuidA, {{"a.css", "www", "shop"}, {"z.css", "www", "shop"}})),
       ZipFile("a.css", "new a", ZIP_CM_STORE), ZipFile("z.css", damaged, ZIP_CM_STORE)});
  std::string bytes = ReadAll(in.archive_path);
  size_t at = bytes.find(damaged);
  BOOST_TEST_REQUIRE(at != std::string::npos);
  BOOST_TEST_REQUIRE(bytes.find(damaged, at + 1) == std::string::npos);
  bytes[at] = 'X';  // the CRC no longer matches
  std::ofstream(in.archive_path, std::ios::binary | std::ios::trunc) << bytes;
  in = InputFor(in.archive_path);

  State before = Snapshot();
  InstallOutcome out;
  Status s = site::InstallCollection(db(), config(), in, &out);
  BOOST_TEST((s.code() == Status::Code::kInvalid), s.ToString());
  BOOST_TEST(s.message().find("archive entry \"z.css\"") != std::string::npos, s.message());
  CheckUnchanged(before);
  std::vector<HistoryRow> h = History();
  BOOST_TEST_REQUIRE(h.size() == 2u);
  BOOST_TEST(h[1].result == "refused");
  BOOST_TEST(h[1].reason == s.message());
}

BOOST_FIXTURE_TEST_CASE(a_refused_upload_is_one_history_row_with_its_reason, NewSite) {
  const struct Case {
    Status refusal;
    int http_status;
    const char* result;
  } cases[] = {
      {Status::TooLarge("the upload is larger than 256 MiB"), 413, "refused"},
      {Status::BadRequest("no collectionFile field in the form"), 400, "refused"},
      {Status::Unavailable("the upload could not be stored"), 503, "failed"},
  };
  size_t n = 0;
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.refusal.ToString()) {
      InstallInput in;
      in.person_id = person;
      in.client_address = "198.51.100.4";
      in.archive_bytes = 1234 + n;
      Status s = site::RecordRefusedUpload(db(), in, c.refusal);
      BOOST_TEST_REQUIRE(s.ok(), s.ToString());
      std::vector<HistoryRow> h = History();
      BOOST_TEST_REQUIRE(h.size() == ++n);
      const HistoryRow& r = h.back();
      BOOST_TEST(r.result == c.result);
      BOOST_TEST(r.http_status == c.http_status);
      BOOST_TEST(r.reason == c.refusal.message());
      BOOST_TEST(r.guid == "");
      BOOST_TEST(r.name == "");
      BOOST_TEST(r.person == std::to_string(person));
      BOOST_TEST(r.client == "198.51.100.4");
      BOOST_TEST(r.archive_bytes == static_cast<int64_t>(1234 + n - 1));
      BOOST_TEST(r.files == 0);
      BOOST_TEST(!r.replaced);
    }
  }
  // Without a person (not signed in): NULL, not person 0.
  InstallInput anonymous;
  anonymous.client_address = "198.51.100.5";
  BOOST_TEST_REQUIRE(site::RecordRefusedUpload(db(), anonymous, Status::BadRequest("x")).ok());
  BOOST_TEST(History().back().person == "NULL");
  // The files area and the collections are not touched.
  BOOST_TEST(TreeOf(files_dir).empty());
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM collections") == 0);
}

BOOST_AUTO_TEST_CASE(with_install_lock_runs_the_function_holding_the_lease) {
  int64_t fence = 0;
  int calls = 0;
  Status s = site::WithInstallLock(db(), [&](site::Lease* lease) {
    ++calls;
    BOOST_TEST(lease->held());
    fence = lease->fence();
    // Another process cannot take it meanwhile.
    std::unique_ptr<site::Db> other = Connect(false);
    BOOST_TEST_REQUIRE(bool(other));
    site::Lease theirs(other.get(), "collections");
    Status t = theirs.Acquire(0, "busy");
    BOOST_TEST((t.code() == Status::Code::kUnavailable), t.ToString());
    BOOST_TEST(lease->RenewIfDue().ok());
    return Status::Conflict("the function's own answer");
  });
  BOOST_TEST(calls == 1);
  BOOST_TEST(fence > 0);
  // Its answer is returned as it is.
  BOOST_TEST((s.code() == Status::Code::kConflict));
  BOOST_TEST(s.message() == "the function's own answer");
  // And the lease is let go afterwards: the next holder gets it at once,
  // with a larger fence.
  std::unique_ptr<site::Db> other = Connect(false);
  BOOST_TEST_REQUIRE(bool(other));
  site::Lease next(other.get(), "collections");
  BOOST_TEST_REQUIRE(next.Acquire(0, "busy").ok());
  BOOST_TEST(next.fence() > fence);
}

// While the lock is held an install waits: it neither changes the files
// area nor the database until the function returns, and then goes ahead.
BOOST_AUTO_TEST_CASE(an_install_waits_for_the_install_lock) {
  MustInstall(SimpleCollection("Shop", kGuidA, {{"shop/a.css", "old a"}}));
  InstallInput in = Upload(SimpleCollection("Shop", kGuidA, {{"shop/a.css", "new a"}}));
  std::unique_ptr<site::Db> other = Connect(false);
  BOOST_TEST_REQUIRE(bool(other));

  std::mutex mu;
  std::condition_variable cv;
  bool install_started = false, install_done = false, lock_released = false;
  bool released_when_done = false;
  Status install_status = Status::Internal("not run");
  struct Joined {  // even when a failed check leaves the test early
    std::thread t;
    ~Joined() {
      if (t.joinable()) t.join();
    }
  } installer;
  // The install unpacks into staging/ before it waits for the lease: what
  // it must not change is the rest.
  auto published = [&] {
    Tree t = TreeOf(files_dir);
    for (auto it = t.begin(); it != t.end();) {
      it = it->first.compare(0, 7, "staging") == 0 ? t.erase(it) : std::next(it);
    }
    return std::make_pair(t, DbState());
  };
  Status s = site::WithInstallLock(db(), [&](site::Lease* lease) -> Status {
    auto before = published();
    installer.t = std::thread([&] {
      {
        std::lock_guard<std::mutex> l(mu);
        install_started = true;
      }
      cv.notify_all();
      InstallOutcome out;
      Status r = site::InstallCollection(other.get(), config(), in, &out);
      std::lock_guard<std::mutex> l(mu);
      install_status = r;
      install_done = true;
      released_when_done = lock_released;
      cv.notify_all();
    });
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return install_started; });
    // Give the install time to read its archive and reach the lease (not
    // an assertion: if it is slower, the checks below only prove less).
    cv.wait_for(l, std::chrono::milliseconds(1500), [&] { return install_done; });
    BOOST_TEST(!install_done,
               "the install finished while the lock was held: " << install_status.ToString());
    l.unlock();
    auto after = published();
    BOOST_TEST(after.first == before.first, boost::test_tools::per_element());
    BOOST_TEST(after.second == before.second, boost::test_tools::per_element());
    BOOST_TEST(lease->Renew().ok());
    l.lock();
    lock_released = true;
    return Status::OK();
  });
  BOOST_TEST(s.ok(), s.ToString());
  BOOST_TEST_REQUIRE(installer.t.joinable());
  installer.t.join();
  BOOST_TEST(install_status.ok(), install_status.ToString());
  BOOST_TEST(released_when_done);
  BOOST_TEST(Served() == (Tree{{"www/shop/a.css", "new a"}}), boost::test_tools::per_element());
}

// A new site: recovery makes the first, empty generation and names it.
BOOST_FIXTURE_TEST_CASE(recovery_on_a_new_site_publishes_an_empty_generation, NewSite) {
  BOOST_TEST(DbGeneration() == "");
  Status s = site::RecoverCollections(db(), config());
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  std::string generation = DbGeneration();
  BOOST_TEST(generation == site::GenerationName(0));  // below every build's fence
  BOOST_TEST(site::PublishedGeneration(config()) == generation);
  BOOST_TEST(Served().empty());
  // Again: nothing to do, nothing changes.
  State before = Snapshot();
  BOOST_TEST_REQUIRE(site::RecoverCollections(db(), config()).ok());
  CheckUnchanged(before);
}

// Collections installed and their generation gone (the files area not
// mounted, say): recovery refuses rather than start an empty site.
BOOST_AUTO_TEST_CASE(recovery_refuses_to_start_empty_when_installed_files_are_missing) {
  MustInstall(SimpleCollection("Shop", kGuidA, {{"shop/a.css", "a"}}));
  std::string generation = DbGeneration();
  fs::remove_all(files_dir);
  fs::create_directories(files_dir);
  Status s = site::RecoverCollections(db(), config());
  BOOST_TEST((s.code() == Status::Code::kInternal), s.ToString());
  BOOST_TEST(s.message().find(generation) != std::string::npos, s.message());
  BOOST_TEST(s.message().find("mounted") != std::string::npos, s.message());
  BOOST_TEST(DbGeneration() == generation);
  BOOST_TEST(!fs::exists(files_dir + "/current"));
  // An install refuses too, for the same reason, and changes nothing.
  Status i = Install(SimpleCollection("Other", kGuidB, {{"other/b.css", "b"}}));
  BOOST_TEST((i.code() == Status::Code::kInternal), i.ToString());
  BOOST_TEST(QueryInt("SELECT COUNT(*) FROM collections") == 1);
}

BOOST_AUTO_TEST_CASE(fault_points_are_ignored_unless_fault_injection_is_allowed) {
  BOOST_TEST_REQUIRE(!config().allow_fault_injection);
  for (const char* point :
       {"before-build", "mid-build", "after-build", "after-commit", "after-publish"}) {
    BOOST_TEST_CONTEXT(point) {
      // Another archive each time: the same one again is unchanged and
      // builds nothing, so it would pass no fault point.
      InstallInput in = Upload(SimpleCollection("Shop", kGuidA, {{"shop/a.css", point}}));
      in.fault_point = point;
      InstallOutcome out;
      Status s = site::InstallCollection(db(), config(), in, &out);  // would _exit() otherwise
      BOOST_TEST(s.ok(), s.ToString());
    }
  }
  BOOST_TEST(QueryInt("SELECT version FROM collections WHERE guid = ?", {kGuidA}) == 5);
}

// An install that dies (as kill -9 would) at each of its fault points
// leaves the old version or, once it committed, the new one; recovery then
// makes the disk say what the database says.
BOOST_AUTO_TEST_CASE(a_crash_at_any_fault_point_leaves_old_or_new) {
  const struct Case {
    const char* point;
    bool committed;  // the database has the new version
    bool published;  // current points at it
  } cases[] = {
      {"before-build", false, false}, {"mid-build", false, false},   {"after-build", false, false},
      {"after-commit", true, false},  {"after-publish", true, true},
  };
  int n = 0;
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.point) {
      ++n;
      const std::string guid = "{crash-" + std::to_string(n) + "}";
      const std::string dir = "crash" + std::to_string(n);
      MustInstall(
          SimpleCollection("Crash", guid, {{dir + "/a.css", "old a"}, {dir + "/b.css", "old b"}}));
      const Tree served_before = Served();
      const std::string old_generation = DbGeneration();
      const size_t attempts = History().size();
      InstallInput in = Upload(SimpleCollection(
          "Crash", guid,
          {{dir + "/a.css", "new a"}, {dir + "/c.css", "new c"}, {dir + "/d.css", "new d"}}));
      in.fault_point = c.point;
      site::Config faulty = config();
      faulty.allow_fault_injection = true;
      const std::string child_log = tmp.path() + "/child-" + std::to_string(n) + ".log";
      site::DbOptions options = Options(false);

      std::fflush(nullptr);
      pid_t pid = fork();
      BOOST_TEST_REQUIRE(pid >= 0);
      if (pid == 0) {
        // The child: its own connection, as another process has; no test
        // framework calls, and never returns.
        int fd = ::open(child_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) ::dup2(fd, 2);
        try {
          site::Db child_db(options);
          if (!child_db.EnsureConnected().ok()) _exit(13);
          InstallOutcome out;
          Status s = site::InstallCollection(&child_db, faulty, in, &out);
          _exit(s.ok() ? 10 : 11);  // it should have died at the point
        } catch (...) {
          _exit(12);
        }
      }
      int status = 0;
      BOOST_TEST_REQUIRE(waitpid(pid, &status, 0) == pid);
      BOOST_TEST_REQUIRE(WIFEXITED(status));
      BOOST_TEST_REQUIRE(WEXITSTATUS(status) == 137, "the child exited with "
                                                         << WEXITSTATUS(status) << ": "
                                                         << ReadAll(child_log));
      BOOST_TEST(
          ReadAll(child_log).find(std::string("fault injected at ") + c.point) != std::string::npos,
          ReadAll(child_log));

      Tree old_files = served_before;
      Tree new_files = served_before;
      new_files.erase("www/" + dir + "/a.css");
      new_files.erase("www/" + dir + "/b.css");
      new_files["www/" + dir + "/a.css"] = "new a";
      new_files["www/" + dir + "/c.css"] = "new c";
      new_files["www/" + dir + "/d.css"] = "new d";
      const std::set<std::string> old_rows = {"www/" + dir + "/a.css|5", "www/" + dir + "/b.css|5"};
      const std::set<std::string> new_rows = {"www/" + dir + "/a.css|5", "www/" + dir + "/c.css|5",
                                              "www/" + dir + "/d.css|5"};

      // Right after the crash: what is served is whole, old or new.
      BOOST_TEST(Served() == (c.published ? new_files : old_files),
                 boost::test_tools::per_element());
      BOOST_TEST(DbFiles(guid) == (c.committed ? new_rows : old_rows),
                 boost::test_tools::per_element());
      BOOST_TEST((DbGeneration() == old_generation) == !c.committed);
      BOOST_TEST(History().size() == attempts + (c.committed ? 1 : 0));

      // Recovery takes the dead install's lease at once and brings the
      // disk to the database.
      auto started = std::chrono::steady_clock::now();
      Status s = site::RecoverCollections(db(), config());
      BOOST_TEST_REQUIRE(s.ok(), s.ToString());
      BOOST_TEST((std::chrono::steady_clock::now() - started < std::chrono::seconds(20)));
      BOOST_TEST(Served() == (c.committed ? new_files : old_files),
                 boost::test_tools::per_element());
      BOOST_TEST(site::PublishedGeneration(config()) == DbGeneration());
      BOOST_TEST(Generations() == std::set<std::string>{DbGeneration()},
                 boost::test_tools::per_element());
      BOOST_TEST(QueryInt("SELECT version FROM collections WHERE guid = ?", {guid}) ==
                 (c.committed ? 2 : 1));

      // And the next install goes ahead from there.
      InstallOutcome out =
          MustInstall(SimpleCollection("Crash", guid, {{dir + "/a.css", "next a"}}));
      BOOST_TEST(out.version == (c.committed ? 3 : 2));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(collection_installer_unchanged_test)

// The same archive again: nothing built, the attempt "unchanged"; once
// its files are damaged, the same archive installs again and repairs them.
BOOST_FIXTURE_TEST_CASE(the_same_archive_again_is_unchanged_until_its_files_are_damaged, NewSite,
                        NEEDS_DB) {
  BOOST_TEST_REQUIRE(site::RecoverCollections(db(), config()).ok());
  InstallInput in = Upload(SimpleCollection("Shop", kGuidA, {{"shop/a.css", "body{}"}}));
  InstallOutcome out;
  BOOST_TEST_REQUIRE(site::InstallCollection(db(), config(), in, &out).ok());
  BOOST_TEST(!out.unchanged);
  const std::string published = site::PublishedGeneration(config());
  const std::set<std::string> generations = Generations();
  Status s = site::InstallCollection(db(), config(), in, &out);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(out.unchanged);
  BOOST_TEST(out.version == 1);
  BOOST_TEST(site::PublishedGeneration(config()) == published);
  BOOST_TEST(Generations() == generations, boost::test_tools::per_element());
  BOOST_TEST(QueryStr("SELECT result FROM collection_installs ORDER BY id DESC LIMIT 1") == "unchanged");
  BOOST_TEST(QueryInt("SELECT version FROM collections WHERE guid = ?", {kGuidA}) == 1);
  // A damaged file: the same archive is an install again, and repairs it.
  {
    std::ofstream f(site::PublishedWwwDir(config()) + "/shop/a.css", std::ios::trunc);
    f << "x";
  }
  s = site::InstallCollection(db(), config(), in, &out);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(!out.unchanged);
  BOOST_TEST(Served() == (Tree{{"www/shop/a.css", "body{}"}}), boost::test_tools::per_element());
  BOOST_TEST(QueryInt("SELECT version FROM collections WHERE guid = ?", {kGuidA}) == 2);
}

// A not-updatable collection sent again as it is: unchanged, not a 409.
BOOST_FIXTURE_TEST_CASE(an_unchanged_not_updatable_collection_is_not_a_conflict, NewSite,
                        NEEDS_DB) {
  BOOST_TEST_REQUIRE(site::RecoverCollections(db(), config()).ok());
  InstallInput in = Upload(SimpleCollection("Fixed", kGuidA, {{"fixed/a.css", "a"}},
                                            "updatable=\"false\""));
  InstallOutcome out;
  BOOST_TEST_REQUIRE(site::InstallCollection(db(), config(), in, &out).ok());
  Status s = site::InstallCollection(db(), config(), in, &out);
  BOOST_TEST(s.ok(), s.ToString());
  BOOST_TEST(out.unchanged);
  InstallInput other = Upload(SimpleCollection("Fixed", kGuidA, {{"fixed/a.css", "b"}},
                                               "updatable=\"false\""));
  BOOST_TEST((site::InstallCollection(db(), config(), other, &out).code() ==
              Status::Code::kConflict));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(collection_installer_new_site, NewSite, NEEDS_DB)

// A files area with no generation yet (recover-files never ran, or it was
// lost while nothing was installed): the install's own recovery makes the
// first, empty generation (gen-000000000000) and the install builds its
// own beside it. (Once, both were named after the lease's fence: the
// install answered 503 and removed the generation `current` pointed at.)
BOOST_AUTO_TEST_CASE(a_first_install_on_a_site_never_recovered_succeeds) {
  InstallOutcome out;
  Status s = Install(SimpleCollection("Shop", kGuidA, {{"shop/a.css", "a"}}), &out);
  BOOST_TEST(s.ok(), s.ToString());
  // Whatever the answer: current points at the generation the database
  // names, and it exists.
  std::string published = site::PublishedGeneration(config());
  BOOST_TEST(!published.empty());
  BOOST_TEST(fs::is_directory(site::GenerationDir(config(), published)), published);
  BOOST_TEST(DbGeneration() == published);
  if (s.ok())
    BOOST_TEST(Served() == (Tree{{"www/shop/a.css", "a"}}), boost::test_tools::per_element());
  // A second try.
  s = Install(SimpleCollection("Shop", kGuidA, {{"shop/a.css", "a"}}), &out);
  BOOST_TEST(s.ok(), s.ToString());
}

BOOST_AUTO_TEST_SUITE_END()
