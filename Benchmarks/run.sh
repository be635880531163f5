#!/usr/bin/env bash
# `make bench`: AthCrypto's hot paths against their yardsticks, in one run on
# one machine, reported as ratios (> 1 means ours is faster).
#
#   Benchmarks/run.sh ATHBENCH PYTHON
#
# ATHBENCH: the release athbench binary; PYTHON: a Python with pycryptodome.
# Builds the C yardstick with `cc -O2` against libsecp256k1 (pkg-config) in a
# temporary folder. Sizes: ROUNDS, RECOVER_N, KECCAK_SMALL_N, KECCAK_LARGE_N,
# ADMISSION_N, IMPORT_BLOCKS. With ATHD set to the athd binary, also measures
# the dev node's throughput under a raw-transaction load (Benchmarks/node_load.py)
# and a 4-validator network's throughput and finality (Benchmarks/network_bench.py;
# NETWORK_SENDERS, NETWORK_PER_SENDER: the burst; finality is measured at a
# paced 1000 transfers per second). Gossip: GOSSIP_ROUNDS of a 1 MiB message
# to 8 P2P peers against the plain C loopback fan-out (loopback_fanout.c).
# gemm-i8: GEMM_N (2048) with the worker's CPU backend and Freivalds' check
# against plain OpenBLAS (openblas_gemm.c). Oracle: attestations ingested per
# second (ORACLE_JOBS committed jobs, three checkers each) against the bare
# signature recoveries. Worst case: every opcode and precompile at its most
# expensive shape per gas (athbench worstcase; goal ≥ 50 Mgas/s each).
# Exits 1 when a ratio is below its goal.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 ATHBENCH PYTHON" >&2
    exit 2
fi
athbench=$1
python=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rounds=${ROUNDS:-3}
recover_n=${RECOVER_N:-1000}
keccak_small_n=${KECCAK_SMALL_N:-100000}
keccak_large_n=${KECCAK_LARGE_N:-20}
admission_n=${ADMISSION_N:-20000}
import_blocks=${IMPORT_BLOCKS:-5}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck disable=SC2046  # pkg-config output is a list of flags
cc -O2 -o "$work/secp256k1_recover" "$here/secp256k1_recover.c" $(pkg-config --cflags --libs libsecp256k1) -lpthread
cc -O2 -o "$work/loopback_fanout" "$here/loopback_fanout.c" -lpthread
# shellcheck disable=SC2046
cc -O2 -o "$work/openblas_gemm" "$here/openblas_gemm.c" $(pkg-config --cflags --libs openblas)
gemm_n=${GEMM_N:-2048}
gossip_rounds=${GOSSIP_ROUNDS:-20}
"$athbench" secp256k1-vectors "$recover_n" "$work/recover.bin"
"$athbench" admission-vectors "$admission_n" "$work/admission.bin"

field() { # field NAME LINE: the value of NAME=... in an athbench-format line
    sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"
}

min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 > a + 0) ? b : a }'; }

# The machine is shared, so each pair runs ROUNDS times, alternating ours and
# theirs, and keeps each side's best figure.
recover_ours="" recover_c="" small_ours="" small_py="" large_ours="" large_py=""
admit_ours="" admit_c="" import_ours="" import_raw="" gossip_ours="" gossip_c=""
for _ in $(seq "$rounds"); do
    ours=$("$athbench" secp256k1-recover "$recover_n" "$work/recover.bin")
    theirs=$("$work/secp256k1_recover" "$work/recover.bin" "$recover_n")
    if [[ $(field check "$ours") != $(field check "$theirs") ]]; then
        echo "secp256k1 results differ: $ours / $theirs" >&2
        exit 1
    fi
    recover_ours=$(min "$recover_ours" "$(field ns_per_op "$ours")")
    recover_c=$(min "$recover_c" "$(field ns_per_op "$theirs")")

    large_ours=$(max "$large_ours" "$(field mb_per_s "$("$athbench" keccak 1048576 "$keccak_large_n")")")
    large_py=$(max "$large_py" "$(field mb_per_s "$("$python" "$here/keccak_pycryptodome.py" 1048576 "$keccak_large_n")")")
    small_ours=$(min "$small_ours" "$(field ns_per_op "$("$athbench" keccak 32 "$keccak_small_n")")")
    small_py=$(min "$small_py" "$(field ns_per_op "$("$python" "$here/keccak_pycryptodome.py" 32 "$keccak_small_n")")")

    admit_ours=$(min "$admit_ours" "$(field ns_per_op "$("$athbench" admission "$admission_n" 2)")")
    admit_c=$(min "$admit_c" "$(field ns_per_op "$("$work/secp256k1_recover" "$work/admission.bin" "$admission_n" 2)")")
    imp=$("$athbench" block-import "$import_blocks" 1000)
    import_ours=$(min "$import_ours" "$(field ms "$imp")")
    import_raw=$(min "$import_raw" "$(field raw_ms "$imp")")
    gossip_ours=$(min "$gossip_ours" "$(field best_ms "$("$athbench" gossip 1048576 8 "$gossip_rounds")")")
    gossip_c=$(min "$gossip_c" "$(field best_ms "$("$work/loopback_fanout" 1048576 8 "$gossip_rounds")")")
done

status=0
row() { # row NAME OURS THEIRS UNIT RATIO GOAL
    local verdict=ok
    if awk -v r="$5" -v g="$6" 'BEGIN { exit !(r < g) }'; then verdict=BELOW; status=1; fi
    printf '%-34s %14s %14s %-6s %6s %6s  %s\n' "$1" "$2" "$3" "$4" "$5" "≥ $6" "$verdict"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

printf '%-34s %14s %14s %-6s %6s %6s\n' benchmark ours yardstick unit ratio goal
row "secp256k1 recover (vs C loop)" "$recover_ours" "$recover_c" ns/op "$(ratio "$recover_c" "$recover_ours")" 0.95
row "keccak256 1 MiB (vs pycryptodome)" "$large_ours" "$large_py" MB/s "$(ratio "$large_ours" "$large_py")" 1.0
# 32-byte pycryptodome figures include Python's call overhead; shown, no goal.
printf '%-34s %14s %14s %-6s %6s %6s\n' "keccak256 32 B (vs pycryptodome)" "$small_ours" "$small_py" ns/op \
    "$(ratio "$small_py" "$small_ours")" "-"
row "tx admission, 2 threads (vs C)" "$admit_ours" "$admit_c" ns/tx "$(ratio "$admit_c" "$admit_ours")" 0.7
row "import 1000-transfer blocks (vs raw)" "$import_ours" "$import_raw" ms "$(ratio "$import_raw" "$import_ours")" 0.5
row "1 MiB block to 8 P2P peers (vs C)" "$gossip_ours" "$gossip_c" ms "$(ratio "$gossip_c" "$gossip_ours")" 0.33
# The worker's CPU backend (seeded int8 matrices, float64 dgemm, int32 back)
# vs plain OpenBLAS dgemm on the same size, and a checker's Freivalds check
# of the result as a fraction of the backend's time.
gemm=$("$athbench" gemm "$gemm_n" 20)
gemm_c=$("$work/openblas_gemm" "$gemm_n")
row "gemm-i8 $gemm_n³ on the CPU (vs C OpenBLAS)" "$(field ms "$gemm")" "$(field ms "$gemm_c")" ms \
    "$(ratio "$(field ms "$gemm_c")" "$(field ms "$gemm")")" 0.9
fraction=$(field freivalds_fraction "$gemm")
row "Freivalds, 20 rounds (share of gemm)" "$(field freivalds_ms "$gemm")" "$(field ms "$gemm")" ms \
    "$(awk -v f="$fraction" 'BEGIN { printf "%.2f", (f > 0 ? 0.01 / f : 0) }')" 1.0
echo "  ($gemm / $gemm_c)"
# The oracle module's attestation ingest (signature, chain views, pool) vs the
# signature recovery alone, on ORACLE_JOBS committed devnet jobs × 3 checkers.
oracle=$("$athbench" oracle "${ORACLE_JOBS:-300}")
printf '%-34s %14s %14s %-6s %6s\n' "oracle attestation ingest" "$(field per_s "$oracle")" \
    "$(field recover_only_per_s "$oracle")" att/s "$(ratio "$(field per_s "$oracle")" "$(field recover_only_per_s "$oracle")")"
# Every opcode and precompile at its worst shape per gas: each must run a
# 30M-gas block's worth at ≥ 50 Mgas/s (athbench worstcase exits 1 if not).
"$athbench" worstcase || status=1
if [[ -n "${ATHD:-}" ]]; then
    load=$("$python" "$here/node_load.py" "$ATHD")
    printf '%-34s %14s %14s %-6s\n' "athd dev raw-tx load" "$(field tx_per_s "$load")" "-" tx/s
    echo "  ($load)"
    net=$("$python" "$here/network_bench.py" "$ATHD" --senders "${NETWORK_SENDERS:-200}" --per-sender "${NETWORK_PER_SENDER:-50}")
    tps=$(field tx_per_s "$net") median=$(field finality_median_ms "$net")
    row "4-validator network transfers" "$tps" "2000" tx/s "$(ratio "$tps" 2000)" 1.0
    rate=$(field paced_rate "$net")
    row "finality median at $rate tx/s" "$median" "1500" ms "$(ratio 1500 "$median")" 1.0
    printf '%-34s %14s\n' "finality p99 at $rate tx/s" "$(field finality_p99_ms "$net") ms"
    printf '%-34s %14s\n' "finality median/p99, burst" "$(field burst_finality_median_ms "$net")/$(field burst_finality_p99_ms "$net") ms"
    echo "  ($net)"
    # Reads at a random past block against the head's, on a chain of
    # HISTORY_BLOCKS blocks with a transfer and storage load (goal: ≥ 0.5).
    hist=$("$python" "$here/history_bench.py" "$ATHD" --blocks "${HISTORY_BLOCKS:-10000}")
    row "eth_getBalance at a past block" "$(field balance_past_per_s "$hist")" "$(field balance_head_per_s "$hist")" \
        reads/s "$(field balance_ratio "$hist")" 0.5
    row "eth_call at a past block" "$(field call_past_per_s "$hist")" "$(field call_head_per_s "$hist")" \
        calls/s "$(field call_ratio "$hist")" 0.5
    printf '%-34s %14s\n' "state history per block" "$(field bytes_per_block "$hist") B"
    echo "  ($hist)"
fi
exit $status
