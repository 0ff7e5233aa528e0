#!/usr/bin/env bash
# deps.sh: what it does and how to call it are in usage() below.
#
# Package installs must not start the system's own Apache or MariaDB
# services: a policy-rc.d that forbids starting services is in place while
# apt-get runs (the device Debian's container images use). A host's own
# policy-rc.d is left exactly as it is; ours carries a marker line, so that
# one left by a run killed with SIGKILL is known as ours and removed by the
# next run. POLICY_RC_D names another path (tests/tools use it).
set -euo pipefail

usage() {  # what the script does and how to call it
  cat >&2 <<'EOF'
Installs the Debian packages the site needs and that are missing.
  tools/deps.sh run    what `make run` needs
  tools/deps.sh test   that, plus what `make test` needs (and npm ci)
  tools/deps.sh bench  that, plus what `make bench` needs
  tools/deps.sh fuzz   that, plus clang and libFuzzer for `make fuzz`
  tools/deps.sh unit   that of run, plus Boost.Test for `make unit`
Exits 0 when everything is there (installed now or before), else 1 with
the reason on stderr.
EOF
  exit 2
}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODE=${1:-run}
POLICY=${POLICY_RC_D:-/usr/sbin/policy-rc.d}
POLICY_MARKER="# written by admin-site tools/deps.sh while apt-get runs"

RUN_PACKAGES="g++ make pkg-config apache2 spawn-fcgi multiwatch libfcgi-dev libcgicc-dev
  libmysqlcppconn-dev libssl-dev libctemplate-dev nlohmann-json3-dev libzip-dev libexpat1-dev mariadb-server
  mariadb-client curl"
# The tests lint every script with shellcheck; python3-requests, httpie and
# ansible-core are build-server clients the client matrix drives.
TEST_PACKAGES="libboost-test-dev python3 chromium lighttpd openssl shellcheck haproxy
  python3-requests httpie ansible-core"
# The Galera tests' private cluster (tools/galera.sh): galera-4's provider,
# rsync for its state transfers (SST), ss from iproute2 for the SST script's
# port checks. mariadb-server 10.11 depends on all three today; named here
# because the tests use them directly.
GALERA_PACKAGES="galera-4 rsync iproute2"
BENCH_PACKAGES="wrk unzip bc linux-perf"
FUZZ_PACKAGES="clang libclang-rt-14-dev"

case "$MODE" in
  run) want="$RUN_PACKAGES" ;;
  test) want="$RUN_PACKAGES $TEST_PACKAGES $GALERA_PACKAGES" ;;
  bench) want="$RUN_PACKAGES $TEST_PACKAGES $GALERA_PACKAGES $BENCH_PACKAGES" ;;
  fuzz) want="$RUN_PACKAGES $FUZZ_PACKAGES" ;;
  unit) want="$RUN_PACKAGES libboost-test-dev" ;;
  *) usage ;;
esac
# Node.js for the browser tests: the machine's own when it has one.
if [ "$MODE" = test ] || [ "$MODE" = bench ]; then
  command -v npm >/dev/null || want="$want nodejs npm"
fi

missing=()
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# playwright-core, pinned in package-lock.json; it drives Debian's chromium
# (it downloads no browser of its own).
install_node_modules() {
  if [ "$MODE" != test ] || [ -d "$ROOT/node_modules/playwright-core" ]; then
    return 0
  fi
  if ! command -v npm >/dev/null; then
    echo "npm is missing: the browser tests need Node.js 18+ with npm" >&2
    return 1
  fi
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
}

ours() { [ -f "$POLICY" ] && grep -qxF "$POLICY_MARKER" "$POLICY"; }

# Removes our policy-rc.d, never the host's.
remove_policy() {
  if ours; then rm -f "$POLICY"; fi
  rm -f "$POLICY.new.$$"
}

# A leftover of a run that could not clean up (SIGKILL, power loss).
remove_policy

if [ ${#missing[@]} -eq 0 ]; then
  install_node_modules
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Run as root (or: sudo apt-get install ${missing[*]})." >&2
  exit 1
fi

echo "Installing: ${missing[*]}"
# The trap is in place before the file exists: an interrupt at any point
# after this line removes it. It never changes the exit status: `exit` in
# the trap keeps the status that started the exit.
on_exit() {
  local status=$?
  remove_policy
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\n%s\nexit 101\n' "$POLICY_MARKER" > "$POLICY.new.$$"
  chmod 755 "$POLICY.new.$$"
  mv "$POLICY.new.$$" "$POLICY"
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
install_node_modules
