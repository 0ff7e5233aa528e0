#!/usr/bin/env bash
# stack.sh: what it does and how to call it are in usage() below.
set -euo pipefail

usage() {  # what the script does and how to call it
  cat >&2 <<'EOF'
Starts and stops the site's private MariaDB, the programs' FastCGI pools
and Apache (or lighttpd). Everything lives under one state directory
(VAR): data, sockets, logs, config. Nothing here touches the system's own
mariadb, apache2 or lighttpd services.

  tools/stack.sh run PORT            make run: start all, Apache in the foreground
  tools/stack.sh start-db VAR        initialise (first time) and start MariaDB
  tools/stack.sh stop-db VAR
  tools/stack.sh migrate VAR         apply pending sql/ migrations
  tools/stack.sh start-web VAR PORT  start Apache in the background
  tools/stack.sh start-web-tls VAR PORT HTTP_PORT   the HTTPS variant
  tools/stack.sh serve-apache VAR PORT   Apache around VAR/apache/sites/*.conf as they are
  tools/stack.sh start-pools VAR [BIN_DIR]   the programs' pools alone (start-web does it)
  tools/stack.sh start-unit-pools VAR UNIT_DIR   the pools as the installed
                                    systemd units would run them (make install's)
  tools/stack.sh stop-pools VAR
  tools/stack.sh stop-web VAR
  tools/stack.sh start-lighttpd VAR PORT   lighttpd instead of Apache
  tools/stack.sh serve-lighttpd VAR PORT   lighttpd around VAR/lighttpd/50-admin-site.conf as it is
  tools/stack.sh stop-lighttpd VAR
  tools/stack.sh free-port           a free loopback TCP port
TRUSTED_PROXIES in the environment renders the site files for load balancers,
WWW_SERVER_NAME for collection files on a host name of their own.
EOF
  exit 2
}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SITEADMIN="$ROOT/build/siteadmin"
# shellcheck source=tools/lib.sh
. "$ROOT/tools/lib.sh"
WEBCONF="$ROOT/tools/webconf.sh"



db_paths() {
  VAR=$1
  SOCK="$VAR/run/mysqld.sock"
  DB_PID="$VAR/run/mysqld.pid"
  ROOT_CNF="$VAR/db-root.cnf"
}

start_db() {
  db_paths "$1"
  mkdir -p "$VAR/run" "$VAR/log"
  chmod 755 "$VAR" "$VAR/run"
  if [ ! -d "$VAR/db/mysql" ]; then
    mkdir -p "$VAR/db"
    chown "$DB_USER" "$VAR/db"
    mariadb-install-db --no-defaults --datadir="$VAR/db" --user="$DB_USER" \
      --auth-root-authentication-method=normal --skip-test-db >"$VAR/log/mariadb-install.log" 2>&1
  fi
  # Written only once a port was found: an empty file would start the
  # server with --port= now and at every later start.
  if [ ! -s "$VAR/db-port" ]; then
    local port; port=$(free_port) || return 1
    echo "$port" > "$VAR/db-port"
  fi
  chown "$DB_USER" "$VAR/run"
  # setsid: Ctrl-C in `make run` must reach Apache only; MariaDB is stopped
  # cleanly afterwards by stop-db.
  setsid mariadbd --no-defaults --datadir="$VAR/db" --socket="$SOCK" --port="$(cat "$VAR/db-port")" \
    --bind-address=127.0.0.1 --pid-file="$DB_PID" --log-error="$VAR/db/mariadb.err" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --user="$DB_USER" --skip-name-resolve --innodb-buffer-pool-size=128M \
    </dev/null >/dev/null 2>&1 &
  # ping answers 0 whenever the server runs, even when access is denied.
  wait_for 30 "MariaDB on $SOCK" mariadb-admin --no-defaults --socket="$SOCK" -uroot ping \
    || { tail -20 "$VAR/db/mariadb.err" >&2; return 1; }
  provision
}

# First start: give root a password, create the site's database, its user and
# the site's config file (readable by the web server's group only).
provision() {
  if [ ! -f "$ROOT_CNF" ]; then
    local rootpw; rootpw=$(random_hex 24)
    # SQL on stdin, not in argv: other local users can read command lines.
    mariadb --no-defaults --socket="$SOCK" -uroot <<SQL
ALTER USER 'root'@'localhost' IDENTIFIED BY '$rootpw';
SQL
    (umask 077; printf '[client]\nuser=root\npassword=%s\nsocket=%s\n' "$rootpw" "$SOCK" > "$ROOT_CNF")
  fi
  # mariadb-install-db also makes root@127.0.0.1, root@::1 and root@<host
  # name>, with no password: anyone on this machine could be root over TCP.
  # Only root@localhost (the socket, with its password) stays; checked at
  # every start, so that a state directory made before this goes too.
  local account
  for account in $(mariadb --defaults-file="$ROOT_CNF" -N -e \
      "SELECT CONCAT(QUOTE(user), '@', QUOTE(host)) FROM mysql.user
       WHERE host <> 'localhost' AND user IN ('root', '')"); do
    mariadb --defaults-file="$ROOT_CNF" -e "DROP USER $account"
  done
  if [ ! -f "$VAR/site.conf" ]; then
    local pw; pw=$(random_hex 24)
    create_site_account "$ROOT_CNF" "$pw"
    write_site_conf "$VAR/site.conf" "$SOCK" "$pw" "$VAR/files"
    mv "$VAR/site.conf.new" "$VAR/site.conf"
  fi
  # Bearer tokens are stored as HMAC-SHA256 under this secret (every web
  # node of the site shares it). Added once; changing it ends every token.
  if ! grep -q '^token_secret' "$VAR/site.conf"; then
    echo "token_secret = $(random_hex 32)" >> "$VAR/site.conf"
  fi
  grep -q '^files_dir' "$VAR/site.conf" || echo "files_dir = $VAR/files" >> "$VAR/site.conf"
}

stop_db() {
  db_paths "$1"
  stop_server "$DB_PID" 30
}

# Applies pending migrations, then brings the files area in line with the
# database (after a crash, or the first time).
migrate() {
  "$SITEADMIN" --config "$1/site.conf" migrate "$ROOT/sql"
  files_area "$1"
  as_web_user "$SITEADMIN" --config "$1/site.conf" recover-files
}

as_web_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$WEB_USER" -- "$@"; else "$@"; fi
}

# The files area belongs to the web server's user: the programs write it.
files_area() {
  local dir; dir=$(setting "$1" files_dir "$1/files")
  mkdir -p "$dir"
  chown "$WEB_USER:$WEB_GROUP" "$dir"
}

setting() {  # setting VAR KEY DEFAULT: the key's value in VAR/site.conf
  "$WEBCONF" setting "$1/site.conf" "$2" "$3"
}

web_env() {
  VAR=$1
  mkdir -p "$VAR/apache/sites"
  rm -f "$VAR/apache/sites/"*.conf
  export SITE_ROOT="$ROOT" SITE_CONFIG="$VAR/site.conf"
  export SITE_FILES; SITE_FILES=$(setting "$VAR" files_dir "$VAR/files")
  "$WEBCONF" errors "$VAR/errors" "$SITE_CONFIG"
  cp "$ROOT/apache-conf/admin-site-server.conf" "$VAR/apache/"
  server_env "$VAR" "$2"
}

# The programs' FastCGI pools: one per program of the route table, each
# listening on VAR/run/fcgi/PROGRAM.sock, its processes run by tools/pool.sh
# (multiwatch) under spawn-fcgi -n, which binds the socket and hands it over
# on fd 0, as systemd's admin-site@.socket does for hosts. The programs' log
# lines (their stderr) go to VAR/log/programs.log.
pool_socket_dir() { echo "$1/run/fcgi"; }

start_pools() {  # start_pools VAR [BIN_DIR]
  local var=$1 bin=${2:-$ROOT/build/cgi-bin} program
  local -a programs
  mapfile -t programs < <("$ROOT/tools/routes.sh" programs)
  for program in "${programs[@]}"; do
    start_pool "$var" "$program" "$(pool_socket_dir "$var")/$program.sock" \
      /usr/bin/env SITE_CONFIG="$var/site.conf" "$ROOT/tools/pool.sh" "$bin/$program"
  done
  wait_for_pools "$var" "$(pool_socket_dir "$var")" "${programs[@]}"
}

# The pools as the installed units run them: each admin-site@PROGRAM.service's
# ExecStart, Environment and User, on the socket its .socket unit names
# (ListenStream).
start_unit_pools() {  # start_unit_pools VAR UNIT_DIR
  local var=$1 units=$2 program exec listen line
  local -a environment programs
  mapfile -t programs < <("$ROOT/tools/routes.sh" programs)
  exec=$(sed -n 's/^ExecStart=//p' "$units/admin-site@.service")
  listen=$(sed -n 's/^ListenStream=//p' "$units/admin-site@.socket")
  environment=()
  while IFS= read -r line; do environment+=("$line"); done \
    < <(sed -n 's/^Environment=//p' "$units/admin-site@.service")
  for program in "${programs[@]}"; do
    # shellcheck disable=SC2086  # the unit's command line, split as systemd splits it
    start_pool "$var" "$program" "${listen//%i/$program}" /usr/bin/env "${environment[@]}" ${exec//%i/$program}
  done
  wait_for_pools "$var" "$(dirname "$listen")" "${programs[@]}"
}

start_pool() {  # start_pool VAR PROGRAM SOCKET COMMAND...: one pool, in the background
  local var=$1 program=$2 socket=$3; shift 3
  local -a as_user=()
  mkdir -p "$(dirname "$socket")" "$var/log" "$var/run"
  if [ "$(id -u)" = 0 ]; then
    chown "$WEB_USER:$WEB_GROUP" "$(dirname "$socket")"
    as_user=(-u "$WEB_USER" -g "$WEB_GROUP" -U "$WEB_USER" -G "$WEB_GROUP")
  fi
  chmod 750 "$(dirname "$socket")"
  touch "$var/log/programs.log"
  [ "$(id -u)" != 0 ] || chown "$WEB_USER" "$var/log/programs.log"
  stop_server "$var/run/pool-$program.pid"  # one left by an interrupted run
  # setsid: Ctrl-C in `make run` must reach Apache only.
  setsid spawn-fcgi -n -s "$socket" -M 0660 "${as_user[@]}" -- "$@" \
    </dev/null >>"$var/log/programs.log" 2>&1 &
  echo $! > "$var/run/pool-$program.pid"
}

wait_for_pools() {  # wait_for_pools VAR SOCKET_DIR PROGRAM...
  local var=$1 sockets=$2 program; shift 2
  for program in "$@"; do
    WAIT_PID=$(cat "$var/run/pool-$program.pid") wait_for 10 "the $program pool" \
      test -S "$sockets/$program.sock" || { tail -n 20 "$var/log/programs.log" >&2; return 1; }
  done
}

stop_pools() {
  local pidfile
  for pidfile in "$1"/run/pool-*.pid; do
    [ -e "$pidfile" ] || continue
    stop_server "$pidfile"
  done
}

# What the private servers' own config files read: where they keep their
# state, their port and their user.
server_env() {  # server_env VAR PORT
  VAR=$1
  mkdir -p "$VAR/log" "$VAR/run"
  export SITE_VAR="$VAR" SITE_PORT="$2" SITE_USER="$WEB_USER" SITE_GROUP="$WEB_GROUP"
}

# The site file a host enables with a2ensite, rendered for this checkout.
render_apache_site() {  # render_apache_site TEMPLATE KEY=VALUE...
  local template=$1; shift
  "$WEBCONF" render "$ROOT/apache-conf/$template.conf.in" "$VAR/apache/sites/$template.conf" \
    "$SITE_CONFIG" BIN_DIR="$ROOT/build/cgi-bin" STATIC_DIR="$ROOT/templates/static" \
    ERRORS_DIR="$VAR/errors" SHARE_DIR="$ROOT" LOG_DIR="$VAR/log" SERVER_NAME=127.0.0.1 \
    SOCKET_DIR="$(pool_socket_dir "$VAR")" \
    TRUSTED_PROXIES="${TRUSTED_PROXIES:-}" WWW_SERVER_NAME="${WWW_SERVER_NAME:-}" "$@"
}

launch_apache() {  # launch_apache PORT [apache2 options]
  local port=$1; shift
  # Debian's envvars sets it for the system's Apache; installed site files use it.
  export APACHE_LOG_DIR="$VAR/log"
  setsid apache2 -f "$ROOT/apache-conf/private-server.conf" -DFOREGROUND "$@" </dev/null \
    >>"$VAR/log/apache-stdout.log" 2>&1 &
  WAIT_PID=$! wait_for 20 "Apache on port $port" bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" \
    || { tail -n 20 "$VAR/log/apache-error.log" "$VAR/log/apache-stdout.log" >&2; return 1; }
}

start_web() {
  web_env "$1" "$2"
  render_apache_site admin-site LISTEN="*:$2"
  start_pools "$1"
  launch_apache "$2"
}

# The site files already in VAR/apache (sites/*.conf, admin-site-server.conf),
# e.g. those `make install` wrote, under the private Apache.
serve_apache() {
  server_env "$1" "$2"
  launch_apache "$2"
}

# The HTTPS variant (admin-site-ssl.conf) on PORT, with plain HTTP on
# HTTP_PORT redirecting to it, under a self-signed certificate made here.
start_web_tls() {
  web_env "$1" "$2"
  export SITE_HTTP_PORT=$3
  mkdir -p "$VAR/tls"
  [ -f "$VAR/tls/site.pem" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$VAR/tls/site.key" -out "$VAR/tls/site.pem" 2>/dev/null
  render_apache_site admin-site-ssl LISTEN="*:$2" HTTP_LISTEN="*:$3" HTTPS_PORT_SUFFIX=":$2" \
    CERT_FILE="$VAR/tls/site.pem" KEY_FILE="$VAR/tls/site.key"
  start_pools "$1"
  launch_apache "$2" -DSITE_TLS
}

stop_web() { stop_server "$1/run/apache.pid" && stop_pools "$1"; }

# lighttpd instead of Apache: the site file a host enables with
# lighty-enable-mod, rendered for this checkout, under a private lighttpd.
start_lighttpd() {
  web_env "$1" "$2"
  mkdir -p "$VAR/lighttpd"
  "$WEBCONF" render "$ROOT/lighttpd-conf/admin-site.conf.in" "$VAR/lighttpd/50-admin-site.conf" \
    "$SITE_CONFIG" BIN_DIR="$ROOT/build/cgi-bin" STATIC_DIR="$ROOT/templates/static" \
    ERRORS_DIR="$VAR/errors" LOG_DIR="$VAR/log" SOCKET_DIR="$(pool_socket_dir "$VAR")" \
    SERVER_NAME=127.0.0.1 SERVER_NAME_REGEX='127\.0\.0\.1' TRUSTED_PROXIES="${TRUSTED_PROXIES:-}" \
    WWW_SERVER_NAME="${WWW_SERVER_NAME:-}"
  start_pools "$1"
  launch_lighttpd "$2"
}

# The site file already in VAR/lighttpd/50-admin-site.conf, as it is.
serve_lighttpd() {
  server_env "$1" "$2"
  launch_lighttpd "$2"
}

launch_lighttpd() {  # launch_lighttpd PORT
  local uploads="$VAR/run/lighttpd-uploads"
  mkdir -p "$uploads"
  chown "$WEB_USER:$WEB_GROUP" "$uploads"
  chmod 750 "$uploads"
  # lighttpd opens its logs after dropping to the web user.
  touch "$VAR/log/admin-site-access.log" "$VAR/log/lighttpd-error.log" "$VAR/log/breakage.log"
  chown "$WEB_USER" "$VAR/log/admin-site-access.log" "$VAR/log/lighttpd-error.log" \
    "$VAR/log/breakage.log"
  # The programs' log is breakage.log (the site file says why); this file
  # keeps what lighttpd itself writes to stderr.
  setsid lighttpd -D -f "$ROOT/lighttpd-conf/private-server.conf" </dev/null \
    >>"$VAR/log/lighttpd-stderr.log" 2>&1 &
  WAIT_PID=$! wait_for 20 "lighttpd on port $1" bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" \
    || { tail -n 20 "$VAR/log/lighttpd-error.log" "$VAR/log/lighttpd-stderr.log" >&2; return 1; }
}

stop_lighttpd() { stop_server "$1/run/lighttpd.pid" && stop_pools "$1"; }

run() {
  local port=$1
  RUN_VAR="$ROOT/var"
  local var="$RUN_VAR"
  mkdir -p "$var"
  trap 'stop_web "$RUN_VAR"; stop_db "$RUN_VAR"; echo "Stopped Apache, the pools and MariaDB."' EXIT
  start_db "$var"
  migrate "$var"
  local first; first=$("$SITEADMIN" --config "$var/site.conf" first-admin)
  web_env "$var" "$port"
  render_apache_site admin-site LISTEN="*:$port"
  start_pools "$var"
  echo
  echo "The site is at http://127.0.0.1:$port/login"
  if [ -n "$first" ]; then
    echo "First start: an Admin was created. Sign in with"
    echo "$first" | sed -n 's/^\(username\|password\): /  \1: /p'
    echo "This password is shown only now; change it under People after signing in."
  fi
  echo "Logs: $var/log/. Press Ctrl-C to stop Apache and MariaDB."
  echo
  trap '' INT  # Ctrl-C stops Apache (below); then the EXIT trap stops MariaDB
  apache2 -f "$ROOT/apache-conf/private-server.conf" -DFOREGROUND || true
}

cmd=${1:-}; shift || true
case "$cmd" in
  run) run "${1:-8080}" ;;
  start-db) start_db "$1" ;;
  stop-db) stop_db "$1" ;;
  migrate) migrate "$1" ;;
  start-web) start_web "$1" "$2" ;;
  start-web-tls) start_web_tls "$1" "$2" "$3" ;;
  serve-apache) serve_apache "$1" "$2" ;;
  start-pools) start_pools "$1" "${2:-}" ;;
  start-unit-pools) start_unit_pools "$1" "$2" ;;
  stop-pools) stop_pools "$1" ;;
  stop-web) stop_web "$1" ;;
  start-lighttpd) start_lighttpd "$1" "$2" ;;
  serve-lighttpd) serve_lighttpd "$1" "$2" ;;
  stop-lighttpd) stop_lighttpd "$1" ;;
  free-port) free_port ;;
  *) usage ;;
esac
