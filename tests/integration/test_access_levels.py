"""What each access level may do, checked on the server whatever the page
showed: Admin, Content Manager, and plain person records."""
import re
import unittest

from site_client import PASSWORD, Browser, tag
import site_client





def access_options(page):
    return re.findall(r'<option value="([a-z_]+)"', page.body)


class ContentManagerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = site_client.SITE
        cls.cm_name = f"cm{tag()}"
        cls.cm_id = cls.site.add_person(cls.cm_name, "content_manager", PASSWORD)
        cls.admin_name = f"adm{tag()}"
        cls.admin_id = cls.site.add_person(cls.admin_name, "admin", PASSWORD)

    def setUp(self):
        self.b = Browser()
        self.b.sign_in_ok(self.cm_name, PASSWORD)

    def admin_form(self, **changes):
        fields = dict(first_name="Test", last_name=self.admin_name, username=self.admin_name,
                      access="admin")
        fields.update(changes)
        return self.b.person_form(**fields)

    def test_may_use_the_people_pages_and_edit_a_plain_person(self):
        self.assertEqual(self.b.get("/people").status, 200)
        pid = self.site.add_person(f"plain{tag()}", "none")
        page = self.b.get(f"/people/edit?id={pid}")
        self.assertEqual(page.status, 200)
        self.assertEqual(access_options(page), ["none", "content_manager"])
        r = self.b.post(f"/people/edit?id={pid}", self.b.person_form(first_name="Edited"))
        self.assertEqual(r.status, 303)

    def test_may_grant_content_manager(self):
        t = tag()
        r = self.b.post("/people/new", self.b.person_form(username=f"newcm{t}", access="content_manager"))
        self.assertEqual(r.status, 303)
        self.assertEqual(self.site.sql(f"SELECT access FROM people WHERE username = 'newcm{t}'"),
                         [["content_manager"]])

    def test_cannot_grant_admin(self):
        pid = self.site.add_person(f"want{tag()}", "none")
        r = self.b.post(f"/people/edit?id={pid}",
                        self.b.person_form(username=f"want{tag()}", access="admin"))
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("access"), "Only an Admin can grant Admin access.")
        self.assertEqual(self.site.sql(f"SELECT access FROM people WHERE id = {pid}"), [["none"]])
        r = self.b.post("/people/new", self.b.person_form(username=f"new{tag()}", access="admin"))
        self.assertEqual(r.status, 422)

    def test_cannot_remove_admin_access(self):
        r = self.b.post(f"/people/edit?id={self.admin_id}", self.admin_form(access="content_manager"))
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("access"), "Only an Admin can remove Admin access.")
        self.assertEqual(self.site.sql(f"SELECT access FROM people WHERE id = {self.admin_id}"),
                         [["admin"]])

    def test_cannot_change_an_admins_password(self):
        before = self.site.sql(f"SELECT password_hash FROM people WHERE id = {self.admin_id}")
        page = self.b.get(f"/people/edit?id={self.admin_id}")
        self.assertNotIn('name="password"', page.body)
        self.assertIn("Only an Admin can change an Admin's password.", page.body)
        r = self.b.post(f"/people/edit?id={self.admin_id}",
                        self.admin_form(password="a hijacked password"))
        self.assertEqual(r.status, 422)
        self.assertEqual(self.site.sql(f"SELECT password_hash FROM people WHERE id = {self.admin_id}"),
                         before)
        self.assertEqual(Browser().sign_in(self.admin_name, "a hijacked password").status, 200)

    def test_cannot_deactivate_an_admin(self):
        r = self.b.post(f"/people/edit?id={self.admin_id}", self.admin_form(active=None))
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("active"), "Only an Admin can deactivate an Admin.")

    def test_cannot_reactivate_a_deactivated_admin(self):
        name = tag("formeradmin")
        pid = self.site.add_person(name, "admin", PASSWORD)
        self.site.sql(f"UPDATE people SET active = 0 WHERE id = {pid}")
        r = self.b.post(f"/people/edit?id={pid}",
                        self.b.person_form(first_name="Test", last_name=name, username=name,
                                           access="admin"))
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("active"), "Only an Admin can activate an Admin.")
        self.assertEqual(self.site.sql(f"SELECT active FROM people WHERE id = {pid}"), [["0"]])

    def test_may_save_an_admins_record_unchanged_in_access(self):
        r = self.b.post(f"/people/edit?id={self.admin_id}", self.admin_form(first_name="Renamed"))
        self.assertEqual(r.status, 303)

    def test_cannot_change_own_access(self):
        r = self.b.post(f"/people/edit?id={self.cm_id}",
                        self.b.person_form(username=self.cm_name, access="none"))
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("access"), "You cannot change your own access level.")


class AdminTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = site_client.SITE
        cls.name = f"boss{tag()}"
        cls.id = cls.site.add_person(cls.name, "admin", PASSWORD)

    def setUp(self):
        self.b = Browser()
        self.b.sign_in_ok(self.name, PASSWORD)

    def test_admin_sees_every_access_level_and_may_grant_admin(self):
        t = tag()
        pid = self.site.add_person(f"promote{t}", "content_manager", PASSWORD)
        page = self.b.get(f"/people/edit?id={pid}")
        self.assertEqual(access_options(page), ["none", "content_manager", "admin"])
        r = self.b.post(f"/people/edit?id={pid}", self.b.person_form(username=f"promote{t}", access="admin"))
        self.assertEqual(r.status, 303)
        self.assertEqual(self.site.sql(f"SELECT access FROM people WHERE id = {pid}"), [["admin"]])

    def test_admin_cannot_demote_or_deactivate_self(self):
        r = self.b.post(f"/people/edit?id={self.id}",
                        self.b.person_form(username=self.name, access="content_manager", active=None))
        self.assertEqual(r.status, 422)
        self.assertEqual(r.field_error("access"), "You cannot change your own access level.")
        self.assertEqual(r.field_error("active"), "You cannot deactivate your own account.")

    def test_unknown_access_value_grants_nothing(self):
        pid = self.site.add_person(f"odd{tag()}", "none")
        r = self.b.post(f"/people/edit?id={pid}", self.b.person_form(access="superuser"))
        self.assertEqual(r.status, 303)
        self.assertEqual(self.site.sql(f"SELECT access FROM people WHERE id = {pid}"), [["none"]])


if __name__ == "__main__":
    unittest.main()
