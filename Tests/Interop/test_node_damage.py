"""Damaged or missing node files are refused with one clear sentence, never
a crash or a silent fresh start: the LMDB data file (cut short, emptied,
deleted), the consensus log (damage before its end), the validator's sign
state (missing after the home has signed); and the transaction pool
journal keeps accepted transactions across a SIGKILL."""
import os
import subprocess
import time

import pytest
from Crypto.Hash import keccak

from athnet import dev_accounts, rpc_call, transfer
from athnode import CHAIN_ID as DEV_CHAIN_ID, DevNode

SINK = "0x000000000000000000000000000000000000dEaD"


def athd_dev_fails(athd, home, text):
    """`athd dev --home HOME` exits 1 at once with `text` on standard error."""
    p = subprocess.run([athd, "dev", "--home", home, "--rpc-port", "0", "--metrics-port", "0", "--no-compute"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1, (p.returncode, p.stderr[-2000:])
    assert text in p.stderr, p.stderr[-2000:]
    return p.stderr


@pytest.fixture
def dev_home(athd_bin, tmp_path):
    """A dev-chain home that has made some blocks, stopped cleanly."""
    home = str(tmp_path / "home")
    n = DevNode(athd_bin, home, ["--block-time-ms", "100"]).start()
    deadline = time.time() + 30
    while int(rpc(n, "eth_blockNumber"), 16) < 30 and time.time() < deadline:
        time.sleep(0.2)
    assert n.stop() == 0
    return home


def rpc(node, method, *params):
    return rpc_call(node.url, method, params, 10)


def data_file(home):
    return os.path.join(home, "data", "data.mdb")


def test_a_data_file_cut_in_half_is_refused_not_a_sigbus(athd_bin, dev_home):
    path = data_file(dev_home)
    size = os.path.getsize(path)
    os.truncate(path, size // 2)
    err = athd_dev_fails(athd_bin, dev_home, "data/data.mdb is damaged (shorter than its last page")
    assert "restore it from a backup or `athd import` an export" in err
    assert os.path.getsize(path) == size // 2  # left as it was


def test_an_emptied_or_deleted_data_file_is_not_a_new_chain(athd_bin, dev_home):
    path = data_file(dev_home)
    os.truncate(path, 0)
    athd_dev_fails(athd_bin, dev_home, "data/data.mdb is empty but this home has held a chain")
    assert os.path.getsize(path) == 0
    os.remove(path)
    athd_dev_fails(athd_bin, dev_home, "data/data.mdb is missing but this home has held a chain")
    assert not os.path.exists(path)


def wal_record(payload):
    return len(payload).to_bytes(4, "big") + keccak.new(digest_bits=256, data=payload).digest()[:4] + payload


def test_consensus_log_damage_and_a_missing_sign_state_are_refused(make_net):
    net = make_net(validators=1, block_ms=100).start()
    node = net[0]
    node.wait_height(10, timeout=60)
    assert node.stop() == 0
    wal = os.path.join(node.home, "data", "consensus.wal")

    # a flipped byte in the middle of the log: refused, nothing cut
    records = [wal_record(bytes([k]) * 40) for k in range(3)]
    damaged = bytearray(b"".join(records))
    damaged[len(records[0]) + 8 + 5] ^= 0xFF
    with open(wal, "wb") as f:
        f.write(damaged)
    with pytest.raises(RuntimeError, match="exited with 1"):
        node.start(timeout=20)
    assert "consensus.wal: is damaged at byte 48 of 144" in node.log()
    assert "--repair-wal" in node.log()
    assert open(wal, "rb").read() == bytes(damaged)

    # --repair-wal cuts it at the damage and the node goes on
    node.start(extra=["--repair-wal"])
    h = node.height()
    node.wait_height(h + 5, timeout=30)
    assert node.logged("consensus log repaired")
    assert node.stop() == 0

    # a torn tail (the last record short) is cut without asking
    with open(wal, "ab") as f:
        f.write(wal_record(b"x" * 40)[:20])
    node.start()
    node.wait_height(node.height() + 3, timeout=30)
    assert node.logged("consensus log had a torn tail")
    assert node.stop() == 0

    # the sign state deleted after this validator has signed: it will not sign
    state = os.path.join(node.home, "data", "priv_validator_state")
    assert os.path.exists(state)
    os.remove(state)
    with pytest.raises(RuntimeError, match="exited with 1"):
        node.start(timeout=20)
    assert "priv_validator_state is missing, but this home has signed before" in node.log()
    assert "--allow-missing-sign-state" in node.log()
    assert not os.path.exists(state)
    # the operator confirms; signing resumes and the file is written again
    node.start(extra=["--allow-missing-sign-state"])
    node.wait_height(node.height() + 5, timeout=30)
    assert os.path.exists(state)
    assert node.stop() == 0


def test_accepted_transactions_survive_a_sigkill(athd_bin, tmp_path):
    home = str(tmp_path / "home")
    # one block an hour: what is sent stays in the pool
    n = DevNode(athd_bin, home, ["--block-time-ms", "3600000"]).start()
    sender = dev_accounts(6)[5]
    fee = int(rpc(n, "eth_getBlockByNumber", "latest", False)["baseFeePerGas"], 16)
    hashes = [rpc(n, "eth_sendRawTransaction", transfer(sender, k, SINK, 1000 + k, fee, DEV_CHAIN_ID)) for k in range(5)]
    # a transaction for a future nonce waits in the queue and survives too
    queued = rpc(n, "eth_sendRawTransaction", transfer(sender, 7, SINK, 7, fee, DEV_CHAIN_ID))
    n.kill()
    n = DevNode(athd_bin, home, ["--block-time-ms", "200"]).start()
    try:
        for h in hashes + [queued]:
            assert rpc(n, "eth_getTransactionByHash", h) is not None, h
        deadline = time.time() + 30
        while time.time() < deadline and rpc(n, "eth_getTransactionReceipt", hashes[-1]) is None:
            time.sleep(0.2)
        for h in hashes:
            assert rpc(n, "eth_getTransactionReceipt", h)["status"] == "0x1"
        assert "transaction journal replayed" in n.read_log()
    finally:
        assert n.stop() == 0


def test_a_damaged_transaction_journal_is_cut_and_never_stops_the_node(athd_bin, tmp_path):
    """A journal with garbage after its records (a hostile or corrupted file): the node starts,
    keeps the intact transactions (checked again like any other) and drops the rest."""
    home = str(tmp_path / "home")
    n = DevNode(athd_bin, home, ["--block-time-ms", "3600000"]).start()
    sender = dev_accounts(6)[5]
    fee = int(rpc(n, "eth_getBlockByNumber", "latest", False)["baseFeePerGas"], 16)
    kept = rpc(n, "eth_sendRawTransaction", transfer(sender, 0, SINK, 5, fee, DEV_CHAIN_ID))
    n.kill()
    journal = os.path.join(home, "data", "txpool.journal")
    intact = open(journal, "rb").read()
    assert len(intact) > 8
    # a forged record that claims 2^32-1 bytes, then random bytes
    with open(journal, "ab") as f:
        f.write(b"\xff\xff\xff\xff" + os.urandom(4000))
    n = DevNode(athd_bin, home, ["--block-time-ms", "200"]).start()
    try:
        deadline = time.time() + 30
        while time.time() < deadline and rpc(n, "eth_getTransactionReceipt", kept) is None:
            time.sleep(0.2)
        assert rpc(n, "eth_getTransactionReceipt", kept)["status"] == "0x1"
        assert "transaction journal replayed" in n.read_log()
    finally:
        assert n.stop() == 0
    # rewritten with what the pool kept: the garbage is gone
    assert os.path.getsize(journal) < len(intact) + 100
