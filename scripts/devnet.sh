#!/usr/bin/env bash
# A local 4-validator network: writes it with `athd testnet`, starts the four
# nodes, waits for Ctrl-C (or DEVNET_SECONDS seconds), stops them with SIGTERM
# and prints each node's final height.
#
#   scripts/devnet.sh                 # `make devnet` runs this after building
#
# Environment:
#   ATHD            the node binary (default .build/release/athd)
#   DEVNET_DIR      where the homes go (default .devnet in the repository);
#                   only this script's own previous output there is replaced
#   DEVNET_SECONDS  stop after this many seconds instead of waiting for Ctrl-C
#   DEVNET_PORT     node 0's P2P port (default 26656; node i uses +10i, RPC +1, metrics +2)
#   DEVNET_VALIDATORS  how many validators (default 4)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ATHD="${ATHD:-$ROOT/.build/release/athd}"
DIR="${DEVNET_DIR:-$ROOT/.devnet}"
PORT="${DEVNET_PORT:-26656}"
VALIDATORS="${DEVNET_VALIDATORS:-4}"
MARKER="$DIR/.written-by-devnet-sh"

die() { echo "devnet: $*" >&2; exit 1; }

[ -x "$ATHD" ] || die "$ATHD is not built (run \`make build\` or set ATHD)"
if [ -n "${DEVNET_SECONDS:-}" ]; then
  [[ "$DEVNET_SECONDS" =~ ^[0-9]+$ ]] || die "DEVNET_SECONDS must be a whole number of seconds"
fi

# Refuse to clobber anything but this script's own previous network.
if [ -e "$DIR" ]; then
  if [ -f "$MARKER" ]; then
    rm -rf -- "$DIR"
  elif [ -n "$(ls -A -- "$DIR" 2>/dev/null)" ]; then
    die "$DIR exists and was not written by scripts/devnet.sh: remove it or set DEVNET_DIR"
  fi
fi
mkdir -p -- "$DIR"
touch -- "$MARKER"

"$ATHD" testnet --validators "$VALIDATORS" --dir "$DIR" --starting-port "$PORT" > "$DIR/testnet.txt"
cat "$DIR/testnet.txt"

PIDS=()
for ((i = 0; i < VALIDATORS; i++)); do
  # setsid: Ctrl-C reaches only this script, which then stops the nodes in order.
  setsid "$ATHD" start --home "$DIR/node$i" > "$DIR/node$i.log" 2>&1 < /dev/null &
  PIDS+=("$!")
done

echo
echo "devnet: $VALIDATORS nodes running (logs in $DIR/nodeI.log)"
for ((i = 0; i < VALIDATORS; i++)); do
  echo "  node$i  pid ${PIDS[$i]}  JSON-RPC http://127.0.0.1:$((PORT + 10 * i + 1))  metrics http://127.0.0.1:$((PORT + 10 * i + 2))/metrics"
done
if [ -n "${DEVNET_SECONDS:-}" ]; then
  echo "devnet: stopping in $DEVNET_SECONDS s"
else
  echo "devnet: Ctrl-C stops the network"
fi

STOP=0
trap 'STOP=1' INT TERM

alive() { kill -0 "$1" 2>/dev/null; }

# Wait for Ctrl-C, the deadline, or a node that exits on its own.
START=$SECONDS
while [ "$STOP" -eq 0 ]; do
  if [ -n "${DEVNET_SECONDS:-}" ] && [ $((SECONDS - START)) -ge "$DEVNET_SECONDS" ]; then break; fi
  for ((i = 0; i < VALIDATORS; i++)); do
    if ! alive "${PIDS[$i]}"; then
      echo "devnet: node$i exited early; the end of $DIR/node$i.log:" >&2
      tail -n 20 "$DIR/node$i.log" >&2 || true
      grep -m 3 -E 'Fatal error|crashed|CRITICAL' "$DIR/node$i.log" >&2 || true
      STOP=2
    fi
  done
  sleep 1 & wait $! || true
done

echo
echo "devnet: stopping the nodes (SIGTERM)"
for pid in "${PIDS[@]}"; do alive "$pid" && kill -TERM "$pid" 2>/dev/null || true; done
DEADLINE=$((SECONDS + 10))
for ((i = 0; i < VALIDATORS; i++)); do
  pid="${PIDS[$i]}"
  while alive "$pid" && [ "$SECONDS" -lt "$DEADLINE" ]; do sleep 0.2; done
  if alive "$pid"; then
    echo "devnet: node$i did not stop within 10 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
done

# Final heights: the node logs "stopped height=N" on a clean exit; otherwise
# the last committed block it logged.
echo "devnet: final heights"
for ((i = 0; i < VALIDATORS; i++)); do
  log="$DIR/node$i.log"
  height="$(grep -E ' stopped ' "$log" 2>/dev/null | tail -n 1 | sed -nE 's/.*height=([0-9]+).*/\1/p' || true)"
  how="clean stop"
  if [ -z "$height" ]; then
    height="$(grep -E 'block committed' "$log" 2>/dev/null | tail -n 1 | sed -nE 's/.*number=([0-9]+).*/\1/p' || true)"
    how="last block logged, no clean stop"
  fi
  echo "  node$i  ${height:-unknown}  (${how})"
done
[ "$STOP" -ne 2 ] || exit 1
