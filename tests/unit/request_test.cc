#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "request.h"
#include "test_util.h"

using site::Request;

namespace {

const char kUrlencoded[] = "application/x-www-form-urlencoded";

Request Get(const std::string& query, Request::Environment env = {}) {
  env["REQUEST_METHOD"] = "GET";
  env["QUERY_STRING"] = query;
  return Request(std::move(env), "");
}

Request Post(const std::string& query, const std::string& content_type, const std::string& body,
             Request::Environment env = {}) {
  env["REQUEST_METHOD"] = "POST";
  env["QUERY_STRING"] = query;
  env["CONTENT_TYPE"] = content_type;
  env["CONTENT_LENGTH"] = std::to_string(body.size());
  return Request(std::move(env), body);
}

std::string Multipart(const std::string& boundary,
                      const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    body += "--" + boundary + "\r\n";
    body += "Content-Disposition: form-data; name=\"" + name + "\"\r\n\r\n";
    body += value + "\r\n";
  }
  body += "--" + boundary + "--\r\n";
  return body;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(request_test)

BOOST_AUTO_TEST_CASE(path_joins_script_name_and_path_info) {
  // lighttpd maps the prefix "/people" and passes the rest as PATH_INFO.
  Request lighttpd({{"SCRIPT_NAME", "/people"}, {"PATH_INFO", "/edit"}}, "");
  BOOST_TEST(lighttpd.path() == "/people/edit");
  Request apache({{"SCRIPT_NAME", "/people/edit"}}, "");
  BOOST_TEST(apache.path() == "/people/edit");
}

BOOST_AUTO_TEST_CASE(environment_accessors) {
  Request r({{"REQUEST_METHOD", "POST"},
             {"SCRIPT_NAME", "/people/edit"},
             {"REMOTE_ADDR", "192.0.2.7"},
             {"REQUEST_URI", "/people/edit?id=3"}},
            "");
  BOOST_TEST(r.method() == "POST");
  BOOST_TEST(r.IsPost());
  BOOST_TEST(r.path() == "/people/edit");
  BOOST_TEST(r.client_address() == "192.0.2.7");
  BOOST_TEST(r.Env("REQUEST_URI") == "/people/edit?id=3");
  BOOST_TEST(r.Env("NOT_SET") == "");
  BOOST_TEST(!r.IsHttps());

  Request empty({}, "");
  BOOST_TEST(empty.method() == "");
  BOOST_TEST(!empty.IsPost());
  BOOST_TEST(empty.path() == "");
  BOOST_TEST(empty.client_address() == "");
  BOOST_TEST(empty.Query("a") == "");
  BOOST_TEST(empty.Form("a") == "");
  BOOST_TEST(empty.Cookie("session") == "");
}

BOOST_AUTO_TEST_CASE(is_post_only_for_post) {
  const std::pair<const char*, bool> cases[] = {
      {"POST", true}, {"GET", false}, {"HEAD", false}, {"post", false}, {"PUT", false}};
  for (const auto& [method, is_post] : cases) {
    BOOST_TEST_CONTEXT(method) {
      Request r({{"REQUEST_METHOD", method}}, "");
      BOOST_TEST(r.IsPost() == is_post);
    }
  }
}

BOOST_AUTO_TEST_CASE(wants_json_when_accept_names_it) {
  const std::pair<const char*, bool> cases[] = {
      {"application/json", true},
      {"text/html, application/json;q=0.9", true},
      {"text/html,application/xhtml+xml,*/*;q=0.8", false},
      {"", false},
  };
  for (const auto& [accept, json] : cases) {
    BOOST_TEST_CONTEXT(accept) {
      Request r({{"HTTP_ACCEPT", accept}}, "");
      BOOST_TEST(r.WantsJson() == json);
    }
  }
  BOOST_TEST(!Request({}, "").WantsJson());
}

BOOST_AUTO_TEST_CASE(https_detection) {
  const std::pair<const char*, bool> cases[] = {
      {"on", true}, {"1", true}, {"off", false}, {"", false}, {"ON", false}, {"0", false}};
  for (const auto& [value, https] : cases) {
    BOOST_TEST_CONTEXT("HTTPS=" << value) {
      Request r({{"HTTPS", value}}, "");
      BOOST_TEST(r.IsHttps() == https);
    }
  }
}

BOOST_AUTO_TEST_CASE(query_string_is_url_decoded) {
  struct Case {
    const char* query;
    const char* name;
    const char* value;
  };
  const Case cases[] = {
      {"q=ann", "q", "ann"},
      {"q=a+b", "q", "a b"},
      {"q=a%20b", "q", "a b"},
      {"q=%3Cscript%3E%22%27%26", "q", "<script>\"'&"},
      {"q=caf%C3%A9", "q", "caf\xc3\xa9"},
      {"q=50%25", "q", "50%"},
      {"q=a%2Bb", "q", "a+b"},
      {"next=%2Fpeople%3Fq%3Da%26page%3D2", "next", "/people?q=a&page=2"},
      {"a=1&b=2&c=3", "b", "2"},
      {"a=1&b=2&c=3", "c", "3"},
      {"a=&b=2", "a", ""},
      {"a=&b=2", "b", "2"},
      {"q=x", "Q", ""},  // names are case-sensitive
      {"q=x", "missing", ""},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT("?" << c.query << " [" << c.name << "]") {
      Request r = Get(c.query);
      BOOST_TEST(r.Query(c.name) == c.value);
    }
  }
}

BOOST_AUTO_TEST_CASE(form_body_is_url_decoded) {
  Request r = Post("", kUrlencoded,
                   "first_name=Ann+Marie&last_name=O%27Brien&note=%3Cb%3E%26&empty=&csrf_token=abc");
  BOOST_TEST(r.Form("first_name") == "Ann Marie");
  BOOST_TEST(r.Form("last_name") == "O'Brien");
  BOOST_TEST(r.Form("note") == "<b>&");
  BOOST_TEST(r.Form("empty") == "");
  BOOST_TEST(r.HasForm("empty"));
  BOOST_TEST(r.Form("csrf_token") == "abc");
  BOOST_TEST(!r.HasForm("missing"));
  BOOST_TEST(r.Form("missing") == "");
}

BOOST_AUTO_TEST_CASE(form_field_is_not_a_query_param_and_vice_versa) {
  Request r = Post("next=%2Fpeople&id=1", kUrlencoded, "first_name=Ann&csrf_token=t&id=2");
  // Query parameters come only from the query string...
  BOOST_TEST(r.Query("next") == "/people");
  BOOST_TEST(r.Query("first_name") == "");
  BOOST_TEST(r.Query("csrf_token") == "");
  // ...form fields only from the body.
  BOOST_TEST(r.Form("first_name") == "Ann");
  BOOST_TEST(r.Form("csrf_token") == "t");
  BOOST_TEST(r.Form("next") == "");
  BOOST_TEST(!r.HasForm("next"));
  // One name in both places keeps both values apart.
  BOOST_TEST(r.Query("id") == "1");
  BOOST_TEST(r.Form("id") == "2");
}

BOOST_AUTO_TEST_CASE(get_requests_have_no_form_fields) {
  // A GET's query string is not a form, and a GET's body is ignored.
  Request r({{"REQUEST_METHOD", "GET"},
             {"QUERY_STRING", "csrf_token=from_query"},
             {"CONTENT_TYPE", kUrlencoded},
             {"CONTENT_LENGTH", "19"}},
            "csrf_token=fromBody");
  BOOST_TEST(r.Query("csrf_token") == "from_query");
  BOOST_TEST(r.Form("csrf_token") == "");
  BOOST_TEST(!r.HasForm("csrf_token"));
}

BOOST_AUTO_TEST_CASE(multiple_values_take_the_first) {
  Request get = Get("a=1&a=2&a=3");
  BOOST_TEST(get.Query("a") == "1");
  Request post = Post("b=x&b=y", kUrlencoded, "a=first&a=second");
  BOOST_TEST(post.Form("a") == "first");
  BOOST_TEST(post.Query("b") == "x");
}

BOOST_AUTO_TEST_CASE(multipart_form_body) {
  std::string body =
      Multipart("XyZ123", {{"first_name", "Ann"}, {"note", "line one\r\nline two"}, {"id", "7"}});
  Request r = Post("id=1", "multipart/form-data; boundary=XyZ123", body);
  BOOST_TEST(r.Form("first_name") == "Ann");
  BOOST_TEST(r.Form("note") == "line one\r\nline two");
  BOOST_TEST(r.Form("id") == "7");
  BOOST_TEST(r.Query("id") == "1");
  BOOST_TEST(r.Query("first_name") == "");
}

BOOST_AUTO_TEST_CASE(cookies) {
  Request r({{"REQUEST_METHOD", "GET"},
             {"HTTP_COOKIE", "session=0123abcd; theme=dark;lang=en"}},
            "");
  BOOST_TEST(r.Cookie("session") == "0123abcd");
  BOOST_TEST(r.Cookie("theme") == "dark");
  BOOST_TEST(r.Cookie("lang") == "en");
  BOOST_TEST(r.Cookie("missing") == "");
  BOOST_TEST(r.Cookie("Session") == "");
  // Cookies are not query parameters or form fields.
  BOOST_TEST(r.Query("session") == "");
  BOOST_TEST(r.Form("session") == "");

  Request none({{"REQUEST_METHOD", "GET"}}, "");
  BOOST_TEST(none.Cookie("session") == "");
}

BOOST_AUTO_TEST_CASE(cookies_of_a_post) {
  Request r = Post("", kUrlencoded, "a=1", {{"HTTP_COOKIE", "session=ff00"}});
  BOOST_TEST(r.Cookie("session") == "ff00");
  BOOST_TEST(r.Form("a") == "1");
}

BOOST_AUTO_TEST_CASE(malformed_input_does_not_throw) {
  struct Case {
    const char* what;
    std::string query;
    std::string content_type;
    std::string body;
  };
  const Case cases[] = {
      {"bad percent escapes", "q=%zz&r=%", kUrlencoded, "a=%&b=%G1&c=%%"},
      {"no equals signs", "justaname&&&", kUrlencoded, "x&y&&=&=="},
      {"binary body", "", kUrlencoded, std::string("\x00\xff\xfe=\x01&\x80", 7)},
      {"multipart without boundary", "", "multipart/form-data", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--\r\n"},
      {"multipart with empty boundary", "", "multipart/form-data; boundary=", "--\r\n--\r\n"},
      {"truncated multipart", "", "multipart/form-data; boundary=B",
       "--B\r\nContent-Disposition: form-data; name=\"a"},
      {"multipart headers never end", "", "multipart/form-data; boundary=B",
       "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n"},
      {"multipart garbage", "", "multipart/form-data; boundary=B", "no boundary here at all"},
      {"multipart no disposition", "", "multipart/form-data; boundary=B",
       "--B\r\n\r\nvalue\r\n--B--\r\n"},
      {"unknown content type", "", "text/plain", "a=1"},
      {"empty body", "", kUrlencoded, ""},
      {"huge name", "", kUrlencoded, std::string(100000, 'n') + "=v"},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      BOOST_CHECK_NO_THROW({
        Request r = Post(c.query, c.content_type, c.body, {{"HTTP_COOKIE", "=;;=x; a"}});
        (void)r.Form("a");
        (void)r.Query("q");
        (void)r.Cookie("a");
      });
    }
  }
}

BOOST_AUTO_TEST_CASE(content_length_is_taken_from_the_body) {
  // CONTENT_LENGTH that disagrees with the (already capped) body must not
  // make the parser read past the body or lose it.
  Request longer({{"REQUEST_METHOD", "POST"},
                  {"CONTENT_TYPE", kUrlencoded},
                  {"CONTENT_LENGTH", "1000"}},
                 "a=1&b=2");
  BOOST_TEST(longer.Form("a") == "1");
  BOOST_TEST(longer.Form("b") == "2");
}

BOOST_AUTO_TEST_CASE(parse_id) {
  // 1 to 10 digits, greater than zero; nothing else.
  struct Case {
    std::string text;
    std::optional<int64_t> id;
  };
  const Case cases[] = {
      {"1", 1},
      {"42", 42},
      {"01", 1},  // leading zeros are allowed
      {"0000000007", 7},
      {"2147483648", 2147483648LL},
      {"9999999999", 9999999999LL},  // ten digits
      {"0", std::nullopt},
      {"00", std::nullopt},
      {"0000000000", std::nullopt},
      {"-1", std::nullopt},
      {"+1", std::nullopt},
      {"12345678901", std::nullopt},  // eleven digits
      {"00000000001", std::nullopt},  // eleven characters, even if small
      {"99999999999999999999", std::nullopt},
      {"abc", std::nullopt},
      {"1a", std::nullopt},
      {"0x1", std::nullopt},
      {"1e3", std::nullopt},
      {"1.0", std::nullopt},
      {"", std::nullopt},
      {" 1", std::nullopt},
      {"1 ", std::nullopt},
      {"\t1", std::nullopt},
      {"1\n", std::nullopt},
      {std::string("1\0", 2), std::nullopt},
      {"\xd9\xa1", std::nullopt},  // ARABIC-INDIC DIGIT ONE
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT("'" << c.text << "'") {
      std::optional<int64_t> got;
      BOOST_CHECK_NO_THROW(got = site::ParseId(c.text));
      BOOST_TEST(got.has_value() == c.id.has_value());
      if (got && c.id) BOOST_TEST(*got == *c.id);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
