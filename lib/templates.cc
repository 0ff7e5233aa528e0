#include "templates.h"

#include <ctemplate/template_cache.h>

namespace site {

Templates::Templates(const std::string& root_dir)
    : cache_(std::make_unique<ctemplate::TemplateCache>()) {
  cache_->SetTemplateRootDirectory(root_dir);
}

Templates::~Templates() = default;

Status Templates::Render(const std::string& file, const TemplateDictionary& dict,
                         std::string* out) {
  out->clear();
  if (!cache_->ExpandWithData(file, ctemplate::STRIP_BLANK_LINES, &dict, nullptr, out)) {
    return Status::Internal("cannot expand template '" + file + "'");
  }
  return Status::OK();
}

}  // namespace site
