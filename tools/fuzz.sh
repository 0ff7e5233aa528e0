#!/usr/bin/env bash
# Runs one libFuzzer target from its seed corpus and prints its closing
# figures (executions, coverage, corpus). Called by `make fuzz`.
#
# A budget of wall seconds is libFuzzer's own -max_total_time. A budget of
# CPU seconds (for the one-CPU-hour runs in docs/fuzz-notes.md) is ours:
# the target runs at idle priority, so it takes only what the machine leaves
# free, and gets SIGINT once /proc says it has used that much CPU; libFuzzer
# then prints its final stats and exits as after -max_total_time.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: tools/fuzz.sh NAME BUILD_DIR wall|cpu SECONDS

  Runs BUILD_DIR/fuzz/NAME_fuzz on BUILD_DIR/fuzz/corpus-NAME (grown) and
  tests/fuzz/corpus/NAME (the seeds), with tests/fuzz/NAME.dict if present,
  for SECONDS of wall time or of CPU time. Its log is BUILD_DIR/fuzz/NAME.log.
USAGE
}

[ $# -eq 4 ] || { usage >&2; exit 2; }
name=$1 build=$2 mode=$3 seconds=$4
case $mode in wall|cpu) ;; *) usage >&2; exit 2 ;; esac
case $seconds in ''|*[!0-9]*) usage >&2; exit 2 ;; esac

bin=$build/fuzz/${name}_fuzz
log=$build/fuzz/$name.log
corpus=$build/fuzz/corpus-$name
mkdir -p "$corpus"
args=(-max_len=4096 -print_final_stats=1)
if [ -f "tests/fuzz/$name.dict" ]; then
  args+=("-dict=tests/fuzz/$name.dict")
fi

# Targets that need files (archive) keep them in memory, not on the disk.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
  export TMPDIR=/dev/shm
fi

started=$(date +%s)
if [ "$mode" = wall ]; then
  status=0
  "$bin" "${args[@]}" -max_total_time="$seconds" "$corpus" "tests/fuzz/corpus/$name" \
    >"$log" 2>&1 || status=$?
else
  chrt --idle 0 nice -n 19 "$bin" "${args[@]}" "$corpus" "tests/fuzz/corpus/$name" \
    >"$log" 2>&1 &
  pid=$!
  ticks=$(getconf CLK_TCK)
  while kill -0 "$pid" 2>/dev/null; do
    # Fields 14 and 15 of /proc/PID/stat: user and system time in ticks.
    # The command name (field 2) has no spaces here, so plain splitting holds.
    if read -r -a stat <"/proc/$pid/stat" 2>/dev/null &&
       [ $(( (stat[13] + stat[14]) / ticks )) -ge "$seconds" ]; then
      kill -INT "$pid"
      break
    fi
    sleep 5
  done
  status=0
  wait "$pid" || status=$?
  # libFuzzer exits with -interrupted_exitcode (72) after our SIGINT.
  if [ "$status" = 72 ] || [ "$status" = 130 ]; then status=0; fi
fi
if [ "$status" != 0 ]; then
  tail -40 "$log"
  exit "$status"
fi

last=$(grep -E '^#[0-9]+' "$log" | tail -1)
execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
echo "$name: $execs executions in $(( $(date +%s) - started )) s wall ($mode budget $seconds s); last status: $last"
