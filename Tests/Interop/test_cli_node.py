"""The node-facing `ath` commands (balance, send, block, tx show, receipt, deploy, call, logs)
against a real `athd dev`, with web3.py as the oracle."""
import json
import os
import socket
import subprocess

import pytest
from eth_account import Account
from web3 import Web3

from athnode import dev_keys, fails, ok, ok_json

TOPIC = "0x" + "ab" * 32
UNLUCKY = 13


def assemble(items):
    """A tiny assembler: ints are opcodes/immediates, ("push", n, bytes) pushes, ("label", name) marks a
    JUMPDEST, ("ref", name) is PUSH1 of a label's offset."""
    out, labels, refs = bytearray(), {}, []
    for it in items:
        if isinstance(it, int):
            out.append(it)
        elif it[0] == "push":
            out.append(0x5F + it[1])
            out += it[2].rjust(it[1], b"\0")
        elif it[0] == "label":
            labels[it[1]] = len(out)
            out.append(0x5B)
        elif it[0] == "ref":
            out.append(0x60)
            refs.append((len(out), it[1]))
            out.append(0)
    for pos, name in refs:
        out[pos] = labels[name]
    return bytes(out)


def p1(n):
    return ("push", 1, bytes([n]))


# With calldata: reverts with Error("unlucky") when word 0 is 13, else stores word 0 in slot 0 and emits
# LOG1(TOPIC, word 0). Always returns slot 0.
RUNTIME = assemble([
    0x36, 0x15, ("ref", "ret"), 0x57,                     # CALLDATASIZE ISZERO PUSH ret JUMPI
    p1(0), 0x35, 0x80, p1(UNLUCKY), 0x14, ("ref", "rev"), 0x57,  # v = CALLDATALOAD(0); if v == 13 goto rev
    0x80, p1(0), 0x55,                                    # SSTORE(0, v)
    p1(0), 0x52,                                          # MSTORE(0, v)
    ("push", 32, bytes.fromhex(TOPIC[2:])), p1(32), p1(0), 0xA1,  # LOG1(0, 32, TOPIC)
    ("label", "ret"), p1(0), 0x54, p1(0), 0x52, p1(32), p1(0), 0xF3,  # RETURN(MSTORE(0, SLOAD(0)), 32)
    ("label", "rev"),
    ("push", 32, bytes.fromhex("08c379a0").ljust(32, b"\0")), p1(0), 0x52,
    p1(0x20), p1(4), 0x52, p1(7), p1(36), 0x52,
    ("push", 32, b"unlucky".ljust(32, b"\0")), p1(68), 0x52,
    p1(100), p1(0), 0xFD,                                 # REVERT(0, 100)
])
# Init code: CODECOPY the runtime (which follows these 11 bytes) to memory and return it.
INIT = bytes([0x60, len(RUNTIME), 0x80, 0x60, 11, 0x60, 0, 0x39, 0x60, 0, 0xF3]) + RUNTIME


def ath_text(wei):
    whole, frac = divmod(wei, 10**18)
    frac = str(frac).rjust(18, "0").rstrip("0")
    return f"{whole}.{frac}" if frac else str(whole)


def word(n):
    return "0x" + n.to_bytes(32, "big").hex()


@pytest.fixture(scope="module")
def keyfiles(tmp_path_factory):
    d = tmp_path_factory.mktemp("keys")
    paths = []
    for i, acct in enumerate(dev_keys(6)):
        p = d / f"dev{i}.hex"
        p.write_text("0x" + acct.key.hex().removeprefix("0x") + "\n")
        paths.append(str(p))
    return paths


@pytest.fixture(scope="module")
def cli(ath_bin, node):
    """Runs `ath ARGS --rpc <node>`; returns the CompletedProcess."""
    def run(*args, rpc=True, env=None):
        argv = [ath_bin, *args] + (["--rpc", node.url] if rpc else [])
        return subprocess.run(argv, capture_output=True, text=True, timeout=90, env=env)
    return run


def parse_rows(text):
    """`label: value` rows as a dict (lines without a colon at the start are skipped)."""
    rows = {}
    for line in text.splitlines():
        if not line.startswith(" ") and ":" in line:
            k, v = line.split(":", 1)
            rows[k] = v.strip()
    return rows


@pytest.fixture(scope="module")
def contract(cli, keyfiles, w3):
    out = ok_json(cli("deploy", INIT.hex(), "--private-key-file", keyfiles[3], "--json"))
    assert out["status"] == "success"
    return Web3.to_checksum_address(out["contractAddress"])


def test_balance_matches_node(cli, w3):
    a = dev_keys(1)[0].address
    out = ok_json(cli("balance", a.lower(), "--json"))
    wei = w3.eth.get_balance(a)
    assert out == {"address": a, "balance": str(wei), "balanceATH": ath_text(wei),
                   "nonce": w3.eth.get_transaction_count(a)}
    rows = parse_rows(ok(cli("balance", a)))
    assert rows == {"address": a, "balance": f"{ath_text(wei)} ATH ({wei} wei)", "nonce": str(out["nonce"])}


def test_send_eip1559_with_key_file_to_the_wei(cli, w3, keyfiles):
    sender, to = dev_keys(2)[1].address, Account.create().address
    before = w3.eth.get_balance(sender)
    out = ok_json(cli("send", "--private-key-file", keyfiles[1], "--to", to, "--value", "1.5ath", "--json"))
    r = w3.eth.get_transaction_receipt(out["hash"])
    assert out["status"] == "success" and r["status"] == 1
    assert out["blockNumber"] == r["blockNumber"] and out["gasUsed"] == r["gasUsed"] == 21000
    assert out["from"] == sender and out["blockHash"] == r["blockHash"].to_0x_hex()
    assert w3.eth.get_balance(to) == 15 * 10**17
    assert w3.eth.get_balance(sender) == before - 15 * 10**17 - 21000 * r["effectiveGasPrice"]
    tx = w3.eth.get_transaction(out["hash"])
    block = w3.eth.get_block(r["blockNumber"] - 1)
    assert tx["type"] == 2 and tx["maxPriorityFeePerGas"] == w3.eth.max_priority_fee
    assert tx["maxFeePerGas"] == 2 * block["baseFeePerGas"] + tx["maxPriorityFeePerGas"]


def test_legacy_send_human_output(cli, w3, keyfiles):
    to = Account.create().address
    out = ok(cli("send", "--private-key-file", keyfiles[2], "--to", to, "--value", "100gwei", "--legacy"))
    rows = parse_rows(out)
    h = rows["hash"]
    assert rows["status"] == "success" and rows["gas used"] == "21000" and rows["block"].isdigit()
    assert w3.eth.get_transaction(h)["type"] == 0
    assert w3.eth.get_balance(to) == 100 * 10**9


def test_send_from_keystore_and_no_wait(cli, ath, password_file, w3):
    acct = dev_keys(5)[4]
    keyhex = ath.home.parent / "k.hex"
    keyhex.write_text(acct.key.hex())
    pw = password_file("pw")
    ok(ath("keys", "import", str(keyhex), "--raw-hex", "--light-kdf", "--password-file", pw))
    to = Account.create().address
    out = ok_json(cli("send", "--from", acct.address, "--password-file", pw, "--home", str(ath.home),
                      "--to", to, "--value", "7wei", "--no-wait", "--json"))
    assert out["status"] == "pending"
    r = w3.eth.wait_for_transaction_receipt(out["hash"], timeout=30, poll_latency=0.05)
    assert r["status"] == 1 and w3.eth.get_balance(to) == 7
    wrong = password_file("nope", name="wrong")
    p = cli("send", "--from", acct.address, "--password-file", wrong, "--home", str(ath.home), "--to", to, "--value", "1wei")
    fails(p, "wrong password")
    p = cli("send", "--from", dev_keys(1)[0].address, "--private-key-file", str(keyhex), "--to", to)
    fails(p, f"belongs to {acct.address}, not to --from")


def test_block_by_number_hash_and_latest(cli, w3, keyfiles):
    out = ok_json(cli("send", "--private-key-file", keyfiles[0], "--to", Account.create().address, "--value", "1wei", "--json"))
    n = out["blockNumber"]
    expected = w3.eth.get_block(n)
    by_number = ok_json(cli("block", str(n), "--json"))
    by_hash = ok_json(cli("block", expected["hash"].to_0x_hex(), "--json"))
    assert by_number == by_hash
    assert by_number["hash"] == expected["hash"].to_0x_hex() and int(by_number["number"], 16) == n
    assert by_number["transactions"] == [t.to_0x_hex() for t in expected["transactions"]]
    assert out["hash"] in by_number["transactions"]
    full = ok_json(cli("block", hex(n), "--full", "--json"))
    assert [t["hash"] for t in full["transactions"]] == by_number["transactions"]
    human = ok(cli("block", str(n)))
    assert "number:" in human and expected["hash"].to_0x_hex() in human and out["hash"] in human
    latest = ok_json(cli("block", "--json"))
    assert int(latest["number"], 16) >= n
    fails(cli("block", "99999999"), "block 99999999 not found")


def test_tx_show_and_receipt(cli, w3, keyfiles):
    to = Account.create().address
    out = ok_json(cli("send", "--private-key-file", keyfiles[0], "--to", to, "--value", "3wei", "--json"))
    h = out["hash"]
    shown = ok_json(cli("tx", "show", h, "--json"))
    tx = w3.eth.get_transaction(h)
    assert shown["hash"] == h and Web3.to_checksum_address(shown["to"]) == to and int(shown["value"], 16) == 3
    assert int(shown["nonce"], 16) == tx["nonce"] and int(shown["blockNumber"], 16) == tx["blockNumber"]
    human = ok(cli("tx", "show", h))
    assert to in human and dev_keys(1)[0].address in human and "3 wei" in human
    receipt = ok_json(cli("receipt", h, "--json"))
    r = w3.eth.get_transaction_receipt(h)
    assert receipt["status"] == "0x1" and int(receipt["gasUsed"], 16) == r["gasUsed"]
    assert receipt["contractAddress"] is None and receipt["logs"] == []
    human = ok(cli("receipt", h))
    assert "status:" in human and "success" in human


def test_deploy_raw_hex_file_and_artifact(cli, w3, keyfiles, contract, tmp_path):
    assert w3.eth.get_code(contract) == RUNTIME
    hexfile = tmp_path / "code.hex"
    hexfile.write_text(INIT.hex() + "\n")
    out = ok(cli("deploy", str(hexfile), "--private-key-file", keyfiles[3]))
    addr = parse_rows(out)["contract"]
    assert w3.eth.get_code(addr) == RUNTIME
    artifact = tmp_path / "A.json"
    artifact.write_text(json.dumps({"abi": [], "bytecode": {"object": INIT.hex()}}))
    out = ok_json(cli("deploy", str(artifact), "--private-key-file", keyfiles[3], "--json"))
    r = w3.eth.get_transaction_receipt(out["hash"])
    assert out["contractAddress"] == r["contractAddress"] and w3.eth.get_code(r["contractAddress"]) == RUNTIME
    needs_args = tmp_path / "B.json"
    needs_args.write_text(json.dumps({"abi": [{"type": "constructor", "inputs": [{"type": "uint256"}]}],
                                      "bytecode": "0x" + INIT.hex()}))
    fails(cli("deploy", str(needs_args), "--private-key-file", keyfiles[3]), "--args-hex")
    fails(cli("deploy", "zz-not-hex", "--private-key-file", keyfiles[3]), "neither hex init code nor a readable file")


def test_call_send_data_and_revert(cli, w3, keyfiles, contract):
    assert ok(cli("call", "--to", contract)).strip() == word(0)
    out = ok_json(cli("send", "--private-key-file", keyfiles[3], "--to", contract, "--data", word(42), "--json"))
    assert out["status"] == "success"
    assert ok(cli("call", "--to", contract, "--data", "0x")).strip() == word(42)
    assert ok_json(cli("call", "--to", contract, "--from", dev_keys(1)[0].address, "--json")) == {"result": word(42)}
    fails(cli("call", "--to", contract, "--data", word(UNLUCKY)), "execution reverted: unlucky")
    # A transaction that reverts on chain: mined with status 0, reported, exit 1.
    p = cli("send", "--private-key-file", keyfiles[3], "--to", contract, "--data", word(UNLUCKY), "--gas-limit", "100000")
    fails(p, "failed (status 0)")
    assert "status:" in p.stdout and "failed" in p.stdout


def test_logs_filters(cli, w3, keyfiles, contract):
    out = ok_json(cli("send", "--private-key-file", keyfiles[3], "--to", contract, "--data", word(7), "--json"))
    n = out["blockNumber"]
    lines = ok(cli("logs", "--address", contract, "--from-block", str(n), "--to-block", str(n))).splitlines()
    assert len(lines) == 1
    assert f"block={n} " in lines[0] and f"tx={out['hash']}" in lines[0] and f"topics=[{TOPIC}]" in lines[0]
    assert f"data={word(7)}" in lines[0]
    expected = w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest", "address": contract})
    listed = ok_json(cli("logs", "--address", contract, "--json"))
    assert [l["transactionHash"] for l in listed] == [l["transactionHash"].to_0x_hex() for l in expected]
    assert len(listed) >= 1
    assert ok_json(cli("logs", "--address", contract, "--topic", TOPIC, "--json")) == listed
    assert ok_json(cli("logs", "--topic", "_", "--topic", TOPIC, "--json")) == []
    assert ok_json(cli("logs", "--address", Account.create().address, "--json")) == []


def test_errors_are_one_sentence(cli, ath_bin, node, keyfiles):
    fails(cli("balance", "0x1234"), "address is not 20 bytes of hex")
    fails(cli("send", "--private-key-file", "/nonexistent/key", "--to", dev_keys(1)[0].address), "/nonexistent/key")
    unknown = "0x" + "11" * 32
    fails(cli("tx", "show", unknown), f"transaction {unknown} not found")
    fails(cli("receipt", unknown), "no receipt")
    # A nonce gap keeps the transaction out of blocks: the wait gives up with a clear message.
    gapped = dev_keys(6)[5].address
    nonce = int(ok_json(cli("balance", gapped, "--json"))["nonce"]) + 5
    p = cli("send", "--private-key-file", keyfiles[5], "--to", gapped, "--nonce", str(nonce), "--timeout", "1")
    fails(p, "no receipt arrived within 1 s; check later with `ath receipt 0x")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    dead = f"http://127.0.0.1:{port}"
    p = subprocess.run([ath_bin, "balance", dev_keys(1)[0].address, "--rpc", dead], capture_output=True, text=True)
    fails(p, f"cannot reach node at {dead}: connection refused")
    # ATH_RPC is used when --rpc is absent.
    env = dict(os.environ, ATH_RPC=dead)
    fails(cli("block", rpc=False, env=env), f"cannot reach node at {dead}")
    env = dict(os.environ, ATH_RPC=node.url)
    assert ok_json(cli("balance", dev_keys(1)[0].address, "--json", rpc=False, env=env))["balance"]
    # A node error comes back as the node's message.
    poor = Account.create()
    fails(cli("send", "--private-key-file", write_key(poor, node), "--to", dev_keys(1)[0].address, "--value", "1ath"),
          "cannot estimate gas")


def write_key(acct, node):
    path = node.home + ".poor.hex"
    with open(path, "w") as f:
        f.write(acct.key.hex())
    return path


@pytest.mark.parametrize("option,value", [("--value", "100"), ("--value", "1.5"), ("--value", "0x3e8"),
                                          ("--max-fee", "20"), ("--priority-fee", "2")])
def test_a_bare_amount_is_refused_with_the_fix(cli, w3, keyfiles, option, value):
    """100 ATH must never go out as 100 wei: every amount names its unit."""
    sender = Account.from_key(open(keyfiles[0]).read().strip()).address
    nonce = w3.eth.get_transaction_count(sender)
    to = Account.create().address
    args = ["send", "--private-key-file", keyfiles[0], "--to", to]
    args += [option, value] if option == "--value" else ["--value", "1wei", option, value]
    p = cli(*args)
    fails(p, f"amount {value} has no unit: write {value}ath, or {value}wei")
    assert w3.eth.get_transaction_count(sender) == nonce and w3.eth.get_balance(to) == 0


@pytest.mark.parametrize("option", ["--rpc-port", "--metrics-port", "--worker-port"])
def test_a_port_in_use_is_named_with_the_option_that_moves_it(athd_bin, tmp_path, option):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        args = {"--rpc-port": "0", "--metrics-port": "0", "--worker-port": "0"}
        args[option] = str(port)
        argv = [athd_bin, "dev", "--home", str(tmp_path / "h")]
        for k, v in args.items():
            if k != "--worker-port" or option == "--worker-port":
                argv += [k, v]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        assert p.returncode == 1, p.stdout
        assert p.stderr.strip() == f"error: port {port} is in use: is another athd running? choose another with {option}"
        assert not os.path.exists(tmp_path / "h" / "data"), "nothing started"
    finally:
        taken.close()


def test_one_port_for_two_listeners_is_refused(athd_bin, tmp_path):
    p = subprocess.run([athd_bin, "dev", "--home", str(tmp_path / "h"), "--rpc-port", "18999", "--metrics-port", "18999",
                        "--no-compute"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    assert "port 18999 is asked for by both --rpc-port and --metrics-port" in p.stderr, p.stderr


@pytest.mark.parametrize("option", ["--rpc-port", "--metrics-port", "--p2p-port"])
def test_a_validator_names_the_port_in_use(athd_bin, tmp_path, option):
    home = str(tmp_path / "v")
    assert subprocess.run([athd_bin, "init", "--home", home], capture_output=True, timeout=60).returncode == 0
    taken = socket.socket()
    taken.bind(("0.0.0.0" if option == "--p2p-port" else "127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        ports = {"--rpc-port": "0", "--metrics-port": "0", "--p2p-port": "0", option: str(port)}
        argv = [athd_bin, "start", "--home", home] + [x for kv in ports.items() for x in kv]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        assert p.returncode == 1, p.stdout
        assert p.stderr.strip() == f"error: port {port} is in use: is another athd running? choose another with {option}"
    finally:
        taken.close()


@pytest.mark.parametrize("args,message", [
    (["send", "--value", "1wei"], "Error: Missing expected argument '--to <to>'; see `ath send --help`"),
    (["escrow", "show"], "Error: Missing expected argument '<job>'; see `ath escrow show --help`"),
    (["send", "--to", "0x" + "11" * 20, "--colour", "red"], "Error: Unknown option '--colour'"),
    (["send", "--to", "0x" + "11" * 20, "--value", "1wei"],
     "Error: name the signing account: --from ADDRESS (keystore), --private-key-file FILE, or --dev-account I (dev chains)"),
])
def test_argument_errors_are_one_sentence_with_status_1(ath_bin, node, args, message):
    p = subprocess.run([ath_bin, *args, "--rpc", node.url], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1, p
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert p.stderr.strip().startswith(message), p.stderr


def test_athd_usage_errors_are_one_sentence_with_status_1(athd_bin):
    p = subprocess.run([athd_bin, "dev", "--nope"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1, p
    assert "Unknown option '--nope'" in p.stderr and "`athd dev --help`" in p.stderr


TOKEN = """
# pragma version 0.4.3

balanceOf: public(HashMap[address, uint256])
owner: public(address)
delta: public(int128)

@deploy
def __init__(supply: uint256, who: address, d: int128):
    self.balanceOf[who] = supply
    self.owner = who
    self.delta = d

@external
def transfer(to: address, amount: uint256) -> bool:
    self.balanceOf[msg.sender] -= amount
    self.balanceOf[to] += amount
    return True

@view
@external
def pair(a: uint8, b: int16[2]) -> (uint256, int16):
    return convert(a, uint256) + 1, b[0] + b[1]
"""


def test_call_send_and_deploy_with_signatures_and_combined_json(cli, w3, keyfiles, tmp_path):
    """As Foundry's cast: `ath call --to C 'balanceOf(address)(uint256)' 0x…`,
    `ath send --to C 'transfer(address,uint256)' 0x… 300`, and `ath deploy`
    of Vyper 0.4.3's -f combined_json output with constructor arguments."""
    import sys
    src = tmp_path / "Token.vy"
    src.write_text(TOKEN)
    vyper = os.path.join(os.path.dirname(sys.executable), "vyper")
    combined = subprocess.run([vyper, "-f", "combined_json", "--evm-version", "cancun", str(src)],
                              capture_output=True, text=True, check=True).stdout
    artifact = tmp_path / "combined.json"
    artifact.write_text(combined)
    me = Account.from_key(open(keyfiles[3]).read().strip()).address
    other = Account.create().address

    fails(cli("deploy", str(artifact), "1000", "--private-key-file", keyfiles[3]),
          "the constructor takes 3 argument(s) (uint256, address, int128), got 1")
    fails(cli("deploy", str(artifact), "1000", "0x12", "5", "--private-key-file", keyfiles[3]),
          "constructor argument 2: \"0x12\" is not a address")
    out = ok_json(cli("deploy", str(artifact), "1000", me, "5", "--private-key-file", keyfiles[3], "--json"))
    token = out["contractAddress"]
    deployed_at = out["blockNumber"]
    abi = json.loads(combined)[str(src)]["abi"]
    c = w3.eth.contract(address=token, abi=abi)
    assert c.functions.balanceOf(me).call() == 1000 and c.functions.delta().call() == 5

    assert ok(cli("call", "--to", token, "balanceOf(address)(uint256)", me)).strip() == "1000"
    assert ok(cli("call", "--to", token, "owner()(address)")).strip() == me
    ok(cli("send", "--to", token, "transfer(address,uint256)", other, "300", "--private-key-file", keyfiles[3]))
    assert c.functions.balanceOf(other).call() == 300
    assert ok(cli("call", "--to", token, "balanceOf(address)(uint256)", me)).strip() == "700"
    # At the block of the deployment: the state as it was then.
    assert ok(cli("call", "--to", token, "balanceOf(address)(uint256)", me, "--block", str(deployed_at))).strip() == "1000"
    lines = ok(cli("call", "--to", token, "pair(uint8,int16[2])(uint256,int16)", "4", "[-3,1]")).split()
    assert lines == ["5", "-2"]
    decoded = ok_json(cli("call", "--to", token, "pair(uint8,int16[2])(uint256,int16)", "4", "[-3,1]", "--json"))["decoded"]
    assert decoded == ["5", "-2"]
    # Without return types the raw return data is printed, as with --data.
    assert ok(cli("call", "--to", token, "balanceOf(address)", me)).strip() == "0x" + (700).to_bytes(32, "big").hex()

    fails(cli("call", "--to", token, "balanceOf(address)(uint256)"), "balanceOf(address) takes 1 argument(s), got 0")
    fails(cli("call", "--to", token, "pair(uint8,int16[2])(uint256,int16)", "300", "[1,2]"),
          "argument 1 of pair(uint8,int16[2]): \"300\" is not a uint8: too large")
    fails(cli("call", "--to", token, "pair(uint8,int16[2])(uint256,int16)", "1", "[1,2,3]"), "it needs 2 items, not 3")
    fails(cli("call", "--to", token, "balanceOf(address)", me, "--data", "0x"), "give a function signature or --data, not both")
    fails(cli("call", "--to", token, "balanceOf(addr)", me), "\"addr\" is not an ABI type")

    two = tmp_path / "two.json"
    doc = json.loads(combined)
    doc["Other.vy"] = doc[str(src)]
    two.write_text(json.dumps(doc))
    fails(cli("deploy", str(two), "1", me, "1", "--private-key-file", keyfiles[3]), "choose one with --contract")
    ok(cli("deploy", str(two), "1", me, "1", "--contract", "Other.vy", "--private-key-file", keyfiles[3]))
