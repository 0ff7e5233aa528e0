"""Bearer tokens through the real Apache and MariaDB: the Create Bearer
Token button and what it answers, every row of the README's table of API
answers, replacement, revocation, demotion, deactivation, throttling, the
audit trail, and that the full token is never kept anywhere."""
import concurrent.futures
import datetime
import json
import re
import subprocess
import unittest

from site_client import PASSWORD, Browser, tag
import site_client

AUTH_REQUIRED = "Authentication required"
EXPIRED = "Token has expired"
INVALID = "Token is not valid; it may have been replaced by a newer token"
ADMIN_REQUIRED = "Admin access required"


def api(path, token=None, authorization=None, method="GET", data=None):
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if authorization is not None:
        headers["Authorization"] = authorization
    return Browser().request(method, path, data=data, headers=headers)


def message(r):
    return json.loads(r.body)["message"]


class TokenTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = site_client.SITE
        cls.admin_name = tag("tokadmin")
        cls.admin_id = cls.site.add_person(cls.admin_name, "admin", PASSWORD, first="Tina",
                                           last="Tokenadmin")

    def setUp(self):
        self.admin = Browser()
        self.admin.sign_in_ok(self.admin_name, PASSWORD)

    def tearDown(self):
        self.site.sql("DELETE FROM bearer_auth_failures")

    def edit_page(self, person_id, browser=None):
        return (browser or self.admin).get(f"/people/edit?id={person_id}")

    def create(self, person_id, browser=None, as_json=True):
        b = browser or self.admin
        csrf = Browser.csrf_of(self.edit_page(person_id, b))
        headers = {"Accept": "application/json"} if as_json else {}
        body = f"csrf_token={csrf}&person_id={person_id}".encode()
        return b.request("POST", "/createBearerToken", data=body, headers=headers)

    def new_token(self, person_id):
        r = self.create(person_id)
        self.assertEqual(r.status, 200, r)
        return json.loads(r.body)

    def new_person(self, access="admin"):
        name = tag("holder")
        return name, self.site.add_person(name, access, PASSWORD, first="Holly", last=name)


class CreateTokenTest(TokenTestCase):
    def test_button_is_in_the_button_bar_at_the_top_for_admins(self):
        _, pid = self.new_person()
        page = self.edit_page(pid)
        bar = page.body[page.body.index('<div class="button-bar"'):]
        bar = bar[:bar.index("</div>")]
        self.assertIn('action="/createBearerToken"', bar)
        self.assertIn(">Create Bearer Token</button>", bar)
        self.assertIn('role="dialog"', page.body)
        self.assertIn('aria-modal="true"', page.body)
        self.assertIn("No bearer token.", page.body)

    def test_create_answers_the_token_once_with_expiry_and_no_store(self):
        _, pid = self.new_person()
        r = self.create(pid)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Cache-Control"), "no-store")
        data = json.loads(r.body)
        self.assertRegex(data["token"], r"^adminbt_[0-9A-Za-z]{49}$")
        self.assertFalse(data["replaced"])
        created = datetime.datetime.strptime(data["created_at"], "%Y-%m-%d %H:%M:%S UTC")
        expires = datetime.datetime.strptime(data["expires_at"], "%Y-%m-%d %H:%M:%S UTC")
        self.assertEqual(expires, created.replace(year=created.year + 1))
        self.assertLess(abs((created - datetime.datetime.utcnow()).total_seconds()), 120)
        self.assertEqual(data["hint"], "adminbt_\u2026" + data["token"][-4:])

    def test_without_javascript_the_same_content_comes_as_a_page(self):
        _, pid = self.new_person()
        first = self.create(pid, as_json=False)
        self.assertEqual(first.status, 200)
        self.assertEqual(first.header("Cache-Control"), "no-store")
        self.assertTrue(first.header("Content-Type").startswith("text/html"))
        token = re.search(r'id="token-value"[^>]*value="(adminbt_[0-9A-Za-z]+)"', first.body).group(1)
        self.assertIn("Expires:", first.body)
        self.assertIn("This is the only time the full token will be shown", first.body)
        self.assertNotIn('id="token-replaced"', first.body)
        self.assertEqual(api("/tokenInfo", token).status, 200)
        second = self.create(pid, as_json=False)
        self.assertIn("Creating a new token replaces the previous one.", second.body)

    def test_second_token_replaces_the_first_at_once(self):
        _, pid = self.new_person()
        first = self.new_token(pid)["token"]
        self.assertEqual(api("/tokenInfo", first).status, 200)
        second = self.new_token(pid)
        self.assertTrue(second["replaced"])
        r = api("/tokenInfo", first)
        self.assertEqual(r.status, 401)
        self.assertEqual(message(r), INVALID)
        self.assertEqual(api("/tokenInfo", second["token"]).status, 200)

    def test_content_manager_sees_no_button_and_is_refused(self):
        cm_name, cm_id = self.new_person("content_manager")
        _, pid = self.new_person()
        cm = Browser()
        cm.sign_in_ok(cm_name, PASSWORD)
        page = self.edit_page(pid, cm)
        self.assertEqual(page.status, 200)
        self.assertNotIn("Create Bearer Token", page.body)
        self.assertNotIn("/revokeBearerToken", page.body)
        for as_json in (True, False):
            r = self.create(pid, browser=cm, as_json=as_json)
            self.assertEqual(r.status, 403)
        self.assertEqual(self.site.sql(f"SELECT COUNT(*) FROM bearer_tokens WHERE person_id = {pid}"),
                         [["0"]])

    def test_post_without_valid_csrf_is_refused(self):
        _, pid = self.new_person()
        for body in (f"person_id={pid}", f"csrf_token={'0' * 64}&person_id={pid}"):
            r = self.admin.request("POST", "/createBearerToken", data=body.encode(),
                                   headers={"Accept": "application/json"})
            self.assertEqual(r.status, 403)
        self.assertEqual(self.site.sql(f"SELECT COUNT(*) FROM bearer_tokens WHERE person_id = {pid}"),
                         [["0"]])

    def test_signed_out_create_is_refused(self):
        _, pid = self.new_person()
        r = Browser().request("POST", "/createBearerToken", data=f"person_id={pid}".encode(),
                              headers={"Accept": "application/json"})
        self.assertEqual(r.status, 401)

    def test_get_is_not_a_way_to_create(self):
        _, pid = self.new_person()
        r = self.admin.get(f"/createBearerToken?person_id={pid}")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.header("Allow"), "POST")

    def test_inactive_person_gets_no_token_and_unknown_person_is_404(self):
        _, pid = self.new_person()
        self.site.sql(f"UPDATE people SET active = 0 WHERE id = {pid}")
        csrf = self.admin.csrf()
        r = self.admin.request("POST", "/createBearerToken", headers={"Accept": "application/json"},
                               data=f"csrf_token={csrf}&person_id={pid}".encode())
        self.assertEqual(r.status, 409)
        r = self.admin.request("POST", "/createBearerToken", headers={"Accept": "application/json"},
                               data=f"csrf_token={csrf}&person_id=999999999".encode())
        self.assertEqual(r.status, 404)

    def test_concurrent_creations_leave_exactly_one_valid_token(self):
        _, pid = self.new_person()
        csrf = Browser.csrf_of(self.edit_page(pid))
        body = f"csrf_token={csrf}&person_id={pid}".encode()

        def create_one(_):
            r = self.admin.request("POST", "/createBearerToken", data=body,
                                   headers={"Accept": "application/json"})
            return json.loads(r.body)["token"] if r.status == 200 else None

        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            tokens = list(pool.map(create_one, range(16)))
        self.assertNotIn(None, tokens)
        valid = [t for t in tokens if api("/tokenInfo", t).status == 200]
        self.assertEqual(len(valid), 1, f"{len(valid)} valid tokens")
        self.assertEqual(self.site.sql(f"SELECT COUNT(*) FROM bearer_tokens WHERE person_id = {pid}"),
                         [["1"]])
        events = self.site.sql(f"SELECT event, COUNT(*) FROM bearer_token_events WHERE person_id = {pid} "
                               "GROUP BY event ORDER BY event")
        self.assertEqual(events, [["created", "1"], ["replaced", "15"]])


class ApiAnswersTest(TokenTestCase):
    """The README's table (Bearer tokens), row by row, through the web server."""

    def setUp(self):
        super().setUp()
        self.holder_name, self.holder_id = self.new_person()
        self.token = self.new_token(self.holder_id)["token"]

    def assert401(self, r, expected_message, presented):
        self.assertEqual(r.status, 401, r)
        self.assertEqual(message(r), expected_message)
        self.assertTrue(r.header("Content-Type").startswith("application/json"))
        challenge = r.header("WWW-Authenticate")
        if presented:
            self.assertEqual(challenge, f'Bearer realm="site", error="invalid_token", '
                                        f'error_description="{expected_message}"')
        else:
            self.assertEqual(challenge, 'Bearer realm="site"')

    def test_valid_token_reaches_the_program_and_says_who_it_acts_as(self):
        r = api("/tokenInfo", self.token)
        self.assertEqual(r.status, 200)
        data = json.loads(r.body)
        self.assertEqual(data["person"]["username"], self.holder_name)
        self.assertEqual(data["person"]["access"], "Admin")
        self.assertEqual(data["token"]["days_left"], 365)
        self.assertEqual(r.header("Authentication-Token-Expiration"), data["token"]["expires_at"])
        self.assertRegex(r.header("Authentication-Token-Expiration"),
                         r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$")

    def test_no_header_another_scheme_empty_or_malformed_is_authentication_required(self):
        self.assert401(api("/tokenInfo"), AUTH_REQUIRED, presented=False)
        self.assert401(api("/tokenInfo", authorization="Basic dXNlcjpwYXNzd29yZA=="), AUTH_REQUIRED,
                       presented=False)
        self.assert401(api("/tokenInfo", authorization="Bearer "), AUTH_REQUIRED, presented=True)
        typo = self.token[:20] + ("A" if self.token[20] != "A" else "B") + self.token[21:]
        self.assert401(api("/tokenInfo", typo), AUTH_REQUIRED, presented=True)
        self.assert401(api("/tokenInfo", self.token + " " + self.token), AUTH_REQUIRED, presented=True)

    def test_the_scheme_is_case_insensitive_and_spaces_are_forgiven(self):
        for header in (f"bearer {self.token}", f"BEARER  {self.token}", f"Bearer {self.token}  "):
            self.assertEqual(api("/tokenInfo", authorization=header).status, 200, header)

    def test_token_in_query_string_or_form_field_is_ignored(self):
        for path in (f"/tokenInfo?access_token={self.token}", f"/tokenInfo?authorization=Bearer+{self.token}",
                     f"/tokenInfo?token={self.token}"):
            self.assert401(api(path), AUTH_REQUIRED, presented=False)
        # /tokenInfo takes GET: a form carrying the token is a 405 (the
        # token in it is not read either way).
        r = api("/tokenInfo", method="POST",
                data={"access_token": self.token, "Authorization": f"Bearer {self.token}"})
        self.assertEqual(r.status, 405, r)
        self.assertEqual(r.header("Allow"), "GET, HEAD")
        self.assertNotIn("Authentication-Token-Expiration", r.headers)

    def test_expired_token(self):
        self.site.sql("UPDATE bearer_tokens SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND "
                      f"WHERE person_id = {self.holder_id}")
        self.assert401(api("/tokenInfo", self.token), EXPIRED, presented=True)
        page = self.edit_page(self.holder_id)
        self.assertIn('<dd id="token-state">Expired</dd>', page.body)

    def test_unknown_token(self):
        other = self.token[:8] + ("x" * 43)
        # A well-formed token nobody has: build one with a valid checksum by
        # creating and revoking it.
        _, pid = self.new_person()
        gone = self.new_token(pid)["token"]
        self.site.sql(f"DELETE FROM bearer_tokens WHERE person_id = {pid}")
        self.assert401(api("/tokenInfo", gone), INVALID, presented=True)
        self.assert401(api("/tokenInfo", other), AUTH_REQUIRED, presented=True)

    def test_revoked_token_stops_at_once_and_the_record_says_so(self):
        page = self.edit_page(self.holder_id)
        self.assertIn('<dd id="token-state">Active</dd>', page.body)
        r = self.admin.post("/revokeBearerToken", {"csrf_token": Browser.csrf_of(page),
                                                   "person_id": str(self.holder_id)})
        self.assertEqual(r.status, 303)
        self.assertEqual(r.location, f"/people/edit?id={self.holder_id}&revoked=1")
        self.assert401(api("/tokenInfo", self.token), INVALID, presented=True)
        page = self.admin.get(r.location)
        self.assertIn("The bearer token was revoked.", page.body)
        self.assertIn('<p id="token-none">No bearer token.</p>', page.body)
        self.assertIn("<td>Revoked</td>", page.body)

    def test_revoke_needs_an_admin_and_csrf(self):
        cm_name, _ = self.new_person("content_manager")
        cm = Browser()
        cm.sign_in_ok(cm_name, PASSWORD)
        r = cm.post("/revokeBearerToken", {"csrf_token": cm.csrf(), "person_id": str(self.holder_id)})
        self.assertEqual(r.status, 403)
        r = self.admin.post("/revokeBearerToken", {"person_id": str(self.holder_id)})
        self.assertEqual(r.status, 403)
        self.assertEqual(api("/tokenInfo", self.token).status, 200)

    def test_demoted_person_gets_403_on_the_next_request(self):
        self.assertEqual(api("/tokenInfo", self.token).status, 200)
        self.site.sql(f"UPDATE people SET access = 'content_manager' WHERE id = {self.holder_id}")
        r = api("/tokenInfo", self.token)
        self.assertEqual(r.status, 403)
        self.assertEqual(message(r), ADMIN_REQUIRED)
        self.assertIn('error="insufficient_scope"', r.header("WWW-Authenticate"))
        self.assertTrue(r.header("Authentication-Token-Expiration"))
        self.site.sql(f"UPDATE people SET access = 'admin' WHERE id = {self.holder_id}")
        self.assertEqual(api("/tokenInfo", self.token).status, 200)

    def test_deactivated_person_gets_401_and_their_token_ends(self):
        r = self.admin.post(f"/people/edit?id={self.holder_id}",
                            self.admin.person_form(first_name="Holly", last_name=self.holder_name,
                                                   username=self.holder_name, access="admin",
                                                   active=None))
        self.assertEqual(r.status, 303, r)
        self.assert401(api("/tokenInfo", self.token), INVALID, presented=True)
        self.assertEqual(self.site.sql(f"SELECT COUNT(*) FROM bearer_tokens WHERE person_id = {self.holder_id}"),
                         [["0"]])
        self.assertIn("Ended (person deactivated)", self.edit_page(self.holder_id).body)

    def test_last_use_is_recorded_at_most_once_a_minute(self):
        self.assertEqual(api("/tokenInfo", self.token).status, 200)
        first = self.site.sql(f"SELECT last_used_at, last_used_address FROM bearer_tokens "
                              f"WHERE person_id = {self.holder_id}")
        self.assertEqual(first[0][1], "127.0.0.1")
        self.site.sql(f"UPDATE bearer_tokens SET last_used_at = last_used_at - INTERVAL 30 SECOND "
                      f"WHERE person_id = {self.holder_id}")
        moved = self.site.sql(f"SELECT last_used_at FROM bearer_tokens WHERE person_id = {self.holder_id}")
        for _ in range(3):
            self.assertEqual(api("/tokenInfo", self.token).status, 200)
        self.assertEqual(self.site.sql(f"SELECT last_used_at FROM bearer_tokens WHERE person_id = {self.holder_id}"),
                         moved)
        self.site.sql(f"UPDATE bearer_tokens SET last_used_at = last_used_at - INTERVAL 2 MINUTE "
                      f"WHERE person_id = {self.holder_id}")
        api("/tokenInfo", self.token)
        self.assertNotEqual(self.site.sql(f"SELECT last_used_at FROM bearer_tokens WHERE person_id = {self.holder_id}"),
                            moved)
        self.assertIn("UTC from 127.0.0.1", self.edit_page(self.holder_id).body)

    def test_repeated_invalid_tokens_from_one_address_get_429(self):
        _, pid = self.new_person()
        gone = self.new_token(pid)["token"]
        self.site.sql(f"DELETE FROM bearer_tokens WHERE person_id = {pid}")
        for i in range(20):
            self.assertEqual(api("/tokenInfo", gone).status, 401, i)
        r = api("/tokenInfo", gone)
        self.assertEqual(r.status, 429)
        self.assertIn("Too many failed authentication attempts", message(r))
        self.assertEqual(r.header("Retry-After"), "60")
        self.assertEqual(api("/tokenInfo", authorization="Bearer nonsense").status, 429)
        # A valid token is never held up by guesses from the same address
        # (a build server behind the same NAT as an attacker keeps working).
        self.assertEqual(api("/tokenInfo", self.token).status, 200)
        self.site.sql("UPDATE bearer_auth_failures SET failed_at = failed_at - INTERVAL 11 MINUTE")
        self.assertEqual(api("/tokenInfo", gone).status, 401)

    def test_expired_tokens_are_not_counted_as_guesses(self):
        self.site.sql("UPDATE bearer_tokens SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND "
                      f"WHERE person_id = {self.holder_id}")
        for _ in range(25):
            self.assertEqual(message(api("/tokenInfo", self.token)), EXPIRED)

    def test_audit_trail_is_on_the_record(self):
        self.new_token(self.holder_id)
        page = self.edit_page(self.holder_id)
        self.assertIn("<td>Created</td>", page.body)
        self.assertIn("<td>Created (replaced the previous token)</td>", page.body)
        self.assertIn("<td>Tina Tokenadmin</td>", page.body)
        rows = self.site.sql(f"SELECT event, actor_id, client_address FROM bearer_token_events "
                             f"WHERE person_id = {self.holder_id} ORDER BY id")
        self.assertEqual(rows, [["created", str(self.admin_id), "127.0.0.1"],
                                ["replaced", str(self.admin_id), "127.0.0.1"]])


class TokenNeverKeptTest(TokenTestCase):
    def test_full_token_is_nowhere_after_the_popup(self):
        name, pid = self.new_person()
        token = self.new_token(pid)["token"]
        self.assertEqual(api("/tokenInfo", token).status, 200)
        api("/tokenInfo", token + "x")  # a failure, logged
        api(f"/tokenInfo?access_token={token}")  # pasted into a URL: refused, and not logged
        # Pages served after the popup.
        for path in (f"/people/edit?id={pid}", f"/people?q={name}", "/people"):
            self.assertNotIn(token, self.admin.get(path).body, path)
        # A dump of the whole database.
        dump = subprocess.run(["mariadb-dump", f"--defaults-file={self.site.root_cnf}", "site"],
                              capture_output=True, text=True, check=True).stdout
        self.assertIn("bearer_tokens", dump)
        self.assertNotIn(token, dump)
        self.assertNotIn(token[8:51], dump)  # not even the random part
        # Every log the servers wrote.
        logs = subprocess.run(f"cat {self.site.var}/log/* {self.site.var}/db/*.err",
                              shell=True, capture_output=True, text=True).stdout
        self.assertIn("created a bearer token", logs)
        self.assertNotIn(token[8:51], logs)


if __name__ == "__main__":
    unittest.main()
