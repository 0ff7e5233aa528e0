// Token store: creating, replacing, revoking and describing the bearer
// token of a person, with the audit trail of each change.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

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

// Deletes the person's token, if any, and records who did it. Sets *revoked
// to whether there was one.
Status RevokeBearerToken(Db* db, int64_t person_id, int64_t actor_id,
                         const std::string& client_address, bool* revoked);

// Deletes the token of a person who was just deactivated (event "ended").
// REQUIRES: called inside the transaction that deactivates them.
Status EndBearerTokenOf(Db* db, int64_t person_id, int64_t actor_id,
                        const std::string& client_address);

Status GetTokenStatus(Db* db, int64_t person_id, TokenStatus* out);

// The person's token events, newest first, at most `limit`.
Status ListTokenEvents(Db* db, int64_t person_id, int limit, std::vector<TokenEvent>* out);

}  // namespace site
