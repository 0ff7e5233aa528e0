// Page: what every HTML page of the admin site shares: the layout
// (templates/layout_top.tpl and layout_bottom.tpl), the signed-in bar with
// its sign-out form, and the rule that pages need a signed-in person.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "config.h"
#include "db.h"
#include "request.h"
#include "response.h"
#include "session.h"
#include "status.h"
#include "templates.h"

namespace site {

// Returns a dictionary for a page titled `title`, with the layout included.
// With a session, the layout shows who is signed in and the navigation.
std::unique_ptr<TemplateDictionary> NewPage(const std::string& title,
                                            const SessionInfo* session);

// Renders `file` with `dict` into `resp` (status unchanged).
Status RenderPage(Templates* templates, const std::string& file, const TemplateDictionary& dict,
                  Response* resp);

// For pages that need a signed-in Admin or Content Manager. Returns OK with
// *session set when there is one; otherwise answers `resp` with a redirect
// to the sign-in page (coming back here afterwards) and leaves *session empty.
Status SessionOrRedirect(Db* db, const Config& config, const Request& req, Response* resp,
                         std::optional<SessionInfo>* session);

// Returns `next` if it is a path on this site ("/people?q=a"), else "/people".
// Refuses "//host" and "/\host", which browsers treat as other sites.
std::string SafeLocalPath(const std::string& next);

}  // namespace site
