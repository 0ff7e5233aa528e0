#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "templates.h"
#include "test_util.h"

using site::Status;
using site::TemplateDictionary;
using site::Templates;
using site_test::TempDir;

namespace {

const char kPragma[] = "{{%AUTOESCAPE context=\"HTML\"}}";
const char kEvil[] = "<script>alert(\"x\")</script>'&";

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string Render(const std::string& dir, const std::string& file, const TemplateDictionary& dict,
                   Status* status) {
  Templates t(dir);
  std::string out = "not cleared";
  *status = t.Render(file, dict, &out);
  return out;
}

// Returns what stands between `open` and the next `close` in `text`.
std::string Between(const std::string& text, const std::string& open, const std::string& close) {
  size_t b = text.find(open);
  if (b == std::string::npos) return "<missing " + open + ">";
  b += open.size();
  size_t e = text.find(close, b);
  if (e == std::string::npos) return "<unterminated " + open + ">";
  return text.substr(b, e - b);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(templates_test)

BOOST_AUTO_TEST_CASE(plain_values_are_expanded) {
  TempDir dir;
  dir.Write("hello.tpl", std::string(kPragma) + "\n<p>Hello, {{NAME}}!</p>\n");
  TemplateDictionary dict("t");
  dict.SetValue("NAME", "Ann");
  Status s;
  std::string out = Render(dir.path(), "hello.tpl", dict, &s);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(out == "<p>Hello, Ann!</p>\n");
}

BOOST_AUTO_TEST_CASE(values_are_escaped_in_text_and_attributes) {
  TempDir dir;
  dir.Write("page.tpl", std::string(kPragma) +
                            "\n<p id=\"text\">{{V}}</p>\n"
                            "<input id=\"dq\" value=\"{{V}}\">\n"
                            "<input id='sq' value='{{V}}'>\n"
                            "<input id=uq value={{V}}>\n");
  TemplateDictionary dict("t");
  dict.SetValue("V", kEvil);
  Status s;
  std::string out = Render(dir.path(), "page.tpl", dict, &s);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());

  // Nothing of the value survives as markup anywhere.
  BOOST_TEST(!Contains(out, "<script"), out);
  BOOST_TEST(!Contains(out, "</script"), out);

  // Element text.
  std::string text = Between(out, "<p id=\"text\">", "</p>");
  BOOST_TEST(Contains(text, "&lt;script&gt;"), text);
  BOOST_TEST(text.find_first_of("<>\"'") == std::string::npos, text);
  BOOST_TEST(!Contains(text, "'&\n"), text);
  BOOST_TEST(Contains(text, "&amp;"), text);

  // Double-quoted attribute: the value cannot close the quote.
  std::string dq = Between(out, "<input id=\"dq\" value=\"", "\">");
  BOOST_TEST(dq.find_first_of("<>\"'") == std::string::npos, dq);
  BOOST_TEST(Contains(dq, "&quot;"), dq);
  BOOST_TEST(Contains(dq, "&amp;"), dq);

  // Single-quoted attribute.
  std::string sq = Between(out, "<input id='sq' value='", "'>");
  BOOST_TEST(sq.find_first_of("<>\"'") == std::string::npos, sq);

  // Unquoted attribute: no space, quote or angle bracket to break out with.
  std::string uq = Between(out, "<input id=uq value=", ">\n");
  BOOST_TEST(uq.find_first_of("<>\"' \t\n=") == std::string::npos, uq);

  // The exact entities, the same in every place.
  const char kEscaped[] = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;";
  BOOST_TEST(text == kEscaped);
  BOOST_TEST(dq == kEscaped);
  BOOST_TEST(sq == kEscaped);
}

BOOST_AUTO_TEST_CASE(urls_in_href_are_checked) {
  TempDir dir;
  dir.Write("link.tpl", std::string(kPragma) + "\n<a id=\"l\" href=\"{{URL}}\">x</a>\n");
  const std::pair<const char*, bool> cases[] = {
      {"javascript:alert(1)", false},
      {"JavaScript:alert(1)", false},
      {"data:text/html,<script>alert(1)</script>", false},
      {"/people?q=a", true},
      {"https://example.com/a", true},
  };
  for (const auto& [url, kept] : cases) {
    BOOST_TEST_CONTEXT(url) {
      TemplateDictionary dict("t");
      dict.SetValue("URL", url);
      Status s;
      std::string out = Render(dir.path(), "link.tpl", dict, &s);
      BOOST_TEST_REQUIRE(s.ok(), s.ToString());
      std::string href = Between(out, "href=\"", "\"");
      BOOST_TEST((kept || !Contains(href, "script")), href);
      BOOST_TEST(!Contains(out, "<script"), out);
      if (kept) {
        BOOST_TEST(Contains(href, std::string(url).substr(0, 6)), href);
      } else {
        BOOST_TEST(!Contains(href, ":"), href);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(sections_and_includes_are_escaped_too) {
  TempDir dir;
  dir.Write("inner.tpl", std::string(kPragma) + "\n<b>{{X}}</b>\n");
  dir.Write("outer.tpl", std::string(kPragma) +
                             "\n{{#ROW}}<li title=\"{{X}}\">{{X}}</li>{{/ROW}}\n{{>INNER}}\n");
  TemplateDictionary dict("t");
  for (const char* x : {"<i>one</i>", "\"two\""}) {
    dict.AddSectionDictionary("ROW")->SetValue("X", x);
  }
  TemplateDictionary* inner = dict.AddIncludeDictionary("INNER");
  inner->SetFilename("inner.tpl");
  inner->SetValue("X", "<img src=x onerror=alert(1)>");
  Status s;
  std::string out = Render(dir.path(), "outer.tpl", dict, &s);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  BOOST_TEST(!Contains(out, "<i>"), out);
  BOOST_TEST(!Contains(out, "<img"), out);
  BOOST_TEST(Contains(out, "&lt;i&gt;one&lt;/i&gt;"), out);
  BOOST_TEST(Contains(out, "title=\"&quot;two&quot;\""), out);
  BOOST_TEST(Contains(out, "&lt;img src=x onerror=alert(1)&gt;"), out);
}

BOOST_AUTO_TEST_CASE(missing_template_is_not_ok) {
  TempDir dir;
  TemplateDictionary dict("t");
  Status s;
  std::string out = Render(dir.path(), "no_such.tpl", dict, &s);
  BOOST_TEST(s.code() == Status::Code::kInternal);
  BOOST_TEST(Contains(s.message(), "no_such.tpl"), s.message());
  BOOST_TEST(out == "");
}

BOOST_AUTO_TEST_CASE(unparseable_template_is_not_ok) {
  TempDir dir;
  dir.Write("broken.tpl", std::string(kPragma) + "\n{{#OPEN}}never closed\n");
  TemplateDictionary dict("t");
  Status s;
  Render(dir.path(), "broken.tpl", dict, &s);
  BOOST_TEST(s.code() == Status::Code::kInternal);
}

BOOST_AUTO_TEST_CASE(templates_are_kept_once_read) {
  TempDir dir;
  dir.Write("v.tpl", std::string(kPragma) + "\nversion one\n");
  Templates t(dir.path());
  TemplateDictionary dict("t");
  std::string out;
  BOOST_TEST_REQUIRE(t.Render("v.tpl", dict, &out).ok());
  BOOST_TEST(Contains(out, "version one"), out);
  dir.Write("v.tpl", std::string(kPragma) + "\nversion two\n");
  BOOST_TEST_REQUIRE(t.Render("v.tpl", dict, &out).ok());
  BOOST_TEST(Contains(out, "version one"), out);
  // A new Templates object reads the file again.
  Templates fresh(dir.path());
  BOOST_TEST_REQUIRE(fresh.Render("v.tpl", dict, &out).ok());
  BOOST_TEST(Contains(out, "version two"), out);
}

// The contract of templates/: every file starts with the pragma, none opts
// out of escaping, and each one parses.
BOOST_AUTO_TEST_CASE(site_templates_all_autoescape) {
  std::string root = site_test::TemplatesDir();
  size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    if (entry.path().extension() != ".tpl") continue;
    ++count;
    std::string name = entry.path().filename().string();
    BOOST_TEST_CONTEXT(name) {
      std::ifstream f(entry.path());
      std::ostringstream text;
      text << f.rdbuf();
      std::string contents = text.str();
      BOOST_TEST(contents.rfind(std::string(kPragma) + "\n", 0) == 0u);
      BOOST_TEST(!Contains(contents, ":none"));
      BOOST_TEST(!Contains(contents, "{{{"));
      Templates t(root);
      TemplateDictionary dict("t");
      std::string out;
      Status s = t.Render(name, dict, &out);
      BOOST_TEST(s.ok(), s.ToString());
    }
  }
  BOOST_TEST(count >= 3u);
}

BOOST_AUTO_TEST_SUITE_END()
