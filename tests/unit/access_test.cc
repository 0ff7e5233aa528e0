#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <string>

#include "access.h"
#include "test_util.h"

using site::Access;

BOOST_AUTO_TEST_SUITE(access_test)

BOOST_AUTO_TEST_CASE(db_values_labels_and_admin_site_use) {
  struct Case {
    Access access;
    const char* db;
    const char* label;
    bool may_use_admin_site;
  };
  const Case cases[] = {
      {Access::kNone, "none", "None", false},
      {Access::kContentManager, "content_manager", "Content Manager", true},
      {Access::kAdmin, "admin", "Admin", true},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.db) {
      BOOST_TEST(std::string(site::AccessToDb(c.access)) == c.db);
      BOOST_TEST(std::string(site::AccessLabel(c.access)) == c.label);
      BOOST_TEST(site::MayUseAdminSite(c.access) == c.may_use_admin_site);
      // Round trip: the stored value reads back as the same level, whatever
      // *out held before.
      for (Access before : {Access::kNone, Access::kContentManager, Access::kAdmin}) {
        Access out = before;
        BOOST_TEST(site::AccessFromDb(site::AccessToDb(c.access), &out));
        BOOST_TEST(out == c.access);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(unknown_db_values_are_refused) {
  const char* cases[] = {"",      "Admin",          "ADMIN",           " admin", "admin ",
                         "root",  "Content Manager", "content-manager", "None",   "1",
                         "admin\n"};
  for (const char* text : cases) {
    BOOST_TEST_CONTEXT("'" << text << "'") {
      Access out = Access::kNone;
      BOOST_TEST(!site::AccessFromDb(text, &out));
    }
  }
  // A value with an embedded NUL is not "admin" either.
  Access out = Access::kNone;
  BOOST_TEST(!site::AccessFromDb(std::string("admin\0x", 7), &out));
}

BOOST_AUTO_TEST_SUITE_END()
