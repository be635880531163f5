"""Hostile JSON-RPC clients against a real `athd dev`: they must not take the
node's memory or lock other clients out.

- 50 WebSocket clients subscribe to newHeads and logs and never read while
  blocks full of large logs are made: the node disconnects each once its send
  queue passes 16 MiB, and its resident memory comes back near where it
  started, while an ordinary client is served throughout.
- 4,200 half-open sockets from 127.0.0.1: past 128 from that address the node
  refuses them at once, keeps serving a client that connected before and a
  client from 127.0.0.2, and drops the half-open ones after the header
  timeout so that a new client connects.
- Error messages do not echo absurd input, and "0x0g" is an invalid digit.
"""
import base64
import json
import os
import re
import resource
import select
import socket
import struct
import threading
import time

import pytest
import requests
from eth_account import Account
from eth_utils import to_checksum_address

from athnode import CHAIN_ID, DevNode, dev_keys

HEADER_TIMEOUT_S = 4
PER_IP = 128
QUEUE_MIB = 16
MIB = 1 << 20
SENDERS = dev_keys(9)[5:9]   # accounts 5-8: nothing else runs with --no-compute
# Runtime: LOG0(0, CALLDATALOAD(0)): logs that many zero bytes of memory, so a transaction of a
# hundred bytes makes a 200 KB notification and the chain itself stays small.
LOGGER_INIT = "0x6005600a5f3960055ff3" + "5f355fa000"
LOG_BYTES = 100_000
LOG_GAS = 900_000


@pytest.fixture(scope="module")
def node(athd_bin, tmp_path_factory):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 8192:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(8192, hard), hard))
    n = DevNode(athd_bin, tmp_path_factory.mktemp("resources") / "home",
                ["--block-time-ms", "100", "--rpc-header-timeout-seconds", str(HEADER_TIMEOUT_S)]).start()
    yield n
    assert n.stop() == 0, n.read_log()[-3000:]


def rpc(node, method, *params, session=requests):
    r = session.post(node.url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}, timeout=30)
    return r.json()


def host_port(node):
    m = re.match(r"http://([^:/]+):(\d+)", node.url)
    return m.group(1), int(m.group(2))


def rss(node):
    """(VmRSS, RssAnon) of the node process, in bytes."""
    with open(f"/proc/{node.proc.pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f if ":" in line)
    return int(fields["VmRSS"].split()[0]) * 1024, int(fields["RssAnon"].split()[0]) * 1024


def gauge(node, name):
    text = requests.get(node.metrics_url, timeout=10).text
    m = re.search(rf"^{name} (\d+)", text, re.M)
    return int(m.group(1))


def ws_frame(payload: bytes, opcode=0x1):
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def raw_websocket(node, rcvbuf=None):
    """A hand-made WebSocket handshake: afterwards nothing reads the socket unless the test does."""
    host, port = host_port(node)
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect((host, port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)   # byte by byte: not one byte past the 101 answer is read
        assert chunk, "the node closed during the WebSocket handshake"
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head
    return s


def subscribe(s, *params, id=1):
    s.sendall(ws_frame(json.dumps({"jsonrpc": "2.0", "id": id, "method": "eth_subscribe", "params": list(params)}).encode()))


class OrdinaryClient(threading.Thread):
    """Asks eth_blockNumber over one kept-alive HTTP connection every 100 ms; records failures and the slowest answer."""

    def __init__(self, node):
        super().__init__(daemon=True)
        self.node, self.stop, self.calls, self.failures, self.slowest = node, threading.Event(), 0, [], 0.0

    def run(self):
        session = requests.Session()
        while not self.stop.is_set():
            started = time.time()
            try:
                assert "result" in rpc(self.node, "eth_blockNumber", session=session)
                self.calls += 1
            except Exception as e:  # noqa: BLE001 - every failure is a finding
                self.failures.append(repr(e))
            self.slowest = max(self.slowest, time.time() - started)
            time.sleep(0.1)
        session.close()


def signed_log_txs(count_per_sender, contract, first_nonce):
    txs = []
    for key in SENDERS:
        for nonce in range(first_nonce, first_nonce + count_per_sender):
            tx = {"type": 2, "chainId": CHAIN_ID, "nonce": nonce, "to": contract, "value": 0, "gas": LOG_GAS,
                  "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 10**9, "data": LOG_BYTES.to_bytes(32, "big")}
            txs.append("0x" + Account.sign_transaction(tx, key.key).raw_transaction.hex())
    return txs


def deploy_logger(node):
    key = SENDERS[0]
    tx = {"type": 2, "chainId": CHAIN_ID, "nonce": 0, "value": 0, "gas": 100_000,
          "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 10**9, "data": LOGGER_INIT}
    h = rpc(node, "eth_sendRawTransaction", "0x" + Account.sign_transaction(tx, key.key).raw_transaction.hex())["result"]
    deadline = time.time() + 30
    while time.time() < deadline:
        receipt = rpc(node, "eth_getTransactionReceipt", h)["result"]
        if receipt:
            assert receipt["status"] == "0x1"
            return to_checksum_address(receipt["contractAddress"])
        time.sleep(0.1)
    raise AssertionError("the logger contract was not deployed in 30 s")


def test_websocket_clients_that_stop_reading_are_dropped_and_memory_returns(node):
    contract = deploy_logger(node)
    # The other senders' nonce 0 is used up by a transfer each, so every sender starts its load at nonce 1.
    for key in SENDERS[1:]:
        tx = {"type": 2, "chainId": CHAIN_ID, "nonce": 0, "to": contract, "value": 0, "gas": 100_000,
              "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 10**9}
        rpc(node, "eth_sendRawTransaction", "0x" + Account.sign_transaction(tx, key.key).raw_transaction.hex())
    txs = signed_log_txs(30, contract, 1)   # 120 logs of 100 KB: 24 MB of notifications per subscriber
    time.sleep(1.0)
    baseline, baseline_anon = rss(node)

    ordinary = OrdinaryClient(node)
    ordinary.start()
    hostile = []
    for _ in range(50):
        s = raw_websocket(node, rcvbuf=4096)
        subscribe(s, "newHeads", id=1)
        subscribe(s, "logs", {}, id=2)
        hostile.append(s)
    deadline = time.time() + 10
    while gauge(node, "ath_rpc_websocket_connections") < 50:
        assert time.time() < deadline, "the 50 WebSocket clients were not all accepted"
        time.sleep(0.05)
    time.sleep(0.5)   # both subscriptions of every client in place

    for raw in txs:
        assert "result" in rpc(node, "eth_sendRawTransaction", raw), "a load transaction was refused"
    peak, peak_anon = baseline, baseline_anon
    deadline = time.time() + 40
    while gauge(node, "ath_rpc_websocket_connections") > 0:
        vm, anon = rss(node)
        peak, peak_anon = max(peak, vm), max(peak_anon, anon)
        assert time.time() < deadline, (f"{gauge(node, 'ath_rpc_websocket_connections')} clients that never read "
                                        f"are still connected; pending {rpc(node, 'eth_blockNumber')}")
        time.sleep(0.2)
    dropped_at = time.time()

    # The node closed them: each socket ends (after what its kernel buffer held) with EOF or a reset.
    for s in hostile:
        s.settimeout(5)
        try:
            while s.recv(1 << 20):
                pass
        except (ConnectionResetError, socket.timeout):
            pass
        s.close()

    after = after_anon = None
    while time.time() < dropped_at + 10:
        after, after_anon = rss(node)
        if after <= baseline + 64 * MIB:
            break
        time.sleep(0.25)
    ordinary.stop.set()
    ordinary.join()
    print(f"\nRSS baseline {baseline / MIB:.0f} MiB (anon {baseline_anon / MIB:.0f}), "
          f"peak {peak / MIB:.0f} MiB (anon {peak_anon / MIB:.0f}), "
          f"after {after / MIB:.0f} MiB (anon {after_anon / MIB:.0f}); ordinary client: {ordinary.calls} calls, "
          f"{len(ordinary.failures)} failures, slowest {ordinary.slowest * 1000:.0f} ms")
    assert peak > baseline + 64 * MIB, "the load did not queue enough to test anything"
    assert peak < baseline + 50 * (QUEUE_MIB + 4) * MIB
    assert after <= baseline + 64 * MIB, f"RSS stayed at {after / MIB:.0f} MiB after the clients were dropped"
    assert not ordinary.failures, ordinary.failures[:3]
    assert ordinary.calls > 20


def test_one_address_cannot_lock_others_out(node):
    host, port = host_port(node)
    session = requests.Session()
    assert "result" in rpc(node, "eth_blockNumber", session=session)   # connected before the flood

    sockets, started = [], time.time()
    for _ in range(4200):
        s = socket.socket()
        s.setblocking(True)
        s.connect((host, port))
        try:
            s.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-")   # half a head, then silence
        except (BrokenPipeError, ConnectionResetError):
            pass
        sockets.append(s)
    connected_in = time.time() - started

    # While the flood holds its sockets: the earlier client and another address are served.
    assert "result" in rpc(node, "eth_blockNumber", session=session)
    other = socket.create_connection((host, port), source_address=("127.0.0.2", 0), timeout=10)
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
    other.sendall(f"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n{body}".encode())
    assert other.recv(4096).startswith(b"HTTP/1.1 200"), "a client from 127.0.0.2 was not served"
    other.close()

    # Every flood socket ends: refused on accept (EOF or reset, nothing sent) or, for those
    # accepted, a 408 once the header timeout passes.
    refused = timed_out = 0
    pending = {s.fileno(): s for s in sockets}
    deadline = time.time() + HEADER_TIMEOUT_S + 15
    while pending and time.time() < deadline:
        poller = select.poll()
        for fd in pending:
            poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        for fd, _ in poller.poll(500):
            s = pending.pop(fd)
            try:
                data = s.recv(4096)
            except ConnectionResetError:
                data = b""
            if data.startswith(b"HTTP/1.1 408"):
                assert b"request head not complete" in data
                timed_out += 1
            else:
                assert data == b"", data[:100]
                refused += 1
            s.close()
    print(f"\n4,200 sockets connected in {connected_in:.1f} s: {refused} refused on accept, "
          f"{timed_out} answered 408 after {HEADER_TIMEOUT_S} s, {len(pending)} left open")
    assert not pending, f"{len(pending)} half-open sockets outlived the header timeout"
    # The earlier client holds one of 127.0.0.1's slots. An accepted socket frees its slot when
    # it is answered 408, so a flood that takes longer than the header timeout to connect (a
    # loaded machine) gets one more set of slots per timeout that passed meanwhile, never more.
    waves = 1 + int(connected_in // HEADER_TIMEOUT_S)
    assert timed_out <= (PER_IP - 1) * waves, (timed_out, waves)
    assert refused == 4200 - timed_out

    # After the half-open sockets are gone a new client from 127.0.0.1 connects and is served.
    assert "result" in rpc(node, "eth_blockNumber")
    session.close()


def test_absurd_input_is_not_echoed(node):
    huge = "m" * (4 * MIB)
    r = requests.post(node.url, data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": huge}),
                      headers={"Content-Type": "application/json"}, timeout=30)
    assert len(r.content) < 300
    error = r.json()["error"]
    assert error["code"] == -32601 and error["message"] == f"the method {'m' * 64}… does not exist/is not available"

    r = requests.post(node.url, data='{"jsonrpc":"2.0","id":' + "7" * 100_000 + ',"method":"eth_chainId"}',
                      headers={"Content-Type": "application/json"}, timeout=30)
    assert r.json() == {"jsonrpc": "2.0", "id": None,
                        "error": {"code": -32600, "message": "invalid request: id too long"}}

    a = "0x" + "11" * 20
    bad = rpc(node, "eth_getBalance", a, "0x0g")["error"]
    assert bad["code"] == -32602 and "invalid digit" in bad["message"] and "leading zero" not in bad["message"], bad
    assert "leading zero" in rpc(node, "eth_getBalance", a, "0x01")["error"]["message"]
