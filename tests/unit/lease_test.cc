#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "db.h"
#include "lease.h"
#include "scratch_db.h"
#include "test_util.h"

using site::Db;
using site::Lease;
using site::Status;

namespace {

// The leases table (migrations create it) and a second connection: another
// process, as far as the database can tell.
struct LeaseDb : site_test::MigratedDb {
  LeaseDb() : other(Connect(false)) { BOOST_TEST_REQUIRE(bool(other)); }
  std::unique_ptr<Db> other;
};

// The pid of a process that has exited and been reaped.
pid_t DeadPid() {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  int status = 0;
  waitpid(pid, &status, 0);
  return pid;
}

// `identity` with its pid=... field replaced.
std::string WithPid(const std::string& identity, pid_t pid) {
  size_t at = identity.find(" pid=") + 5;
  size_t end = identity.find(' ', at);
  return identity.substr(0, at) + std::to_string(pid) + identity.substr(end);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lease_test)

BOOST_FIXTURE_TEST_CASE(one_holder_at_a_time_and_each_holding_a_larger_fence, LeaseDb, NEEDS_DB) {
  Lease mine(db(), "t");
  BOOST_TEST_REQUIRE(mine.Acquire(0, "busy").ok());
  int64_t first = mine.fence();
  BOOST_TEST(first >= 1);

  Lease theirs(other.get(), "t");
  auto started = std::chrono::steady_clock::now();
  Status s = theirs.Acquire(1, "another install is running");
  BOOST_TEST((s.code() == Status::Code::kUnavailable));
  BOOST_TEST(s.message() == "another install is running");
  BOOST_TEST(!theirs.held());
  // It waited for the holder, about as long as it was told to.
  BOOST_TEST((std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(900)));

  mine.Release();
  BOOST_TEST_REQUIRE(theirs.Acquire(0, "busy").ok());
  BOOST_TEST(theirs.fence() == first + 1);
  // Another name is another lease.
  Lease unrelated(db(), "u");
  BOOST_TEST(unrelated.Acquire(0, "busy").ok());
}

BOOST_FIXTURE_TEST_CASE(a_waiter_gets_the_lease_when_the_holder_releases_it, LeaseDb, NEEDS_DB) {
  Lease mine(db(), "t");
  BOOST_TEST_REQUIRE(mine.Acquire(0, "busy").ok());
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    mine.Release();
  });
  Lease theirs(other.get(), "t");
  Status s = theirs.Acquire(10, "busy");
  releaser.join();
  BOOST_TEST(s.ok(), s.ToString());
  BOOST_TEST(theirs.fence() == mine.fence() + 1);
}

BOOST_FIXTURE_TEST_CASE(an_expired_lease_is_taken_and_its_old_holder_is_fenced_off, LeaseDb, NEEDS_DB) {
  Lease mine(db(), "t", 1);
  BOOST_TEST_REQUIRE(mine.Acquire(0, "busy").ok());
  BOOST_TEST(mine.Renew().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  Lease theirs(other.get(), "t", 30);
  BOOST_TEST_REQUIRE(theirs.Acquire(0, "busy").ok());

  // The old holder's fenced write does not commit; its renewal fails.
  Status s = site::RunInTransaction(db(), [&]() -> Status {
    Status f = mine.Fence();
    if (f.ok()) f = db()->Exec("UPDATE site_state SET generation = 'stale' WHERE id = 1", {});
    return f;
  });
  BOOST_TEST((s.code() == Status::Code::kUnavailable), s.ToString());
  BOOST_TEST(QueryStr("SELECT IFNULL(generation, '') FROM site_state") != "stale");
  BOOST_TEST((mine.Renew().code() == Status::Code::kUnavailable));
  BOOST_TEST(!mine.held());
  mine.Release();  // not the holder: changes nothing
  BOOST_TEST(QueryInt("SELECT holder IS NOT NULL FROM leases WHERE name = 't'") == 1);

  // The new holder's fenced write commits.
  s = site::RunInTransaction(other.get(), [&]() -> Status {
    Status f = theirs.Fence();
    if (f.ok()) f = other->Exec("UPDATE site_state SET generation = 'fresh' WHERE id = 1", {});
    return f;
  });
  BOOST_TEST(s.ok(), s.ToString());
  BOOST_TEST(QueryStr("SELECT generation FROM site_state") == "fresh");
}

BOOST_FIXTURE_TEST_CASE(renewals_keep_a_lease_past_its_first_expiry, LeaseDb, NEEDS_DB) {
  Lease mine(db(), "t", 1);
  BOOST_TEST_REQUIRE(mine.Acquire(0, "busy").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  BOOST_TEST(mine.RenewIfDue().ok());  // a third of the TTL has passed: renewed
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  // 1.2 s after it was taken, 0.7 s after the renewal: still held.
  Lease theirs(other.get(), "t", 1);
  BOOST_TEST((theirs.Acquire(0, "busy").code() == Status::Code::kUnavailable));
  BOOST_TEST(mine.Renew().ok());
}

BOOST_FIXTURE_TEST_CASE(a_holder_that_died_on_this_host_frees_the_lease_at_once, LeaseDb, NEEDS_DB) {
  Lease probe(db(), "t");
  BOOST_TEST_REQUIRE(probe.Acquire(0, "busy").ok());
  probe.Release();
  // As a process killed while holding it leaves the row: held for 10 more
  // minutes, by a pid that no longer runs.
  std::string dead = WithPid(site::LeaseHolderIdentity(), DeadPid());
  Exec("UPDATE leases SET holder = ?, fence = fence + 1, "
       "expires_at = UTC_TIMESTAMP(6) + INTERVAL 600 SECOND WHERE name = 't'",
       {dead});
  int64_t dead_fence = QueryInt("SELECT fence FROM leases WHERE name = 't'");
  Lease next(other.get(), "t");
  Status s = next.Acquire(0, "busy");
  BOOST_TEST(s.ok(), s.ToString());
  BOOST_TEST(next.fence() == dead_fence + 1);

  // One of another host (or kernel, or pid namespace) may still run: it
  // holds the lease until it expires.
  next.Release();
  std::string elsewhere = site::LeaseHolderIdentity();
  size_t boot = elsewhere.find(" boot=") + 6;
  elsewhere.replace(boot, 8, "00000000");
  Exec("UPDATE leases SET holder = ?, expires_at = UTC_TIMESTAMP(6) + INTERVAL 600 SECOND "
       "WHERE name = 't'",
       {WithPid(elsewhere, DeadPid())});
  BOOST_TEST((next.Acquire(0, "busy").code() == Status::Code::kUnavailable));
}

BOOST_AUTO_TEST_CASE(holder_identity_tells_dead_from_alive_only_where_it_can) {
  std::string me = site::LeaseHolderIdentity();
  BOOST_TEST(me.find(" pid=" + std::to_string(getpid()) + " ") != std::string::npos, me);
  BOOST_TEST(me.size() <= 255u);
  BOOST_TEST(!site::LeaseHolderIsDead(me));
  BOOST_TEST(site::LeaseHolderIsDead(WithPid(me, DeadPid())));
  // pid 1 runs, but started at another time than the one recorded: reused.
  std::string reused = WithPid(me, 1);
  BOOST_TEST(site::LeaseHolderIsDead(reused));
  for (const char* unknowable : {"", "garbage", "host=x pid=12 start=5", "host=x boot= pidns= pid= start="}) {
    BOOST_TEST_CONTEXT(unknowable) { BOOST_TEST(!site::LeaseHolderIsDead(unknowable)); }
  }
}

BOOST_AUTO_TEST_SUITE_END()
