#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "generations.h"
#include "test_util.h"

namespace fs = std::filesystem;
using site::Status;

namespace {

// A files area of its own: files_dir in a temporary directory.
struct FilesArea {
  FilesArea() {
    config.files_dir = dir.path() + "/files";
    BOOST_TEST_REQUIRE(site::PrepareFilesArea(config).ok());
  }
  std::string Gen(const std::string& name) const { return site::GenerationDir(config, name); }
  void Put(const std::string& generation, const std::string& rel, const std::string& text) const {
    fs::path p = fs::path(Gen(generation)) / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  std::set<std::string> Generations() const {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(config.files_dir + "/generations")) {
      names.insert(e.path().filename().string());
    }
    return names;
  }
  site_test::TempDir dir;
  site::Config config;
};

std::string Read(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(generations_test)

BOOST_AUTO_TEST_CASE(names_come_from_the_fence_and_sort_like_it) {
  BOOST_TEST(site::GenerationName(42) == "gen-000000000042");
  BOOST_TEST(site::GenerationNumber("gen-000000000042") == 42);
  BOOST_TEST(site::GenerationName(9) < site::GenerationName(10));
  for (int64_t n : {int64_t{1}, int64_t{999999999999}}) {
    BOOST_TEST(site::GenerationNumber(site::GenerationName(n)) == n);
  }
  // An older release's clock-named generations, and anything else: 0.
  for (const char* other : {"g20261201T101500-ab12", "gen-", "gen-12x", "gen--1", "current", ""}) {
    BOOST_TEST_CONTEXT(other) { BOOST_TEST(site::GenerationNumber(other) == 0); }
  }
}

BOOST_AUTO_TEST_CASE(a_new_generation_links_what_stays_and_publishing_swaps_current) {
  FilesArea area;
  std::string one = site::GenerationName(1), two = site::GenerationName(2);
  BOOST_TEST_REQUIRE(site::CreateGeneration(area.config, one).ok());
  area.Put(one, "www/keep.css", "kept");
  area.Put(one, "www/old/replaced.css", "old");
  area.Put(one, "private/p.txt", "private");
  BOOST_TEST_REQUIRE(site::PublishGeneration(area.config, one).ok());
  BOOST_TEST(site::PublishedGeneration(area.config) == one);
  BOOST_TEST(site::PublishedWwwDir(area.config) == area.config.files_dir + "/current/www");

  BOOST_TEST_REQUIRE(site::CreateGeneration(area.config, two).ok());
  int ticks = 0;
  Status s = site::LinkFiles(area.config, one, two, {"www/old/replaced.css"}, [&] {
    ++ticks;
    return Status::OK();
  });
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(ticks == 2);  // once per linked file
  fs::path next = area.Gen(two);
  BOOST_TEST(Read(next / "www/keep.css") == "kept");
  BOOST_TEST(Read(next / "private/p.txt") == "private");
  BOOST_TEST(!fs::exists(next / "www/old/replaced.css"));
  // Hard links: one file, two names (no copy of the data).
  struct stat a {}, b {};
  BOOST_TEST_REQUIRE(::stat((fs::path(area.Gen(one)) / "www/keep.css").c_str(), &a) == 0);
  BOOST_TEST_REQUIRE(::stat((next / "www/keep.css").c_str(), &b) == 0);
  BOOST_TEST(a.st_ino == b.st_ino);

  // Readers of current/www see one generation, then the other.
  BOOST_TEST(fs::exists(area.config.files_dir + "/current/www/old/replaced.css"));
  BOOST_TEST_REQUIRE(site::PublishGeneration(area.config, two).ok());
  BOOST_TEST(site::PublishedGeneration(area.config) == two);
  BOOST_TEST(!fs::exists(area.config.files_dir + "/current/www/old/replaced.css"));
  BOOST_TEST(Read(area.config.files_dir + "/current/www/keep.css") == "kept");
}

BOOST_AUTO_TEST_CASE(a_failing_tick_stops_the_links) {
  FilesArea area;
  std::string one = site::GenerationName(1), two = site::GenerationName(2);
  BOOST_TEST_REQUIRE(site::CreateGeneration(area.config, one).ok());
  area.Put(one, "www/a.css", "a");
  area.Put(one, "www/b.css", "b");
  BOOST_TEST_REQUIRE(site::CreateGeneration(area.config, two).ok());
  Status s = site::LinkFiles(area.config, one, two, {},
                             [] { return Status::Unavailable("the lease was lost"); });
  BOOST_TEST((s.code() == Status::Code::kUnavailable));
  BOOST_TEST(s.message() == "the lease was lost");
}

// Recovery's rules (generations.h, RemoveLeftovers): keep the database's
// generation and any of the current lease or later; remove older ones and
// newer ones built under a lease that has ended.
BOOST_AUTO_TEST_CASE(leftovers_are_what_no_live_lease_can_be_building) {
  FilesArea area;
  const std::string legacy = "g20261201T101500-ab12";
  for (const std::string& g : {legacy, site::GenerationName(3), site::GenerationName(5),
                               site::GenerationName(7), site::GenerationName(9),
                               site::GenerationName(10)}) {
    BOOST_TEST_REQUIRE(site::CreateGeneration(area.config, g).ok());
  }
  // The database names 5; the current lease is 9 (7: built under lease 7,
  // which ended when 8 or 9 was taken; 10: impossible today, a restored
  // database's, and kept).
  fs::create_directories(area.config.files_dir + "/current.new-abcd");
  site::RemoveLeftovers(area.config, site::GenerationName(5), 9);
  BOOST_TEST(area.Generations() ==
                 (std::set<std::string>{site::GenerationName(5), site::GenerationName(9),
                                        site::GenerationName(10)}),
             boost::test_tools::per_element());
  BOOST_TEST(!fs::exists(area.config.files_dir + "/current.new-abcd"));

  // An older release's database names a clock-named generation: kept.
  BOOST_TEST_REQUIRE(site::CreateGeneration(area.config, legacy).ok());
  site::RemoveLeftovers(area.config, legacy, 11);
  BOOST_TEST(area.Generations() == (std::set<std::string>{legacy}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(creating_a_generation_replaces_a_stale_directory_of_its_name) {
  FilesArea area;
  std::string g = site::GenerationName(4);
  area.Put(g, "www/stale.css", "left by a build that never committed");
  BOOST_TEST_REQUIRE(site::CreateGeneration(area.config, g).ok());
  BOOST_TEST(!fs::exists(fs::path(area.Gen(g)) / "www/stale.css"));
  for (const char* a : site::kFileAreas) BOOST_TEST(fs::is_directory(fs::path(area.Gen(g)) / a));
}

BOOST_AUTO_TEST_SUITE_END()
