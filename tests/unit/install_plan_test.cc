#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "install_plan.h"

using site::ArchiveListing;
using site::CollectionManifest;
using site::InstallPlan;
using site::ManifestResource;
using site::PlanInput;
using site::Status;

namespace {

ArchiveListing Listing(std::vector<std::string> files, uint64_t bytes = 100) {
  ArchiveListing l;
  l.entries = files.size() + 1;  // and the manifest
  l.files = std::move(files);
  l.declared_bytes = bytes;
  return l;
}

struct Case {
  const char* what;
  std::vector<ManifestResource> resources;
  std::vector<std::string> archive_files;
  std::vector<std::pair<std::string, ArchiveListing>> nested;
  std::vector<std::string> planned;  // "area/path<-entry[@nested]" when it succeeds
  std::string error;                 // else a part of the message
  std::vector<std::string> warnings = {};
};

std::string Describe(const site::PlannedFile& p) {
  return p.area + "/" + p.path + "<-" + p.entry + (p.nested.empty() ? "" : "@" + p.nested);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(install_plan_test)

BOOST_AUTO_TEST_CASE(plans_and_refusals) {
  // 200-byte directories: 3 + a file make 610 bytes, 4 make 811.
  const std::string d(200, 'd'), three = d + "/" + d + "/" + d;
  const std::vector<Case> cases = {
      {"a file into a directory of its area",
       {{"css/site.css", "www", "styles"}}, {"css/site.css"}, {},
       {"www/styles/site.css<-css/site.css"}, ""},
      {"a file to the root of its area", {{"a.txt", "private", ""}}, {"a.txt"}, {},
       {"private/a.txt<-a.txt"}, ""},
      {"a nested zip is unpacked below its path, and not itself installed",
       {{"theme.zip", "cdn", "theme"}}, {"theme.zip"},
       {{"theme.zip", Listing({"img/x.png", "y.css"})}},
       {"cdn/theme/img/x.png<-img/x.png@theme.zip", "cdn/theme/y.css<-y.css@theme.zip"}, ""},
      {"an entry that no resource names is a warning", {{"a.css", "www", ""}},
       {"a.css", "notes.txt"}, {}, {"www/a.css<-a.css"}, "",
       {"archive entry \"notes.txt\" is not a <Resource>; ignored"}},
      {"a resource named twice", {{"a.css", "www", ""}, {"a.css", "www", "b"}}, {"a.css"}, {}, {},
       "<Resource name=\"a.css\"> appears more than once"},
      {"a resource the archive lacks", {{"gone.css", "www", ""}}, {"a.css"}, {}, {},
       "<Resource name=\"gone.css\"> names a file the archive does not have"},
      {"two resources onto one path, in another case",
       {{"x/A.css", "www", "s"}, {"y/a.css", "www", "s"}}, {"x/A.css", "y/a.css"}, {}, {},
       "two resources would install to www/s/a.css"},
      {"the same path in two areas is two files",
       {{"x/a.css", "www", ""}, {"y/a.css", "cdn", ""}}, {"x/a.css", "y/a.css"}, {},
       {"www/a.css<-x/a.css", "cdn/a.css<-y/a.css"}, ""},
      {"a path that is a file and a directory",
       {{"x/img", "www", ""}, {"logo.png", "www", "img"}}, {"x/img", "logo.png"}, {}, {},
       "www/img would be both a file and a directory"},
      {"a path over 700 bytes", {{"a.css", "www", three + "/" + d}}, {"a.css"}, {}, {},
       "is longer than 700 bytes"},
      {"700 bytes exactly", {{"a.css", "www", three + "/" + std::string(91, 'e')}}, {"a.css"}, {},
       {"www/" + three + "/" + std::string(91, 'e') + "/a.css<-a.css"}, ""},
      {"a nested entry that climbs out", {{"t.zip", "www", "t"}}, {"t.zip"},
       {{"t.zip", Listing({"../../etc/passwd"})}}, {}, "install path"},
      {"nested archives count against the unpacked total", {{"t.zip", "www", ""}}, {"t.zip"},
       {{"t.zip", Listing({"big.bin"}, (1ull << 30) + 1)}}, {},
       "the archive unpacks to more than 1024 MiB (nested archives included)"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      CollectionManifest m;
      m.resources = c.resources;
      PlanInput in;
      in.manifest = &m;
      in.manifest_name = "collection.xml";
      in.archive = Listing(c.archive_files);
      for (const auto& [name, listing] : c.nested) in.nested[name] = listing;
      InstallPlan plan;
      Status s = site::PlanInstall(in, &plan);
      if (c.error.empty()) {
        BOOST_TEST_REQUIRE(s.ok(), s.ToString());
        std::vector<std::string> got;
        for (const auto& p : plan.files) got.push_back(Describe(p));
        BOOST_TEST(got == c.planned, boost::test_tools::per_element());
        BOOST_TEST(plan.warnings == c.warnings, boost::test_tools::per_element());
      } else {
        BOOST_TEST((s.code() == Status::Code::kInvalid), s.ToString());
        BOOST_TEST(s.message().find(c.error) != std::string::npos, s.message());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(entry_and_file_limits_include_nested_archives) {
  CollectionManifest m;
  m.resources = {{"a.zip", "www", "a"}, {"b.zip", "www", "b"}};
  PlanInput in;
  in.manifest = &m;
  in.manifest_name = "collection.xml";
  in.limits.max_entries = 10;
  in.archive = Listing({"a.zip", "b.zip"});
  // Entries: 3 (the archive: two zips and the manifest) + 5 + 2 = 10.
  in.nested["a.zip"] = Listing({"1", "2", "3", "4"});
  in.nested["b.zip"] = Listing({"1"});
  InstallPlan plan;
  Status ok = site::PlanInstall(in, &plan);
  BOOST_TEST(ok.ok(), ok.ToString());
  in.nested["b.zip"] = Listing({"1", "2", "3"});  // 12
  Status s = site::PlanInstall(in, &plan);
  BOOST_TEST((s.code() == Status::Code::kInvalid));
  BOOST_TEST(s.message() == "the archive has more than 10 entries (nested archives included)");
}

BOOST_AUTO_TEST_CASE(nested_archives_are_the_resources_ending_in_zip) {
  BOOST_TEST(site::IsNestedArchive({"x/theme.zip", "www", ""}));
  BOOST_TEST(site::IsNestedArchive({"THEME.ZIP", "www", ""}));
  BOOST_TEST(!site::IsNestedArchive({"zip", "www", ""}));
  BOOST_TEST(!site::IsNestedArchive({".zip", "www", ""}));
  BOOST_TEST(!site::IsNestedArchive({"a.zip/readme", "www", ""}));
}

BOOST_AUTO_TEST_SUITE_END()
