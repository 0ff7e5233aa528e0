// Token store: creating, replacing, revoking and describing the bearer
// token of a person, with the audit trail of each change.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "access.h"
#include "db.h"
#include "status.h"

namespace site {

// What the person's record shows about their token; never the token.
struct TokenStatus {
  bool exists = false;
  bool expired = false;
  std::string hint;
  std::string created_at;  // "YYYY-MM-DD HH:MM:SS", UTC
  std::string expires_at;
  std::string last_used_at;       // "" when never used
  std::string last_used_address;  // "" when never used
};

// A stored token as authentication sees it, with its person as they are now.
struct StoredToken {
  int64_t person_id = 0;
  std::string hint;
  std::string created_at;  // "YYYY-MM-DD HH:MM:SS", UTC
  std::string expires_at;
  bool expired = false;      // expires_at has passed
  int64_t seconds_left = 0;  // until expires_at; <= 0 once expired
  // No use recorded in the last kTokenUseResolutionSeconds: RecordTokenUse
  // is due (so the hot path writes at most once a minute per token).
  bool use_due = false;
  std::string username;
  std::string first_name;
  std::string last_name;
  Access access = Access::kNone;  // kNone for a value we do not know
  bool person_active = false;
};

// How fresh last_used_at is kept: to within a minute.
constexpr int kTokenUseResolutionSeconds = 60;

// A token that has not expired yet but will within some days.
struct ExpiringToken {
  int64_t person_id = 0;
  std::string username;
  std::string first_name;
  std::string last_name;
  std::string hint;
  std::string expires_at;  // "YYYY-MM-DD HH:MM:SS", UTC
  int64_t days_left = 0;   // whole days, a part-day counting as one
};

struct TokenEvent {
  std::string event;  // created, replaced, revoked, ended
  std::string hint;
  std::string actor_name;  // "" when not recorded
  std::string client_address;
  std::string created_at;
};

struct NewToken {
  std::string token;  // the full token: to be shown once, then forgotten
  std::string hint;
  std::string created_at;
  std::string expires_at;
  bool replaced = false;  // true when it replaced a previous token
};

// Creates a token for `person_id` acting `actor_id`, replacing any previous
// one, in one transaction that locks the person's row: two creations at the
// same moment leave exactly one valid token. The creation time is the
// database's clock (shared by every web node). Returns NotFound for an
// unknown person, Conflict for an inactive one.
Status CreateBearerToken(Db* db, const std::string& secret, int64_t person_id, int64_t actor_id,
                         const std::string& client_address, NewToken* out);

// Lists the tokens that have not expired and expire within `within_days`
// days, soonest first: of everyone, or with `only_people`, of those people
// (a page of the People list; at most 1000 ids).
Status ListExpiringTokens(Db* db, int within_days, const std::vector<int64_t>* only_people,
                          std::vector<ExpiringToken>* out);

// Deletes the person's token, if any, and records who did it. Sets *revoked
// to whether there was one.
Status RevokeBearerToken(Db* db, int64_t person_id, int64_t actor_id,
                         const std::string& client_address, bool* revoked);

// Deletes the token of a person who was just deactivated (event "ended").
// REQUIRES: called inside the transaction that deactivates them.
Status EndBearerTokenOf(Db* db, int64_t person_id, int64_t actor_id,
                        const std::string& client_address);

Status GetTokenStatus(Db* db, int64_t person_id, TokenStatus* out);

// Finds the token whose digest is `digest` (BearerTokenDigest), joined to
// its person: one lookup by a unique index, the whole of a valid token's
// read. Sets *found; fills *out only when found.
Status FindTokenByDigest(Db* db, const std::string& digest, bool* found, StoredToken* out);

// Records a use of the token `digest` now, from `client_address`. Keyed by
// the digest, so a token replaced meanwhile does not inherit the use; a
// token gone meanwhile is no error.
Status RecordTokenUse(Db* db, const std::string& digest, const std::string& client_address);

// The person's token events, newest first, at most `limit`.
Status ListTokenEvents(Db* db, int64_t person_id, int limit, std::vector<TokenEvent>* out);

}  // namespace site
