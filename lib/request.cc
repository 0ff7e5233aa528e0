#include "request.h"

#include <cgicc/CgiEnvironment.h>
#include <cgicc/CgiInput.h>
#include <cgicc/Cgicc.h>
#include <cgicc/HTTPCookie.h>

#include <cstring>

#include "log.h"

namespace site {

namespace {

// Debian's cgicc ships no FastCGI adapter (docs/stack-notes.md), so cgicc reads the
// environment and body through this CgiInput over what we already hold.
// `overrides` replaces variables, so that one parse sees only the query
// string and another only the body.
class MapCgiInput : public cgicc::CgiInput {
 public:
  MapCgiInput(const std::map<std::string, std::string>& env, const std::string& body,
              std::map<std::string, std::string> overrides)
      : env_(env), body_(body), overrides_(std::move(overrides)) {}

  size_t read(char* data, size_t length) override {
    size_t n = std::min(length, body_.size() - offset_);
    std::memcpy(data, body_.data() + offset_, n);
    offset_ += n;
    return n;
  }

  std::string getenv(const char* name) override {
    auto o = overrides_.find(name);
    if (o != overrides_.end()) return o->second;
    auto it = env_.find(name);
    return it == env_.end() ? std::string() : it->second;
  }

 private:
  const std::map<std::string, std::string>& env_;
  const std::string& body_;
  std::map<std::string, std::string> overrides_;
  size_t offset_ = 0;
};

void CollectFields(cgicc::Cgicc& cgi, std::multimap<std::string, std::string>* out) {
  for (const cgicc::FormEntry& e : *cgi) out->emplace(e.getName(), e.getValue());
}

}  // namespace

Request::Request(Environment env, std::string body) : env_(std::move(env)) {
  try {
    // Query string: parsed as if this were a GET without a body.
    {
      const std::string no_body;
      MapCgiInput in(env_, no_body,
                     {{"REQUEST_METHOD", "GET"}, {"CONTENT_LENGTH", "0"}});
      cgicc::Cgicc cgi(&in);
      CollectFields(cgi, &query_);
      for (const cgicc::HTTPCookie& c : cgi.getEnvironment().getCookieList()) {
        cookies_.emplace(c.getName(), c.getValue());
      }
    }
    if (method() == "POST") {
      MapCgiInput in(env_, body,
                     {{"QUERY_STRING", ""}, {"CONTENT_LENGTH", std::to_string(body.size())}});
      cgicc::Cgicc cgi(&in);
      CollectFields(cgi, &form_);
    }
  } catch (const std::exception& e) {
    // cgicc throws on some malformed multipart bodies (docs/stack-notes.md); a
    // request we cannot parse is treated as one without fields.
    Log(LogLevel::kWarning, Env("REMOTE_ADDR"), std::string("unparseable request: ") + e.what());
    query_.clear();
    form_.clear();
  }
}

const std::string& Request::Env(const std::string& name) const {
  static const std::string kEmpty;
  auto it = env_.find(name);
  return it == env_.end() ? kEmpty : it->second;
}

bool Request::IsHttps() const {
  const std::string& https = Env("HTTPS");
  return https == "on" || https == "1";
}

std::string Request::Query(const std::string& name) const {
  auto it = query_.find(name);
  return it == query_.end() ? std::string() : it->second;
}

std::string Request::Form(const std::string& name) const {
  auto it = form_.find(name);
  return it == form_.end() ? std::string() : it->second;
}

bool Request::HasForm(const std::string& name) const { return form_.count(name) > 0; }

std::string Request::Cookie(const std::string& name) const {
  auto it = cookies_.find(name);
  return it == cookies_.end() ? std::string() : it->second;
}

Status Request::ContentLength(std::optional<int64_t>* length) const {
  return ContentLength(env_, length);
}

Status Request::ContentLength(const Environment& env, std::optional<int64_t>* length) {
  length->reset();
  auto it = env.find("CONTENT_LENGTH");
  if (it == env.end() || it->second.empty()) return Status::OK();
  const std::string& text = it->second;
  // 18 digits cannot overflow int64_t; no body of ours comes near.
  if (text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) {
    return Status::BadRequest("The request's Content-Length is not a number.");
  }
  *length = std::stoll(text);
  return Status::OK();
}

std::optional<int64_t> ParseId(const std::string& text) {
  if (text.empty() || text.size() > 10 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  int64_t id = std::stoll(text);
  if (id <= 0) return std::nullopt;
  return id;
}

}  // namespace site
