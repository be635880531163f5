"""Verifiable GPU work end to end on real processes: an `athd dev` node (no
embedded compute), `ath-worker` processes (honest or misbehaving, each its own
freshly registered operator), three `ath-checker` processes, a customer using
web3.py, and the node's oracle module sending the quorum reports."""
import os
import secrets
import socket
import json
import subprocess
import time

import pytest
from eth_account import Account
from eth_abi import encode
from web3 import Web3

from athnode import DevNode, NodeProcess, dev_keys
from protocol import ADDRESS, ATH, contract, events, submit_uptime_report, transact, wait_for_block, wait_released

KIND = Web3.keccak(b"ath/gemm-i8/v1")
VALID, INVALID, UNAVAILABLE = 1, 2, 3
SETTLED, RECLAIMED = 4, 5
SIZE = 512
ROUNDS = 20


def gemm_spec(n, seed, rounds=ROUNDS):
    return encode(["bytes32", "uint256", "uint256", "uint256", "bytes32", "uint256"], [KIND, n, n, n, seed, rounds])


def work_units(n):
    return -(-(n * n * n) // (1 << 20))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, check, timeout=60, interval=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


class Service(NodeProcess):
    """An ath-worker or ath-checker process logging to a file."""

    def __init__(self, argv, log_path):
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)

    def release(self):
        if self.log:
            self.log.close()
            self.log = None

    def read_log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()


@pytest.fixture(scope="module")
def bins(athd_bin):
    d = os.path.dirname(athd_bin)
    out = {name: os.path.join(d, name) for name in ("ath-worker", "ath-checker")}
    for path in out.values():
        assert os.path.exists(path), f"{path} does not exist (make test builds it)"
    return out


@pytest.fixture(scope="module")
def chain(athd_bin, tmp_path_factory):
    n = DevNode(athd_bin, tmp_path_factory.mktemp("gpu") / "home", ["--block-time-ms", "200"]).start()
    yield n
    assert n.stop() == 0, n.read_log()[-3000:]


@pytest.fixture(scope="module")
def w3(chain):
    return Web3(Web3.HTTPProvider(chain.url, request_kwargs={"timeout": 30}))


@pytest.fixture(scope="module")
def keys():
    return dev_keys(10)


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    return tmp_path_factory.mktemp("services")


def start_checker(bins, chain, logs, account_index, fault=None, extra=()):
    argv = [bins["ath-checker"], "--node", chain.url, "--dev-account", str(account_index), "--fetch-timeout", "3",
            "--log-level", "info"]
    if fault:
        argv += ["--fault", fault]
    argv += list(extra)
    return Service(argv, str(logs / f"checker-{account_index}-{fault or 'honest'}.log"))


def start_worker(bins, chain, w3, keys, logs, name, fault=None, extra=(), funder=5):
    """A fresh operator: funded by dev account `funder`, registered by the worker itself."""
    operator = Account.create()
    transact_value(w3, keys[funder], operator.address, 2_050 * ATH)
    key_file = logs / f"{name}.key"
    key_file.write_text(operator.key.hex() if operator.key.hex().startswith("0x") else "0x" + operator.key.hex())
    port = free_port()
    argv = [bins["ath-worker"], "--node", chain.url, "--private-key-file", str(key_file), "--listen", f"127.0.0.1:{port}",
            "--register", "--stake", "2000ath", "--allow-cpu", "--log-level", "info"]
    if fault:
        argv += ["--fault", fault]
    argv += list(extra)
    service = Service(argv, str(logs / f"worker-{name}.log"))
    staking = contract(w3, "Staking")
    wait_for(f"worker {name} to register", lambda: staking.functions.isActiveOperator(operator.address).call()
             or (service.proc.poll() is not None and pytest.fail(service.read_log())), timeout=60)
    return operator, service


def transact_value(w3, sender, to, value):
    tx = {"from": sender.address, "to": to, "value": value, "nonce": w3.eth.get_transaction_count(sender.address, "pending"),
          "chainId": w3.eth.chain_id, "gas": 21_000, "maxFeePerGas": 4 * 10**9, "maxPriorityFeePerGas": 10**9}
    h = w3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction)
    assert w3.eth.wait_for_transaction_receipt(h, timeout=30).status == 1


def create_gemm_job(w3, customer, operator, n=SIZE, price=2 * ATH, deadline_in=150):
    escrow = contract(w3, "Escrow")
    spec = gemm_spec(n, secrets.token_bytes(32))
    deadline = w3.eth.block_number + deadline_in
    receipt = transact(w3, customer, escrow.functions.createJobWithSpec(spec, operator, deadline), value=price, gas=500_000)
    (created,) = events(escrow, receipt, "JobCreated")
    (published,) = events(escrow, receipt, "JobSpecPublished")
    assert published["spec"] == spec and created["specHash"] == Web3.keccak(spec)
    return created["jobId"], receipt


def job(w3, job_id):
    return contract(w3, "Escrow").functions.job(job_id).call()


def wait_settled(w3, job_id, timeout=90):
    return wait_for(f"job {job_id} to settle", lambda: job(w3, job_id)[9] == SETTLED and job(w3, job_id), timeout=timeout)


def settlement(w3, job_id):
    escrow = contract(w3, "Escrow")
    (log,) = escrow.events.JobSettled().get_logs(from_block=0, argument_filters={"jobId": job_id})
    return log


def operator_stake(w3, address):
    return contract(w3, "Staking").functions.operators(address).call()[4]


def test_a_job_goes_from_payment_to_verified_settlement(bins, chain, w3, keys, logs):
    checkers = [start_checker(bins, chain, logs, i) for i in (2, 3, 4)]
    operator, worker = start_worker(bins, chain, w3, keys, logs, "honest")
    try:
        customer = keys[6]
        price = 2 * ATH
        job_id, _ = create_gemm_job(w3, customer, operator.address, price=price)
        j = wait_settled(w3, job_id)
        assert j[7] == VALID and j[8] == work_units(SIZE)
        # Each checker fetched C, matched it to the committed root, ran Freivalds and attested
        # valid; the oracle reported as soon as two of them (the quorum) had.
        attestations = w3.provider.make_request("ath_attestations", [hex(job_id)])["result"]
        assert len(attestations) >= 2 and {a["verdict"] for a in attestations} == {"valid"}
        for c in checkers:
            wait_for("each checker's verdict", lambda: f"job={job_id} " in c.read_log() and "verdict=valid" in c.read_log())
        settled = settlement(w3, job_id)["args"]
        fee = price * 2_000 // 10_000
        assert settled["operatorPayout"] == price - fee and settled["fee"] == fee and settled["refund"] == 0
        staking = contract(w3, "Staking")
        (recorded,) = staking.events.WorkUnitsRecorded().get_logs(from_block=0, argument_filters={"operator": operator.address})
        assert recorded["args"]["units"] == fee          # the compute pool is shared by fees paid (docs/security.md)
        oracle = contract(w3, "Oracle")
        (report,) = oracle.events.ReportAccepted().get_logs(from_block=0, argument_filters={"jobId": job_id})
        assert report["args"]["verdict"] == VALID and len(report["args"]["signers"]) >= 2
        info = w3.provider.make_request("ath_job", [hex(job_id)])["result"]
        assert info["state"] == "settled" and info["verdict"] == "valid"
        assert info["spec"]["kind"] == "gemm-i8" and info["spec"]["m"] == SIZE
    finally:
        worker.stop()
        for c in checkers:
            c.stop()


def test_a_cheating_worker_is_caught_refunded_and_slashed_and_a_dissenter_loses_its_reward(ath_bin, bins, chain, w3, keys, logs):
    metrics_port = free_port()
    checkers = [start_checker(bins, chain, logs, 2, extra=["--metrics-port", str(metrics_port)]), start_checker(bins, chain, logs, 3),
                start_checker(bins, chain, logs, 4, fault="dissent")]
    operator, worker = start_worker(bins, chain, w3, keys, logs, "cheater", fault="corrupt-result")
    try:
        customer = keys[7]
        stake_before = operator_stake(w3, operator.address)
        balance_before = w3.eth.get_balance(customer.address)
        job_id, r_create = create_gemm_job(w3, customer, operator.address, n=256, price=3 * ATH)
        j = wait_settled(w3, job_id)
        assert j[7] == INVALID and j[8] == 0
        # Held for the challenge window (an appeal could still overturn it).
        assert operator_stake(w3, operator.address) == stake_before
        wait_released(w3, job_id)
        # The customer got the whole price back: only the gas of createJob is gone.
        gas_paid = r_create.gasUsed * r_create.effectiveGasPrice
        assert w3.eth.get_balance(customer.address) == balance_before - gas_paid
        # Slashed by operatorFraudPenaltyBps (100%) of its required stake.
        assert operator_stake(w3, operator.address) < stake_before
        # The two honest checkers said invalid and were rewarded; the dissenter said valid and was not.
        attestations = w3.provider.make_request("ath_attestations", [hex(job_id)])["result"]
        verdicts = {a["signer"]: a["verdict"] for a in attestations}
        assert verdicts.get(keys[2].address.lower()) == "invalid" and verdicts.get(keys[3].address.lower()) == "invalid"
        oracle = contract(w3, "Oracle")
        (report,) = oracle.events.ReportAccepted().get_logs(from_block=0, argument_filters={"jobId": job_id})
        signers = {s.lower() for s in report["args"]["signers"]}
        assert signers == {keys[2].address.lower(), keys[3].address.lower()}
        staking = contract(w3, "Staking")
        rewarded = staking.events.CheckersRewarded().get_logs(from_block=report["blockNumber"], to_block=report["blockNumber"])
        assert {c.lower() for c in rewarded[0]["args"]["checkers"]} == signers
        assert keys[4].address.lower() not in signers
        # A standalone checker serves its own metrics (--metrics-port).
        import urllib.request
        text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).read().decode()
        import re
        invalid = re.search(r'^ath_checker_verdicts_total\{verdict="invalid"\} (\S+)$', text, re.M)
        assert invalid and float(invalid.group(1)) >= 1, text
        assert "# HELP ath_checker_fetch_seconds " in text
        # The customer cannot take the wrong result for a checked one.
        r = subprocess.run([ath_bin, "escrow", "result", str(job_id), "--rpc", chain.url], capture_output=True, text=True, timeout=60)
        assert r.returncode == 1 and "was settled invalid" in r.stderr, r
    finally:
        worker.stop()
        for c in checkers:
            c.stop()


def test_a_wrong_verdict_is_overturned_by_the_checkers_that_did_not_sign_it(ath_bin, bins, chain, w3, keys, logs):
    """Two of three checkers (a quorum) call an honest result invalid. The
    operator appeals with `ath escrow appeal`; the third checker, which did
    not sign, sees the appeal, checks the job again and signs VALID for the
    next round; the node sends the jury's report, the verdict is overturned
    and the operator is paid, its bond returned and its stake whole."""
    checkers = [start_checker(bins, chain, logs, 2, fault="dissent"), start_checker(bins, chain, logs, 3, fault="dissent"),
                start_checker(bins, chain, logs, 4)]
    operator, worker = start_worker(bins, chain, w3, keys, logs, "appellant", funder=8)
    try:
        stake_before = operator_stake(w3, operator.address)
        price = 2 * ATH
        job_id, _ = create_gemm_job(w3, keys[6], operator.address, price=price)
        j = wait_settled(w3, job_id)
        assert j[7] == INVALID
        key_file = logs / "appellant.key"
        out = subprocess.run([ath_bin, "escrow", "appeal", str(job_id), "--rpc", chain.url, "--private-key-file", str(key_file),
                              "--json"], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr
        assert f"job {job_id} appealed by {operator.address}" in out.stdout, out.stdout
        balance_after_appeal = w3.eth.get_balance(operator.address)
        oracle = contract(w3, "Oracle")
        decided = wait_for("the jury's report", lambda: oracle.events.AppealDecided().get_logs(
            from_block=0, argument_filters={"jobId": job_id}), timeout=60)
        args = decided[0]["args"]
        assert args["verdict"] == VALID and args["overturned"] and [a.lower() for a in args["jurors"]] == [keys[4].address.lower()]
        assert job(w3, job_id)[7] == VALID and job(w3, job_id)[8] == work_units(SIZE)
        assert "appeal skipped: this checker signed the verdict under appeal" in checkers[0].read_log()
        wait_released(w3, job_id)
        fee = price * contract(w3, "Params").functions.get("protocolFeeBps").call() // 10_000
        bond = contract(w3, "Params").functions.get("appealBond").call()
        assert w3.eth.get_balance(operator.address) == balance_after_appeal + price - fee + bond
        assert operator_stake(w3, operator.address) == stake_before
    finally:
        worker.stop()
        for c in checkers:
            c.stop()


def test_a_bought_uptime_zero_is_overturned_by_the_checkers_that_measured_it(ath_bin, athd_bin, bins, keys, logs, tmp_path):
    """Two accounts bonded as checkers before an epoch (620 of 920 ATH, a
    quorum) report uptime 0 for an operator whose worker answered every
    probe; its lease customer's refund is held. The operator appeals with
    `ath lease appeal-uptime`; the three real checkers, which measured it up
    and did not sign, attest their measurement again for the next round; the
    node sends the jury's report, its median replaces the bought one, the
    bond comes back, and `ath lease release-refund` returns the held refund
    to the operator. Its own chain (0.5 s blocks): the bought stake stays."""
    node = DevNode(athd_bin, tmp_path / "home", ["--block-time-ms", "500"]).start()
    w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 30}))
    checkers, worker = [], None
    try:
        checkers = [start_checker(bins, node, logs, i, extra=["--probe-interval", "0.5"]) for i in (2, 3, 4)]
        operator, worker = start_worker(bins, node, w3, keys, logs, "uptime-appellant")
        staking, escrow, oracle = contract(w3, "Staking"), contract(w3, "Escrow"), contract(w3, "Oracle")
        cheats = [Account.create() for _ in range(2)]
        for c in cheats:
            transact_value(w3, keys[7], c.address, 311 * ATH)
            transact(w3, c, staking.functions.registerChecker("http://127.0.0.1:9"), value=310 * ATH, gas=500_000)
        length = contract(w3, "Params").functions.get("epochLength").call()
        wait_for_block(w3, (w3.eth.block_number // length + 1) * length)
        price = 10**15
        r = transact(w3, keys[6], escrow.functions.openLease(operator.address, price), value=100 * price, gas=800_000)
        (opened,) = events(escrow, r, "LeaseOpened")
        lease_id, epoch = opened["leaseId"], r.blockNumber // length
        wait_for_block(w3, (epoch + 1) * length + 1, timeout=30)
        r = submit_uptime_report(w3, keys[7], cheats, operator.address, epoch, 0)
        (held,) = events(escrow, r, "DowntimeRefunded")
        assert held["refunded"] > 0 and escrow.functions.downtimeHeld(lease_id, epoch).call() == held["refunded"]

        out = subprocess.run([ath_bin, "lease", "appeal-uptime", "--epoch", str(epoch), "--rpc", node.url,
                              "--private-key-file", str(logs / "uptime-appellant.key"), "--json"],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr
        assert f"operator {operator.address} appealed its uptime 0" in out.stdout, out.stdout
        decided = wait_for("the jury's uptime report", lambda: oracle.events.UptimeAppealDecided().get_logs(from_block=0), timeout=60)
        args = decided[0]["args"]
        assert args["epoch"] == epoch and args["uptimeBps"] >= 9_000 and args["overturned"] and args["bondReturned"]
        assert all("uptime appeal: attesting the measured uptime again" in c.read_log() for c in checkers)

        out = subprocess.run([ath_bin, "lease", "release-refund", str(lease_id), "--epoch", str(epoch), "--rpc", node.url,
                              "--dev-account", "6"], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr
        assert f"lease {lease_id} epoch {epoch}: SLA refund of 0 ATH credited to the customer" in out.stdout, out.stdout
        assert escrow.functions.downtimeHeld(lease_id, epoch).call() == 0
        assert escrow.functions.credits(operator.address).call() >= held["refunded"]
    finally:
        if worker:
            worker.stop()
        for c in checkers:
            c.stop()
        assert node.stop() == 0, node.read_log()[-3000:]


def test_a_worker_that_stops_serving_is_judged_unavailable(bins, chain, w3, keys, logs):
    checkers = [start_checker(bins, chain, logs, i) for i in (2, 3, 4)]
    operator, worker = start_worker(bins, chain, w3, keys, logs, "absent", fault="stop-serving")
    try:
        customer = keys[8]
        stake_before = operator_stake(w3, operator.address)
        balance_before = w3.eth.get_balance(customer.address)
        job_id, r_create = create_gemm_job(w3, customer, operator.address, n=256, price=ATH)
        j = wait_settled(w3, job_id)
        assert j[7] == UNAVAILABLE
        wait_released(w3, job_id)
        assert w3.eth.get_balance(customer.address) == balance_before - r_create.gasUsed * r_create.effectiveGasPrice
        assert operator_stake(w3, operator.address) < stake_before
        # Each checker tried for the window the result's size earns: 3 s plus
        # 256·256·4 bytes at the default 16 MiB/s (15 ms).
        assert all("fetch_window_ms=3015" in c.read_log() for c in checkers), checkers[0].read_log()[-2000:]
    finally:
        worker.stop()
        for c in checkers:
            c.stop()


def test_a_worker_with_a_minimum_price_leaves_cheaper_jobs_alone(bins, chain, w3, keys, logs):
    """`ath-worker --min-price-per-unit` sets the operator's floor on chain;
    the worker does not try to accept a job below it (acceptJob would
    refuse it) and takes one at or above it."""
    checkers = [start_checker(bins, chain, logs, i) for i in (2, 3, 4)]
    operator, worker = start_worker(bins, chain, w3, keys, logs, "priced", extra=["--min-price-per-unit", "0.1ath"], funder=9)
    try:
        escrow = contract(w3, "Escrow")
        wait_for("the worker to set its floor", lambda: escrow.functions.jobMinPrice(operator.address).call() == ATH // 10)
        assert "set job minimum price" in worker.read_log()
        units = work_units(256)
        cheap, _ = create_gemm_job(w3, keys[6], operator.address, n=256, price=units * ATH // 10 - 1)
        wait_for("the worker to pass on the cheap job", lambda: f"job={cheap} " in worker.read_log()
                 and "below this operator's minimum" in worker.read_log(), timeout=30)
        assert job(w3, cheap)[9] == 1     # still open: no acceptJob was sent
        fair, _ = create_gemm_job(w3, keys[6], operator.address, n=256, price=units * ATH // 10)
        assert wait_settled(w3, fair)[7] == VALID
        assert job(w3, cheap)[9] == 1
    finally:
        worker.stop()
        for c in checkers:
            c.stop()


def test_a_checker_refuses_a_bad_minimum_fetch_rate(bins):
    for bad in ("0", "0.001", "1e9", "nan"):
        r = subprocess.run([bins["ath-checker"], "--dev-account", "2", "--min-fetch-rate", bad],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 1 and "error: --min-fetch-rate must be a number of MiB/s in [0.01, 100000]" in r.stderr, r
    r = subprocess.run([bins["ath-worker"], "--dev-account", "1", "--min-price-per-unit", "lots"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "--min-price-per-unit:" in r.stderr, r
    for args, message in [(["--min-price-per-unit", "5"], "--min-price-per-unit: amount 5 has no unit: write 5ath, or 5wei"),
                          (["--register", "--stake", "2000"], "--stake: amount 2000 has no unit: write 2000ath, or 2000wei")]:
        r = subprocess.run([bins["ath-worker"], "--dev-account", "1", *args], capture_output=True, text=True, timeout=30)
        assert r.returncode == 1 and message in r.stderr, r


def test_a_worker_that_commits_nothing_lets_the_customer_reclaim(bins, chain, w3, keys, logs):
    operator, worker = start_worker(bins, chain, w3, keys, logs, "silent", fault="no-commit")
    try:
        customer = keys[6]
        escrow = contract(w3, "Escrow")
        job_id, _ = create_gemm_job(w3, customer, operator.address, n=128, price=ATH, deadline_in=15)
        wait_for("the worker to accept", lambda: job(w3, job_id)[9] == 2)
        deadline = job(w3, job_id)[4]
        wait_for("the deadline to pass", lambda: w3.eth.block_number > deadline)
        assert job(w3, job_id)[9] == 2  # accepted, never committed
        before = w3.eth.get_balance(customer.address)
        r = transact(w3, customer, escrow.functions.reclaim(job_id))
        assert job(w3, job_id)[9] == RECLAIMED
        assert w3.eth.get_balance(customer.address) == before + ATH - r.gasUsed * r.effectiveGasPrice
    finally:
        worker.stop()


def rpc_error(w3, method, params):
    answer = w3.provider.make_request(method, params)
    assert "error" in answer, answer
    return answer["error"]["message"]


def attestation_json(job_id, root, verdict, units, round_, signature):
    return {"jobId": hex(job_id), "resultRoot": "0x" + bytes(root).hex(), "verdict": verdict, "workUnits": hex(units),
            "round": hex(round_), "signature": "0x" + bytes(signature).hex()}


def test_bad_attestations_are_refused_with_a_clear_error_and_change_nothing(w3, keys):
    from protocol import sign_attestation
    escrow = contract(w3, "Escrow")
    operator = keys[1]
    # A job committed by hand whose spec is not published (no checker judges it).
    deadline = w3.eth.block_number + 100
    r = transact(w3, keys[6], escrow.functions.createJob(Web3.keccak(b"private spec"), operator.address, deadline), value=ATH)
    (created,) = events(escrow, r, "JobCreated")
    job_id = created["jobId"]
    transact(w3, operator, escrow.functions.acceptJob(job_id))
    root = Web3.keccak(b"a root")
    transact(w3, operator, escrow.functions.commitResult(job_id, root))
    chain_id = w3.eth.chain_id
    good = sign_attestation(keys[2], chain_id, job_id, root, VALID, 7, 1)

    # Wrong signature: signed over other fields.
    other = sign_attestation(keys[2], chain_id, job_id, root, VALID, 8, 1)
    assert "not an active checker" in rpc_error(w3, "ath_submitAttestation", [attestation_json(job_id, root, VALID, 7, 1, other)])
    # An unregistered signer.
    stranger = Account.create()
    sig = sign_attestation(stranger, chain_id, job_id, root, VALID, 7, 1)
    assert f"{stranger.address.lower()} is not an active checker" in rpc_error(
        w3, "ath_submitAttestation", [attestation_json(job_id, root, VALID, 7, 1, sig)])
    # Another job: unknown, and a root that is not the committed one.
    sig = sign_attestation(keys[2], chain_id, 10_000, root, VALID, 7, 1)
    assert "Escrow has no job 10000" in rpc_error(w3, "ath_submitAttestation", [attestation_json(10_000, root, VALID, 7, 1, sig)])
    wrong_root = Web3.keccak(b"another root")
    sig = sign_attestation(keys[2], chain_id, job_id, wrong_root, VALID, 7, 1)
    assert "is not the committed root" in rpc_error(w3, "ath_submitAttestation", [attestation_json(job_id, wrong_root, VALID, 7, 1, sig)])
    # Malformed: short signature, bad v, unknown verdict, missing field, not an object.
    short = attestation_json(job_id, root, VALID, 7, 1, good[:64])
    assert "65 bytes" in rpc_error(w3, "ath_submitAttestation", [short])
    bad_v = attestation_json(job_id, root, VALID, 7, 1, good[:64] + bytes([29]))
    assert "signature" in rpc_error(w3, "ath_submitAttestation", [bad_v])
    bad_verdict = attestation_json(job_id, root, 4, 7, 1, good)
    assert "verdict must be" in rpc_error(w3, "ath_submitAttestation", [bad_verdict])
    missing = attestation_json(job_id, root, VALID, 7, 1, good)
    del missing["round"]
    assert "no round" in rpc_error(w3, "ath_submitAttestation", [missing])
    assert "attestation object" in rpc_error(w3, "ath_submitAttestation", ["0x1234"])
    # Nothing was pooled.
    assert w3.provider.make_request("ath_attestations", [hex(job_id)])["result"] == []

    # A good one is pooled once; its replay is refused.
    ok = w3.provider.make_request("ath_submitAttestation", [attestation_json(job_id, root, VALID, 7, 1, good)])["result"]
    assert ok["signer"] == keys[2].address.lower() and ok["attestations"] == "0x1" and ok["quorum"] is False
    assert "already attested" in rpc_error(w3, "ath_submitAttestation", [attestation_json(job_id, root, VALID, 7, 1, good)])
    # Changing its mind in the same round is refused too.
    flip = sign_attestation(keys[2], chain_id, job_id, root, INVALID, 0, 1)
    assert "different statement" in rpc_error(w3, "ath_submitAttestation", [attestation_json(job_id, root, INVALID, 0, 1, flip)])
    assert len(w3.provider.make_request("ath_attestations", [hex(job_id)])["result"]) == 1
    assert job(w3, job_id)[9] == 3  # still committed: one checker is no quorum


def test_athd_dev_settles_a_job_created_with_the_cli(athd_bin, ath_bin, tmp_path):
    """`make run`'s chain: the embedded worker and checkers take a job that
    `ath escrow create --kind gemm-i8` pays for, and the CLI prints each step."""
    # A worker port other than the default: the new home's genesis registers it.
    node = DevNode(athd_bin, tmp_path / "home", ["--block-time-ms", "300", "--worker-port", "8611"], compute=True).start()
    try:
        w3 = Web3(Web3.HTTPProvider(node.url))
        operator = dev_keys(2)[1].address
        assert contract(w3, "Staking").functions.operators(operator).call()[3] == "http://127.0.0.1:8611"
        stake = contract(w3, "Staking").functions.operators(operator).call()[4]
        p = subprocess.run([ath_bin, "escrow", "create", "--kind", "gemm-i8", "--size", "256", "--dev-account", "5",
                            "--rpc", node.url, "--follow-timeout", "120"], capture_output=True, text=True, timeout=180)
        assert p.returncode == 0, p.stderr + p.stdout
        out = p.stdout
        for step in ("job 1 created", "accepted by operator", "result committed", "attests: valid",
                     "settled by the oracle report: valid", "16 work units", "operator payout", "protocol fee"):
            assert step in out, out
        assert "result: served at http://127.0.0.1:8611/jobs/1/result; fetch and check it with `ath escrow result 1 -o FILE`" in out
        c_file = tmp_path / "c.bin"
        got = subprocess.run([ath_bin, "escrow", "result", "1", "-o", str(c_file), "--rpc", node.url, "--json"],
                             capture_output=True, text=True, timeout=120)
        assert got.returncode == 0, got.stderr
        shown = json.loads(got.stdout)
        assert shown["matchesRoot"] is True and shown["verdict"] == "valid" and (shown["rows"], shown["cols"]) == (256, 256)
        assert c_file.stat().st_size == 256 * 256 * 4
        assert job(w3, 1)[9] == SETTLED and job(w3, 1)[7] == VALID
        assert contract(w3, "Staking").functions.operators(operator).call()[4] == stake, "the operator was slashed"
        # The oracle module's metrics saw the attestations and the report.
        import re
        import urllib.request
        text = urllib.request.urlopen(node.metrics_url, timeout=10).read().decode()
        pooled = re.search(r'^ath_oracle_attestations_pooled_total\{via="rpc"\} (\S+)$', text, re.M)
        assert pooled and float(pooled.group(1)) >= 3, text[-2000:]
        sent = re.search(r"^ath_oracle_reports_sent_total (\S+)$", text, re.M)
        assert sent and float(sent.group(1)) >= 1
        assert "# HELP ath_oracle_pooled_subjects " in text
        # The embedded worker and checkers count into the node's metrics too.
        for name in ('ath_worker_jobs_total{state="committed"}', 'ath_worker_gflops', 'ath_checker_verdicts_total{verdict="valid"}',
                     "ath_checker_fetch_seconds_count", "ath_checker_freivalds_seconds_count"):
            m = re.search("^" + re.escape(name) + r" (\S+)$", text, re.M)
            assert m and float(m.group(1)) > 0, name
    finally:
        assert node.stop() == 0, node.read_log()[-3000:]
    # Reopened with another worker port, the chain would send checkers to the wrong one: refused.
    again = subprocess.run([athd_bin, "dev", "--home", str(tmp_path / "home"), "--rpc-port", "0", "--metrics-port", "0"],
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 1
    assert "registered the dev operator's endpoint as http://127.0.0.1:8611, not port 8600" in again.stderr, again.stderr


def test_a_cpu_is_not_registered_as_a_gpu_unless_allowed(bins, chain, w3, keys, logs):
    operator = Account.create()
    transact_value(w3, keys[7], operator.address, 10 * ATH)  # refused before it spends anything
    key_file = logs / "cpu-only.key"
    key_file.write_text("0x" + operator.key.hex().removeprefix("0x"))
    r = subprocess.run([bins["ath-worker"], "--node", chain.url, "--private-key-file", str(key_file), "--listen",
                        f"127.0.0.1:{free_port()}", "--register", "--stake", "2000ath", "--backend", "cpu"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, r
    assert "refusing to register this machine as a GPU operator: it found" in r.stderr, r.stderr
    assert "pass --allow-cpu on a dev chain" in r.stderr
    assert not contract(w3, "Staking").functions.operators(operator.address).call()[5], "nothing was registered"
    r = subprocess.run([bins["ath-worker"], "--dev-account", "1", "--allow-cpu"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "--allow-cpu only apply with --register" in r.stderr, r


def test_services_sign_with_a_keystore_account(ath_bin, bins, chain, keys, logs):
    """ath-worker and ath-checker take --home/--from/--password-file like every ath command."""
    home = logs / "keystore-home"
    checker = keys[3]
    raw = logs / "checker3.hex"
    raw.write_text("0x" + checker.key.hex().removeprefix("0x"))
    pw = logs / "pw"
    pw.write_text("correct horse\n")
    r = subprocess.run([ath_bin, "keys", "import", str(raw), "--raw-hex", "--light-kdf", "--password-file", str(pw),
                        "--home", str(home)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    proc = subprocess.Popen([bins["ath-checker"], "--node", chain.url, "--from", checker.address, "--home", str(home),
                             "--password-file", str(pw)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = ""
        deadline = time.time() + 30
        while time.time() < deadline and checker.address not in line:
            line = proc.stdout.readline()
            assert line or proc.poll() is None, proc.stderr.read()
        assert f"checker:  {checker.address} (an active checker)" in line, line
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    wrong = logs / "wrong"
    wrong.write_text("nope\n")
    for binary in ("ath-checker", "ath-worker"):
        for args, message in [
            (["--from", checker.address, "--home", str(home), "--password-file", str(wrong)], "cannot unlock"),
            (["--from", checker.address, "--home", str(home)], "--from needs --password-file"),
            (["--from", checker.address, "--dev-account", "3", "--password-file", str(pw)], "not several"),
            (["--dev-account", "3", "--password-file", str(pw)], "--password-file goes with --from"),
        ]:
            r = subprocess.run([bins[binary], "--node", chain.url, *args], capture_output=True, text=True, timeout=60)
            assert r.returncode == 1 and message in r.stderr, (binary, args, r.stderr)
