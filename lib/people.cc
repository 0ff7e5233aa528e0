#include "people.h"

#include "text.h"

#include <algorithm>
#include <cctype>

#include "password.h"
#include "session.h"
#include "token_store.h"

namespace site {

namespace {

constexpr size_t kMaxNameChars = 100;
constexpr size_t kMaxEmailChars = 254;
constexpr size_t kMaxSearchChars = 100;

const char kColumns[] =
    "p.id, p.first_name, p.last_name, p.email, p.username, p.access, p.active, "
    "p.password_hash IS NOT NULL AS has_password, p.created_at, p.updated_at";

Person FromRow(const DbRow& r) {
  Person p;
  p.id = r.Int("id");
  p.first_name = r.Str("first_name");
  p.last_name = r.Str("last_name");
  p.email = r.Str("email");
  p.username = r.Str("username");
  if (!AccessFromDb(r.Str("access"), &p.access)) p.access = Access::kNone;
  p.active = r.Int("active") != 0;
  p.has_password = r.Int("has_password") != 0;
  p.created_at = r.Str("created_at");
  p.updated_at = r.Str("updated_at");
  return p;
}

// Counts UTF-8 code points (the unit of VARCHAR lengths).
size_t Utf8Length(const std::string& s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}


bool HasControlCharacters(const std::string& s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}


bool LooksLikeEmail(const std::string& e) {
  size_t at = e.find('@');
  if (at == std::string::npos || at == 0 || e.find('@', at + 1) != std::string::npos) return false;
  std::string domain = e.substr(at + 1);
  size_t dot = domain.find('.');
  if (dot == std::string::npos || dot == 0 || domain.back() == '.') return false;
  return std::none_of(e.begin(), e.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) || c == '<' || c == '>' || c == '"' ||
           c == ',' || c == ';';
  });
}

bool ValidUsername(const std::string& u) {
  if (u.size() < 3 || u.size() > 64) return false;
  return std::all_of(u.begin(), u.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
           c == '@';
  });
}

// A LIKE pattern for what begins with `term` ("50%" means those characters).
std::string LikePrefix(const std::string& term) { return EscapeLike(term) + "%"; }

DbValue NullIfEmpty(const std::string& s) {
  if (s.empty()) return nullptr;
  return s;
}

// Turns a duplicate-key error into the message beside the field at fault.
void DuplicateToFieldErrors(const Status& s, FieldErrors* errors) {
  if (s.message().find("uq_people_username") != std::string::npos) {
    (*errors)["username"] = "This username is already taken.";
  } else if (s.message().find("uq_people_email") != std::string::npos) {
    (*errors)["email"] = "Another person already has this email address.";
  } else {
    (*errors)["first_name"] = "This person conflicts with another record.";
  }
}

}  // namespace

std::string DisplayName(const std::string& first_name, const std::string& last_name) {
  if (first_name.empty()) return last_name;
  if (last_name.empty()) return first_name;
  return first_name + " " + last_name;
}

std::string Person::DisplayName() const { return site::DisplayName(first_name, last_name); }

void NormalizePerson(Person* p) {
  p->first_name = Trim(p->first_name);
  p->last_name = Trim(p->last_name);
  p->username = Trim(p->username);
  p->email = Trim(p->email);
  std::transform(p->email.begin(), p->email.end(), p->email.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
}

FieldErrors ValidatePerson(const Actor& actor, const Person* existing, const Person& proposed,
                           const std::string& new_password) {
  FieldErrors errors;
  for (const auto& [field, value] :
       {std::pair{"first_name", &proposed.first_name}, std::pair{"last_name", &proposed.last_name}}) {
    if (!IsValidUtf8(*value)) {
      errors[field] = "Use only valid text (UTF-8).";
    } else if (Utf8Length(*value) > kMaxNameChars) {
      errors[field] = "Use at most " + std::to_string(kMaxNameChars) + " characters.";
    } else if (HasControlCharacters(*value)) {
      errors[field] = "Remove the line breaks and control characters.";
    }
  }
  if (proposed.first_name.empty() && proposed.last_name.empty()) {
    errors["first_name"] = "Enter a first or last name.";
  }
  if (!proposed.email.empty() &&
      (!IsValidUtf8(proposed.email) || HasControlCharacters(proposed.email) ||
       Utf8Length(proposed.email) > kMaxEmailChars || !LooksLikeEmail(proposed.email))) {
    errors["email"] = "Enter an email address like name@example.com.";
  }
  if (!proposed.username.empty() && !ValidUsername(proposed.username)) {
    errors["username"] = "Use 3 to 64 letters, digits, dots, dashes, underscores or @.";
  } else if (proposed.username.empty() && MayUseAdminSite(proposed.access)) {
    errors["username"] = "A person with access to the admin site needs a username.";
  }
  if (!new_password.empty()) {
    std::string problem = PasswordProblem(new_password);
    if (!problem.empty()) errors["password"] = problem;
  }

  bool was_admin = existing != nullptr && existing->access == Access::kAdmin;
  if (actor.access != Access::kAdmin) {
    if (proposed.access == Access::kAdmin && !was_admin) {
      errors["access"] = "Only an Admin can grant Admin access.";
    } else if (was_admin && proposed.access != Access::kAdmin) {
      errors["access"] = "Only an Admin can remove Admin access.";
    }
    if (was_admin && !new_password.empty()) {
      errors["password"] = "Only an Admin can change an Admin's password.";
    }
    if (was_admin && existing->username != proposed.username) {
      errors["username"] = "Only an Admin can change an Admin's username.";
    }
    if (was_admin && existing->active && !proposed.active) {
      errors["active"] = "Only an Admin can deactivate an Admin.";
    } else if (was_admin && !existing->active && proposed.active) {
      errors["active"] = "Only an Admin can activate an Admin.";
    }
  }
  if (existing != nullptr && existing->id == actor.person_id) {
    if (proposed.access != existing->access) {
      errors["access"] = "You cannot change your own access level.";
    }
    if (!proposed.active) errors["active"] = "You cannot deactivate your own account.";
  }
  return errors;
}

Status ListPeople(Db* db, const PeopleQuery& q, PeoplePage* out) {
  *out = PeoplePage();
  std::string search = q.search.substr(0, kMaxSearchChars);
  // Text MariaDB would refuse matches nobody (and must not become a 500).
  if (!IsValidUtf8(search)) return Status::OK();
  bool backward = q.before.has_value() && !q.after.has_value();
  std::optional<int64_t> cursor_id = backward ? q.before : q.after;

  // The cursor person's (last name, first name) locate the page boundary.
  std::optional<std::pair<std::string, std::string>> cursor_key;
  if (cursor_id) {
    std::vector<DbRow> rows;
    Status s = db->Query("SELECT last_name, first_name FROM people WHERE id = ?", {*cursor_id},
                         &rows);
    if (!s.ok()) return s;
    if (!rows.empty()) cursor_key.emplace(rows[0].Str("last_name"), rows[0].Str("first_name"));
  }

  // Rows strictly after (or before) the cursor in (last_name, first_name,
  // id) order, spelled out so that the range optimizer reads ix_people_sort
  // from the boundary; then the order and one row more than a page.
  std::string boundary;
  std::vector<DbValue> boundary_params;
  if (cursor_key) {
    const std::string cmp = backward ? "<" : ">";
    boundary = "(p.last_name " + cmp + " ? OR (p.last_name = ? AND (p.first_name " + cmp +
               " ? OR (p.first_name = ? AND p.id " + cmp + " ?))))";
    const auto& [last, first] = *cursor_key;
    boundary_params = {last, last, first, first, *cursor_id};
  }
  std::string order_limit = backward
                                ? " ORDER BY p.last_name DESC, p.first_name DESC, p.id DESC LIMIT ?"
                                : " ORDER BY p.last_name, p.first_name, p.id LIMIT ?";
  const int64_t want = q.page_size + 1;

  std::vector<DbRow> rows;
  Status s;
  if (search.empty()) {
    std::vector<DbValue> params = boundary_params;
    params.emplace_back(std::in_place_type<int64_t>, want);
    s = db->Query(std::string("SELECT ") + kColumns + " FROM people p" +
                      (boundary.empty() ? "" : " WHERE " + boundary) + order_limit,
                  params, &rows);
  } else {
    std::string like = LikePrefix(search);
    // Two plans, each bounded. A prefix most people match is fastest found
    // by walking the list's own index in order and filtering: it stops
    // after a page of matches, and ROWS EXAMINED caps the walk when matches
    // are rare. Rare matches are then found through the four search
    // indexes (full name, last name, email, username), reading only ids
    // that match; their union is small precisely because the walk failed.
    std::vector<DbValue> params = {like, like, like, like};
    params.insert(params.end(), boundary_params.begin(), boundary_params.end());
    params.emplace_back(std::in_place_type<int64_t>, want);
    s = db->Query(std::string("SELECT ") + kColumns +
                      " FROM people p USE INDEX (ix_people_sort) WHERE (p.full_name LIKE ? OR "
                      "p.last_name LIKE ? OR p.email LIKE ? OR p.username LIKE ?)" +
                      (boundary.empty() ? "" : " AND " + boundary) + order_limit +
                      " ROWS EXAMINED 2000",
                  params, &rows);
    if (s.ok() && rows.size() < static_cast<size_t>(want)) {
      s = db->Query(std::string("SELECT ") + kColumns +
                        " FROM (SELECT id FROM people WHERE full_name LIKE ? "
                        "UNION SELECT id FROM people WHERE last_name LIKE ? "
                        "UNION SELECT id FROM people WHERE email LIKE ? "
                        "UNION SELECT id FROM people WHERE username LIKE ?) m "
                        "JOIN people p ON p.id = m.id" +
                        (boundary.empty() ? "" : " WHERE " + boundary) + order_limit,
                    params, &rows);
    }
  }
  if (!s.ok()) return s;
  bool more = rows.size() > static_cast<size_t>(q.page_size);
  if (more) rows.pop_back();
  for (const DbRow& r : rows) out->people.push_back(FromRow(r));
  if (backward) std::reverse(out->people.begin(), out->people.end());
  if (out->people.empty()) return Status::OK();

  bool has_before = backward ? more : cursor_key.has_value();
  bool has_after = backward ? cursor_key.has_value() : more;
  if (has_before) out->previous_before = out->people.front().id;
  if (has_after) out->next_after = out->people.back().id;
  return Status::OK();
}

Status GetPerson(Db* db, int64_t id, Person* out) {
  std::vector<DbRow> rows;
  Status s = db->Query(std::string("SELECT ") + kColumns + " FROM people p WHERE p.id = ?", {id},
                       &rows);
  if (!s.ok()) return s;
  if (rows.empty()) return Status::NotFound("There is no person with this id.");
  *out = FromRow(rows[0]);
  return Status::OK();
}

Status FindPersonForSignIn(Db* db, const std::string& typed, Person* out,
                           std::string* password_hash) {
  // What a username is, decided here rather than left to the column's
  // collation (utf8mb4_unicode_ci also ignores accents and trailing spaces):
  // surrounding whitespace goes (a phone's keyboard adds a space), case does
  // not matter (the unique key already makes "Admin" and "admin" one name),
  // and text that is no valid username matches nobody, so "ádmin" or
  // "ad min" never signs in as "admin".
  const std::string username = Trim(typed);
  if (!ValidUsername(username)) return Status::NotFound("no such person");
  std::vector<DbRow> rows;
  Status s = db->Query(std::string("SELECT ") + kColumns +
                           ", p.password_hash FROM people p "
                           "WHERE p.username = ? AND p.active = 1 AND p.password_hash IS NOT NULL",
                       {username}, &rows);
  if (!s.ok()) return s;
  if (rows.empty()) return Status::NotFound("no such person");
  *out = FromRow(rows[0]);
  *password_hash = rows[0].Str("password_hash");
  return Status::OK();
}

Status InsertPerson(Db* db, const Person& p, const std::string& password_hash, int64_t* id,
                    FieldErrors* errors) {
  ExecResult result;
  Status s = db->Exec(
      "INSERT INTO people (first_name, last_name, email, username, password_hash, access, active) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)",
      {p.first_name, p.last_name, NullIfEmpty(p.email), NullIfEmpty(p.username),
       NullIfEmpty(password_hash), std::string(AccessToDb(p.access)),
       static_cast<int64_t>(p.active ? 1 : 0)},
      &result);
  if (s.code() == Status::Code::kConflict) {
    DuplicateToFieldErrors(s, errors);
    return Status::Invalid("duplicate");
  }
  if (!s.ok()) return s;
  *id = static_cast<int64_t>(result.last_insert_id);
  return Status::OK();
}

Status UpdatePerson(Db* db, const Person& p, const std::string& password_hash,
                    FieldErrors* errors, int64_t actor_id, const std::string& client_address) {
  return RunInTransaction(db, [&]() -> Status {
    Status s = db->Exec(
        "UPDATE people SET first_name = ?, last_name = ?, email = ?, username = ?, access = ?, "
        "active = ?, password_hash = COALESCE(?, password_hash), updated_at = UTC_TIMESTAMP() "
        "WHERE id = ?",
        {p.first_name, p.last_name, NullIfEmpty(p.email), NullIfEmpty(p.username),
         std::string(AccessToDb(p.access)), static_cast<int64_t>(p.active ? 1 : 0),
         NullIfEmpty(password_hash), p.id});
    if (s.code() == Status::Code::kConflict) {
      DuplicateToFieldErrors(s, errors);
      return Status::Invalid("duplicate");
    }
    if (!s.ok()) return s;
    // A new password set for someone else signs them out everywhere (the
    // old one may be known to someone else); one's own stays signed in here.
    bool new_password_for_other = !password_hash.empty() && p.id != actor_id;
    if (!p.active || !MayUseAdminSite(p.access) || new_password_for_other) {
      s = EndSessionsOf(db, p.id);
      if (!s.ok()) return s;
    }
    if (!p.active) {
      s = EndBearerTokenOf(db, p.id, actor_id, client_address);
      if (!s.ok()) return s;
    }
    return Status::OK();
  });
}

Status SetPassword(Db* db, const std::string& username, const std::string& password_hash,
                   bool* found) {
  *found = false;
  return RunInTransaction(db, [&]() -> Status {
    std::vector<DbRow> rows;
    Status s = db->Query("SELECT id FROM people WHERE username = ? FOR UPDATE", {username}, &rows);
    if (!s.ok() || rows.empty()) return s;
    *found = true;
    s = db->Exec("UPDATE people SET password_hash = ?, updated_at = UTC_TIMESTAMP() WHERE id = ?",
                 {password_hash, rows[0].Int("id")});
    if (s.ok()) s = EndSessionsOf(db, rows[0].Int("id"));
    return s;
  });
}

Status LockPerson(Db* db, int64_t id, bool* active) {
  *active = false;
  std::vector<DbRow> rows;
  Status s = db->Query("SELECT active FROM people WHERE id = ? FOR UPDATE", {id}, &rows);
  if (!s.ok()) return s;
  if (rows.empty()) return Status::NotFound("There is no person with this id.");
  *active = rows[0].Int("active") != 0;
  return Status::OK();
}

Status CountActiveAdmins(Db* db, int64_t* count) {
  std::vector<DbRow> rows;
  Status s = db->Query(
      "SELECT COUNT(*) AS admins FROM people WHERE access = 'admin' AND active = 1", {}, &rows);
  if (!s.ok()) return s;
  *count = rows.empty() ? 0 : rows[0].Int("admins");
  return Status::OK();
}

}  // namespace site
