#include "access.h"

namespace site {

const char* AccessToDb(Access a) {
  switch (a) {
    case Access::kNone: return "none";
    case Access::kContentManager: return "content_manager";
    case Access::kAdmin: return "admin";
  }
  return "none";
}

bool AccessFromDb(const std::string& text, Access* out) {
  for (Access a : {Access::kNone, Access::kContentManager, Access::kAdmin}) {
    if (text == AccessToDb(a)) {
      *out = a;
      return true;
    }
  }
  return false;
}

const char* AccessLabel(Access a) {
  switch (a) {
    case Access::kNone: return "None";
    case Access::kContentManager: return "Content Manager";
    case Access::kAdmin: return "Admin";
  }
  return "None";
}

bool MayUseAdminSite(Access a) { return a == Access::kAdmin || a == Access::kContentManager; }

}  // namespace site
