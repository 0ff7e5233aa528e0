// People: the person records of the admin site, their validation rules and
// the queries that list, search, read and write them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "access.h"
#include "db.h"
#include "status.h"

namespace site {

struct Person {
  int64_t id = 0;  // 0 for a person not yet stored
  std::string first_name;
  std::string last_name;
  std::string email;     // "" when none
  std::string username;  // "" when none
  Access access = Access::kNone;
  bool active = true;
  bool has_password = false;
  std::string created_at;  // "YYYY-MM-DD HH:MM:SS", UTC
  std::string updated_at;

  // DisplayName(first_name, last_name).
  std::string DisplayName() const;
};

// "First Last", or whichever of the two is set: how a person is named on
// every page and in every answer (lists that join people use it too).
std::string DisplayName(const std::string& first_name, const std::string& last_name);

// Field name (as in the form) -> message shown beside that field.
using FieldErrors = std::map<std::string, std::string>;

// Who is making a change, for the access rules.
struct Actor {
  int64_t person_id = 0;
  Access access = Access::kNone;
};

// Checks `proposed` (with `new_password`, "" for unchanged) as edited by
// `actor`. `existing` is the stored record, or null when adding a person.
// Returns the problems by field; empty means valid. Uniqueness of username
// and email is checked by the database when saving.
FieldErrors ValidatePerson(const Actor& actor, const Person* existing, const Person& proposed,
                           const std::string& new_password);

// Trims surrounding whitespace from the text fields; lowercases the email.
void NormalizePerson(Person* p);

// One page of the People list, in (last name, first name, id) order.
struct PeoplePage {
  std::vector<Person> people;
  // Cursors for the neighbouring pages (person ids), when they exist.
  std::optional<int64_t> next_after;
  std::optional<int64_t> previous_before;
};

struct PeopleQuery {
  std::string search;  // prefix of full name, last name, email or username; "" for all
  std::optional<int64_t> after;   // page starting after this person
  std::optional<int64_t> before;  // page ending before this person
  int page_size = 25;
};

// Keyset pagination: every page is an indexed range read, however deep, so
// the list stays fast at 100,000 people (no OFFSET scans, no full scans).
Status ListPeople(Db* db, const PeopleQuery& q, PeoplePage* out);

// Returns NotFound when there is no person `id`.
Status GetPerson(Db* db, int64_t id, Person* out);

// For sign-in: the active person whose username is `typed` once its
// surrounding whitespace is dropped, in any letter case, and their password
// hash. Returns NotFound when there is none (or no password is set), and for
// text that is no valid username (non-ASCII, inner spaces): accents and
// other lookalikes never match.
Status FindPersonForSignIn(Db* db, const std::string& typed, Person* out,
                           std::string* password_hash);

// Stores a new person. Duplicate username/email come back in `errors`
// (with an Invalid status). `password_hash` may be empty.
Status InsertPerson(Db* db, const Person& p, const std::string& password_hash, int64_t* id,
                    FieldErrors* errors);

// Saves `p` over the stored record p.id. A non-empty `password_hash`
// replaces the password. Deactivating a person, taking away their access to
// the admin site, or setting a new password for them (when `actor_id` is
// someone else) ends their sessions in the same transaction;
// deactivating also ends their bearer token (recorded as done by
// `actor_id` from `client_address`).
Status UpdatePerson(Db* db, const Person& p, const std::string& password_hash,
                    FieldErrors* errors, int64_t actor_id = 0,
                    const std::string& client_address = "");

// Sets the password of the person `username` and ends their sessions, in
// one transaction. Sets *found to whether there is such a person.
Status SetPassword(Db* db, const std::string& username, const std::string& password_hash,
                   bool* found);

// Locks person `id`'s row until the calling transaction ends, so that the
// writes of other modules about one person (their token) take turns; sets
// *active. Returns NotFound when there is no such person.
// REQUIRES: inside a transaction (RunInTransaction).
Status LockPerson(Db* db, int64_t id, bool* active);

// Returns the number of people with Admin access who are active.
Status CountActiveAdmins(Db* db, int64_t* count);

}  // namespace site
