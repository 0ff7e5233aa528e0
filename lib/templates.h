// Templates: HTML from templates/, rendered with ctemplate.
//
// Why ctemplate: it is in Debian (libctemplate-dev), and with the
// {{%AUTOESCAPE context="HTML"}} pragma that starts every file in
// templates/ it escapes every variable by default, choosing the escaping by
// where the variable stands (element text, attribute, URL, JavaScript).
// Nothing in our templates opts out. It is also logic-less: the templates
// cannot run queries or build HTML strings, which keeps that in C++ handlers.
#pragma once

#include <ctemplate/template.h>

#include <memory>
#include <string>

#include "status.h"

namespace site {

using TemplateDictionary = ctemplate::TemplateDictionary;

class Templates {
 public:
  // Templates are read from `root_dir` on first use and kept for the life of
  // the process (one FastCGI process serves many requests).
  explicit Templates(const std::string& root_dir);
  ~Templates();

  // Expands `file` (relative to the root) with `dict` into `*out`.
  // Returns Internal when the file is missing or does not parse.
  Status Render(const std::string& file, const TemplateDictionary& dict, std::string* out);

 private:
  std::unique_ptr<ctemplate::TemplateCache> cache_;
};

}  // namespace site
