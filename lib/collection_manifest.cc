#include "collection_manifest.h"

#include "text.h"

#include <expat.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <set>

#include "safe_path.h"

namespace site {

namespace {



struct ParseState {
  XML_Parser parser = nullptr;
  std::string file;
  CollectionManifest manifest;
  std::string error;  // first error; stops the parse
  int depth = 0;
  bool root_seen = false;
  std::string text_element;  // lowercased name of the depth-1 element collecting text
  std::string text;
  std::set<std::string> warned;  // lowercased names of ignored elements

  void Fail(const std::string& why) {
    if (error.empty()) error = why;
    XML_StopParser(parser, XML_FALSE);
  }
};

std::string Attribute(const XML_Char** attrs, const char* name) {
  for (int i = 0; attrs[i] != nullptr; i += 2) {
    if (Lower(attrs[i]) == name) return attrs[i + 1];
  }
  return "";
}

bool HasAttribute(const XML_Char** attrs, const char* name) {
  for (int i = 0; attrs[i] != nullptr; i += 2) {
    if (Lower(attrs[i]) == name) return true;
  }
  return false;
}

bool ParseBool(const std::string& v, bool* out) {
  std::string l = Lower(Trim(v));
  if (l == "true" || l == "1" || l == "yes") return *out = true, true;
  if (l == "false" || l == "0" || l == "no") return *out = false, true;
  return false;
}

void XMLCALL OnStart(void* data, const XML_Char* raw_name, const XML_Char** attrs) {
  auto* st = static_cast<ParseState*>(data);
  std::string name = Lower(raw_name);
  int depth = ++st->depth;
  if (depth == 1) {
    if (name != "collection" && name != "addoncollection") {
      return st->Fail(st->file + ": the root element must be <Collection>, not <" +
                      std::string(raw_name) + ">");
    }
    st->root_seen = true;
    CollectionManifest& m = st->manifest;
    m.name = Trim(Attribute(attrs, "name"));
    m.guid = Trim(Attribute(attrs, "guid"));
    if (m.name.empty()) return st->Fail(st->file + ": <Collection> has no name attribute");
    if (m.name.size() > 200 ||
        std::any_of(m.name.begin(), m.name.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
      return st->Fail(st->file + ": <Collection> name attribute is not a valid name");
    }
    if (m.guid.empty()) return st->Fail(st->file + ": <Collection> has no guid attribute");
    if (!IsValidGuid(m.guid)) {
      return st->Fail(st->file + ": <Collection> guid attribute \"" + m.guid +
                      "\" is not a guid");
    }
    for (const char* flag : {"system", "updatable"}) {
      if (!HasAttribute(attrs, flag)) continue;
      bool value = false;
      if (!ParseBool(Attribute(attrs, flag), &value)) {
        return st->Fail(st->file + ": <Collection> " + flag + " attribute must be true or false");
      }
      (std::string(flag) == "system" ? m.system : m.updatable) = value;
    }
    return;
  }
  if (depth != 2) return;  // inside an honoured element: ignored (an Addon's details)
  CollectionManifest& m = st->manifest;
  if (name == "resource") {
    ManifestResource r{Trim(Attribute(attrs, "name")), Lower(Trim(Attribute(attrs, "type"))),
                       Trim(Attribute(attrs, "path"))};
    if (!r.path.empty() && r.path[0] == '/') {
      return st->Fail(st->file + ": <Resource name=\"" + r.name + "\"> path \"" + r.path +
                      "\" is an absolute path");
    }
    while (!r.path.empty() && r.path.back() == '/') r.path.pop_back();
    if (r.name.empty()) return st->Fail(st->file + ": a <Resource> has no name attribute");
    Status s = CheckRelativePath(r.name, st->file + ": <Resource> name");
    if (!s.ok()) return st->Fail(s.message());
    if (r.type != "www" && r.type != "private" && r.type != "cdn") {
      return st->Fail(st->file + ": <Resource name=\"" + r.name + "\"> type must be www, private or cdn");
    }
    if (!r.path.empty()) {
      s = CheckRelativePath(r.path, st->file + ": <Resource name=\"" + r.name + "\"> path");
      if (!s.ok()) return st->Fail(s.message());
    }
    m.resources.push_back(r);
  } else if (name == "addon") {
    ManifestAddon a{Trim(Attribute(attrs, "name")), Trim(Attribute(attrs, "guid"))};
    if (a.name.empty()) return st->Fail(st->file + ": an <Addon> has no name attribute");
    m.addons.push_back(a);
  } else if (name == "importcollection" || name == "helplink" || name == "help") {
    st->text_element = name;
    st->text.clear();
  } else if (st->warned.insert(name).second) {
    m.warnings.push_back("element <" + std::string(raw_name) + "> ignored");
  }
}

void XMLCALL OnEnd(void* data, const XML_Char*) {
  auto* st = static_cast<ParseState*>(data);
  if (st->depth-- != 2 || st->text_element.empty()) return;
  std::string text = Trim(st->text);
  CollectionManifest& m = st->manifest;
  if (st->text_element == "importcollection") {
    if (!IsValidGuid(text)) {
      st->Fail(st->file + ": <ImportCollection> \"" + text + "\" is not a guid");
    } else {
      m.imports.push_back(text);
    }
  } else if (st->text_element == "helplink") {
    m.help_link = text.substr(0, 1000);
  } else {
    m.help = text.substr(0, 64 * 1024);
  }
  st->text_element.clear();
}

void XMLCALL OnText(void* data, const XML_Char* s, int len) {
  auto* st = static_cast<ParseState*>(data);
  if (!st->text_element.empty() && st->text.size() < 128 * 1024) st->text.append(s, len);
}

void XMLCALL OnDoctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  auto* st = static_cast<ParseState*>(data);
  st->Fail(st->file + ": DTDs (<!DOCTYPE>) are not allowed in a manifest");
}

void XMLCALL OnEntityDecl(void* data, const XML_Char*, int, const XML_Char*, int,
                          const XML_Char*, const XML_Char*, const XML_Char*, const XML_Char*) {
  auto* st = static_cast<ParseState*>(data);
  st->Fail(st->file + ": entity declarations are not allowed in a manifest");
}

int XMLCALL OnExternalEntity(XML_Parser, const XML_Char*, const XML_Char*, const XML_Char*,
                             const XML_Char*) {
  return XML_STATUS_ERROR;  // never fetched
}

}  // namespace

bool IsValidGuid(const std::string& guid) {
  if (guid.empty() || guid.size() > 64) return false;
  return std::all_of(guid.begin(), guid.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '{' || c == '}';
  });
}

Status ParseManifest(const std::string& xml, const std::string& file_name,
                     CollectionManifest* out) {
  if (xml.size() > kMaxManifestBytes) {
    return Status::Invalid(file_name + ": the manifest is larger than 1 MiB");
  }
  std::unique_ptr<std::remove_pointer_t<XML_Parser>, decltype(&XML_ParserFree)> parser(
      XML_ParserCreate(nullptr), &XML_ParserFree);
  if (!parser) return Status::Internal("cannot create an XML parser");
  ParseState st;
  st.parser = parser.get();
  st.file = file_name;
  XML_SetUserData(parser.get(), &st);
  XML_SetElementHandler(parser.get(), OnStart, OnEnd);
  XML_SetCharacterDataHandler(parser.get(), OnText);
  XML_SetStartDoctypeDeclHandler(parser.get(), OnDoctype);
  XML_SetEntityDeclHandler(parser.get(), OnEntityDecl);
  XML_SetExternalEntityRefHandler(parser.get(), OnExternalEntity);
  XML_SetParamEntityParsing(parser.get(), XML_PARAM_ENTITY_PARSING_NEVER);
  if (XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), XML_TRUE) ==
          XML_STATUS_ERROR &&
      st.error.empty()) {
    st.error = file_name + ": malformed XML at line " +
               std::to_string(XML_GetCurrentLineNumber(parser.get())) + ": " +
               XML_ErrorString(XML_GetErrorCode(parser.get()));
  }
  if (!st.error.empty()) return Status::Invalid(st.error);
  if (!st.root_seen) return Status::Invalid(file_name + ": the manifest has no <Collection>");
  *out = std::move(st.manifest);
  return Status::OK();
}

}  // namespace site
