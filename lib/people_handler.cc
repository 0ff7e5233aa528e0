#include "people_handler.h"

#include <cctype>
#include <map>
#include <cgicc/CgiUtils.h>
#include "bearer_token.h"
#include "log.h"
#include "page.h"
#include "password.h"
#include "people.h"
#include "session.h"
#include "token_store.h"

namespace site {
namespace {

constexpr int kPageSize = 25;

std::string PeopleListHref(const std::string& search, const char* cursor_name, int64_t id) {
  std::string href = "/people?";
  if (!search.empty()) href += "q=" + cgicc::form_urlencode(search) + "&";
  return href + cursor_name + "=" + std::to_string(id);
}

Status ShowList(App& app, const Request& req, const SessionInfo& session, Response* resp) {
  PeopleQuery q;
  q.search = req.Query("q");
  q.after = ParseId(req.Query("after"));
  q.before = ParseId(req.Query("before"));
  q.page_size = kPageSize;
  PeoplePage page;
  Status s = ListPeople(app.db.get(), q, &page);
  if (!s.ok()) return s;

  // The tokens of this page that expire soon, to be marked.
  std::vector<int64_t> ids;
  for (const Person& p : page.people) ids.push_back(p.id);
  std::vector<ExpiringToken> expiring;
  s = ListExpiringTokens(app.db.get(), kTokenExpiryWarningDays, &ids, &expiring);
  if (!s.ok()) return s;
  std::map<int64_t, int64_t> days_left;
  for (const ExpiringToken& t : expiring) days_left[t.person_id] = t.days_left;

  auto dict = NewPage("People", &session);
  dict->SetValue("SEARCH", q.search);
  if (!q.search.empty()) dict->ShowSection("SEARCHING");
  for (const Person& p : page.people) {
    TemplateDictionary* row = dict->AddSectionDictionary("PERSON");
    row->SetIntValue("ID", static_cast<long>(p.id));
    row->SetValue("NAME", p.DisplayName());
    row->SetValue("EMAIL", p.email);
    row->SetValue("USERNAME", p.username);
    row->SetValue("ACCESS_LABEL", AccessLabel(p.access));
    if (!p.active) row->ShowSection("INACTIVE");
    auto soon = days_left.find(p.id);
    if (soon != days_left.end()) {
      row->SetIntValue("TOKEN_DAYS_LEFT", static_cast<long>(soon->second));
      row->ShowSection(soon->second == 1 ? "TOKEN_EXPIRES_TOMORROW" : "TOKEN_EXPIRES_SOON");
    }
  }
  if (page.people.empty()) dict->ShowSection("NO_PEOPLE");
  if (page.previous_before) {
    dict->SetValueAndShowSection("HREF", PeopleListHref(q.search, "before", *page.previous_before),
                                 "PREVIOUS_PAGE");
  }
  if (page.next_after) {
    dict->SetValueAndShowSection("HREF", PeopleListHref(q.search, "after", *page.next_after),
                                 "NEXT_PAGE");
  }
  return RenderPage(app.templates.get(), "people_list.tpl", *dict, resp);
}

// What the edit form shows: the record (stored or as submitted), the
// problems by field, and which controls this signed-in person may use.
struct PersonForm {
  Person person;
  const Person* existing = nullptr;  // null when adding
  FieldErrors errors;
  bool saved = false;
  bool token_revoked = false;
};

const char* EventLabel(const std::string& event) {
  if (event == "created") return "Created";
  if (event == "replaced") return "Created (replaced the previous token)";
  if (event == "revoked") return "Revoked";
  if (event == "ended") return "Ended (person deactivated)";
  return "Changed";
}

// The record's bearer token: its status (never the token itself), the
// Admin's Create Bearer Token and Revoke buttons, and the token's history.
Status AddTokenSection(App& app, const SessionInfo& session, int64_t person_id,
                       TemplateDictionary* dict) {
  TokenStatus token;
  Status s = GetTokenStatus(app.db.get(), person_id, &token);
  if (!s.ok()) return s;
  std::vector<TokenEvent> events;
  s = ListTokenEvents(app.db.get(), person_id, 20, &events);
  if (!s.ok()) return s;

  TemplateDictionary* section = dict->AddSectionDictionary("TOKEN_SECTION");
  bool admin = session.access == Access::kAdmin;
  if (admin) dict->ShowSection("CAN_CREATE_TOKEN");
  dict->SetIntValue("PERSON_ID", static_cast<long>(person_id));
  section->ShowSection(token.exists ? "TOKEN_EXISTS" : "NO_TOKEN");
  section->SetValue("TOKEN_STATE", !token.exists ? "" : token.expired ? "Expired" : "Active");
  section->SetValue("TOKEN_HINT", token.hint);
  section->SetValue("TOKEN_CREATED", token.exists ? token.created_at + " UTC" : "");
  section->SetValue("TOKEN_EXPIRES", token.exists ? token.expires_at + " UTC" : "");
  section->SetValue("TOKEN_LAST_USED",
                    token.last_used_at.empty()
                        ? "Never"
                        : token.last_used_at + " UTC from " + token.last_used_address);
  if (admin) section->ShowSection("CAN_REVOKE");
  for (const TokenEvent& e : events) {
    TemplateDictionary* row = section->AddSectionDictionary("TOKEN_EVENT");
    row->SetValue("WHEN", e.created_at + " UTC");
    row->SetValue("WHAT", EventLabel(e.event));
    row->SetValue("HINT", e.hint);
    row->SetValue("BY", e.actor_name.empty() ? "—" : e.actor_name);
    row->SetValue("ADDRESS", e.client_address);
  }
  if (!events.empty()) section->ShowSection("HAS_TOKEN_EVENTS");
  return Status::OK();
}

std::string UpperCase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

Status ShowForm(App& app, const SessionInfo& session, const PersonForm& form, Response* resp) {
  const Person& p = form.person;
  bool adding = form.existing == nullptr;
  std::string title = adding ? "Add a person" : p.DisplayName();
  auto dict = NewPage(title, &session);
  dict->SetValue("HEADING", title);
  dict->SetValue("FORM_ACTION",
                 adding ? std::string("/people/new") : "/people/edit?id=" + std::to_string(p.id));
  dict->SetValue("FIRST_NAME", p.first_name);
  dict->SetValue("LAST_NAME", p.last_name);
  dict->SetValue("EMAIL", p.email);
  dict->SetValue("USERNAME", p.username);
  if (p.active) dict->ShowSection("ACTIVE_CHECKED");
  if (form.saved) dict->ShowSection("SAVED");
  if (form.token_revoked) dict->ShowSection("TOKEN_REVOKED");
  if (!form.errors.empty()) dict->ShowSection("HAS_ERRORS");
  if (!adding) {
    TemplateDictionary* meta = dict->AddSectionDictionary("RECORD");
    meta->SetIntValue("ID", static_cast<long>(p.id));
    meta->SetValue("CREATED_AT", form.existing->created_at);
    meta->SetValue("UPDATED_AT", form.existing->updated_at);
    meta->SetValue("PASSWORD_STATE", form.existing->has_password ? "set" : "not set");
  }
  for (const auto& [field, message] : form.errors) {
    dict->SetValueAndShowSection("MESSAGE", message, "ERROR_" + UpperCase(field));
    dict->ShowSection("INVALID_" + UpperCase(field));
  }

  // A Content Manager is offered Admin only when the person already has it
  // (so the form can be saved unchanged); the server checks either way.
  bool editing_admin = form.existing != nullptr && form.existing->access == Access::kAdmin;
  for (Access a : {Access::kNone, Access::kContentManager, Access::kAdmin}) {
    if (a == Access::kAdmin && session.access != Access::kAdmin && !editing_admin &&
        p.access != Access::kAdmin) {
      continue;
    }
    TemplateDictionary* option = dict->AddSectionDictionary("ACCESS_OPTION");
    option->SetValue("VALUE", AccessToDb(a));
    option->SetValue("LABEL", AccessLabel(a));
    if (a == p.access) option->ShowSection("SELECTED");
  }
  if (session.access != Access::kAdmin && editing_admin) {
    dict->ShowSection("PASSWORD_LOCKED");
  } else {
    dict->ShowSection("PASSWORD_EDITABLE");
  }
  if (!adding) {
    Status s = AddTokenSection(app, session, p.id, dict.get());
    if (!s.ok()) return s;
  }
  return RenderPage(app.templates.get(), "person_edit.tpl", *dict, resp);
}

// Reads the submitted fields over `base` (the stored record when editing).
Person PersonFromForm(const Request& req, Person base) {
  base.first_name = req.Form("first_name");
  base.last_name = req.Form("last_name");
  base.email = req.Form("email");
  base.username = req.Form("username");
  // An unknown access value is treated as "none"; it cannot grant anything.
  if (!AccessFromDb(req.Form("access"), &base.access)) base.access = Access::kNone;
  base.active = req.HasForm("active");
  NormalizePerson(&base);
  return base;
}

// Validates and stores the submitted person (new when form->existing is
// null). On success redirects to the edit page; else shows the form again.
Status SaveSubmitted(App& app, const Request& req, const SessionInfo& session, PersonForm* form,
                     Response* resp) {
  Status s = CheckCsrf(session, req);
  if (!s.ok()) return s;
  std::string password = req.Form("password");
  form->person = PersonFromForm(req, form->existing ? *form->existing : Person());
  Actor actor{session.person_id, session.access};
  form->errors = ValidatePerson(actor, form->existing, form->person, password);
  std::string hash;
  if (form->errors.empty() && !password.empty()) {
    s = HashPassword(password, app.config.password_iterations, &hash);
    if (!s.ok()) return s;
  }
  if (form->errors.empty()) {
    int64_t id = form->person.id;
    if (form->existing == nullptr) {
      s = InsertPerson(app.db.get(), form->person, hash, &id, &form->errors);
    } else {
      s = UpdatePerson(app.db.get(), form->person, hash, &form->errors, session.person_id,
                       req.client_address());
    }
    if (s.ok()) {
      Log(LogLevel::kInfo, req.client_address(),
          "person " + std::to_string(session.person_id) + " saved person " + std::to_string(id));
      resp->Redirect("/people/edit?id=" + std::to_string(id) + "&saved=1");
      return Status::OK();
    }
    if (form->errors.empty()) return s;
  }
  resp->set_status(422);
  return ShowForm(app, session, *form, resp);
}

Status HandleNew(App& app, const Request& req, const SessionInfo& session, Response* resp) {
  PersonForm form;
  if (req.IsPost()) return SaveSubmitted(app, req, session, &form, resp);
  return ShowForm(app, session, form, resp);
}

Status HandleEdit(App& app, const Request& req, const SessionInfo& session, Response* resp) {
  std::optional<int64_t> id = ParseId(req.Query("id"));
  if (!id) return Status::NotFound("There is no person with this id.");
  Person existing;
  Status s = GetPerson(app.db.get(), *id, &existing);
  if (!s.ok()) return s;
  PersonForm form;
  form.existing = &existing;
  if (req.IsPost()) return SaveSubmitted(app, req, session, &form, resp);
  form.person = existing;
  form.saved = req.Query("saved") == "1";
  form.token_revoked = req.Query("revoked") == "1";
  return ShowForm(app, session, form, resp);
}

}  // namespace

Status HandlePeople(App& app, const Request& req, Response* resp) {
  std::optional<SessionInfo> session;
  Status s = SessionOrRedirect(app.db.get(), app.config, req, resp, &session);
  if (!s.ok() || !session) return s;
  const std::string page = req.path();
  if (page == "/people/new") return HandleNew(app, req, *session, resp);
  if (page == "/people/edit") return HandleEdit(app, req, *session, resp);
  if (req.IsPost()) return Status::BadRequest("The People list takes no form.");
  return ShowList(app, req, *session, resp);
}

Program PeopleProgram() {
  return MakeProgram(HandlePeople, "people");
}

}  // namespace site

