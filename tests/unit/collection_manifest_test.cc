#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "collection_manifest.h"
#include "test_util.h"

using site::CollectionManifest;
using site::IsValidGuid;
using site::kMaxManifestBytes;
using site::ManifestAddon;
using site::ManifestResource;
using site::ParseManifest;
using site::Status;

namespace {

const char kFile[] = "Shop Manifest.xml";
const char kGuid[] = "{8F1A2B3C-0000-4D5E-9F00-123456789ABC}";

// A manifest with `doctype` (may be "") after the XML declaration, whose
// root carries `root_attrs` and holds `body`.
std::string Doc(const std::string& doctype, const std::string& root_attrs,
                const std::string& body = "") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + doctype + "\n<Collection " + root_attrs +
         ">" + body + "</Collection>\n";
}

// A manifest whose root carries `root_attrs` and holds `body`.
std::string Manifest(const std::string& root_attrs, const std::string& body = "") {
  return Doc("", root_attrs, body);
}

const std::string kGoodRoot = std::string("name=\"Shop\" guid=\"") + kGuid + "\"";

// A manifest with a good name and guid around `body`.
std::string WithBody(const std::string& body) { return Manifest(kGoodRoot, body); }

// A manifest already filled in, to show that a refusal leaves *out alone.
CollectionManifest Sentinel() {
  CollectionManifest m;
  m.name = "sentinel";
  m.guid = "sentinel-guid";
  m.help = "sentinel help";
  m.warnings = {"sentinel warning"};
  return m;
}

CollectionManifest MustParse(const std::string& xml) {
  CollectionManifest m = Sentinel();
  Status s = ParseManifest(xml, kFile, &m);
  BOOST_TEST_REQUIRE(s.ok(), s.ToString());
  return m;
}

// Parses `xml`, requires a refusal that names the file and contains every
// one of `needles`, and that *out was left alone. Returns the message.
std::string MustRefuse(const std::string& xml, const std::vector<std::string>& needles) {
  CollectionManifest m = Sentinel();
  Status s = ParseManifest(xml, kFile, &m);
  BOOST_TEST_REQUIRE(!s.ok(), "accepted");
  BOOST_TEST(s.code() == Status::Code::kInvalid);
  BOOST_TEST(s.message().find(kFile) != std::string::npos, s.message());
  for (const std::string& n : needles) {
    BOOST_TEST(s.message().find(n) != std::string::npos, "'" << n << "' not in: " << s.message());
  }
  BOOST_TEST(m.name == "sentinel");
  BOOST_TEST(m.guid == "sentinel-guid");
  BOOST_TEST(m.help == "sentinel help");
  BOOST_TEST(m.resources.empty());
  BOOST_TEST(m.warnings.size() == 1u);
  return s.message();
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(collection_manifest_test)

// ---------------------------------------------------------------------------
// IsValidGuid

BOOST_AUTO_TEST_CASE(is_valid_guid) {
  struct Case {
    std::string guid;
    bool valid;
  } cases[] = {
      {kGuid, true},
      {"8f1a2b3c-0000-4d5e-9f00-123456789abc", true},
      {"{x}", true},
      {"a", true},
      {"-", true},
      {"{}", true},
      {std::string(64, 'A'), true},
      {std::string(65, 'A'), false},
      {"", false},
      {" ", false},
      {" {a}", false},
      {"a b", false},
      {"a_b", false},
      {"a.b", false},
      {"a/b", false},
      {"../x", false},
      {"(a)", false},
      {"[a]", false},
      {"a\"b", false},
      {"<a>", false},
      {"\xc3\xa9", false},
      {std::string("a\0b", 3), false},
      {"a\n", false},
  };
  for (const Case& c : cases) {
    BOOST_TEST(IsValidGuid(c.guid) == c.valid, "'" << c.guid << "'");
  }
}

// ---------------------------------------------------------------------------
// Accepted manifests

BOOST_AUTO_TEST_CASE(full_manifest_with_every_child_element) {
  const std::string xml = WithBody(
      "\n"
      "  <Resource name=\"shop.css\" type=\"www\" path=\"shop/css/\"/>\n"
      "  <Resource name=\"keys/api.txt\" type=\"private\" path=\"shop\"/>\n"
      "  <Resource name=\"img/logo.png\" type=\"cdn\" path=\"\"/>\n"
      "  <Resource name=\"top.js\" type=\"www\"/>\n"
      "  <Resource name=\" padded.txt \" type=\" WWW \" path=\" a/b// \"/>\n"
      "  <Addon name=\"Cart\" guid=\"{AAAA-1}\">\n"
      "    <Copy>ignored</Copy>\n"
      "    <Resource name=\"../nested\" type=\"root\"/>\n"
      "    <Unknown><Deeper/></Unknown>\n"
      "    <ImportCollection>not a guid, but nested</ImportCollection>\n"
      "  </Addon>\n"
      "  <Addon name=\"Checkout\"/>\n"
      "  <ImportCollection> {BBBB-2} </ImportCollection>\n"
      "  <ImportCollection>\n\tCCCC\n</ImportCollection>\n"
      "  <HelpLink> https://example.com/help?a=1&amp;b=2 </HelpLink>\n"
      "  <Help>Line one &lt;b&gt; &amp; two</Help>\n"
      "  <Foo/>\n"
      "  <Bar x=\"1\">text<Inner/></Bar>\n"
      "  <Foo>again</Foo>\n"
      "  <!-- a comment -->\n"
      "  <?pi ignored?>\n");
  CollectionManifest m = MustParse(xml);
  BOOST_TEST(m.name == "Shop");
  BOOST_TEST(m.guid == kGuid);
  BOOST_TEST(m.system == false);
  BOOST_TEST(m.updatable == true);

  struct Want {
    const char* name;
    const char* type;
    const char* path;
  } want[] = {
      {"shop.css", "www", "shop/css"},
      {"keys/api.txt", "private", "shop"},
      {"img/logo.png", "cdn", ""},
      {"top.js", "www", ""},
      {"padded.txt", "www", "a/b"},
  };
  BOOST_TEST_REQUIRE(m.resources.size() == std::size(want));
  for (size_t i = 0; i < std::size(want); ++i) {
    BOOST_TEST_CONTEXT("resource " << i) {
      BOOST_TEST(m.resources[i].name == want[i].name);
      BOOST_TEST(m.resources[i].type == want[i].type);
      BOOST_TEST(m.resources[i].path == want[i].path);
    }
  }

  BOOST_TEST_REQUIRE(m.addons.size() == 2u);
  BOOST_TEST(m.addons[0].name == "Cart");
  BOOST_TEST(m.addons[0].guid == "{AAAA-1}");
  BOOST_TEST(m.addons[1].name == "Checkout");
  BOOST_TEST(m.addons[1].guid == "");

  BOOST_TEST_REQUIRE(m.imports.size() == 2u);
  BOOST_TEST(m.imports[0] == "{BBBB-2}");
  BOOST_TEST(m.imports[1] == "CCCC");
  BOOST_TEST(m.help_link == "https://example.com/help?a=1&b=2");
  BOOST_TEST(m.help == "Line one <b> & two");

  // One warning per unknown element, however often it appears; nothing for
  // the children of honoured elements; the sentinel's warning is gone.
  BOOST_TEST_REQUIRE(m.warnings.size() == 2u);
  BOOST_TEST(m.warnings[0] == "element <Foo> ignored");
  BOOST_TEST(m.warnings[1] == "element <Bar> ignored");
}

BOOST_AUTO_TEST_CASE(minimal_manifest_has_the_defaults) {
  CollectionManifest m = MustParse(Manifest("name=\"A\" guid=\"1\"", ""));
  BOOST_TEST(m.name == "A");
  BOOST_TEST(m.guid == "1");
  BOOST_TEST(m.system == false);
  BOOST_TEST(m.updatable == true);
  BOOST_TEST(m.resources.empty());
  BOOST_TEST(m.addons.empty());
  BOOST_TEST(m.imports.empty());
  BOOST_TEST(m.help_link == "");
  BOOST_TEST(m.help == "");
  BOOST_TEST(m.warnings.empty());
  // Self-closing root, no XML declaration.
  CollectionManifest m2 = MustParse("<Collection name=\"B\" guid=\"2\"/>");
  BOOST_TEST(m2.name == "B");
}

BOOST_AUTO_TEST_CASE(names_are_case_insensitive) {
  const std::string xml =
      "<COLLECTION NAME=\" Upper \" GUID=\"{9}\" SYSTEM=\"TRUE\" UPDATABLE=\"No\">"
      "<resource Type=\"WWW\" NAME=\"a.css\" PATH=\"Css/\"/>"
      "<RESOURCE name=\"B.js\" tYpE=\"Private\"/>"
      "<ADDON Name=\"Up\" GUID=\"{8}\"/>"
      "<importcollection>{7}</importcollection>"
      "<HELPLINK>https://x/</HELPLINK>"
      "<help>h</help>"
      "</COLLECTION>";
  CollectionManifest m = MustParse(xml);
  BOOST_TEST(m.name == "Upper");
  BOOST_TEST(m.guid == "{9}");
  BOOST_TEST(m.system == true);
  BOOST_TEST(m.updatable == false);
  BOOST_TEST_REQUIRE(m.resources.size() == 2u);
  BOOST_TEST(m.resources[0].name == "a.css");
  BOOST_TEST(m.resources[0].type == "www");
  BOOST_TEST(m.resources[0].path == "Css");  // the value keeps its case
  BOOST_TEST(m.resources[1].name == "B.js");
  BOOST_TEST(m.resources[1].type == "private");
  BOOST_TEST_REQUIRE(m.addons.size() == 1u);
  BOOST_TEST(m.addons[0].name == "Up");
  BOOST_TEST(m.addons[0].guid == "{8}");
  BOOST_TEST_REQUIRE(m.imports.size() == 1u);
  BOOST_TEST(m.imports[0] == "{7}");
  BOOST_TEST(m.help_link == "https://x/");
  BOOST_TEST(m.help == "h");
  BOOST_TEST(m.warnings.empty());
}

BOOST_AUTO_TEST_CASE(legacy_addon_collection_root) {
  for (const char* root : {"AddonCollection", "addoncollection", "ADDONCOLLECTION"}) {
    BOOST_TEST_CONTEXT(root) {
      std::string r = root;
      CollectionManifest m = MustParse("<" + r + " name=\"Legacy\" guid=\"{L}\">"
                                       "<Resource name=\"l.css\" type=\"www\"/></" + r + ">");
      BOOST_TEST(m.name == "Legacy");
      BOOST_TEST(m.guid == "{L}");
      BOOST_TEST(m.resources.size() == 1u);
    }
  }
}

BOOST_AUTO_TEST_CASE(system_and_updatable_values) {
  struct Case {
    const char* value;
    bool ok;
    bool parsed;
  } cases[] = {
      {"true", true, true},   {"True", true, true},   {"TRUE", true, true},
      {" true ", true, true}, {"1", true, true},      {"yes", true, true},
      {"YES", true, true},    {"Yes", true, true},    {"false", true, false},
      {"FALSE", true, false}, {"False", true, false}, {"0", true, false},
      {"no", true, false},    {"NO", true, false},    {" no\t", true, false},
      {"", false, false},     {"maybe", false, false}, {"2", false, false},
      {"-1", false, false},   {"t", false, false},    {"y", false, false},
      {"on", false, false},   {"off", false, false},  {"truee", false, false},
      {"yes no", false, false}, {"01", false, false},
  };
  for (const char* flag : {"system", "updatable"}) {
    for (const Case& c : cases) {
      BOOST_TEST_CONTEXT(flag << "=\"" << c.value << "\"") {
        std::string xml = Manifest(std::string("name=\"A\" guid=\"1\" ") + flag + "=\"" +
                                   c.value + "\"");
        if (c.ok) {
          CollectionManifest m = MustParse(xml);
          if (std::string(flag) == "system") {
            BOOST_TEST(m.system == c.parsed);
            BOOST_TEST(m.updatable == true);
          } else {
            BOOST_TEST(m.updatable == c.parsed);
            BOOST_TEST(m.system == false);
          }
        } else {
          MustRefuse(xml, {"<Collection>", flag, "true or false"});
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(text_forms_and_encodings) {
  // CDATA in Help, a character reference in the name, a BOM, a declared
  // Latin-1 encoding (output is UTF-8), comments and PIs around the root.
  CollectionManifest m = MustParse(WithBody("<Help><![CDATA[<p>x & y</p>]]></Help>"));
  BOOST_TEST(m.help == "<p>x & y</p>");

  m = MustParse("<Collection name=\"Caf&#233;\" guid=\"1\"/>");
  BOOST_TEST(m.name == "Caf\xc3\xa9");

  m = MustParse("\xef\xbb\xbf<?xml version=\"1.0\"?><Collection name=\"Bom\" guid=\"1\"/>");
  BOOST_TEST(m.name == "Bom");

  m = MustParse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
                "<Collection name=\"Caf\xe9\" guid=\"1\"/>");
  BOOST_TEST(m.name == "Caf\xc3\xa9");

  m = MustParse("<!-- before --><?pi x?>\n<Collection name=\"C\" guid=\"1\"/><!-- after -->\n");
  BOOST_TEST(m.name == "C");

  // A name of 200 bytes is the longest accepted.
  m = MustParse(Manifest("name=\"" + std::string(200, 'n') + "\" guid=\"1\""));
  BOOST_TEST(m.name.size() == 200u);
}

// Help and HelpLink are kept bounded whatever the manifest holds.
BOOST_AUTO_TEST_CASE(long_help_is_bounded) {
  std::string big(300 * 1024, 'h');
  CollectionManifest m = MustParse(WithBody("<Help>" + big + "</Help><HelpLink>" + big +
                                            "</HelpLink>"));
  BOOST_TEST(m.help.size() > 0u);
  BOOST_TEST(m.help.size() <= 64u * 1024);
  BOOST_TEST(m.help_link.size() > 0u);
  BOOST_TEST(m.help_link.size() <= 1000u);
}

BOOST_AUTO_TEST_CASE(size_limit_is_one_mebibyte) {
  BOOST_TEST(kMaxManifestBytes == 1024u * 1024);
  const std::string head = WithBody("<!--");
  const std::string tail = "-->";
  // Pad the comment so the document is exactly the limit, then one byte more.
  auto padded = [&](size_t total) {
    std::string xml = WithBody("<!--" + std::string(total - head.size() - tail.size(), 'p') + "-->");
    BOOST_TEST_REQUIRE(xml.size() == total);
    return xml;
  };
  CollectionManifest m = MustParse(padded(kMaxManifestBytes));
  BOOST_TEST(m.name == "Shop");
  MustRefuse(padded(kMaxManifestBytes + 1), {"1 MiB"});
  MustRefuse(std::string(3 * kMaxManifestBytes, ' '), {"1 MiB"});
}

// ---------------------------------------------------------------------------
// Refusals

BOOST_AUTO_TEST_CASE(refusals_name_the_file_element_and_attribute) {
  struct Case {
    const char* what;
    std::string xml;
    std::vector<std::string> needles;
  } cases[] = {
      {"wrong root", "<Manifest name=\"x\" guid=\"1\"/>", {"root element", "<Manifest>"}},
      {"root is a Resource", "<Resource name=\"x\" type=\"www\"/>", {"root element", "<Resource>"}},
      {"missing name", Manifest("guid=\"1\""), {"<Collection>", "name attribute"}},
      {"empty name", Manifest("name=\"\" guid=\"1\""), {"<Collection>", "name attribute"}},
      {"blank name", Manifest("name=\"  \" guid=\"1\""), {"<Collection>", "name attribute"}},
      {"name with a tab", Manifest("name=\"a&#9;b\" guid=\"1\""), {"<Collection>", "name"}},
      {"name with a newline", Manifest("name=\"a&#10;b\" guid=\"1\""), {"<Collection>", "name"}},
      {"name of 201 bytes", Manifest("name=\"" + std::string(201, 'n') + "\" guid=\"1\""),
       {"<Collection>", "name"}},
      {"missing guid", Manifest("name=\"x\""), {"<Collection>", "guid attribute"}},
      {"blank guid", Manifest("name=\"x\" guid=\" \""), {"<Collection>", "guid attribute"}},
      {"invalid guid", Manifest("name=\"x\" guid=\"not a guid!\""),
       {"<Collection>", "guid", "not a guid!"}},
      {"guid with a slash", Manifest("name=\"x\" guid=\"../1\""), {"guid", "../1"}},
      {"guid of 65 bytes", Manifest("name=\"x\" guid=\"" + std::string(65, 'g') + "\""),
       {"guid"}},
      {"Resource without name", WithBody("<Resource type=\"www\" path=\"a\"/>"),
       {"<Resource>", "name attribute"}},
      {"Resource with empty name", WithBody("<Resource name=\"\" type=\"www\"/>"),
       {"<Resource>", "name attribute"}},
      {"Resource of type root", WithBody("<Resource name=\"shop.css\" type=\"root\"/>"),
       {"shop.css", "type"}},
      {"Resource without type", WithBody("<Resource name=\"shop.css\"/>"),
       {"shop.css", "type"}},
      {"Resource of type wwwroot", WithBody("<Resource name=\"a\" type=\"wwwroot\"/>"),
       {"type"}},
      {"Resource name with ..", WithBody("<Resource name=\"../x.css\" type=\"www\"/>"),
       {"<Resource> name", "../x.css", ".."}},
      {"Resource name with inner ..", WithBody("<Resource name=\"a/../../x\" type=\"www\"/>"),
       {"<Resource> name", "a/../../x"}},
      {"Resource name absolute", WithBody("<Resource name=\"/etc/passwd\" type=\"private\"/>"),
       {"<Resource> name", "/etc/passwd", "absolute"}},
      {"Resource name with backslash", WithBody("<Resource name=\"a\\b\" type=\"www\"/>"),
       {"<Resource> name", "a\\b"}},
      {"Resource name with a drive", WithBody("<Resource name=\"C:/x\" type=\"www\"/>"),
       {"<Resource> name", "C:/x"}},
      {"Resource path absolute", WithBody("<Resource name=\"a.css\" type=\"www\" path=\"/var/www\"/>"),
       {"a.css", "path", "/var/www", "absolute"}},
      {"Resource path absolute with slash",
       WithBody("<Resource name=\"a.css\" type=\"www\" path=\"/etc/\"/>"), {"a.css", "path", "/etc"}},
      {"Resource path with ..", WithBody("<Resource name=\"a.css\" type=\"cdn\" path=\"x/../../y\"/>"),
       {"a.css", "path", "x/../../y"}},
      {"Resource path with backslash",
       WithBody("<Resource name=\"a.css\" type=\"www\" path=\"..\\..\\y\"/>"), {"a.css", "path"}},
      {"Addon without name", WithBody("<Addon guid=\"{1}\"/>"), {"<Addon>", "name attribute"}},
      {"ImportCollection not a guid", WithBody("<ImportCollection>../other</ImportCollection>"),
       {"<ImportCollection>", "../other", "not a guid"}},
      {"ImportCollection empty", WithBody("<ImportCollection>  </ImportCollection>"),
       {"<ImportCollection>", "not a guid"}},
      {"ImportCollection with element inside",
       WithBody("<ImportCollection>{1}<b/>x y</ImportCollection>"), {"<ImportCollection>"}},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) { MustRefuse(c.xml, c.needles); }
  }
}

BOOST_AUTO_TEST_CASE(malformed_xml_is_refused) {
  struct Case {
    const char* what;
    std::string xml;
  } cases[] = {
      {"empty input", ""},
      {"only whitespace", " \n\t"},
      {"only a declaration", "<?xml version=\"1.0\"?>"},
      {"not XML", "PK\x03\x04 this is a zip"},
      {"unclosed root", "<Collection name=\"x\" guid=\"1\">"},
      {"mismatched tags", "<Collection name=\"x\" guid=\"1\"><Help></Helpx></Collection>"},
      {"two roots", "<Collection name=\"x\" guid=\"1\"/><Collection name=\"y\" guid=\"2\"/>"},
      {"text after the root", "<Collection name=\"x\" guid=\"1\"/>junk"},
      {"unquoted attribute", "<Collection name=x guid=\"1\"/>"},
      {"duplicate attribute", "<Collection name=\"x\" name=\"y\" guid=\"1\"/>"},
      {"undefined entity", WithBody("<Help>&xxe;</Help>")},
      {"NUL byte", std::string("<Collection name=\"x\" guid=\"1\">") + '\0' + "</Collection>"},
      {"forbidden character reference", "<Collection name=\"&#1;\" guid=\"1\"/>"},
      {"invalid UTF-8", "<Collection name=\"\xff\xfe\" guid=\"1\"/>"},
      {"bare ampersand", WithBody("<Help>a & b</Help>")},
      {"truncated", WithBody("<Resource name=\"a\" type=\"www\"/>").substr(0, 70)},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) { MustRefuse(c.xml, {"malformed XML"}); }
  }
}

BOOST_AUTO_TEST_CASE(empty_input_is_refused) {
  CollectionManifest m = Sentinel();
  Status s = ParseManifest("", "empty.xml", &m);
  BOOST_TEST(!s.ok());
  BOOST_TEST(s.code() == Status::Code::kInvalid);
  BOOST_TEST(s.message().find("empty.xml") != std::string::npos, s.message());
  BOOST_TEST(m.name == "sentinel");
}

BOOST_AUTO_TEST_CASE(any_dtd_is_refused) {
  struct Case {
    const char* what;
    std::string xml;
  } cases[] = {
      {"bare DOCTYPE", Doc("<!DOCTYPE Collection>", "name=\"x\" guid=\"1\"")},
      {"DOCTYPE with an empty internal subset",
       Doc("<!DOCTYPE Collection []>", "name=\"x\" guid=\"1\"")},
      {"internal entity",
       Doc("<!DOCTYPE x [<!ENTITY a \"b\">]>", "name=\"&a;\" guid=\"1\"", "<Help>&a;</Help>")},
      {"internal entity, unused",
       Doc("<!DOCTYPE Collection [<!ENTITY a \"b\">]>", "name=\"x\" guid=\"1\"")},
      {"ATTLIST default", Doc("<!DOCTYPE Collection [<!ATTLIST Collection name CDATA \"dflt\">]>",
                              "guid=\"1\"")},
      {"external subset",
       Doc("<!DOCTYPE Collection SYSTEM \"file:///etc/passwd\">", "name=\"x\" guid=\"1\"")},
      {"public external subset",
       Doc("<!DOCTYPE Collection PUBLIC \"-//X//Y\" \"http://127.0.0.1:1/x.dtd\">",
           "name=\"x\" guid=\"1\"")},
      {"DOCTYPE without an XML declaration",
       "<!DOCTYPE Collection [<!ENTITY a \"b\">]><Collection name=\"&a;\" guid=\"1\"/>"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) { MustRefuse(c.xml, {"DTD"}); }
  }
}

// XXE: whichever way the entity is used, the file's content is never read
// into the manifest or the message.
BOOST_AUTO_TEST_CASE(external_entities_are_never_expanded) {
  const std::string passwd = ReadFileOrEmpty("/etc/passwd");
  // The first line, e.g. "root:x:0:0:root:/root:/bin/bash".
  std::string first_line = passwd.substr(0, passwd.find('\n'));
  const std::string xxe = "<!ENTITY xxe SYSTEM \"file:///etc/passwd\">";
  struct Case {
    const char* what;
    std::string xml;
  } cases[] = {
      {"in Help", Doc("<!DOCTYPE Collection [" + xxe + "]>", kGoodRoot, "<Help>&xxe;</Help>")},
      {"in HelpLink",
       Doc("<!DOCTYPE Collection [" + xxe + "]>", kGoodRoot, "<HelpLink>&xxe;</HelpLink>")},
      {"in an unknown element",
       Doc("<!DOCTYPE Collection [" + xxe + "]>", kGoodRoot, "<Foo>&xxe;</Foo>")},
      {"in ImportCollection", Doc("<!DOCTYPE Collection [" + xxe + "]>", kGoodRoot,
                                  "<ImportCollection>&xxe;</ImportCollection>")},
      {"as the root's content", Doc("<!DOCTYPE Collection [" + xxe + "]>", kGoodRoot, "&xxe;")},
      {"parameter entity",
       Doc("<!DOCTYPE Collection [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>", kGoodRoot)},
      {"lowercase root, no declaration",
       "<!DOCTYPE collection [" + xxe + "]>" +
           "<collection name=\"x\" guid=\"1\"><help>&xxe;</help></collection>"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      CollectionManifest m = Sentinel();
      Status s = ParseManifest(c.xml, kFile, &m);
      BOOST_TEST(!s.ok());
      BOOST_TEST(s.message().find("DTD") != std::string::npos, s.message());
      for (const std::string& field : {m.name, m.guid, m.help, m.help_link, s.message()}) {
        BOOST_TEST(field.find("root:") == std::string::npos, field);
        if (!first_line.empty()) BOOST_TEST(field.find(first_line) == std::string::npos, field);
      }
      for (const std::string& i : m.imports) BOOST_TEST(i.find("root:") == std::string::npos);
    }
  }
}

// Refused before any entity is expanded: 10^15 "lol"s would take petabytes,
// so a parser that expanded them would never finish; the timeout turns that
// into a failure instead of a hung run (no time bound that a slow machine
// could miss).
BOOST_AUTO_TEST_CASE(billion_laughs_is_refused_before_expansion, *boost::unit_test::timeout(60)) {
  std::string dtd = "<!DOCTYPE Collection [\n<!ENTITY lol0 \"lol\">\n";
  for (int i = 1; i <= 15; ++i) {
    dtd += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k) dtd += "&lol" + std::to_string(i - 1) + ";";
    dtd += "\">\n";
  }
  dtd += "]>\n";
  // Both in content and in an attribute.
  const std::string docs[] = {
      Doc(dtd, kGoodRoot, "<Help>&lol15;</Help>"),
      Doc(dtd, std::string("name=\"&lol15;\" guid=\"") + kGuid + "\""),
  };
  for (const std::string& xml : docs) {
    CollectionManifest m = Sentinel();
    Status s = ParseManifest(xml, kFile, &m);
    BOOST_TEST(!s.ok());
    BOOST_TEST(s.message().find("DTD") != std::string::npos, s.message());
    BOOST_TEST(s.message().size() < 1000u);
    BOOST_TEST(m.help == "sentinel help");
  }
}

// The first problem decides the message, and the parse stops there.
BOOST_AUTO_TEST_CASE(first_problem_wins) {
  std::string msg = MustRefuse(
      WithBody("<Resource name=\"../a\" type=\"www\"/><Resource name=\"b\" type=\"root\"/>"
               "<ImportCollection>bad guid</ImportCollection>"),
      {"../a"});
  BOOST_TEST(msg.find("type") == std::string::npos, msg);
  BOOST_TEST(msg.find("bad guid") == std::string::npos, msg);
}

BOOST_AUTO_TEST_SUITE_END()
