#!/usr/bin/env bash
# `make install`: puts the site where a Debian host expects it. Called by the
# Makefile with DESTDIR PREFIX SYSCONFDIR LOCALSTATEDIR RUNSTATEDIR
# SERVER_NAME LISTEN HTTPS_LISTEN CERT_FILE KEY_FILE APACHE_LOG_DIR
# LIGHTTPD_LOG_DIR in the environment (see the Makefile for defaults).
#
#   PREFIX/lib/admin-site/cgi-bin/       the FastCGI programs
#   PREFIX/lib/admin-site/pool.sh        runs one program's pool (multiwatch)
#   PREFIX/lib/admin-site/webconf.sh, lib.sh   reads the config, renders files (pool.sh uses it)
#   PREFIX/lib/systemd/system/admin-site@.socket, admin-site@.service
#                                        the pools' units, one pair per program
#   PREFIX/sbin/siteadmin                the command-line tool
#   PREFIX/sbin/admin-site-setup         first set-up: database, schema, first Admin
#   PREFIX/share/admin-site/             templates/, sql/, the web server templates
#   SYSCONFDIR/admin-site/site.conf      the one config file (kept if present)
#   SYSCONFDIR/apache2/sites-available/admin-site.conf, admin-site-ssl.conf
#   SYSCONFDIR/apache2/conf-available/admin-site-server.conf
#   SYSCONFDIR/lighttpd/conf-available/50-admin-site.conf
#   LOCALSTATEDIR/lib/admin-site/files/  collection files (the web server's user)
#   LOCALSTATEDIR/lib/admin-site/errors/ the web server's own error bodies
#
# `make uninstall` (tools/install.sh uninstall) removes all that, except the
# config (site.conf, install.conf) and the collection files: the site's
# data stays until the host deletes it. A web server file still enabled is
# left in place, with the command that disables it.
set -euo pipefail
# Whatever the caller's umask (a backup's 077, say): the web server's user
# must read the templates, the schema and the site files.
umask 022

ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${DESTDIR:=}" "${PREFIX:=/usr/local}" "${SYSCONFDIR:=/etc}" "${LOCALSTATEDIR:=/var}"
: "${RUNSTATEDIR:=/run}"
: "${APACHE_LOG_DIR:=\${APACHE_LOG_DIR\}}" "${LIGHTTPD_LOG_DIR:=/var/log/lighttpd}"

# The site's own choices: given now, else those of the previous install
# (so that an upgrade keeps them), else the defaults.
REMEMBERED=$DESTDIR$SYSCONFDIR/admin-site/install.conf
remembered() {  # prints nothing (and succeeds) without a previous install
  if [ -r "$REMEMBERED" ]; then sed -n "s/^$1=//p" "$REMEMBERED" | tail -1; fi
}
for choice in SERVER_NAME LISTEN HTTPS_LISTEN CERT_FILE KEY_FILE TRUSTED_PROXIES WWW_SERVER_NAME; do
  [ -n "${!choice:-}" ] || printf -v "$choice" '%s' "$(remembered "$choice")"
done
[ "${TRUSTED_PROXIES:-}" != none ] || TRUSTED_PROXIES=""  # none: no load balancer any more
[ "${WWW_SERVER_NAME:-}" != none ] || WWW_SERVER_NAME=""  # none: collection files back on SERVER_NAME
# One space between words; blank is none. The words are split on purpose
# (set -f: no file-name expansion).
# shellcheck disable=SC2086
TRUSTED_PROXIES=$(set -f; echo ${TRUSTED_PROXIES:-})
: "${SERVER_NAME:=localhost}" "${LISTEN:=*:80}" "${HTTPS_LISTEN:=*:443}"
: "${CERT_FILE:=/etc/ssl/certs/ssl-cert-snakeoil.pem}" "${KEY_FILE:=/etc/ssl/private/ssl-cert-snakeoil.key}"
WEB_USER=${WEB_USER:-www-data}

# These end up unquoted in Apache and lighttpd files and in a shell script:
# plain paths and names only.
for name in PREFIX SYSCONFDIR LOCALSTATEDIR RUNSTATEDIR CERT_FILE KEY_FILE; do
  case "${!name}" in
    ""|*[!A-Za-z0-9._/+-]*)
      echo "install: $name='${!name}': use letters, digits and . _ / + - only" >&2; exit 1 ;;
  esac
done
for name in LISTEN HTTPS_LISTEN; do
  if ! [[ ${!name} =~ ^[0-9A-Za-z.*:\[\]]*:[0-9]+$ ]]; then
    echo "install: $name='${!name}' is not address:port (e.g. *:80)" >&2; exit 1
  fi
done
# Host names, lowercased: the servers compare them with the lowercased Host
# header.
host_name() {  # host_name VARIABLE: lowercases its value; fails unless it is a host name
  if ! [[ ${!1} =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]]; then
    echo "install: $1='${!1}' is not a host name" >&2; exit 1
  fi
  printf -v "$1" '%s' "${!1,,}"
}
host_name SERVER_NAME
if [ -n "${WWW_SERVER_NAME:-}" ]; then
  host_name WWW_SERVER_NAME
  if [ "$WWW_SERVER_NAME" = "$SERVER_NAME" ]; then
    echo "install: WWW_SERVER_NAME must differ from SERVER_NAME (the admin site's)" >&2; exit 1
  fi
fi
"$ROOT/tools/webconf.sh" check-proxies "$TRUSTED_PROXIES" || exit 1
HTTPS_PORT=${HTTPS_LISTEN##*:}
if [ "$HTTPS_PORT" = 443 ]; then HTTPS_PORT_SUFFIX=""; else HTTPS_PORT_SUFFIX=":$HTTPS_PORT"; fi

LIBDIR=$PREFIX/lib/admin-site
DATADIR=$PREFIX/share/admin-site
CONFDIR=$SYSCONFDIR/admin-site
STATEDIR=$LOCALSTATEDIR/lib/admin-site
CONFIG=$CONFDIR/site.conf
D=$DESTDIR

if [ "${1:-}" = uninstall ]; then
  still_enabled=()
  for pair in "apache2/sites-enabled/admin-site.conf:a2dissite admin-site" \
              "apache2/sites-enabled/admin-site-ssl.conf:a2dissite admin-site-ssl" \
              "apache2/conf-enabled/admin-site-server.conf:a2disconf admin-site-server" \
              "lighttpd/conf-enabled/50-admin-site.conf:lighty-disable-mod admin-site"; do
    if [ -e "$D$SYSCONFDIR/${pair%%:*}" ]; then still_enabled+=("${pair#*:}"); fi
  done
  for unit in "$D$SYSCONFDIR"/systemd/system/sockets.target.wants/admin-site@*.socket; do
    if [ -e "$unit" ] || [ -L "$unit" ]; then still_enabled+=("systemctl disable --now ${unit##*/}"); fi
  done
  if [ ${#still_enabled[@]} -gt 0 ]; then
    commands=$(IFS=';'; echo "${still_enabled[*]}")
    echo "still enabled; first run: ${commands//;/; }" >&2
    exit 1
  fi
  rm -rf "$D$LIBDIR" "$D$DATADIR" "$D$STATEDIR/errors"
  rm -f "$D$PREFIX/sbin/siteadmin" "$D$PREFIX/sbin/admin-site-setup" \
    "$D$SYSCONFDIR"/apache2/sites-available/admin-site{,-ssl}.conf{,.old} \
    "$D$SYSCONFDIR"/apache2/conf-available/admin-site-{server,fcgid}.conf \
    "$D$PREFIX"/lib/systemd/system/admin-site@.{socket,service} \
    "$D$SYSCONFDIR"/lighttpd/conf-available/50-admin-site.conf{,.old}
  echo "Removed the programs, tools, templates and web server files."
  echo "Kept the config ($D$CONFDIR) and the collection files ($D$STATEDIR/files)."
  exit 0
fi

as_root() {  # true when installing for real as root (not staged in DESTDIR)
  [ "$(id -u)" = 0 ] && [ -z "$DESTDIR" ]
}

# An existing config must pass the checks of the programs about to be
# installed (a newer release may check more): else the site would stop at
# its next request, after the old programs are gone.
if [ -z "$DESTDIR" ] && [ -e "$CONFIG" ]; then
  if ! problem=$("$ROOT/build/siteadmin" --config "$CONFIG" check-config 2>&1); then
    echo "install: $CONFIG does not pass this release's checks; fix it first, nothing was installed:" >&2
    echo "  $problem" >&2
    exit 1
  fi
fi

UNITDIR=$PREFIX/lib/systemd/system
SOCKETDIR=$RUNSTATEDIR/admin-site
install -d "$D$LIBDIR/cgi-bin" "$D$PREFIX/sbin" "$D$DATADIR/apache-conf" "$D$DATADIR/lighttpd-conf" \
  "$D$UNITDIR" \
  "$D$CONFDIR" "$D$STATEDIR/files" "$D$STATEDIR/errors" \
  "$D$SYSCONFDIR/apache2/sites-available" "$D$SYSCONFDIR/apache2/conf-available" \
  "$D$SYSCONFDIR/lighttpd/conf-available"
for program in "$ROOT"/build/cgi-bin/*; do
  case "$program" in *.o|*.d) continue ;; esac
  install -s -m 755 "$program" "$D$LIBDIR/cgi-bin/"
done
install -s -m 755 "$ROOT/build/siteadmin" "$D$PREFIX/sbin/siteadmin"
install -m 755 "$ROOT/tools/webconf.sh" "$ROOT/tools/pool.sh" "$D$LIBDIR/"
install -m 644 "$ROOT/tools/lib.sh" "$D$LIBDIR/"
rm -rf "$D$DATADIR/templates" "$D$DATADIR/sql"
cp -R "$ROOT/templates" "$ROOT/sql" "$D$DATADIR/"
install -m 644 "$ROOT"/apache-conf/site-common.conf "$ROOT"/apache-conf/*.in \
  "$ROOT/apache-conf/admin-site-server.conf" "$D$DATADIR/apache-conf/"
install -m 644 "$ROOT"/lighttpd-conf/*.in "$D$DATADIR/lighttpd-conf/"
install -m 644 "$ROOT/etc/site.conf.in" "$D$DATADIR/site.conf.in"

# The set-up tool, with this install's paths.
"$ROOT/tools/webconf.sh" render "$ROOT/tools/admin-site-setup.sh" "$D$PREFIX/sbin/admin-site-setup" - \
  PREFIX="$PREFIX" CONFIG="$CONFIG" DATADIR="$DATADIR" LIBDIR="$LIBDIR" STATEDIR="$STATEDIR" \
  WEB_USER="$WEB_USER"
chmod 755 "$D$PREFIX/sbin/admin-site-setup"

# The config file: written once, with fresh secrets; never overwritten.
# Staged (DESTDIR, a package) it is not written at all: every host must get
# secrets of its own, so admin-site-setup writes it on the host.
RENDER_CONFIG=$D$CONFIG
if [ -n "$DESTDIR" ]; then
  RENDER_CONFIG=$(mktemp)
  trap 'rm -f "$RENDER_CONFIG"' EXIT
  "$ROOT/tools/webconf.sh" render "$ROOT/etc/site.conf.in" "$RENDER_CONFIG" - \
    DB_PASSWORD=unset TOKEN_SECRET=unset TEMPLATES_DIR="$DATADIR/templates" FILES_DIR="$STATEDIR/files"
  echo "staged: $CONFIG is written on the host by admin-site-setup"
elif [ -e "$CONFIG" ]; then
  echo "kept $CONFIG"
else
  "$ROOT/tools/webconf.sh" new-config "$ROOT/etc/site.conf.in" "$CONFIG" "$WEB_USER" \
    TEMPLATES_DIR="$DATADIR/templates" FILES_DIR="$STATEDIR/files"
  echo "wrote $CONFIG"
fi
if as_root; then chown "$WEB_USER:$WEB_USER" "$D$STATEDIR/files"; fi

# The web server files follow the config (files_dir, max_upload_bytes).
# They are rendered again at every install; an edited one is kept as .old.
render() {  # render TEMPLATE OUT KEY=VALUE...
  local template=$1 out=$2; shift 2
  "$ROOT/tools/webconf.sh" render "$template" "$D$out.tmp" "$RENDER_CONFIG" CONFIG="$CONFIG" \
    BIN_DIR="$LIBDIR/cgi-bin" STATIC_DIR="$DATADIR/templates/static" ERRORS_DIR="$STATEDIR/errors" \
    SHARE_DIR="$DATADIR" SERVER_NAME="$SERVER_NAME" TRUSTED_PROXIES="${TRUSTED_PROXIES:-}" \
    SOCKET_DIR="$SOCKETDIR" \
    WWW_SERVER_NAME="${WWW_SERVER_NAME:-}" "$@"
  if [ -e "$D$out" ] && ! cmp -s "$D$out" "$D$out.tmp"; then
    cp "$D$out" "$D$out.old"
    echo "replaced $D$out (the previous one is $D$out.old)"
  fi
  mv "$D$out.tmp" "$D$out"
}
render "$ROOT/apache-conf/admin-site.conf.in" "$SYSCONFDIR/apache2/sites-available/admin-site.conf" \
  LISTEN="$LISTEN" LOG_DIR="$APACHE_LOG_DIR"
render "$ROOT/apache-conf/admin-site-ssl.conf.in" "$SYSCONFDIR/apache2/sites-available/admin-site-ssl.conf" \
  LISTEN="$HTTPS_LISTEN" HTTP_LISTEN="$LISTEN" HTTPS_PORT_SUFFIX="$HTTPS_PORT_SUFFIX" CERT_FILE="$CERT_FILE" \
  KEY_FILE="$KEY_FILE" LOG_DIR="$APACHE_LOG_DIR"
install -m 644 "$ROOT/apache-conf/admin-site-server.conf" "$D$SYSCONFDIR/apache2/conf-available/"
# Written by releases before the pools (mod_fcgid's settings).
rm -f "$D$SYSCONFDIR/apache2/conf-available/admin-site-fcgid.conf"
render "$ROOT/lighttpd-conf/admin-site.conf.in" "$SYSCONFDIR/lighttpd/conf-available/50-admin-site.conf" \
  LOG_DIR="$LIGHTTPD_LOG_DIR" \
  SERVER_NAME_REGEX="$(printf '%s' "$SERVER_NAME" | sed 's/[.]/\\./g')"
"$ROOT/tools/webconf.sh" errors "$D$STATEDIR/errors" "$RENDER_CONFIG"
for unit in socket service; do
  "$ROOT/tools/webconf.sh" render "$ROOT/etc/systemd/admin-site@.$unit.in" "$D$UNITDIR/admin-site@.$unit" - \
    SOCKET_DIR="$SOCKETDIR" WEB_USER="$WEB_USER" LIBDIR="$LIBDIR" CONFIG="$CONFIG"
done

printf '%s\n' "# What the last \`make install\` was given (tools/install.sh); the next one reuses it." \
  "SERVER_NAME=$SERVER_NAME" "LISTEN=$LISTEN" "HTTPS_LISTEN=$HTTPS_LISTEN" \
  "CERT_FILE=$CERT_FILE" "KEY_FILE=$KEY_FILE" "TRUSTED_PROXIES=${TRUSTED_PROXIES:-}" \
  "WWW_SERVER_NAME=${WWW_SERVER_NAME:-}" > "$REMEMBERED"
echo "site files rendered for $SERVER_NAME (HTTP $LISTEN, HTTPS $HTTPS_LISTEN)"
if [ -z "$DESTDIR" ] && [ ! -e "$CERT_FILE" ]; then
  echo "note: the HTTPS variant (admin-site-ssl.conf) names $CERT_FILE, which does not exist (README.md, HTTPS)"
fi

# The pools: one socket unit per program of the route table. On a host
# that runs systemd, enabled and (re)started now, so that an upgrade runs
# the new programs; elsewhere (staged, a container) the commands are shown.
POOLS=$("$ROOT/tools/routes.sh" programs | sed 's/.*/admin-site@&.socket/' | tr '\n' ' ')
if as_root && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  # shellcheck disable=SC2086  # one unit name per word
  systemctl enable --now $POOLS
  systemctl try-restart 'admin-site@*.service'
  echo "pools enabled and restarted: $POOLS"
else
  echo "pools: systemctl daemon-reload && systemctl enable --now $POOLS"
fi
# An Apache that ran an earlier release (mod_fcgid) needs the proxy modules
# and the new server-wide file before it reloads the new site file.
# (a2enmod and a2enconf act on /etc/apache2 only.)
if as_root && [ "$SYSCONFDIR" = /etc ] && command -v a2enmod >/dev/null &&
   [ -e /etc/apache2/conf-enabled/admin-site-fcgid.conf ]; then
  a2disconf -q admin-site-fcgid || true
  a2enmod -q proxy_fcgi env >/dev/null
  a2enconf -q admin-site-server >/dev/null
  echo "Apache: admin-site-fcgid replaced by admin-site-server, proxy_fcgi enabled (reload Apache)"
fi

echo "Installed under $D$PREFIX. Next: $PREFIX/sbin/admin-site-setup (see README.md, Hosting)."
