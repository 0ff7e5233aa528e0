#!/usr/bin/env bash
# What the scripts share (tools/stack.sh, tools/galera.sh, tools/webconf.sh,
# which make install puts beside it): who the servers run as, random hex,
# free ports, waiting for a server to come up, and stopping one. Sourced,
# not run.

# The servers' users: as root, the Debian packages' own; else the caller.
# shellcheck disable=SC2034  # used by the scripts that source this
if [ "$(id -u)" = 0 ]; then
  DB_USER=mysql WEB_USER=www-data WEB_GROUP=www-data
else
  DB_USER=$(id -un) WEB_USER=$(id -un) WEB_GROUP=$(id -gn)
fi

random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# The site's database and account on a private server (tools/stack.sh's,
# or the first node of tools/galera.sh's cluster), as its root.
create_site_account() {  # create_site_account ROOT_CNF PASSWORD
  mariadb --defaults-file="$1" <<SQL
CREATE DATABASE IF NOT EXISTS site CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'site'@'localhost' IDENTIFIED BY '$2';
ALTER USER 'site'@'localhost' IDENTIFIED BY '$2';
GRANT ALL PRIVILEGES ON site.* TO 'site'@'localhost';
SQL
}

# Writes FILE.new, the site.conf of a web node whose database server listens
# on SOCKET, with the site's account, its files in FILES_DIR and the
# templates of the sourcing script's $ROOT, then any further LINEs; mode 640,
# group WEB_GROUP. The caller moves it into place.
write_site_conf() {  # write_site_conf FILE SOCKET PASSWORD FILES_DIR [LINE...]
  local file=$1 sock=$2 pw=$3 files=$4
  shift 4
  (umask 027
   { cat <<CONF
# Settings of this site (see lib/config.h for every key and its default).
db_socket = $sock
db_name = site
db_user = site
db_password = $pw
templates_dir = $ROOT/templates
files_dir = $files
CONF
     if [ $# -gt 0 ]; then printf '%s\n' "$@"; fi
   } > "$file.new")
  chgrp "$WEB_GROUP" "$file.new"
}

# Prints a TCP port on 127.0.0.1 that nothing listens on, below the range
# the kernel gives outgoing connections their local ports from
# (ip_local_port_range): a port there may be some client's own when a
# server tries to bind it ("Address already in use", seen in a test run).
free_port() {
  local p low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  [ "$low" -gt 11000 ] || low=32768
  for _ in $(seq 1 200); do
    p=$((10000 + RANDOM % (low - 10000)))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  echo "no free port found" >&2
  return 1
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...; gives up early if $WAIT_PID exits
  local limit=$1 what=$2; shift 2
  for _ in $(seq 1 $((limit * 10))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if [ -n "${WAIT_PID:-}" ] && ! kill -0 "$WAIT_PID" 2>/dev/null; then
      echo "$what: the server exited at start" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "timed out waiting for $what" >&2
  return 1
}

# stop_server PIDFILE [SECONDS]: TERM, wait (20 s, or STOP_SECONDS) for the process to go,
# then KILL and wait 5 s more. The pid file goes only with the process: one
# that survives even KILL (stuck in the kernel) keeps it, and this fails.
stop_server() {
  local pidfile=$1 limit=${2:-${STOP_SECONDS:-20}} pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if [[ ! $pid =~ ^[1-9][0-9]*$ ]]; then
    echo "stop: $pidfile holds no process id; removed" >&2
    rm -f "$pidfile"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  if ! gone_within "$limit" "$pid"; then
    echo "stop: process $pid ($pidfile) ignored TERM for $limit s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    if ! gone_within 5 "$pid"; then
      echo "stop: process $pid survived KILL; $pidfile kept" >&2
      return 1
    fi
  fi
  rm -f "$pidfile"
}

gone_within() {  # gone_within SECONDS PID: true once PID no longer runs
  local _
  for _ in $(seq 1 $(($1 * 10))); do
    running "$2" || return 0
    sleep 0.1
  done
  ! running "$2"
}

# A process that exited but is not yet reaped (a zombie: its parent, often
# PID 1, reaps it later) has stopped running.
running() {
  kill -0 "$1" 2>/dev/null || return 1
  local state; state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
  [ "$state" != Z ]
}
