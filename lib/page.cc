#include "page.h"

#include <cgicc/CgiUtils.h>

namespace site {

std::unique_ptr<TemplateDictionary> NewPage(const std::string& title,
                                            const SessionInfo* session) {
  auto dict = std::make_unique<TemplateDictionary>("page");
  // Template-global values reach the included layout templates too.
  dict->SetTemplateGlobalValue("TITLE", title);
  dict->AddIncludeDictionary("LAYOUT_TOP")->SetFilename("layout_top.tpl");
  dict->AddIncludeDictionary("LAYOUT_BOTTOM")->SetFilename("layout_bottom.tpl");
  if (session != nullptr) {
    dict->ShowTemplateGlobalSection("SIGNED_IN");
    dict->SetTemplateGlobalValue("DISPLAY_NAME", session->display_name);
    dict->SetTemplateGlobalValue("ACCESS_LABEL", AccessLabel(session->access));
    dict->SetTemplateGlobalValue("CSRF_TOKEN", session->csrf_token);
  }
  return dict;
}

Status RenderPage(Templates* templates, const std::string& file, const TemplateDictionary& dict,
                  Response* resp) {
  std::string html;
  Status s = templates->Render(file, dict, &html);
  if (s.ok()) resp->set_body(std::move(html));
  return s;
}

std::string SafeLocalPath(const std::string& next) {
  if (next.size() < 1 || next.size() > 2000 || next[0] != '/') return "/people";
  if (next.size() > 1 && (next[1] == '/' || next[1] == '\\')) return "/people";
  for (unsigned char c : next) {
    if (c < 0x21 || c == 0x7f || c == '\\') return "/people";
  }
  return next;
}

Status SessionOrRedirect(Db* db, const Config& config, const Request& req, Response* resp,
                         std::optional<SessionInfo>* session) {
  Status s = FindSession(db, config, req, session);
  if (!s.ok() || session->has_value()) return s;
  std::string here = SafeLocalPath(req.Env("REQUEST_URI"));
  resp->Redirect("/login?next=" + cgicc::form_urlencode(here));
  return Status::OK();
}

}  // namespace site
