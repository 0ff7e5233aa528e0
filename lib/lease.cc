#include "lease.h"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "crypto.h"
#include "log.h"

namespace site {

namespace {

std::string ReadLine(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  return line;
}

// Field 22 of /proc/PID/stat: the start time in clock ticks since boot. With
// the boot id it tells a pid that was reused from the process that had it.
std::string StartTime(pid_t pid) {
  std::string stat = ReadLine("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return "";
  std::istringstream rest(stat.substr(paren + 1));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 22) return field;
  }
  return "";
}

std::string PidNamespace() {
  char buf[64];
  ssize_t n = ::readlink("/proc/self/ns/pid", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

// "key=value" fields of an identity, in order.
std::string Field(const std::string& identity, const std::string& key) {
  std::istringstream in(identity);
  std::string word;
  while (in >> word) {
    if (word.compare(0, key.size() + 1, key + "=") == 0) return word.substr(key.size() + 1);
  }
  return "";
}

}  // namespace

std::string LeaseHolderIdentity() {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  std::string h = host;
  for (char& c : h) {
    if (c == ' ' || c == '=') c = '_';
  }
  pid_t pid = ::getpid();
  std::string id = "host=" + h.substr(0, 64) +
                   " boot=" + ReadLine("/proc/sys/kernel/random/boot_id") +
                   " pidns=" + PidNamespace() + " pid=" + std::to_string(pid) +
                   " start=" + StartTime(pid) + " nonce=" + RandomHex(4);
  return id.substr(0, 255);
}

bool LeaseHolderIsDead(const std::string& holder) {
  std::string boot = Field(holder, "boot"), ns = Field(holder, "pidns");
  std::string pid_text = Field(holder, "pid"), start = Field(holder, "start");
  if (boot.empty() || ns.empty() || pid_text.empty() || start.empty()) return false;
  if (boot != ReadLine("/proc/sys/kernel/random/boot_id") || ns != PidNamespace()) return false;
  pid_t pid = 0;
  try {
    pid = static_cast<pid_t>(std::stol(pid_text));
  } catch (const std::exception&) {
    return false;
  }
  if (pid <= 0) return false;
  // Same kernel, same pid namespace: the pid tells. Gone, or reused by a
  // process that started at another time, means the holder died.
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::string now = StartTime(pid);
  return !now.empty() && now != start;
}

Status CreateLeaseTable(Db* db) {
  return db->Exec(
      "CREATE TABLE IF NOT EXISTS leases ("
      " name       VARCHAR(32) CHARACTER SET ascii NOT NULL PRIMARY KEY,"
      " fence      BIGINT UNSIGNED NOT NULL DEFAULT 0,"
      " holder     VARCHAR(255) NULL,"
      " expires_at DATETIME(6) NULL"
      ") ENGINE=InnoDB",
      {});
}

Lease::Lease(Db* db, std::string name, int ttl_seconds)
    : db_(db), name_(std::move(name)), ttl_seconds_(ttl_seconds), holder_(LeaseHolderIdentity()) {}

Lease::~Lease() { Release(); }

Status Lease::TryTake(bool* taken) {
  *taken = false;
  return RunInTransaction(db_, [&]() -> Status {
    *taken = false;
    ExecResult r;
    Status s = db_->Exec(
        "UPDATE leases SET fence = fence + 1, holder = ?, "
        "expires_at = UTC_TIMESTAMP(6) + INTERVAL ? SECOND "
        "WHERE name = ? AND (holder IS NULL OR expires_at < UTC_TIMESTAMP(6))",
        {holder_, static_cast<int64_t>(ttl_seconds_), name_}, &r);
    if (!s.ok() || r.affected_rows != 1) return s;
    std::vector<DbRow> rows;
    s = db_->Query("SELECT fence FROM leases WHERE name = ?", {name_}, &rows);
    if (!s.ok()) return s;
    if (rows.empty()) return Status::Internal("lease " + name_ + " vanished");
    fence_ = rows[0].Int("fence");
    *taken = true;
    return Status::OK();
  });
}

Status Lease::BreakIfHolderDead(bool* broken) {
  *broken = false;
  std::vector<DbRow> rows;
  Status s = db_->Query("SELECT holder, fence FROM leases WHERE name = ?", {name_}, &rows);
  if (!s.ok() || rows.empty() || rows[0].IsNull("holder")) return s;
  std::string holder = rows[0].Str("holder");
  if (!LeaseHolderIsDead(holder)) return Status::OK();
  // Conditional on the holding seen: a live taker that got there first wins.
  ExecResult r;
  s = db_->Exec("UPDATE leases SET holder = NULL, expires_at = NULL "
                "WHERE name = ? AND holder = ? AND fence = ?",
                {name_, holder, rows[0].Int("fence")}, &r);
  if (!s.ok()) return s;
  if (r.affected_rows == 1) {
    Log(LogLevel::kWarning, "",
        "lease " + name_ + " " + rows[0].Str("fence") + " freed: its holder (" +
            Field(holder, "host") + " pid " + Field(holder, "pid") + ") died holding it");
    *broken = true;
  }
  return Status::OK();
}

Status Lease::Acquire(int wait_seconds, const std::string& busy_message) {
  if (held_) return Status::OK();
  Status s = db_->Exec("INSERT IGNORE INTO leases (name) VALUES (?)", {name_});
  if (!s.ok()) return s;
  // Polled, not blocking: a row lock held for the whole install would be a
  // long transaction, which Galera cannot certify against other nodes.
  static thread_local std::minstd_rand jitter(std::random_device{}());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_seconds);
  for (;;) {
    bool taken = false;
    s = TryTake(&taken);
    if (!s.ok()) return s;
    if (taken) {
      held_ = true;
      renewed_ = std::chrono::steady_clock::now();
      return Status::OK();
    }
    bool broken = false;
    s = BreakIfHolderDead(&broken);
    if (!s.ok()) return s;
    if (broken) continue;
    if (std::chrono::steady_clock::now() >= deadline) return Status::Unavailable(busy_message);
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + jitter() % 100));
  }
}

Status Lease::Extend(bool* still_held) {
  *still_held = false;
  if (!held_) return Status::OK();
  ExecResult r;
  Status s = db_->Exec(
      "UPDATE leases SET expires_at = UTC_TIMESTAMP(6) + INTERVAL ? SECOND "
      "WHERE name = ? AND holder = ? AND fence = ?",
      {static_cast<int64_t>(ttl_seconds_), name_, holder_, fence_}, &r);
  *still_held = s.ok() && r.affected_rows == 1;
  return s;
}

Status Lease::Renew() {
  bool still_held = false;
  Status s = Extend(&still_held);
  if (!s.ok()) return s;
  if (!still_held) {
    if (held_) {
      Log(LogLevel::kError, "", "lease " + name_ + " " + std::to_string(fence_) +
                                    " was lost (it expired and was taken)");
    }
    held_ = false;
    return Status::Unavailable("the site's " + name_ + " lease was lost; try again");
  }
  renewed_ = std::chrono::steady_clock::now();
  return Status::OK();
}

Status Lease::RenewIfDue() {
  if (std::chrono::steady_clock::now() - renewed_ < std::chrono::seconds(ttl_seconds_) / 3) {
    return held_ ? Status::OK() : Status::Unavailable("lease " + name_ + " is not held");
  }
  return Renew();
}

Status Lease::Fence() {
  // The same write as a renewal, but inside the caller's transaction: it is
  // undone with it, so the holding is not marked lost here.
  bool still_held = false;
  Status s = Extend(&still_held);
  if (!s.ok()) return s;
  if (!still_held) return Status::Unavailable("the site's " + name_ + " lease was lost; try again");
  return Status::OK();
}

void Lease::Release() {
  if (!held_) return;
  held_ = false;
  // Best effort: a lease not released (the database gone) expires.
  db_->Exec("UPDATE leases SET holder = NULL, expires_at = NULL "
            "WHERE name = ? AND holder = ? AND fence = ?",
            {name_, holder_, fence_});
}

}  // namespace site
