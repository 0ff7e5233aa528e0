// /people        the People list: search and pages (GET)
// /people/new    add a person (GET form, POST create)
// /people/edit   the People edit page, ?id=N (GET form, POST save)
//
// Admins and Content Managers only; every POST needs the session's CSRF token.
#pragma once

#include "app.h"

namespace site {

// Answers one request of people's URLs (the table above).
Status HandlePeople(App& app, const Request& req, Response* resp);

// The people program: HandlePeople with its URLs from the route table.
Program PeopleProgram();

}  // namespace site
