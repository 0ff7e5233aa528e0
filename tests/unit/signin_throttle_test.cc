#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <string>

#include "scratch_db.h"
#include "signin_throttle.h"
#include "test_util.h"

using site::Status;

namespace {

const char kAddress[] = "203.0.113.9";
const char kOtherAddress[] = "203.0.113.10";

struct ThrottleDb : site_test::MigratedDb {
  ThrottleDb() {
    config().signin_max_failures = 3;
    config().signin_window_minutes = 15;
  }

  Status Check(const std::string& address, int* retry_after) {
    *retry_after = -1;
    return site::CheckSignInAllowed(db(), config(), address, retry_after);
  }

  void Fail(const std::string& address, int times = 1) {
    for (int i = 0; i < times; ++i) {
      Status s = site::RecordSignInFailure(db(), config(), address);
      BOOST_TEST_REQUIRE(s.ok(), s.ToString());
    }
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(signin_throttle_test, ThrottleDb, NEEDS_DB)

BOOST_AUTO_TEST_CASE(allowed_below_the_limit) {
  int retry = -1;
  Status s = Check(kAddress, &retry);
  BOOST_TEST(s.ok(), s.ToString());
  BOOST_TEST(retry == 0);
  for (int failures = 1; failures < 3; ++failures) {
    BOOST_TEST_CONTEXT(failures << " failures") {
      Fail(kAddress);
      s = Check(kAddress, &retry);
      BOOST_TEST(s.ok(), s.ToString());
      BOOST_TEST(retry == 0);
    }
  }
}

BOOST_AUTO_TEST_CASE(refused_at_the_limit) {
  Fail(kAddress, 3);
  int retry = -1;
  Status s = Check(kAddress, &retry);
  BOOST_TEST(s.code() == Status::Code::kTooManyRequests);
  BOOST_TEST(site::HttpStatusOf(s) == 429);
  BOOST_TEST(retry > 0);
  BOOST_TEST(retry <= 15 * 60 + 1);
  BOOST_TEST(s.message().find("minute") != std::string::npos, s.message());
  // More failures keep it refused.
  Fail(kAddress, 2);
  s = Check(kAddress, &retry);
  BOOST_TEST(s.code() == Status::Code::kTooManyRequests);
  BOOST_TEST(retry > 0);
}

BOOST_AUTO_TEST_CASE(other_addresses_are_unaffected) {
  Fail(kAddress, 5);
  int retry = -1;
  BOOST_TEST(Check(kAddress, &retry).code() == Status::Code::kTooManyRequests);
  for (const char* other : {kOtherAddress, "203.0.113.90", "2001:db8::1", ""}) {
    BOOST_TEST_CONTEXT("'" << other << "'") {
      Status s = Check(other, &retry);
      BOOST_TEST(s.ok(), s.ToString());
      BOOST_TEST(retry == 0);
    }
  }
  // ...and their own failures count on their own.
  Fail(kOtherAddress, 2);
  BOOST_TEST(Check(kOtherAddress, &retry).ok());
}

BOOST_AUTO_TEST_CASE(failures_older_than_the_window_no_longer_count) {
  Fail(kAddress, 3);
  int retry = -1;
  BOOST_TEST_REQUIRE(Check(kAddress, &retry).code() == Status::Code::kTooManyRequests);
  Exec("UPDATE signin_failures SET failed_at = failed_at - INTERVAL 16 MINUTE");
  Status s = Check(kAddress, &retry);
  BOOST_TEST(s.ok(), s.ToString());
  BOOST_TEST(retry == 0);
}

BOOST_AUTO_TEST_CASE(retry_after_follows_the_oldest_failure_in_the_window) {
  Fail(kAddress, 3);
  // The oldest failure was 10 minutes ago: it leaves the window in about 5.
  Exec("UPDATE signin_failures SET failed_at = failed_at - INTERVAL 10 MINUTE ORDER BY id LIMIT 1");
  int retry = -1;
  Status s = Check(kAddress, &retry);
  BOOST_TEST_REQUIRE(s.code() == Status::Code::kTooManyRequests);
  BOOST_TEST(retry > 4 * 60);
  BOOST_TEST(retry <= 5 * 60 + 1);
  BOOST_TEST(s.message().find("5 minutes") != std::string::npos, s.message());

  // Once it has left, the two others are under the limit.
  Exec("UPDATE signin_failures SET failed_at = failed_at - INTERVAL 6 MINUTE ORDER BY id LIMIT 1");
  s = Check(kAddress, &retry);
  BOOST_TEST(s.ok(), s.ToString());
}

BOOST_AUTO_TEST_CASE(window_and_limit_come_from_the_config) {
  Fail(kAddress, 3);
  Exec("UPDATE signin_failures SET failed_at = failed_at - INTERVAL 20 MINUTE");
  int retry = -1;
  BOOST_TEST(Check(kAddress, &retry).ok());  // outside a 15-minute window
  config().signin_window_minutes = 30;
  BOOST_TEST(Check(kAddress, &retry).code() == Status::Code::kTooManyRequests);
  config().signin_max_failures = 4;
  BOOST_TEST(Check(kAddress, &retry).ok());
}

BOOST_AUTO_TEST_SUITE_END()
