#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets under Fuzz/ (ASan + libFuzzer, in
# .build-fuzz/) and runs each for FUZZ_SECONDS seconds (FUZZ_JOBS at a time)
# on its corpus (.build-fuzz/corpus/<target>, seeded by scripts/fuzz_seeds.py).
# Prints each target's executions, executions per second and coverage; any
# crash, hang (over 10 s on one input) or input needing over 2 GiB fails the
# run, with the input saved under .build-fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-2}
PY=${PY:-.venv/bin/python}
SCRATCH=.build-fuzz
# release for long runs; make test's short smoke run builds debug (quicker to compile).
CONFIG=${FUZZ_CONFIG:-release}
TARGETS=${FUZZ_TARGETS:-"fuzz-rlp fuzz-transaction fuzz-block fuzz-consensus fuzz-p2p fuzz-attestation fuzz-gemm-spec fuzz-jsonrpc fuzz-genesis fuzz-node-wire"}
export ATH_FUZZ=1
# One -sanitize flag: given twice, swiftc keeps only the last (and a
# fuzzer build without coverage finds nothing).
FLAGS=(-c "$CONFIG" --scratch-path "$SCRATCH" -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing)

mkdir -p "$SCRATCH"
for t in $TARGETS; do
  echo "fuzz: building $t"
  swift build "${FLAGS[@]}" --product "$t" >"$SCRATCH/build-$t.log" 2>&1 || { tail -40 "$SCRATCH/build-$t.log"; exit 1; }
  [ -x "$SCRATCH/$CONFIG/$t" ] || { echo "fuzz: $t did not build"; exit 1; }
done

mkdir -p "$SCRATCH/seeds" "$SCRATCH/artifacts" "$SCRATCH/logs"
"$PY" scripts/fuzz_seeds.py "$SCRATCH/seeds" "${ETHEREUM_TESTS:-../shared/ethereum-tests}"

run_one() {
  local t=$1
  mkdir -p "$SCRATCH/corpus/$t"
  # libFuzzer reports a crash itself; Swift's backtracer would run under ASan.
  SWIFT_BACKTRACE=enable=no "$SCRATCH/$CONFIG/$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$SCRATCH/artifacts/$t-" \
    "$SCRATCH/corpus/$t" "$SCRATCH/seeds/$t" >"$SCRATCH/logs/$t.log" 2>&1
  echo $? >"$SCRATCH/logs/$t.rc"
}
export -f run_one
export SCRATCH SECONDS_EACH CONFIG
rm -f "$SCRATCH"/logs/*
echo "fuzz: running each target for ${SECONDS_EACH} s, ${JOBS} at a time"
printf '%s\n' $TARGETS | xargs -P "$JOBS" -I{} bash -c 'run_one {}'

failed=0
printf '%-18s %12s %10s %8s %8s %8s  %s\n' target executions exec/s cov ft corpus result
for t in $TARGETS; do
  log="$SCRATCH/logs/$t.log"
  rc=$(cat "$SCRATCH/logs/$t.rc" 2>/dev/null || echo "no result")
  runs=$(awk '/^stat::number_of_executed_units:/ {print $2}' "$log" | tail -1)
  eps=$(awk '/^stat::average_exec_per_sec:/ {print $2}' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(echo "$last" | grep -o 'cov: [0-9]*' | awk '{print $2}' || true)
  ft=$(echo "$last" | grep -o 'ft: [0-9]*' | awk '{print $2}' || true)
  corp=$(echo "$last" | grep -o 'corp: [0-9]*' | awk '{print $2}' || true)
  result=ok
  if [ "$rc" != 0 ]; then
    result="FAILED (exit $rc; see $log)"
    failed=1
  elif [ -z "$cov" ] || [ "$cov" = 0 ]; then
    result="FAILED (no coverage: the target is not instrumented)"
    failed=1
  fi
  printf '%-18s %12s %10s %8s %8s %8s  %s\n' "$t" "${runs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
done
if [ $failed != 0 ]; then
  for t in $TARGETS; do
    [ "$(cat "$SCRATCH/logs/$t.rc")" = 0 ] || { echo "---- $t"; grep -A25 -E "ERROR|Fatal error|==[0-9]+==" "$SCRATCH/logs/$t.log" | head -60; }
  done
  exit 1
fi
echo "fuzz: every target ran ${SECONDS_EACH} s with no crash, hang or out-of-memory"
