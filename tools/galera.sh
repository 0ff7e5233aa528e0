#!/usr/bin/env bash
# galera.sh: what it does and how to call it are in usage() below.
set -euo pipefail

usage() {  # what the script does and how to call it
  cat >&2 <<'EOF'
Starts and stops a private 3-node MariaDB Galera cluster on 127.0.0.1 for
tests (Debian's galera-4 and mariadb-server, rsync for state transfers).
Everything lives under one directory DIR: DIR/node1..3 each hold a node's
data (db/), socket and pid file (run/), log (log/mariadb.err), its ports,
its root credentials (db-root.cnf) and a site.conf for a web node on it;
DIR/files is the files area all the web nodes share. Nothing here touches
the system's own mariadb service.

  tools/galera.sh start DIR         initialise (first time) and start the three
                                    nodes, wait until all are Synced, provision
  tools/galera.sh stop DIR          stop every node (TERM, then KILL)
  tools/galera.sh kill-node DIR N   kill -9 node N (1-3)
  tools/galera.sh start-node DIR N [N...]  start nodes again; each rejoins
                                    (IST) and this waits until all are Synced
  tools/galera.sh status DIR        each node's cluster size and state
EOF
  exit 2
}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/lib.sh
. "$ROOT/tools/lib.sh"
NODES=3
PROVIDER=${GALERA_PROVIDER:-/usr/lib/galera/libgalera_smm.so}
CLUSTER_NAME=admin-site-test
# How long a node may take to join (a full state transfer included) and to
# reach Synced.
JOIN_SECONDS=${GALERA_JOIN_SECONDS:-120}



# pick_port: sets PORT to a free port that no earlier pick_port of this run
# returned (nothing listens on the ports picked before the nodes start).
PICKED=" "
pick_port() {
  for _ in $(seq 1 50); do
    PORT=$(free_port) || return 1
    case "$PICKED" in
      *" $PORT "*) ;;
      *) PICKED="$PICKED$PORT "; return 0 ;;
    esac
  done
  echo "no free port found" >&2
  return 1
}

node_paths() {  # node_paths DIR N: the paths of node N
  [[ $2 =~ ^[1-$NODES]$ ]] || { echo "no node $2 (1-$NODES)" >&2; return 2; }
  DIR=$1 N=$2
  NODE="$DIR/node$N"
  SOCK="$NODE/run/mysqld.sock"
  # Our own pid file: mariadbd writes its --pid-file only once it is ready,
  # and a joiner waiting for a primary component may never be.
  PID="$NODE/run/node.pid"
  ERR="$NODE/log/mariadb.err"
  ROOT_CNF="$NODE/db-root.cnf"
}

# Every node's four ports (client, group communication, IST, SST) are
# chosen once and kept in DIR/nodeN/ports, so a node restarts where the
# others look for it.
ports() {  # ports DIR: choose the ports the nodes lack
  local n client gmcast ist sst
  for n in $(seq 1 "$NODES"); do
    [ ! -s "$1/node$n/ports" ] || PICKED="$PICKED$(cat "$1/node$n/ports") "
  done
  for n in $(seq 1 "$NODES"); do
    [ ! -s "$1/node$n/ports" ] || continue
    pick_port; client=$PORT
    pick_port; gmcast=$PORT
    pick_port; ist=$PORT
    pick_port; sst=$PORT
    echo "$client $gmcast $ist $sst" > "$1/node$n/ports.new"
    mv "$1/node$n/ports.new" "$1/node$n/ports"
  done
}

cluster_address() {
  local n client gmcast ist sst address=""
  for n in $(seq 1 "$NODES"); do
    read -r client gmcast ist sst < "$1/node$n/ports"
    address="$address${address:+,}127.0.0.1:$gmcast"
  done
  echo "gcomm://$address"
}

# launch_node DIR N [mariadbd options]: node N in the background.
launch_node() {
  node_paths "$1" "$2"; shift 2
  local client gmcast ist sst
  mkdir -p "$NODE/run" "$NODE/log" "$NODE/db"
  chmod 755 "$DIR" "$NODE" "$NODE/run"
  chown "$DB_USER" "$NODE/run" "$NODE/log" "$NODE/db"
  if node_running "$DIR" "$N"; then
    echo "node $N already runs (pid $(cat "$PID"))" >&2
    return 1
  fi
  rm -f "$PID"
  read -r client gmcast ist sst < "$NODE/ports"
  local -a opts=(--no-defaults --datadir="$NODE/db" --socket="$SOCK" --port="$client"
    --bind-address=127.0.0.1 --pid-file="$NODE/run/mysqld.pid"
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci
    --user="$DB_USER" --skip-name-resolve --innodb-buffer-pool-size=128M
    --binlog-format=ROW --innodb-autoinc-lock-mode=2 --default-storage-engine=InnoDB
    --wsrep-mode=REQUIRED_PRIMARY_KEY --wsrep-on=ON --wsrep-provider="$PROVIDER" --wsrep-cluster-name="$CLUSTER_NAME"
    --wsrep-cluster-address="$(cluster_address "$DIR")"
    --wsrep-node-name="node$N" --wsrep-node-address=127.0.0.1
    --wsrep-node-incoming-address="127.0.0.1:$client"
    --wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:$gmcast;ist.recv_addr=127.0.0.1:$ist"
    --wsrep-sst-method=rsync --wsrep-sst-receive-address="127.0.0.1:$sst")
  recover_position "${opts[@]}"
  # setsid: a Ctrl-C meant for a test must not reach the nodes.
  setsid mariadbd "${opts[@]}" --log-error="$ERR" "$@" ${START_POSITION:+"$START_POSITION"} \
    </dev/null >>"$NODE/log/mariadbd.out" 2>&1 &
  # setsid execs mariadbd in this process (a background job leads no
  # process group), so $! is the server's own pid.
  echo $! > "$PID"
}

# recover_position MARIADBD_OPTIONS...: after a crash (kill -9) grastate.dat
# holds seqno -1 and the node would ask for a full state transfer (SST); the
# position InnoDB recovers (mariadbd --wsrep-recover, as Debian's
# galera_recovery does for the systemd unit) lets it catch up by IST.
# Sets START_POSITION to the --wsrep-start-position option, or to nothing.
recover_position() {
  START_POSITION=""
  grep -qx 'seqno: *-1' "$NODE/db/grastate.dat" 2>/dev/null || return 0
  local log="$NODE/log/wsrep-recover.err" position
  rm -f "$log"
  mariadbd "$@" --wsrep-recover --log-error="$log" </dev/null >/dev/null 2>&1 \
    || { echo "node $N: mariadbd --wsrep-recover failed" >&2; tail -n 20 "$log" >&2; return 1; }
  position=$(sed -n 's/.*WSREP: Recovered position: *//p' "$log" | tail -n 1)
  [ -z "$position" ] || START_POSITION="--wsrep-start-position=$position"
}

# root_sql DIR N SQL: runs SQL on node N as root (its db-root.cnf once
# provisioned; before, root has no password). Prints tab-separated rows.
root_sql() {
  node_paths "$1" "$2"
  local -a login=(--no-defaults --socket="$SOCK" -uroot)
  [ ! -f "$ROOT_CNF" ] || login=(--defaults-file="$ROOT_CNF")
  mariadb "${login[@]}" --batch --skip-column-names -e "$3"
}

wsrep_status() {  # wsrep_status DIR N: sets SIZE and STATE of node N
  local rows
  rows=$(root_sql "$1" "$2" "SHOW GLOBAL STATUS WHERE Variable_name IN
    ('wsrep_cluster_size', 'wsrep_local_state_comment')") || return 1
  SIZE=$(awk '$1 == "wsrep_cluster_size" { print $2 }' <<<"$rows")
  STATE=$(awk '$1 == "wsrep_local_state_comment" { print $2 }' <<<"$rows")
}

synced() {  # synced DIR N SIZE: true once node N is Synced in a cluster of SIZE
  wsrep_status "$1" "$2" && [ "$STATE" = Synced ] && [ "$SIZE" = "$3" ]
}

node_running() {  # node_running DIR N: true iff node N runs
  node_paths "$1" "$2"
  [ -f "$PID" ] || return 1
  running "$(cat "$PID")"
}

# wait_synced DIR N SIZE: waits until node N, just launched, is Synced.
wait_synced() {
  node_paths "$1" "$2"
  WAIT_PID=$(cat "$PID") wait_for "$JOIN_SECONDS" "node $2 Synced in a cluster of $3" \
    synced "$1" "$2" "$3" || { tail -n 20 "$ERR" >&2; return 1; }
}

# The node to bootstrap a cluster from: node1 the first time; after a full
# stop the one Galera marked safe to bootstrap (the last to stop). After
# every node crashed (kill -9) none is, but each kept its last primary
# component (gvwstate.dat): then 0, for "start all, they restore it".
bootstrap_node() {
  local n crashed=0
  if [ ! -f "$1/node1/db/grastate.dat" ]; then echo 1; return 0; fi
  for n in $(seq 1 "$NODES"); do
    if grep -qx 'safe_to_bootstrap: 1' "$1/node$n/db/grastate.dat" 2>/dev/null; then
      echo "$n"; return 0
    fi
    [ ! -f "$1/node$n/db/gvwstate.dat" ] || crashed=$((crashed + 1))
  done
  if [ "$crashed" = "$NODES" ]; then echo 0; return 0; fi
  echo "no node of $1 is safe to bootstrap (not stopped cleanly): start a new DIR," \
    "or set safe_to_bootstrap: 1 in the grastate.dat of the node with the highest seqno" >&2
  return 1
}

start() {
  local dir=$1 first n
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  for n in $(seq 1 "$NODES"); do mkdir -p "$dir/node$n"; done
  ports "$dir"
  first=$(bootstrap_node "$dir")
  if [ "$first" = 0 ]; then
    # shellcheck disable=SC2046  # one node number per word
    start_node "$dir" $(seq 1 "$NODES")
    provision "$dir"
    return 0
  fi
  # Only the first node is initialised: a joiner's empty datadir is filled
  # by the donor's copy (rsync SST) before the joiner opens it.
  if [ ! -d "$dir/node$first/db/mysql" ]; then
    mkdir -p "$dir/node$first/db" "$dir/node$first/log"
    chown "$DB_USER" "$dir/node$first/db"
    mariadb-install-db --no-defaults --datadir="$dir/node$first/db" --user="$DB_USER" \
      --auth-root-authentication-method=normal --skip-test-db \
      >"$dir/node$first/log/mariadb-install.log" 2>&1
  fi
  launch_node "$dir" "$first" --wsrep-new-cluster
  wait_synced "$dir" "$first" 1
  # One at a time: a donor serves one rsync SST at a time.
  for n in $(seq 1 "$NODES"); do
    [ "$n" != "$first" ] || continue
    launch_node "$dir" "$n"
    wait_synced "$dir" "$n" "$((n < first ? n + 1 : n))"
  done
  for n in $(seq 1 "$NODES"); do
    wait_synced "$dir" "$n" "$NODES"
  done
  provision "$dir"
}

# First start: a root password (set on node1, replicated), the site's
# database and user, and per node a db-root.cnf and a site.conf as
# tools/stack.sh provision writes them, each naming that node's socket.
provision() {
  local dir=$1 n rootpw pw secret
  if [ ! -f "$dir/node1/db-root.cnf" ]; then
    rootpw=$(random_hex 24)
    for n in $(seq 1 "$NODES"); do
      node_paths "$dir" "$n"
      (umask 077; printf '[client]\nuser=root\npassword=%s\nsocket=%s\n' "$rootpw" "$SOCK" \
        > "$ROOT_CNF.new")
    done
    # SQL on stdin, not in argv: other local users can read command lines.
    # mariadb-install-db also made root@127.0.0.1, root@::1 and root@HOSTNAME
    # without a password, which anyone on this machine could use over TCP.
    mariadb --no-defaults --socket="$dir/node1/run/mysqld.sock" -uroot <<SQL
ALTER USER 'root'@'localhost' IDENTIFIED BY '$rootpw';
$(root_sql "$dir" 1 "SELECT CONCAT('DROP USER ', QUOTE(user), '@', QUOTE(host), ';')
  FROM mysql.user WHERE user = 'root' AND host <> 'localhost'")
SQL
    for n in $(seq "$NODES" -1 1); do mv "$dir/node$n/db-root.cnf.new" "$dir/node$n/db-root.cnf"; done
  fi
  if [ ! -f "$dir/node1/site.conf" ]; then
    pw=$(random_hex 24)
    secret=$(random_hex 32)
    create_site_account "$dir/node1/db-root.cnf" "$pw"
    for n in $(seq 1 "$NODES"); do
      node_paths "$dir" "$n"
      write_site_conf "$NODE/site.conf" "$SOCK" "$pw" "$dir/files" "token_secret = $secret"
    done
    for n in $(seq "$NODES" -1 1); do mv "$dir/node$n/site.conf.new" "$dir/node$n/site.conf"; done
  fi
  # The files area belongs to the web server's user: the programs write it.
  mkdir -p "$dir/files"
  chown "$WEB_USER:$WEB_GROUP" "$dir/files"
}

# Stops the nodes one by one, the last node1: the last to stop is marked
# safe to bootstrap (grastate.dat), and start begins with it next time.
stop() {
  local n status=0
  for n in $(seq "$NODES" -1 1); do
    node_paths "$1" "$n"
    stop_server "$PID" 60 || status=1
  done
  return "$status"
}

kill_node() {
  node_paths "$1" "$2"
  [ -f "$PID" ] || { echo "node $2 does not run" >&2; return 1; }
  local pid; pid=$(cat "$PID")
  kill -KILL "$pid" 2>/dev/null || true
  gone_within 10 "$pid" || { echo "node $2 (pid $pid) survived KILL" >&2; return 1; }
  rm -f "$PID"
}

# start_node DIR N...: the nodes N join the nodes that run; waits until
# each is Synced in a cluster of all the nodes that run. After a lost quorum
# start the missing nodes together: a node that crashed restores its last
# primary component (pc.recovery) only once all of its members are back.
start_node() {
  local dir n size=0
  dir=$(cd "$1" && pwd); shift
  for n in "$@"; do launch_node "$dir" "$n"; done
  for n in $(seq 1 "$NODES"); do
    if node_running "$dir" "$n"; then size=$((size + 1)); fi
  done
  for n in "$@"; do wait_synced "$dir" "$n" "$size"; done
}

status() {
  local n
  for n in $(seq 1 "$NODES"); do
    if wsrep_status "$1" "$n" 2>/dev/null; then
      echo "node$n size=$SIZE state=$STATE"
    else
      echo "node$n down"
    fi
  done
}

cmd=${1:-}; shift || true
case "$cmd" in
  start) start "$1" ;;
  stop) stop "$1" ;;
  kill-node) kill_node "$1" "$2" ;;
  start-node) start_node "$@" ;;
  status) status "$1" ;;
  *) usage ;;
esac
