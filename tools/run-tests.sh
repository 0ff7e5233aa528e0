#!/usr/bin/env bash
# `make test`: runs the tests of the shell tools (no server), then starts a
# private MariaDB and Apache on free loopback ports
# under var/test, runs the unit tests (Boost.Test), the integration tests
# (through the real Apache and MariaDB) and the browser tests; then runs the
# integration tests again through lighttpd, on a second MariaDB under
# var/test-lighttpd. Stops everything, and ends with one line
# "N passed, N failed" over all of them.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VAR="$ROOT/var/test"
LIGHTTPD_VAR="$ROOT/var/test-lighttpd"
STACK="$ROOT/tools/stack.sh"
OUT="$ROOT/test-output"

cleanup() {
  "$STACK" stop-web "$VAR" || true
  "$STACK" stop-db "$VAR" || true
  "$STACK" stop-lighttpd "$LIGHTTPD_VAR" || true
  "$STACK" stop-db "$LIGHTTPD_VAR" || true
}
trap cleanup EXIT

# Leftovers of an interrupted run: stop its servers, start from nothing.
cleanup
rm -rf "$VAR" "$LIGHTTPD_VAR" "$OUT"
mkdir -p "$VAR" "$LIGHTTPD_VAR" "$OUT"

# `make test SANITIZE=...`: every process built with the sanitizers (the
# programs under the servers, siteadmin, the unit tests) writes its reports
# to test-output/sanitizer/, and each report counts as a failure below.
# Leak checks are off: the pools' processes live as long as the servers and
# exit on TERM with the libraries' caches still held.
if [ -n "${SANITIZE:-}" ]; then
  mkdir -p "$OUT/sanitizer"
  export ASAN_OPTIONS="log_path=$OUT/sanitizer/asan:detect_leaks=0:abort_on_error=1"
  export UBSAN_OPTIONS="log_path=$OUT/sanitizer/ubsan:print_stacktrace=1:halt_on_error=1"
  export SITE_SANITIZED=1  # tests of memory figures skip themselves
  chmod 1777 "$OUT/sanitizer"  # the programs run as www-data
fi

start_db() {  # start_db VAR: MariaDB, the schema and the test-only settings
  "$STACK" start-db "$1" || return 1
  # Crash points the installer may be asked to die at, and a 16 MiB upload
  # limit so that "too large" needs no 256 MiB body.
  printf 'allow_fault_injection = true\nmax_upload_bytes = 16777216\n' >> "$1/site.conf"
  "$STACK" migrate "$1" >/dev/null
}

passed=0 failed=0

tally() {  # tally SUITE LOG: adds the "SUITE: N passed, N failed" line of LOG
  local line; line=$(grep -E "^$1: [0-9]+ passed, [0-9]+ failed" "$OUT/$2" | tail -1)
  if [ -z "$line" ]; then
    echo "$1 tests printed no tally: counted as one failure"
    failed=$((failed + 1))
  else
    passed=$((passed + $(echo "$line" | sed -E 's/.* ([0-9]+) passed.*/\1/')))
    failed=$((failed + $(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')))
  fi
}

integration() {  # integration BASE VAR LOG: the Python suite; adds its tally
  /usr/bin/python3 "$ROOT/tests/integration/run.py" --base "$1" --var "$2" --root "$ROOT" \
    2>&1 | tee "$OUT/$3"
  tally integration "$3"
}

echo "== tool tests (deps.sh against stub package tools, stack.sh, shellcheck)"
/usr/bin/python3 "$ROOT/tests/tools/run.py" 2>&1 | tee "$OUT/tools.log"
tally tools tools.log

echo "== starting MariaDB and Apache (var/test)"
start_db "$VAR" || exit 1
WEB_PORT=$("$STACK" free-port)
"$STACK" start-web "$VAR" "$WEB_PORT" || exit 1

echo "== unit tests (Boost.Test)"
export SITE_TEST_DB_SOCKET="$VAR/run/mysqld.sock"
export SITE_TEST_DB_USER=root
SITE_TEST_DB_PASSWORD=$(sed -n 's/^password=//p' "$VAR/db-root.cnf")
export SITE_TEST_DB_PASSWORD
export SITE_TEST_SQL_DIR="$ROOT/sql"
"$ROOT/build/tests/unit_tests" --report_level=short --log_level=error 2>&1 | tee "$OUT/unit.log"
unit_passed=$(grep -oE '[0-9]+ test cases? out of [0-9]+ passed' "$OUT/unit.log" | head -1 | cut -d' ' -f1)
unit_failed=$(grep -oE '[0-9]+ test cases? out of [0-9]+ failed' "$OUT/unit.log" | head -1 | cut -d' ' -f1)
unit_aborted=$(grep -oE '[0-9]+ test cases? out of [0-9]+ aborted' "$OUT/unit.log" | head -1 | cut -d' ' -f1)
if [ -z "$unit_passed" ] && [ -z "$unit_failed" ]; then
  echo "unit tests printed no summary: counted as one failure"
  unit_failed=1
fi
passed=$((passed + ${unit_passed:-0}))
failed=$((failed + ${unit_failed:-0} + ${unit_aborted:-0}))

echo "== integration tests (Apache + MariaDB on 127.0.0.1:$WEB_PORT)"
integration "http://127.0.0.1:$WEB_PORT" "$VAR" integration.log

echo "== browser tests (Chromium + playwright-core, same site)"
SITE_BASE="http://127.0.0.1:$WEB_PORT" SITE_VAR="$VAR" SITE_ROOT="$ROOT" \
  node --test --test-reporter=tap "$ROOT/tests/browser/" 2>&1 | tee "$OUT/browser.log"
browser_pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$OUT/browser.log" | tail -1)
browser_fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$OUT/browser.log" | tail -1)
if [ -z "$browser_pass" ]; then
  echo "browser tests printed no tally: counted as one failure"
  failed=$((failed + 1))
else
  passed=$((passed + browser_pass))
  failed=$((failed + ${browser_fail:-0}))
fi

"$STACK" stop-web "$VAR"
"$STACK" stop-db "$VAR"

echo "== integration tests again, through lighttpd (var/test-lighttpd)"
if start_db "$LIGHTTPD_VAR"; then
  LIGHTTPD_PORT=$("$STACK" free-port)
  if "$STACK" start-lighttpd "$LIGHTTPD_VAR" "$LIGHTTPD_PORT"; then
    integration "http://127.0.0.1:$LIGHTTPD_PORT" "$LIGHTTPD_VAR" integration-lighttpd.log
  else
    echo "lighttpd did not start: counted as one failure"; failed=$((failed + 1))
  fi
else
  echo "MariaDB for lighttpd did not start: counted as one failure"; failed=$((failed + 1))
fi

if [ -n "${SANITIZE:-}" ]; then
  reports=$(find "$OUT/sanitizer" -type f | wc -l)
  echo "== sanitizer reports ($SANITIZE): $reports"
  find "$OUT/sanitizer" -type f -exec sh -c 'echo "-- $1"; head -n 40 "$1"' _ {} \;
  failed=$((failed + reports))
fi

mkdir -p "$OUT/apache" "$OUT/lighttpd"
cp "$VAR"/log/*.log "$OUT/apache/" 2>/dev/null || true
cp "$LIGHTTPD_VAR"/log/*.log "$OUT/lighttpd/" 2>/dev/null || true
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
