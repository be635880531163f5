"""The protocol commands of `ath` (stake, delegate, unbond, withdraw, unjail, rewards, escrow, lease,
gov, params) against a real `athd dev` on the devnet genesis with the contracts, with web3.py as
the oracle; and the ABI decoder against a fake node that answers with hostile data.

The devnet genesis (Contracts/devnet.py) stakes dev account 0 as validator (1,000 ATH), 1 as
operator (one 80 GiB GPU, 500 ATH) and 2-4 as checkers; unbonding takes 30 blocks, voting 30 and
the timelock 10. Accounts 5-9 start without roles. The node mints block rewards and jails
validators that do not sign (account 5 once it is in the set for a while), so the checks that
involve account 5's validator run early.
"""
import http.server
import json
import re
import subprocess
import threading

import pytest

from athnode import fails, ok, ok_json
from protocol import ATH, contract, wait_for_block

PARAMS = "0x0000000000000000000000000000000000001000"


@pytest.fixture(scope="module")
def keyfiles(tmp_path_factory, accounts):
    d = tmp_path_factory.mktemp("keys")
    paths = []
    for i, acct in enumerate(accounts):
        p = d / f"dev{i}.hex"
        p.write_text("0x" + acct.key.hex().removeprefix("0x") + "\n")
        paths.append(str(p))
    return paths


@pytest.fixture(scope="module")
def cli(ath_bin, node):
    def run(*args, rpc=None):
        argv = [ath_bin, *args, "--rpc", rpc or node.url]
        return subprocess.run(argv, capture_output=True, text=True, timeout=90)
    return run


@pytest.fixture(scope="module")
def by(cli, keyfiles):
    """Runs `ath ARGS` signed by dev account i."""
    def run(i, *args):
        return cli(*args, "--private-key-file", keyfiles[i])
    return run


def rows(text):
    out = {}
    for line in text.splitlines():
        if ":" in line and not line.startswith(" "):
            k, v = line.split(":", 1)
            out[k] = v.strip()
    return out


def test_params_all_and_one(cli):
    out = ok(cli("params"))
    r = rows(out)
    assert r["protocolFeeBps"] == "2000 (20%)"
    assert r["validatorMinStake"] == f"{1000 * ATH} (1,000 ATH)"
    assert r["govVotingBlocks"] == "30 blocks"
    everything = ok_json(cli("params", "--json"))
    assert everything["unbondingBlocks"] == "30" and everything["checkerMinStake"] == str(100 * ATH)
    assert len(everything) >= 27
    assert ok_json(cli("params", "protocolFeeBps", "--json")) == {"name": "protocolFeeBps", "value": "2000"}
    assert ok(cli("params", "govTimelockBlocks")).strip() == "10 blocks"
    fails(cli("params", "noSuchThing"), "Params: unknown parameter")


def test_staking_roles_delegation_unbonding(cli, by, accounts, w3, tmp_path):
    from Crypto.PublicKey import ECC
    staking = contract(w3, "Staking")
    v, op, ch, d = accounts[5], accounts[6], accounts[7], accounts[8]
    seed = bytes(range(32))
    key_file = tmp_path / "validator_key.json"
    key_file.write_text(json.dumps({"type": "ed25519", "seed": seed.hex()}))
    key = "0x" + ECC.construct(curve="Ed25519", seed=seed).public_key().export_key(format="raw").hex()
    no_proof = "0x" + "00" * 64

    fails(by(6, "stake", "validator", "--consensus-key", "0x" + "11" * 32, "--proof", no_proof, "--commission-bps", "500",
             "--amount", "10ath"), "Staking: stake below the validator minimum")
    fails(by(6, "stake", "validator", "--consensus-key", "0x1234", "--proof", no_proof, "--commission-bps", "500",
             "--amount", "1000ath"), "--consensus-key takes 32 bytes")
    # Someone else's key, without its holder's signature: refused (proof of possession).
    fails(by(6, "stake", "validator", "--consensus-key", key, "--proof", no_proof, "--commission-bps", "500",
             "--amount", "1000ath"), "Staking: the proof of possession does not verify")
    fails(by(6, "stake", "validator", "--consensus-key", key, "--commission-bps", "500", "--amount", "1000ath"),
          "give --validator-key-file")
    fails(by(6, "stake", "validator", "--consensus-key", "0x" + "11" * 32, "--validator-key-file", str(key_file),
             "--commission-bps", "500", "--amount", "1000ath"), "--consensus-key is not the public key of")
    before = w3.eth.get_balance(accounts[6].address)
    out = ok(by(5, "stake", "validator", "--validator-key-file", str(key_file), "--commission-bps", "500",
                "--amount", "1000ath"))
    assert f"validator {v.address} registered: stake 1,000 ATH, commission 5%, consensus key {key}" in out, out
    assert rows(out)["transaction"].startswith("0x")
    assert staking.functions.validators(v.address).call()[2] == 1000 * ATH
    assert w3.eth.get_balance(accounts[6].address) == before  # the refusals sent nothing
    fails(by(5, "stake", "validator", "--validator-key-file", str(key_file), "--commission-bps", "1", "--amount", "1000ath"),
          "Staking: already a validator")

    out = ok(by(6, "stake", "operator", "--gpu-model", "NVIDIA L4", "--gpu-count", "1", "--gpu-memory-gib", "16",
                "--endpoint", "http://10.0.0.6:8600", "--amount", "100ath"))
    assert f"operator {op.address} registered: 1 × NVIDIA L4 (16 GiB), endpoint http://10.0.0.6:8600, stake 100 ATH" in out, out
    assert staking.functions.isActiveOperator(op.address).call()

    res = ok_json(by(7, "stake", "checker", "--endpoint", "http://10.0.0.7:8601", "--amount", "100ath", "--json"))
    assert res["status"] == "success" and res["from"] == ch.address
    (ev,) = res["events"]
    assert ev["contract"] == "Staking" and ev["event"] == "CheckerRegistered"
    assert ev["args"] == {"checker": ch.address, "endpoint": "http://10.0.0.7:8601", "stake": str(100 * ATH)}
    assert ev["summary"].startswith(f"checker {ch.address} registered")

    out = ok(by(7, "stake", "add", "--role", "checker", "--amount", "5.5ath"))
    assert f"{ch.address} added 5.5 ATH to its checker stake" in out
    fails(by(7, "stake", "add", "--role", "validator", "--amount", "1ath"), "Staking: not a registered validator")
    fails(by(7, "stake", "add", "--role", "delegation", "--amount", "1ath"), "role \"delegation\" is not one of")

    out = ok(by(8, "delegate", v.address, "--amount", "10ath"))
    assert f"{d.address} delegated 10 ATH to validator {v.address}" in out
    fails(by(8, "delegate", d.address, "--amount", "1ath"), "Staking: not a registered validator")

    res = ok_json(by(8, "unbond", "--role", "delegation", "--validator", v.address, "--amount", "4ath", "--json"))
    (ev,) = res["events"]
    assert ev["event"] == "Unbonded" and ev["args"]["role"] == 4 and ev["args"]["amount"] == str(4 * ATH)
    release = int(ev["args"]["releaseBlock"])
    assert release == res["blockNumber"] + 30
    assert f"withdrawable from block {release}" in ev["summary"]
    fails(by(8, "unbond", "--role", "delegation", "--amount", "1ath"), "--role delegation needs --validator")
    fails(by(8, "unbond", "--role", "delegation", "--validator", v.address, "--amount", "100ath"),
          "Staking: amount exceeds the delegation")
    fails(by(8, "withdraw"), f"Staking: unbonding not matured until block {release}")
    fails(by(9, "unjail"), "Slashing: validator is not jailed")

    show = ok_json(cli("stake", "show", d.address, "--json"))
    assert show["delegations"] == [{"validator": v.address, "amount": str(6 * ATH)}]
    assert show["unbonding"] == [{"role": "delegation", "amount": str(4 * ATH), "createdBlock": res["blockNumber"],
                                  "releaseBlock": release, "validator": v.address}]
    assert show["bonded"] == str(6 * ATH)
    text = rows(ok(cli("stake", "show", v.address)))
    assert text["validator"] == "self stake 1,000 ATH, delegated 6 ATH, commission 5%, active"
    assert "operator" in rows(ok(cli("stake", "show", accounts[1].address)))

    r = ok_json(cli("rewards", "show", v.address, "--json"))
    assert r["address"] == v.address and int(r["pendingRewards"]) <= staking.functions.pendingRewards(v.address).call()
    assert rows(ok(cli("rewards", "show", accounts[9].address)))["pending rewards"] == "0 ATH (0 wei)"
    fails(by(9, "rewards", "claim"), "Staking: no rewards to claim")
    if int(staking.functions.pendingRewards(accounts[0].address).call()) > 0:  # once the node mints block rewards
        res = ok_json(by(0, "rewards", "claim", "--json"))
        (ev,) = [e for e in res["events"] if e["event"] == "RewardsClaimed"]
        assert ev["args"]["account"] == accounts[0].address and int(ev["args"]["amount"]) > 0
        assert ev["summary"].startswith(f"{accounts[0].address} claimed ")


def test_escrow_job_reserved_accepted_and_reclaimed(cli, by, accounts, w3):
    escrow = contract(w3, "Escrow")
    customer, operator = accounts[9], accounts[1]
    spec = "0x" + "c0" * 32
    fails(by(9, "escrow", "create", "--spec-hash", spec, "--operator", accounts[7].address, "--price", "1ath",
             "--deadline", "+5"), "Escrow: operator is not active")
    fails(by(9, "escrow", "create", "--spec-hash", spec, "--price", "1ath", "--deadline", "1"),
          "Escrow: deadline must be in the future")
    res = ok_json(by(9, "escrow", "create", "--spec-hash", spec, "--operator", operator.address, "--price", "1ath",
                     "--deadline", "+8", "--json"))
    (ev,) = res["events"]
    job = int(ev["args"]["jobId"])
    deadline = int(ev["args"]["deadline"])
    assert ev["event"] == "JobCreated" and ev["args"]["price"] == str(ATH) and ev["args"]["specHash"] == spec
    assert ev["summary"] == (f"job {job} created by {customer.address} for operator {operator.address}: price 1 ATH, "
                             f"deadline block {deadline}, spec {spec}")

    shown = ok_json(cli("escrow", "show", str(job), "--json"))
    assert shown["state"] == "open" and shown["operator"] == operator.address and shown["resultRoot"] is None
    assert shown["price"] == str(ATH) and shown["deadline"] == deadline

    fails(by(5, "escrow", "accept", str(job)), "Escrow: job is reserved for another operator")
    out = ok(by(1, "escrow", "accept", str(job)))
    assert f"job {job} accepted by operator {operator.address}" in out
    fails(by(1, "escrow", "accept", str(job)), "Escrow: job is not awaiting an operator")
    fails(by(9, "escrow", "reclaim", str(job)), "Escrow: job deadline has not passed")
    fails(by(1, "escrow", "reclaim", str(job)), "Escrow: only the job's customer may reclaim")

    wait_for_block(w3, deadline + 1)
    before = w3.eth.get_balance(customer.address)
    res = ok_json(by(9, "escrow", "reclaim", str(job), "--json"))
    assert res["events"][0]["summary"] == f"job {job} reclaimed by {customer.address}: 1 ATH refunded"
    gas = res["gasUsed"] * int(res["effectiveGasPrice"])
    assert w3.eth.get_balance(customer.address) == before + ATH - gas
    text = rows(ok(cli("escrow", "show", str(job))))
    assert text["state"] == "reclaimed" and text["operator"] == operator.address
    assert escrow.functions.job(job).call()[9] == 5
    # Accepting and never committing cost the operator the downtime penalty (a third of its
    # 500 ATH); it tops up to stay active.
    staking = contract(w3, "Staking")
    assert staking.functions.operators(operator.address).call()[4] == 500 * ATH - 500 * ATH * 3_333 // 10_000
    assert not staking.functions.isActiveOperator(operator.address).call()
    ok(by(1, "stake", "add", "--role", "operator", "--amount", "166.65ath"))
    assert staking.functions.isActiveOperator(operator.address).call()

    # An open job: any active operator may take it.
    res = ok_json(by(9, "escrow", "create", "--spec-hash", spec, "--price", "0.5ath", "--deadline", "+100", "--json"))
    assert "open to any active operator" in res["events"][0]["summary"]
    assert ok_json(cli("escrow", "show", res["events"][0]["args"]["jobId"], "--json"))["operator"] is None
    fails(cli("escrow", "show", "999"), "job 999 does not exist")
    fails(cli("escrow", "show", "abc"), "job id \"abc\" is not a number")


def test_lease_open_topup_close(cli, by, accounts, w3):
    customer, operator = accounts[9], accounts[1]
    fails(by(9, "lease", "open", "--operator", operator.address, "--price-per-block", "1ath", "--deposit", "0.5ath"),
          "Escrow: deposit must cover at least one epoch")
    res = ok_json(by(9, "lease", "open", "--operator", operator.address, "--price-per-block", "0.01ath",
                     "--deposit", "1ath", "--json"))
    (ev,) = res["events"]
    lease = ev["args"]["leaseId"]
    assert ev["summary"] == (f"lease {lease} opened by {customer.address} with operator {operator.address}: "
                             f"0.01 ATH per block, deposit 1 ATH")
    out = ok(by(9, "lease", "topup", lease, "--amount", "0.5ath"))
    assert re.search(rf"lease {lease} topped up by {customer.address} with 0\.5 ATH: deposit now [0-9.]+ ATH", out), out
    shown = ok_json(cli("lease", "show", lease, "--json"))
    assert shown["state"] == "active" and shown["customer"] == customer.address and shown["closedBlock"] is None
    assert shown["pricePerBlock"] == str(ATH // 100) and shown["pricePerEpoch"] == str(20 * ATH // 100)
    # What the customer rents and where to reach it.
    assert shown["endpoint"] == contract(w3, "Staking").functions.operators(operator.address).call()[3]
    assert shown["gpus"].startswith("1 × ") and shown["refundAtClose"] is None
    fails(by(5, "lease", "close", lease), "Escrow: only the lease's customer or operator may close it")
    out = ok(by(9, "lease", "close", lease))
    m = re.search(rf"lease {lease} closed by {customer.address}: ([0-9.]+) ATH of deposit refunded", out)
    assert m, out
    closed = rows(ok(cli("lease", "show", lease)))
    assert closed["state"] == "closed" and closed["returned at close"].startswith(f"{m.group(1)} ATH"), closed
    assert ok_json(cli("lease", "show", lease, "--json"))["refundAtClose"] != "0"
    fails(by(9, "lease", "topup", lease, "--amount", "1ath"), "Escrow: lease is closed")
    fails(cli("lease", "show", "12345"), "lease 12345 does not exist")


def test_operator_sets_job_and_lease_minimum_prices(cli, by, accounts, w3):
    """An operator sets its job price per work unit and its lease price per
    block with the CLI; acceptJob and openLease then refuse cheaper terms
    (attack 3's wash jobs need an operator that takes 1 wei)."""
    escrow = contract(w3, "Escrow")
    operator = accounts[1]
    fails(by(9, "escrow", "min-price", "--per-unit", "1gwei"), "Escrow: only an active operator may set job terms")
    fails(by(9, "lease", "min-price", "--per-block", "1gwei"), "Escrow: only an active operator may set lease terms")
    fails(by(1, "escrow", "min-price", "--per-unit", "lots"), "amount")
    assert escrow.functions.jobMinPrice(accounts[9].address).call() == 0

    res = ok_json(by(1, "escrow", "min-price", "--per-unit", "0.1ath", "--json"))
    (ev,) = res["events"]
    assert ev["event"] == "JobMinPriceSet"
    assert ev["summary"] == f"operator {operator.address} accepts jobs at 0.1 ATH per work unit or more"
    assert escrow.functions.jobMinPrice(operator.address).call() == ATH // 10
    # A 256³ job is 16 work units: 1 ATH is below 16 × 0.1 ATH.
    res = ok_json(by(9, "escrow", "create", "--kind", "gemm-i8", "--size", "256", "--operator", operator.address,
                     "--price", "1ath", "--no-follow", "--json"))
    job = next(e for e in res["events"] if e["event"] == "JobCreated")["args"]["jobId"]
    fails(by(1, "escrow", "accept", str(job)), "Escrow: job price below the operator's minimum per work unit")
    assert ok_json(cli("escrow", "show", str(job), "--json"))["state"] == "open"
    out = ok(by(1, "escrow", "min-price", "--per-unit", "0"))
    assert f"operator {operator.address} accepts jobs at any price" in out
    assert escrow.functions.jobMinPrice(operator.address).call() == 0

    out = ok(by(1, "lease", "min-price", "--per-block", "0.02ath"))
    assert f"operator {operator.address} accepts new leases at 0.02 ATH per block or more" in out
    fails(by(9, "lease", "open", "--operator", operator.address, "--price-per-block", "0.01ath", "--deposit", "1ath"),
          "Escrow: price per block below the operator's minimum")
    ok(by(1, "lease", "min-price", "--per-block", "0"))
    assert escrow.functions.leaseMinPrice(operator.address).call() == 0


def test_governance_param_change_end_to_end(cli, by, accounts, w3):
    validator = accounts[0]
    fails(by(0, "gov", "propose", "--param", "protocolFeeBps", "--target", PARAMS, "--description", "x", "--deposit", "100ath"),
          "give either --param NAME --value N")
    fails(by(0, "gov", "propose", "--param", "protocolFeeBps", "--value", "1500", "--description", "x", "--deposit", "0"),
          "Governance: a proposal needs a deposit")
    res = ok_json(by(0, "gov", "propose", "--param", "protocolFeeBps", "--value", "1500",
                     "--description", "Lower the protocol fee to 15%", "--deposit", "100ath", "--json"))
    names = [e["event"] for e in res["events"]]
    assert names == ["ProposalSubmitted", "DepositAdded", "VotingStarted"], names
    submitted = res["events"][0]
    pid = submitted["args"]["proposalId"]
    assert submitted["args"]["target"] == w3.to_checksum_address(PARAMS)
    assert 'Params.set("protocolFeeBps", 1500), "Lower the protocol fee to 15%"' in submitted["summary"]
    start, end = int(res["events"][2]["args"]["votingStartBlock"]), int(res["events"][2]["args"]["votingEndBlock"])

    shown = ok_json(cli("gov", "show", pid, "--json"))
    assert shown["state"] == "voting" and shown["action"] == 'Params.set("protocolFeeBps", 1500)'
    assert shown["votingEndBlock"] == end and shown["totalDeposit"] == str(100 * ATH)
    fails(cli("gov", "show", "77"), "Governance: unknown proposal")

    wait_for_block(w3, start + 1)
    out = ok(by(0, "gov", "vote", pid, "yes"))
    assert f"{validator.address} voted yes on proposal {pid} with weight 1,000 ATH" in out, out
    fails(by(0, "gov", "vote", pid, "no"), "Governance: already voted")
    fails(by(0, "gov", "vote", pid, "maybe"), "vote \"maybe\" is not one of yes, no, abstain, veto")
    fails(by(9, "gov", "vote", pid, "no"), "Governance: no stake at the proposal's snapshot")
    # Account 1 (the genesis operator, 500 ATH) joins: 1,500 of about 3,000 ATH staked meets the quorum.
    ok(by(1, "gov", "vote", pid, "yes"))
    assert rows(ok(cli("gov", "show", pid)))["votes"] == "yes 1,500 ATH, no 0 ATH, abstain 0 ATH, veto 0 ATH"
    fails(by(6, "gov", "execute", pid), f"is in voting until block {end}")
    # Without a key, `gov tally` only reads: the votes, and why a tally cannot be sent yet.
    seen = rows(ok(cli("gov", "tally", pid)))
    assert seen["votes"] == "yes 1,500 ATH, no 0 ATH, abstain 0 ATH, veto 0 ATH" and seen["state"] == "voting"
    assert seen["tally"].startswith("a tally now is refused: Governance:"), seen
    assert ok_json(cli("gov", "tally", pid, "--json"))["yesVotes"] == str(1500 * ATH)
    fails(cli("gov", "tally", "77"), "Governance: unknown proposal")

    wait_for_block(w3, end)
    assert rows(ok(cli("gov", "tally", pid)))["tally"].startswith("a tally can be sent now")
    # Tallied during `execute`, it passes; the timelock has not ended: exit 0 with the block to come back at.
    p = by(6, "gov", "execute", pid)
    assert p.returncode == 0, p.stderr
    assert "passed; its timelock ends at block" in p.stdout and f"run `ath gov execute {pid}` again from then" in p.stdout
    assert f"proposal {pid} tallied: passed (yes 1,500 ATH" in p.stdout, p.stdout
    assert f"proposal {pid} queued: executable from block" in p.stdout
    executable = ok_json(cli("gov", "show", pid, "--json"))["executableBlock"]
    assert ok_json(cli("gov", "show", pid, "--json"))["state"] == "passed"

    wait_for_block(w3, executable - 1)
    res = ok_json(by(6, "gov", "execute", pid, "--json"))
    assert [e["event"] for e in res["events"]] == ["ProposalExecuted", "ParamChanged"]
    changed = res["events"][1]
    assert changed["contract"] == "Params"
    assert changed["args"] == {"name": "protocolFeeBps", "oldValue": "2000", "newValue": "1500"}
    assert changed["summary"] == "parameter protocolFeeBps changed from 2000 (20%) to 1500 (15%)"
    assert ok(cli("params", "protocolFeeBps")).strip() == "1500 (15%)"
    fails(by(6, "gov", "execute", pid), "Governance: proposal already executed")


def test_withdraw_after_unbonding(cli, by, accounts, w3):
    d = accounts[8]
    (entry,) = ok_json(cli("stake", "show", d.address, "--json"))["unbonding"]
    wait_for_block(w3, entry["releaseBlock"])
    out = ok(by(8, "withdraw"))
    assert f"{d.address} withdrew 4 ATH of matured unbonded stake" in out, out
    assert ok_json(cli("stake", "show", d.address, "--json"))["unbonding"] == []
    fails(by(8, "withdraw"), "Staking: nothing to withdraw")


# --------------------------------------------------------------------------- hostile node


class FakeNode(http.server.BaseHTTPRequestHandler):
    """Answers every eth_call with `FakeNode.result` (hex) and a few other methods plausibly."""
    result = "0x"

    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answers = {"eth_call": FakeNode.result, "eth_chainId": "0x1ca3", "eth_blockNumber": "0x10"}
        body = json.dumps({"jsonrpc": "2.0", "id": req["id"], "result": answers.get(req["method"], None)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def fake():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeNode)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def word(n):
    return n.to_bytes(32, "big").hex()


@pytest.mark.parametrize("data, message", [
    ("", "returned nothing for job: is this a chain with the protocol contracts"),
    (word(1) * 5, "the data ends at byte 160, before the word at byte 160"),
    ("ff" * 32 + word(0) * 9, "is not an address"),
    (word(0) * 7 + word(300) + word(0) * 2, "does not fit in uint8"),
])
def test_hostile_job_data_is_a_clear_error(cli, fake, data, message):
    FakeNode.result = "0x" + data
    msg = fails(cli("escrow", "show", "1", rpc=fake), message)
    assert "invalid answer to Escrow.job" in msg or "returned nothing" in msg


@pytest.mark.parametrize("data, message", [
    (word(0x20) + word(2**64), "points beyond"),                              # array length past the data
    (word(0x20) + word(100) + word(0x20) * 4, "100-element array"),          # more elements than words
    (word(2**255), "points beyond"),                                         # offset overflow
    (word(0x20) + word(1) + word(0x20) + word(2**40), "points beyond"),     # string length past the data
    (word(0x20) + word(1) + word(0x20) + word(64) + "61" * 32, "runs past the end"),
    # 40 strings all pointing at one 2 KiB string: the decoder refuses to blow the data up.
    (word(0x20) + word(40) + word(40 * 32) * 40 + word(2048) + "61" * 2048, "expands beyond"),
])
def test_hostile_names_data_is_a_clear_error(cli, fake, data, message):
    FakeNode.result = "0x" + data
    msg = fails(cli("params", rpc=fake), message)
    assert "invalid answer to Params.names" in msg


def test_hostile_proposal_offsets(cli, fake):
    # proposal() returns one dynamic tuple: its offset must stay inside the data.
    FakeNode.result = "0x" + word(0x1000) + word(0) * 20
    fails(cli("gov", "show", "1", rpc=fake), "invalid answer to Governance.proposal")
    # A well-formed answer decodes (state 6 = dropped).
    from eth_abi import encode
    t = "(address,address,uint256,bytes,string," + "uint256," * 11 + "uint8)"
    value = ("0x" + "11" * 20, PARAMS, 0, bytes.fromhex("deadbeef"), "fake \u00e9", *range(1, 12), 6)
    FakeNode.result = "0x" + encode([t], [value]).hex()
    shown = ok_json(cli("gov", "show", "1", "--json", rpc=fake))
    assert shown["state"] == "dropped" and shown["callData"] == "0xdeadbeef" and shown["description"] == "fake \u00e9"
    assert shown["executableBlock"] == 6 and shown["totalStake"] == "11"


def test_minimums_are_named_with_what_is_needed(cli, by, w3, accounts):
    """A stake or deposit below what the contracts require is refused before
    sending, saying how much is needed and how much was given."""
    staking, params = contract(w3, "Staking"), contract(w3, "Params")
    per_gpu = params.functions.get("operatorStakeClass1").call()
    nonce = w3.eth.get_transaction_count(accounts[7].address)
    fails(by(7, "stake", "operator", "--gpu-model", "RTX 4090", "--gpu-count", "1", "--gpu-memory-gib", "24",
             "--endpoint", "http://x", "--amount", "200ath"),
          f"Staking: stake below the operator's required stake: needs {per_gpu // ATH:,} ATH for 1 × 24 GiB GPU, got 200 ATH")
    fails(by(7, "stake", "operator", "--gpu-model", "H100", "--gpu-count", "2", "--gpu-memory-gib", "80",
             "--endpoint", "http://x", "--amount", "1ath"), f"needs {2 * per_gpu // ATH:,} ATH for 2 × 80 GiB GPUs, got 1 ATH")
    checker_min = params.functions.get("checkerMinStake").call()
    fails(by(7, "stake", "checker", "--endpoint", "http://x", "--amount", "1ath"),
          f"Staking: stake below the checker minimum: needs {checker_min // ATH:,} ATH, got 1 ATH")
    operator = accounts[1].address
    fails(by(7, "lease", "open", "--operator", operator, "--price-per-block", "1ath", "--deposit", "2ath"),
          "Escrow: deposit must cover at least one epoch: needs 20 ATH (20 blocks × 1 ATH), got 2 ATH")
    assert w3.eth.get_transaction_count(accounts[7].address) == nonce, "nothing was sent"
    assert not staking.functions.operators(accounts[7].address).call()[5]


def test_stake_show_says_why_a_role_is_inactive(cli, by, w3, tmp_path):
    from eth_account import Account
    fresh = Account.create()
    key = tmp_path / "fresh.hex"
    key.write_text("0x" + fresh.key.hex().removeprefix("0x"))
    ok(by(8, "send", "--to", fresh.address, "--value", "300ath"))
    mine = lambda *args: cli(*args, "--private-key-file", str(key))  # noqa: E731
    ok(mine("stake", "operator", "--gpu-model", "NVIDIA L4", "--gpu-count", "1", "--gpu-memory-gib", "16",
            "--endpoint", "http://10.0.0.9:8600", "--amount", "100ath"))
    ok(mine("stake", "checker", "--endpoint", "http://10.0.0.9:8601", "--amount", "100ath"))
    shown = rows(ok(cli("stake", "show", fresh.address)))
    assert shown["operator"].endswith(", active") and shown["checker"].endswith(", active"), shown
    ok(mine("unbond", "--role", "operator", "--amount", "60ath"))
    ok(mine("unbond", "--role", "checker", "--amount", "1ath"))
    shown = rows(ok(cli("stake", "show", fresh.address)))
    assert shown["operator"].endswith(
        "inactive: stake 40 ATH below the required 100 ATH for 1 × 16 GiB GPU (60 ATH unbonding)"), shown
    assert "inactive: stake 99 ATH below the checker minimum 100 ATH" in shown["checker"] or "inactive: deactivated" in shown["checker"], shown
    js = ok_json(cli("stake", "show", fresh.address, "--json"))
    assert js["operator"]["active"] is False and js["operator"]["inactiveReason"].startswith("stake 40 ATH below")
    assert js["checker"]["active"] is False
