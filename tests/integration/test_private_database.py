"""The private MariaDB of `make run` and `make test` (tools/stack.sh): on
127.0.0.1 only, and no account without a password. mariadb-install-db makes
root@127.0.0.1, root@::1 and root@<host name> with none, so that anyone on
the machine was root over TCP until stack.sh dropped them."""
import subprocess
import unittest

import site_client


class PrivateDatabaseTest(unittest.TestCase):
    def setUp(self):
        self.site = site_client.SITE
        with open(f"{self.site.var}/db-port") as f:
            self.port = f.read().strip()

    def test_root_over_tcp_without_a_password_is_refused(self):
        for host in ("127.0.0.1", "localhost"):
            r = subprocess.run(["mariadb", "--no-defaults", "--protocol=TCP", f"-h{host}",
                                f"-P{self.port}", "-uroot", "-e", "SELECT 1"],
                               capture_output=True, text=True, timeout=30)
            self.assertNotEqual(r.returncode, 0, host)
            # 1130 "Host ... is not allowed to connect" once no account
            # matches the address, or 1045 "Access denied".
            self.assertRegex(r.stderr, r"is not allowed to connect|Access denied", host)

    def test_only_the_socket_accounts_are_left_and_each_has_a_password(self):
        accounts = {tuple(r) for r in self.site.sql("SELECT user, host FROM mysql.user")}
        # mariadb.sys owns system views and cannot log in (its account is locked).
        self.assertEqual(accounts, {("root", "localhost"), ("site", "localhost"),
                                    ("mariadb.sys", "localhost")})
        for user in ("root", "site"):
            rows = self.site.sql("SELECT authentication_string <> '' FROM mysql.user "
                                 f"WHERE user = '{user}' AND host = 'localhost'")
            self.assertEqual(rows, [["1"]], user)
        locked = self.site.sql("SELECT JSON_VALUE(priv, '$.account_locked') FROM mysql.global_priv "
                               "WHERE user = 'mariadb.sys'")
        self.assertIn(locked, ([["true"]], [["1"]]))


if __name__ == "__main__":
    unittest.main()
