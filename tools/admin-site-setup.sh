#!/usr/bin/env bash
# admin-site-setup.sh: what it does and how to call it are in usage() below.
set -euo pipefail

usage() {  # what the script does and how to call it
  cat >&2 <<'EOF'
admin-site-setup: the first set-up of an installed site (`make install`
puts this in PREFIX/sbin with its paths filled in), and safe to run again
after an upgrade:
  0. writes the config file with fresh secrets if there is none yet (a
     staged install, DESTDIR, leaves that to the host);
  1. creates the database and its account named in the config file, with
     the config's password (skipped with --no-create-db);
  2. applies the pending sql/ migrations (siteadmin migrate);
  3. brings the files area in line with the database (recover-files);
  4. creates the first Admin, printing its password once, if there is none.

  admin-site-setup [--config FILE] [--db-admin-defaults FILE] [--no-create-db]

The database is administered as the local MariaDB root (Debian's root
signs in through the unix socket), or with the client options file given
by --db-admin-defaults (user, password, socket or host of an account that
may create databases and users). With db_host (a database elsewhere) and
no --db-admin-defaults, step 1 is skipped.
EOF
  exit 2
}

CONFIG=@CONFIG@
SQL_DIR=@DATADIR@/sql
SITEADMIN=@PREFIX@/sbin/siteadmin
WEB_USER=@WEB_USER@
ADMIN_DEFAULTS=
CREATE_DB=1

while [ $# -gt 0 ]; do
  case "$1" in
    --config|--db-admin-defaults)
      if [ $# -lt 2 ] || [ -z "$2" ]; then echo "admin-site-setup: $1 needs a file name" >&2; usage; fi
      if [ "$1" = --config ]; then CONFIG=$2; else ADMIN_DEFAULTS=$2; fi
      shift 2 ;;
    --no-create-db) CREATE_DB=0; shift ;;
    *) usage ;;
  esac
done

WEBCONF=@LIBDIR@/webconf.sh
setting() { "$WEBCONF" setting "$CONFIG" "$1"; }  # as lib/config.cc reads it
sql_string() {  # a value as a single-quoted SQL string literal
  local v=${1//\\/\\\\}
  printf "'%s'" "${v//\'/\'\'}"
}

if [ ! -e "$CONFIG" ]; then
  "$WEBCONF" new-config @DATADIR@/site.conf.in "$CONFIG" "$WEB_USER" \
    TEMPLATES_DIR=@DATADIR@/templates FILES_DIR=@STATEDIR@/files
  echo "wrote $CONFIG"
fi
[ -r "$CONFIG" ] || { echo "admin-site-setup: cannot read $CONFIG" >&2; exit 1; }
# Every key and value first, as the programs check them at start.
mkdir -p "$(setting files_dir)"
"$SITEADMIN" --config "$CONFIG" check-config

# A database on another machine (db_host): its account is created once,
# with an admin account there (--db-admin-defaults); the other web nodes,
# and upgrades, only migrate.
if [ "$CREATE_DB" = 1 ] && [ -z "$(setting db_socket)" ] && [ -z "$ADMIN_DEFAULTS" ]; then
  echo "db_host is set: not creating the database or its account (give --db-admin-defaults FILE to)"
  CREATE_DB=0
fi
if [ "$CREATE_DB" = 1 ]; then
  db=$(setting db_name) user=$(setting db_user) password=$(setting db_password)
  case "$db" in *[!A-Za-z0-9_]*|"") echo "admin-site-setup: db_name must be letters, digits and _" >&2; exit 1 ;; esac
  # The account is for this machine when the site reaches MariaDB by its
  # socket; over TCP it may come from any web node.
  if [ -n "$(setting db_socket)" ]; then from=localhost; else from=%; fi
  client=(mariadb)
  [ -z "$ADMIN_DEFAULTS" ] || client=(mariadb "--defaults-file=$ADMIN_DEFAULTS")
  # On standard input, not the command line, which other users can read.
  "${client[@]}" <<SQL
CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS $(sql_string "$user")@'$from' IDENTIFIED BY $(sql_string "$password");
ALTER USER $(sql_string "$user")@'$from' IDENTIFIED BY $(sql_string "$password");
GRANT ALL PRIVILEGES ON \`$db\`.* TO $(sql_string "$user")@'$from';
SQL
  echo "database $db and its account $user@$from are ready"
fi

"$SITEADMIN" --config "$CONFIG" migrate "$SQL_DIR"
files=$(setting files_dir)
if [ "$(id -u)" = 0 ]; then
  chown "$WEB_USER:$WEB_USER" "$files"
  runuser -u "$WEB_USER" -- "$SITEADMIN" --config "$CONFIG" recover-files
else
  "$SITEADMIN" --config "$CONFIG" recover-files
fi
first=$("$SITEADMIN" --config "$CONFIG" first-admin)
if [ -n "$first" ]; then
  echo "An Admin was created. Sign in with"
  echo "$first" | sed -n 's/^\(username\|password\): /  \1: /p'
  echo "This password is shown only now; change it under People after signing in."
fi
