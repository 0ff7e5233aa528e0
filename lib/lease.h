// Lease: a named, cluster-wide, expiring lock kept in the database itself
// (table `leases`), with a fencing number.
//
// MariaDB's GET_LOCK is per server: on a Galera cluster two web nodes on two
// database nodes both "hold" it (docs/galera-notes.md, D2). A lease is a row
// instead, taken by a conditional UPDATE that every node replicates:
//   - taking it adds 1 to its fence, so each holding has a number no other
//     holding ever had (installs name their generation after it);
//   - it expires ttl_seconds after the last renewal, so a holder that died
//     on another host frees it by itself; one that provably died on this
//     host (same kernel and pid namespace, process gone) frees it at once;
//   - Fence() writes the row inside the caller's transaction: that
//     transaction commits only while the holding is still this one's (on
//     Galera, a concurrent taker's write conflicts with it at commit).
// Not thread-safe; one Lease per holding, on the holder's own connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "db.h"
#include "status.h"

namespace site {

// Creates the leases table if it is missing. Called before migrations run,
// since migrations themselves are serialized by a lease.
Status CreateLeaseTable(Db* db);

class Lease {
 public:
  // REQUIRES: `db` outlives the lease.
  Lease(Db* db, std::string name, int ttl_seconds = 30);
  ~Lease();  // releases the lease if held
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  // Takes the lease, waiting up to `wait_seconds` for the holder to release
  // it or to expire. Returns Unavailable with `busy_message` when it is
  // still held then; other failures are the database's.
  Status Acquire(int wait_seconds, const std::string& busy_message);

  // Extends the lease by ttl_seconds. Returns Unavailable when it is no
  // longer this holding's (taken by another after it expired); the caller
  // must then stop, having changed nothing the new holder relies on.
  Status Renew();
  // Renew(), when a third of the TTL has passed since the last renewal.
  Status RenewIfDue();

  // REQUIRES: inside a transaction on the lease's Db. Writes the lease row
  // (renewing it) as part of that transaction: it commits only if the
  // holding is still this one. Returns Unavailable when it is not.
  Status Fence();

  // Releases the lease now (nothing when not held).
  void Release();

  bool held() const { return held_; }
  // The holding's fencing number: larger than every earlier holding's.
  int64_t fence() const { return fence_; }

 private:
  Status TryTake(bool* taken);
  // Writes a new expiry iff the row still holds this holding; sets
  // *still_held to whether it did.
  Status Extend(bool* still_held);
  Status BreakIfHolderDead(bool* broken);

  Db* db_;
  std::string name_;
  int ttl_seconds_;
  std::string holder_;  // this process, as written in the row
  bool held_ = false;
  int64_t fence_ = 0;
  std::chrono::steady_clock::time_point renewed_;
};

// Identifies this process for a lease row: host, kernel boot, pid namespace,
// pid, process start time, and a random nonce.
std::string LeaseHolderIdentity();

// True iff `holder` (a LeaseHolderIdentity()) names a process of this kernel
// and pid namespace that no longer runs. False when it cannot tell (another
// host or namespace): such a holder's lease ends only when it expires.
bool LeaseHolderIsDead(const std::string& holder);

}  // namespace site
