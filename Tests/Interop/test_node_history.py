"""State at past blocks: web3.py reads balances, nonces, code, storage and
calls at blocks hundreds of blocks back, equal to what was read at the time;
eth_getProof at a past block verifies against that block's stateRoot (our
own Python verifier, not the node's); titanoboa forks the chain at a past
block; a pruned node refuses reads below its history with a clear message."""
import time

import pytest
import rlp
from eth_account import Account
from eth_hash.auto import keccak
from web3 import Web3

from athnode import dynamic_fees as fees, rpc, send_signed as send, CHAIN_ID, DevNode, compile_vyper, dev_keys

VYPER_SOURCE = """
# pragma version 0.4.3

stored: public(uint256)
second: public(uint256)

@deploy
def __init__(initial: uint256):
    self.stored = initial

@external
def store(v: uint256):
    self.stored = v
    self.second = v * 2
"""


@pytest.fixture(scope="module")
def hist(athd_bin, tmp_path_factory):
    """An `athd dev` with 50 ms blocks: hundreds of blocks pass in seconds."""
    n = DevNode(athd_bin, tmp_path_factory.mktemp("history") / "home", ["--block-time-ms", "50"]).start()
    yield n
    assert n.stop() == 0, n.read_log()[-3000:]


@pytest.fixture(scope="module")
def hw3(hist):
    return Web3(Web3.HTTPProvider(hist.url, request_kwargs={"timeout": 30}))



def read_now(w3, contract, alice, carol):
    """The state at the head, read with "latest" between two reads of the
    head number that agree (so every value is that one block's)."""
    while True:
        before = w3.eth.block_number
        seen = {
            "alice": w3.eth.get_balance(alice),
            "carol": w3.eth.get_balance(carol),
            "nonce": w3.eth.get_transaction_count(alice),
            "code": w3.eth.get_code(contract.address),
            "slot0": w3.eth.get_storage_at(contract.address, 0),
            "slot1": w3.eth.get_storage_at(contract.address, 1),
            "stored": contract.functions.stored().call(),
        }
        if w3.eth.block_number == before:
            return before, seen


def read_at(w3, contract, alice, carol, block):
    return {
        "alice": w3.eth.get_balance(alice, block),
        "carol": w3.eth.get_balance(carol, block),
        "nonce": w3.eth.get_transaction_count(alice, block),
        "code": w3.eth.get_code(contract.address, block),
        "slot0": w3.eth.get_storage_at(contract.address, 0, block),
        "slot1": w3.eth.get_storage_at(contract.address, 1, block),
        "stored": contract.functions.stored().call(block_identifier=block),
    }


def wait_for_height(w3, height, timeout=120):
    deadline = time.time() + timeout
    while w3.eth.block_number < height:
        assert time.time() < deadline, f"the chain did not reach block {height}"
        time.sleep(0.2)


# EIP-1186 proof verification, written from the Yellow Paper's trie rules
# (appendix D), independent of the node's trie code.

def _nibbles(key):
    out = []
    for b in key:
        out += [b >> 4, b & 15]
    return out


def _hex_prefix(encoded):
    flag = encoded[0] >> 4
    nib = _nibbles(encoded)
    return nib[1:] if flag & 1 else nib[2:], bool(flag & 2)


def verify_proof(root, key, proof):
    """The value a Merkle-Patricia proof shows at keccak(key) under `root`,
    or None when it proves the key absent; raises if the proof is not valid."""
    path = _nibbles(keccak(key))
    nodes = {keccak(n): n for n in proof}
    expected = root
    pos = 0
    while True:
        if isinstance(expected, bytes) and len(expected) == 32:
            assert expected in nodes, "the proof lacks a node it refers to"
            node = rlp.decode(nodes[expected])
        elif isinstance(expected, list):
            node = expected  # embedded in its parent
        elif expected == b"":
            return None
        else:
            node = rlp.decode(expected)
        if len(node) == 17:
            if pos == len(path):
                return node[16] or None
            expected = node[path[pos]]
            pos += 1
            if expected == b"":
                return None
        elif len(node) == 2:
            rest, leaf = _hex_prefix(node[0])
            if leaf:
                return node[1] if path[pos:] == rest else None
            if path[pos:pos + len(rest)] != rest:
                return None
            pos += len(rest)
            expected = node[1]
        else:
            raise AssertionError(f"a trie node has {len(node)} items")


def test_reads_at_past_blocks_equal_what_was_read_at_the_time(hist, hw3, tmp_path):
    w3 = hw3
    alice = dev_keys(2)[1]
    carol = Account.create().address
    abi, bytecode = compile_vyper(VYPER_SOURCE, tmp_path)
    factory = w3.eth.contract(abi=abi, bytecode=bytecode)
    nonce = w3.eth.get_transaction_count(alice.address)
    r = send(w3, alice, factory.constructor(5).build_transaction({"from": alice.address, "nonce": nonce, **fees(w3)}))
    contract = w3.eth.contract(address=r["contractAddress"], abi=abi)
    nonce += 1

    seen = [read_now(w3, contract, alice.address, carol)]
    for i in range(1, 6):
        send(w3, alice, {"to": carol, "value": 10**15 * i, "gas": 21000, "nonce": nonce, **fees(w3)})
        send(w3, alice, contract.functions.store(100 + i).build_transaction(
            {"from": alice.address, "nonce": nonce + 1, **fees(w3)}))
        nonce += 2
        seen.append(read_now(w3, contract, alice.address, carol))
    assert len({s[1]["stored"] for s in seen}) == 6, "each snapshot saw a different stored value"

    wait_for_height(w3, seen[-1][0] + 300)
    for block, values in seen:
        assert read_at(w3, contract, alice.address, carol, block) == values, f"block {block}"
    # A bare block hash and the EIP-1898 object name the same state.
    block, values = seen[2]
    block_hash = w3.eth.get_block(block)["hash"]
    assert w3.eth.get_balance(alice.address, block_hash) == values["alice"]
    by_object = rpc(w3, "eth_getBalance", alice.address, {"blockHash": block_hash.to_0x_hex()})
    assert int(by_object["result"], 16) == values["alice"]
    # Before the contract existed: no code, no storage, nothing to call.
    assert w3.eth.get_code(contract.address, "earliest") == b""
    assert w3.eth.get_code(contract.address, r["blockNumber"] - 1) == b""
    assert w3.eth.get_balance(carol, "earliest") == 0
    # eth_estimateGas at a past block runs on that block's state.
    estimate = rpc(w3, "eth_estimateGas", {"from": alice.address, "to": contract.address,
                                           "data": contract.functions.store(1)._encode_transaction_data()},
                   hex(seen[0][0]))
    assert int(estimate["result"], 16) > 21000, estimate
    # A block after the head is refused, not answered with the head's state.
    future = rpc(w3, "eth_getBalance", alice.address, hex(w3.eth.block_number + 1000))
    assert future["error"]["message"] == "header not found"


def test_get_proof_at_a_past_block_verifies_against_its_state_root(hist, hw3, tmp_path):
    w3 = hw3
    alice = dev_keys(3)[2]
    abi, bytecode = compile_vyper(VYPER_SOURCE, tmp_path)
    factory = w3.eth.contract(abi=abi, bytecode=bytecode)
    nonce = w3.eth.get_transaction_count(alice.address)
    r = send(w3, alice, factory.constructor(7).build_transaction({"from": alice.address, "nonce": nonce, **fees(w3)}))
    contract = w3.eth.contract(address=r["contractAddress"], abi=abi)
    r2 = send(w3, alice, contract.functions.store(9).build_transaction(
        {"from": alice.address, "nonce": nonce + 1, **fees(w3)}))
    past = r2["blockNumber"]
    send(w3, alice, contract.functions.store(11).build_transaction(
        {"from": alice.address, "nonce": nonce + 2, **fees(w3)}))
    wait_for_height(w3, past + 40)

    header = w3.eth.get_block(past)
    keys = ["0x" + "00" * 32, "0x1", "0x" + "00" * 31 + "63"]
    proof = rpc(w3, "eth_getProof", contract.address, keys, hex(past))["result"]
    account = verify_proof(header["stateRoot"], bytes.fromhex(contract.address[2:]),
                           [bytes.fromhex(p[2:]) for p in proof["accountProof"]])
    nonce_, balance, storage_root, code_hash = rlp.decode(account)
    assert int.from_bytes(nonce_, "big") == int(proof["nonce"], 16) == 1
    assert int.from_bytes(balance, "big") == int(proof["balance"], 16) == 0
    assert "0x" + storage_root.hex() == proof["storageHash"]
    assert code_hash == keccak(w3.eth.get_code(contract.address, past))
    values = []
    for entry in proof["storageProof"]:
        v = verify_proof(storage_root, int(entry["key"], 16).to_bytes(32, "big"),
                         [bytes.fromhex(p[2:]) for p in entry["proof"]])
        got = 0 if v is None else int.from_bytes(rlp.decode(v), "big")
        assert got == int(entry["value"], 16)
        values.append(got)
    assert values == [9, 18, 0]  # stored, second, an unset slot: the state at `past`, not the head's 11, 22

    # An account that does not exist: the proof shows it absent.
    stranger = Account.create().address
    absent = rpc(w3, "eth_getProof", stranger, [], hex(past))["result"]
    assert verify_proof(header["stateRoot"], bytes.fromhex(stranger[2:]),
                        [bytes.fromhex(p[2:]) for p in absent["accountProof"]]) is None
    assert absent["balance"] == "0x0" and absent["nonce"] == "0x0"
    # A forged proof (one node's byte flipped) does not verify.
    forged = [bytes.fromhex(p[2:]) for p in proof["accountProof"]]
    forged[-1] = forged[-1][:-1] + bytes([forged[-1][-1] ^ 1])
    with pytest.raises(AssertionError):
        verify_proof(header["stateRoot"], bytes.fromhex(contract.address[2:]), forged)


def test_titanoboa_forks_the_chain_at_a_past_block(hist, hw3, tmp_path):
    boa = pytest.importorskip("boa")
    w3 = hw3
    alice = dev_keys(4)[3]
    abi, bytecode = compile_vyper(VYPER_SOURCE, tmp_path)
    factory = w3.eth.contract(abi=abi, bytecode=bytecode)
    nonce = w3.eth.get_transaction_count(alice.address)
    r = send(w3, alice, factory.constructor(21).build_transaction({"from": alice.address, "nonce": nonce, **fees(w3)}))
    address = r["contractAddress"]
    past = r["blockNumber"]
    send(w3, alice, w3.eth.contract(address=address, abi=abi).functions.store(22).build_transaction(
        {"from": alice.address, "nonce": nonce + 1, **fees(w3)}))
    wait_for_height(w3, past + 20)

    with boa.fork(hist.url, block_identifier=past, allow_dirty=True):
        assert boa.env.evm.patch.block_number == past
        forked = boa.loads_partial(VYPER_SOURCE).at(address)
        assert forked.stored() == 21  # the value at `past`, not the head's 22
        fresh = boa.loads(VYPER_SOURCE, 3)
        fresh.store(4)
        assert fresh.stored() == 4 and fresh.second() == 8
        assert boa.env.get_balance(alice.address) == w3.eth.get_balance(alice.address, past)


def test_a_pruned_node_refuses_reads_below_its_history(athd_bin, tmp_path):
    node = DevNode(athd_bin, tmp_path / "home", ["--block-time-ms", "50", "--history", "16"]).start()
    try:
        w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 30}))
        alice = dev_keys(2)[1].address
        wait_for_height(w3, 60)
        head = w3.eth.block_number
        assert w3.eth.get_balance(alice, head - 8) == w3.eth.get_balance(alice, "latest")
        for method, params in [("eth_getBalance", [alice, "0x2"]), ("eth_getCode", [alice, "earliest"]),
                               ("eth_call", [{"to": alice}, "0x2"]), ("eth_getProof", [alice, [], "0x2"])]:
            err = rpc(w3, method, *params)["error"]
            assert err["code"] == -32000, err
            assert "is not kept: this node keeps state from block" in err["message"], err
            assert "--history" in err["message"], err
    finally:
        assert node.stop() == 0, node.read_log()[-3000:]


@pytest.mark.parametrize("value", ["none", "-3", "12abc", "1e3"])
def test_a_bad_history_option_is_refused(athd_bin, tmp_path, value):
    import subprocess
    p = subprocess.run([athd_bin, "dev", "--home", str(tmp_path / "h"), "--rpc-port", "0", "--metrics-port", "0",
                        "--no-compute", f"--history={value}"], capture_output=True, text=True, timeout=60)
    assert p.returncode != 0
    assert "--history must be full or a number of blocks" in p.stderr, p.stderr
