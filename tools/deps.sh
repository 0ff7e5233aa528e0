#!/usr/bin/env bash
# Installs the Debian packages the site needs and that are missing.
#   tools/deps.sh run    what `make run` needs
#   tools/deps.sh test   that, plus what `make test` needs
#   tools/deps.sh bench  that, plus what `make bench` needs
#   tools/deps.sh fuzz   that, plus clang and libFuzzer for `make fuzz`
# Package installs must not start the system's own Apache or MariaDB
# services: a policy-rc.d that forbids starting services is in place while
# apt-get runs (the same device Debian's container images use).
set -euo pipefail

RUN_PACKAGES="g++ make pkg-config apache2 libapache2-mod-fcgid libfcgi-dev libcgicc-dev
  libmysqlcppconn-dev libssl-dev libctemplate-dev nlohmann-json3-dev libzip-dev libexpat1-dev mariadb-server
  mariadb-client curl"
TEST_PACKAGES="libboost-test-dev python3 chromium lighttpd openssl python3-requests httpie ansible-core"
BENCH_PACKAGES="wrk unzip bc"
FUZZ_PACKAGES="clang libclang-rt-14-dev"

want="$RUN_PACKAGES"
# Node.js for the browser tests: the machine's own when it has one.
command -v npm >/dev/null || TEST_PACKAGES="$TEST_PACKAGES nodejs npm"
case "${1:-run}" in
  test) want="$want $TEST_PACKAGES" ;;
  bench) want="$want $TEST_PACKAGES $BENCH_PACKAGES" ;;
  fuzz) want="$want $FUZZ_PACKAGES" ;;
esac

missing=()
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
install_node_modules() {
  # playwright-core, pinned in package-lock.json; it drives Debian's chromium
  # (it downloads no browser of its own).
  if [ ! -d "$ROOT/node_modules/playwright-core" ]; then
    command -v npm >/dev/null || { echo "npm is missing: the browser tests need Node.js 18+ with npm" >&2; exit 1; }
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

if [ ${#missing[@]} -eq 0 ]; then
  [ "${1:-run}" = test ] && install_node_modules
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Run as root (or: sudo apt-get install ${missing[*]})." >&2
  exit 1
fi

echo "Installing: ${missing[*]}"
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod 755 "$policy"
  made_policy=1
fi
cleanup() { [ "$made_policy" = 1 ] && rm -f "$policy"; }
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ "${1:-run}" = test ] && install_node_modules
