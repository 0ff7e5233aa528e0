#!/usr/bin/env bash
# `make bench`: token-authenticated requests to /tokenInfo against a no-op
# FastCGI responder under the same private Apache, in one run, with wrk on
# loopback. Prints requests/s and p99 latency of each and their ratio.
#
# Pool sizing: mod_fcgid grows its process pool only after requests have
# waited about a second (PITFALLS.md), which would show up as p99 spikes, so
# each endpoint gets a warm-up run at the same concurrency first; the
# measured runs then use the pool that warm-up grew (FcgidMaxProcessesPerClass
# 8, apache-conf/site-common.conf).
set -euo pipefail
# A check that fails says which, instead of ending the run without a word.
trap 'echo "bench: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VAR="$ROOT/var/bench"
STACK="$ROOT/tools/stack.sh"
# 4 connections keep 2 cores busy; more would only measure requests waiting
# for mod_fcgid to spawn processes (its pool grows about one a second).
CONNECTIONS=${BENCH_CONNECTIONS:-4}
SECONDS_PER_RUN=${BENCH_SECONDS:-10}

cleanup() {
  "$STACK" stop-web "$VAR" || true; "$STACK" stop-lighttpd "$VAR" || true
  "$STACK" stop-db "$VAR" || true
}
trap cleanup EXIT
cleanup
rm -rf "$VAR"
mkdir -p "$VAR"

"$STACK" start-db "$VAR" >/dev/null
# Room for the 256 MiB archive and its manifest.
echo "max_upload_bytes = 335544320" >> "$VAR/site.conf"
"$STACK" migrate "$VAR" >/dev/null
# The no-op responder is mounted for this run only.
cat > "$VAR/apache-extra.conf" <<CONF
Alias /noop $ROOT/build/bench/noop
<Directory $ROOT/build/bench>
    SetHandler fcgid-script
    Options +ExecCGI
    Require all granted
</Directory>
CONF
PORT=$("$STACK" free-port)
"$STACK" start-web "$VAR" "$PORT" >/dev/null
BASE="http://127.0.0.1:$PORT"

# An Admin signs in and presses Create Bearer Token, as in the guide.
printf 'bench password 1234\n' | "$ROOT/build/siteadmin" --config "$VAR/site.conf" \
  add-person --username bench --access admin --password-stdin >/dev/null
JAR="$VAR/cookies"
csrf() { grep -o 'name="csrf_token" value="[0-9a-f]*' | head -1 | sed 's/.*value="//'; }
LOGIN_CSRF=$(curl -s -c "$JAR" -b "$JAR" "$BASE/login" | csrf)
curl -s -o /dev/null -c "$JAR" -b "$JAR" --data-urlencode "csrf_token=$LOGIN_CSRF" \
  --data-urlencode "username=bench" --data-urlencode "password=bench password 1234" "$BASE/login"
PERSON_ID=$("$ROOT/build/siteadmin" --config "$VAR/site.conf" list bench | awk '{print $1}')
EDIT_CSRF=$(curl -s -b "$JAR" "$BASE/people/edit?id=$PERSON_ID" | csrf)
TOKEN=$(curl -s -b "$JAR" -H "Accept: application/json" \
  --data "csrf_token=$EDIT_CSRF&person_id=$PERSON_ID" "$BASE/createBearerToken" |
  sed -n 's/.*"token": "\(adminbt_[0-9A-Za-z]*\)".*/\1/p')
[ -n "$TOKEN" ] || { echo "could not create a token" >&2; exit 1; }
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$BASE/tokenInfo")
[ "$status" = 200 ] || { echo "bench: /tokenInfo answered $status to the new token" >&2; exit 1; }

run() {  # run NAME PATH -> "rps p50 p99"
  local out
  wrk -t2 -c"$CONNECTIONS" -d10s -H "Authorization: Bearer $TOKEN" "$BASE$2" >/dev/null
  out=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency \
    -H "Authorization: Bearer $TOKEN" "$BASE$2")
  if echo "$out" | grep -q "Non-2xx"; then echo "$1: non-2xx answers" >&2; echo "$out" >&2; exit 1; fi
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  echo "$rps $p50 $p99"
}

echo "wrk: $CONNECTIONS connections, 2 threads, ${SECONDS_PER_RUN} s per run after a 10 s warm-up, on $(nproc) cores"
figures=$(run noop /noop); read -r noop_rps noop_p50 noop_p99 <<<"$figures"
figures=$(run tokenInfo /tokenInfo); read -r info_rps info_p50 info_p99 <<<"$figures"
apache_pool="$(pgrep -fc "$ROOT/build/bench/noop") noop, $(pgrep -fc "$ROOT/build/cgi-bin/tokenInfo") tokenInfo"

# The same two endpoints under lighttpd (the shipped site file, 4 processes
# per program, started with the server), on the same database.
"$STACK" stop-web "$VAR"
cat > "$VAR/lighttpd-extra.conf" <<CONF
\$HTTP["url"] == "/noop" {
  fastcgi.server = ( "/noop" => (( "socket" => "$VAR/run/lighttpd-sockets/noop.sock",
                                   "bin-path" => "$ROOT/build/bench/noop", "max-procs" => 4,
                                   "check-local" => "disable" )) )
}
CONF
"$STACK" start-lighttpd "$VAR" "$PORT" >/dev/null
figures=$(run noop /noop); read -r lnoop_rps lnoop_p50 lnoop_p99 <<<"$figures"
figures=$(run tokenInfo /tokenInfo); read -r linfo_rps linfo_p50 linfo_p99 <<<"$figures"
"$STACK" stop-lighttpd "$VAR"
"$STACK" start-web "$VAR" "$PORT" >/dev/null

printf '%-44s %12s %10s %10s\n' "endpoint" "requests/s" "p50" "p99"
printf '%-44s %12s %10s %10s\n' "Apache   /noop (no-op FastCGI, baseline)" "$noop_rps" "$noop_p50" "$noop_p99"
printf '%-44s %12s %10s %10s\n' "Apache   /tokenInfo (bearer token)" "$info_rps" "$info_p50" "$info_p99"
printf '%-44s %12s %10s %10s\n' "lighttpd /noop (no-op FastCGI, baseline)" "$lnoop_rps" "$lnoop_p50" "$lnoop_p99"
printf '%-44s %12s %10s %10s\n' "lighttpd /tokenInfo (bearer token)" "$linfo_rps" "$linfo_p50" "$linfo_p99"
awk -v a="$info_rps" -v b="$noop_rps" 'BEGIN { printf "ratio under Apache: /tokenInfo reaches %.1f%% of the no-op throughput (aim: 85%%)\n", 100 * a / b }'
awk -v a="$linfo_rps" -v b="$lnoop_rps" 'BEGIN { printf "ratio under lighttpd: %.1f%%\n", 100 * a / b }'
echo "FastCGI pool after the Apache runs (mod_fcgid grows it): $apache_pool processes"

# --- installCollection: time and the program's peak memory per archive size,
# beside `unzip -q` of the same archive onto the same disk.
echo
echo "installCollection: archives of incompressible data (16 stored files each), one run per size"
printf '%-10s %14s %14s %22s\n' "archive" "install (s)" "unzip -q (s)" "program peak RSS (MiB)"
for mib in 16 64 256; do
  archive="$VAR/bench-$mib.zip"
  /usr/bin/python3 - "$archive" "$mib" <<'PY'
import os, sys, zipfile
path, mib = sys.argv[1], int(sys.argv[2])
with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
    files = "".join(f'<Resource name="part{i:02d}.bin" type="private" path="bench{mib}"/>' for i in range(16))
    z.writestr("collection.xml", f'<Collection name="Bench {mib}" guid="{{bench-{mib}}}">{files}</Collection>')
    chunk = (mib << 20) // 16
    for i in range(16):
        z.writestr(f"part{i:02d}.bin", os.urandom(chunk))
PY
  # A fresh Apache, so the program's peak memory belongs to this archive alone.
  "$STACK" stop-web "$VAR"; "$STACK" start-web "$VAR" "$PORT" >/dev/null
  t_install=$(curl -s -o "$VAR/install-$mib.json" -w '%{time_total}' -X POST "$BASE/installCollection" \
    -H "Authorization: Bearer $TOKEN" -F "collectionFile=@$archive")
  grep -q '"files": 16' "$VAR/install-$mib.json" || { echo "install of $mib MiB failed:"; cat "$VAR/install-$mib.json"; exit 1; }
  peak=0
  for pid in $(pgrep -f "$ROOT/build/cgi-bin/installCollection"); do
    kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
    [ "$kb" -gt "$peak" ] && peak=$kb
  done
  rm -rf "$VAR/unzip-$mib"; mkdir -p "$VAR/unzip-$mib"
  t0=$(date +%s.%N); unzip -q "$archive" -d "$VAR/unzip-$mib"; sync; t1=$(date +%s.%N)
  rm -rf "$VAR/unzip-$mib" "$archive"
  printf '%-10s %14.2f %14.2f %22.1f\n' "$mib MiB" "$t_install" "$(echo "$t1 - $t0" | bc -l)" "$(echo "$peak / 1024" | bc -l)"
done
echo "(install: upload through Apache, which spools the body first, plus every check, the unpack, fsync and publication)"
