#!/usr/bin/env bash
# `make run` until the node (athd dev) lands: a walk through what the
# foundation does, in a throwaway home directory.
set -euo pipefail
ATH="${ATH_BIN:-.build/release/ath}"
HOME_DIR="$(mktemp -d -t ath-demo-XXXXXX)"
trap 'rm -rf "$HOME_DIR"' EXIT
PW="$HOME_DIR/password"
echo "demo password" > "$PW"

step() { printf '\n== %s\n' "$*"; }

step "ath keys new (Argon2id + XChaCha20-Poly1305, file mode 0600)"
ADDR=$("$ATH" keys new --home "$HOME_DIR" --password-file "$PW" --light-kdf --json | sed -n 's/.*"address" : "\(0x[0-9a-fA-F]*\)".*/\1/p')
"$ATH" keys list --home "$HOME_DIR"

step "ath tx sign: an EIP-1559 transfer of 1.5 ATH, signed offline"
RAW=$("$ATH" tx sign --home "$HOME_DIR" --password-file "$PW" --from "$ADDR" \
  --to 0x3535353535353535353535353535353535353535 --value 1.5ath --nonce 0 --gas 21000 \
  --max-fee 30gwei --max-priority-fee 1gwei --chain-id 1337)
echo "$RAW"

step "ath tx decode"
"$ATH" tx decode "$RAW"

step "ath keys export --format web3-v3 (opens in geth, MetaMask, eth-account)"
"$ATH" keys export "$ADDR" --home "$HOME_DIR" --password-file "$PW" --light-kdf | head -c 400; echo " …"

if [ -n "${ETHEREUM_TESTS:-}" ] && [ -d "$ETHEREUM_TESTS" ]; then
  for suite in rlp transactions keystore; do
    step "ath conformance $suite"
    "$ATH" conformance "$suite" | tail -n 1
  done
fi
printf '\nThe node itself (athd dev) arrives with the node-core milestone; see README.md.\n'
