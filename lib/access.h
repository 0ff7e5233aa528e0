// Access levels and the rules that follow from them.
//
//   Admin            : everything, including granting Admin and (later) tokens.
//   Content Manager  : may use the admin site and edit people, but may not
//                      grant or remove Admin access, deactivate an Admin, or
//                      change an Admin's password.
//   None             : a plain person record; cannot sign in.
#pragma once

#include <string>

namespace site {

enum class Access { kNone, kContentManager, kAdmin };

// The value stored in people.access: "none", "content_manager", "admin".
const char* AccessToDb(Access a);
// Returns false when `text` is not one of the stored values.
bool AccessFromDb(const std::string& text, Access* out);
// The label people read: "None", "Content Manager", "Admin".
const char* AccessLabel(Access a);

// Returns true iff a person with access `a` may sign in to the admin site.
bool MayUseAdminSite(Access a);

}  // namespace site
