"""Starts and stops real `athd` processes for the interop tests."""
import json
import os
import re
import signal
import subprocess
import sys
import time

from Crypto.Hash import keccak
from eth_account import Account

CHAIN_ID = 7331


def dev_keys(count=10):
    """The dev chain's well-known keys: key i = keccak256("ath devnet account i")."""
    out = []
    for i in range(count):
        k = keccak.new(digest_bits=256)
        k.update(f"ath devnet account {i}".encode())
        out.append(Account.from_key(k.digest()))
    return out


class NodeProcess:
    """An athd process (`proc`) that stops on SIGTERM; subclasses start it
    and close what they opened for it in `release`."""

    proc = None

    def release(self):
        pass

    def stop(self, timeout=20):
        """SIGTERM and wait (SIGKILL after `timeout`); the exit status."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.release()
        return self.proc.returncode if self.proc else None

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.release()


class DevNode(NodeProcess):
    """One `athd dev` process on free ports with its home in `home`; without
    its embedded GPU worker and checkers unless `compute` (they take the
    devnet operator's fixed port 8600, and act on the chain by themselves)."""

    def __init__(self, athd, home, extra=(), compute=False):
        self.athd, self.home, self.extra = athd, str(home), list(extra) + ([] if compute else ["--no-compute"])
        self.proc = None
        self.url = self.ws_url = None
        self.log_path = os.path.join(self.home + ".logs")

    def start(self, timeout=60):
        os.makedirs(os.path.dirname(self.home) or ".", exist_ok=True)
        self.log = open(self.log_path, "ab")
        argv = [self.athd, "dev", "--home", self.home, "--rpc-port", "0", "--metrics-port", "0",
                "--log-format", "json", *self.extra]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log)
        deadline = time.time() + timeout
        banner = []
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"athd exited with {self.proc.returncode}; log: {self.read_log()[-2000:]}")
                continue
            text = line.decode()
            banner.append(text)
            m = re.match(r"JSON-RPC:\s+(http://\S+)", text)
            if m:
                self.url = m.group(1)
            m = re.match(r"WebSocket:\s+(ws://\S+)", text)
            if m:
                self.ws_url = m.group(1)
            m = re.match(r"Metrics:\s+(http://\S+)", text)
            if m:
                self.metrics_url = m.group(1)
                self.banner = "".join(banner)
                return self
        raise RuntimeError("athd did not print its banner in time")

    def read_log(self):
        with open(self.log_path, "r", errors="replace") as f:
            return f.read()

    def release(self):
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        if getattr(self, "log", None):
            self.log.close()
            self.log = None


# Checks on a finished `ath` process (subprocess.CompletedProcess).

def ok(p):
    """Its standard output; fails the test with its error if it did not exit 0."""
    assert p.returncode == 0, p.stderr
    return p.stdout


def ok_json(p):
    return json.loads(ok(p))


def fails(p, text):
    """It exited 1 with one line on standard error that contains `text`."""
    assert p.returncode == 1, p.stdout
    msg = p.stderr.strip()
    assert text in msg, msg
    assert len(msg.splitlines()) == 1, msg
    return msg


def compile_vyper(source, directory):
    """(abi, creation bytecode) of a Vyper 0.4.3 source, compiled for Cancun
    by the venv's vyper (as a developer would)."""
    path = os.path.join(str(directory), "Contract.vy")
    with open(path, "w") as f:
        f.write(source)
    vyper = os.path.join(os.path.dirname(sys.executable), "vyper")
    out = subprocess.run([vyper, "-f", "abi,bytecode", "--evm-version", "cancun", path],
                         capture_output=True, text=True, check=True)
    abi_line, bytecode = out.stdout.strip().splitlines()
    return json.loads(abi_line), bytecode


# Transactions and raw calls against a node through web3.py (w3).

def rpc(w3, method, *params):
    """The node's whole JSON-RPC answer to `method(params)` (result or error)."""
    return w3.provider.make_request(method, list(params))


def send_signed(w3, acct, tx, poll=0.05):
    """Signs `tx` with `acct`, sends it, and waits for its receipt."""
    signed = acct.sign_transaction(tx)
    h = w3.eth.send_raw_transaction(signed.raw_transaction)
    return w3.eth.wait_for_transaction_receipt(h, timeout=30, poll_latency=poll)


def dynamic_fees(w3):
    """EIP-1559 fee fields that stay valid for a few blocks."""
    base = w3.eth.get_block("latest")["baseFeePerGas"]
    return {"maxFeePerGas": 4 * base + 2 * 10**9, "maxPriorityFeePerGas": 2 * 10**9, "chainId": CHAIN_ID}
