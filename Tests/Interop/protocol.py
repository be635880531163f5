"""Helpers for driving the protocol contracts on a real `athd dev` with web3.py."""
import json
import os
import time

from web3.exceptions import ContractLogicError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ATH = 10**18
ORDER = ["Params", "Staking", "Slashing", "Escrow", "Oracle", "Governance"]
ADDRESS = {name: "0x%040x" % (0x1000 + i) for i, name in enumerate(ORDER)}


def devnet_genesis():
    """The devnet genesis with the protocol contracts, from Contracts/devnet.py and the artifacts."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("devnet", os.path.join(ROOT, "Contracts", "devnet.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.genesis_json()


def artifact(name):
    with open(os.path.join(ROOT, "Contracts", "artifacts", name + ".json")) as f:
        return json.load(f)


def contract(w3, name):
    return w3.eth.contract(address=w3.to_checksum_address(ADDRESS[name]), abi=artifact(name)["abi"])


def transact(w3, account, call, value=0, gas=None):
    """Signs `call` (a bound contract function) with `account`, sends it and
    returns the receipt; raises AssertionError when it reverts."""
    receipt = send(w3, account, call, value=value, gas=gas)
    assert receipt.status == 1, f"transaction reverted: {receipt.transactionHash.hex()}"
    return receipt


def send(w3, account, call, value=0, gas=None):
    tx = call.build_transaction({
        "from": account.address,
        "value": value,
        "nonce": w3.eth.get_transaction_count(account.address, "pending"),
        "chainId": w3.eth.chain_id,
        "gas": gas or 3_000_000,
        "maxFeePerGas": 4 * 10**9,
        "maxPriorityFeePerGas": 10**9,
    })
    signed = account.sign_transaction(tx)
    h = w3.eth.send_raw_transaction(signed.raw_transaction)
    return w3.eth.wait_for_transaction_receipt(h, timeout=30, poll_latency=0.05)


def revert_reason(w3, account, call, value=0):
    """The reason `call` reverts with, from eth_call; fails if it succeeds."""
    try:
        call.call({"from": account.address, "value": value})
    except ContractLogicError as e:
        return str(e.message if hasattr(e, "message") else e)
    raise AssertionError("the call succeeded; a revert was expected")


def wait_for_block(w3, number, timeout=60):
    deadline = time.time() + timeout
    while w3.eth.block_number < number:
        if time.time() > deadline:
            raise AssertionError(f"block {number} did not arrive in {timeout} s")
        time.sleep(0.05)


def events(contract_obj, receipt, name):
    """The decoded `name` events `contract_obj` emitted in `receipt` (their args)."""
    return [e.args for e in getattr(contract_obj.events, name)().process_receipt(receipt)]


# ------------------------------------------------------------------ Oracle reports (EIP-712)

ATTESTATION_TYPES = {
    "Attestation": [
        {"name": "jobId", "type": "uint256"},
        {"name": "resultRoot", "type": "bytes32"},
        {"name": "verdict", "type": "uint8"},
        {"name": "workUnits", "type": "uint256"},
        {"name": "round", "type": "uint256"},
    ],
}
UPTIME_TYPES = {
    "Uptime": [
        {"name": "operator", "type": "address"},
        {"name": "epoch", "type": "uint256"},
        {"name": "uptimeBps", "type": "uint256"},
        {"name": "round", "type": "uint256"},
    ],
}
VALID, INVALID, UNAVAILABLE = 1, 2, 3


def oracle_domain(chain_id):
    """The Oracle's EIP-712 domain on chain `chain_id`."""
    from web3 import Web3
    return {"name": "ATH Oracle", "version": "1", "chainId": chain_id,
            "verifyingContract": Web3.to_checksum_address(ADDRESS["Oracle"])}


def sign_attestation(account, chain_id, job_id, result_root, verdict, work_units, round_):
    """`account`'s 65-byte signature (r ++ s ++ v) of an Oracle Attestation."""
    message = {"jobId": job_id, "resultRoot": bytes(result_root), "verdict": verdict,
               "workUnits": work_units, "round": round_}
    return bytes(account.sign_typed_data(oracle_domain(chain_id), ATTESTATION_TYPES, message).signature)


def sign_uptime(account, chain_id, operator, epoch, uptime_bps, round_):
    """`account`'s 65-byte signature of an Oracle Uptime report."""
    message = {"operator": operator, "epoch": epoch, "uptimeBps": uptime_bps, "round": round_}
    return bytes(account.sign_typed_data(oracle_domain(chain_id), UPTIME_TYPES, message).signature)


def by_signer(signers, sign):
    """The signatures `sign(account)` of `signers`, ascending by signer address as the Oracle requires."""
    return [sign(a) for a in sorted(signers, key=lambda a: int(a.address, 16))]


def attestations(w3, signers, job_id, result_root, verdict, work_units, round_):
    chain_id = w3.eth.chain_id
    return by_signer(signers, lambda a: sign_attestation(a, chain_id, job_id, result_root, verdict, work_units, round_))


def uptime_attestations(w3, signers, operator, epoch, uptime_bps, round_):
    chain_id = w3.eth.chain_id
    return by_signer(signers, lambda a: sign_uptime(a, chain_id, operator, epoch, uptime_bps, round_))


def submit_report(w3, transmitter, signers, job_id, result_root, verdict, work_units, round_=1):
    """Transmits a job verdict signed by `signers` (sorted here); returns the receipt."""
    sigs = attestations(w3, signers, job_id, result_root, verdict, work_units, round_)
    call = contract(w3, "Oracle").functions.submitReport(job_id, result_root, verdict, work_units, round_, sigs)
    return transact(w3, transmitter, call, gas=1_000_000)


def uptime_report_args(w3, signers, operator, epoch, uptimes, round_=1):
    """Oracle.submitUptimeReport's arguments: each signer signs its own
    measured uptime (`uptimes`: one per signer in the order given, or one
    value for all); signers ascending by address, values alongside."""
    chain_id = w3.eth.chain_id
    values = uptimes if isinstance(uptimes, (list, tuple)) else [uptimes] * len(signers)
    pairs = sorted(zip(signers, values), key=lambda p: int(p[0].address, 16))
    sigs = [sign_uptime(a, chain_id, operator, epoch, u, round_) for a, u in pairs]
    return operator, epoch, round_, [u for _, u in pairs], sigs


def submit_uptime_report(w3, transmitter, signers, operator, epoch, uptimes, round_=1):
    call = contract(w3, "Oracle").functions.submitUptimeReport(*uptime_report_args(w3, signers, operator, epoch, uptimes, round_))
    return transact(w3, transmitter, call, gas=3_000_000)


def create_job(w3, customer, price, operator=None, deadline_in=30, spec=b"spec"):
    """createJob paid `price` (for `operator`, or open); returns (jobId, receipt)."""
    from web3 import Web3
    escrow = contract(w3, "Escrow")
    op = operator.address if operator is not None else "0x" + "00" * 20
    deadline = w3.eth.block_number + deadline_in
    receipt = transact(w3, customer, escrow.functions.createJob(Web3.keccak(spec), op, deadline), value=price)
    (created,) = events(escrow, receipt, "JobCreated")
    return created["jobId"], receipt


def wait_released(w3, job_id, timeout=30):
    """Waits until the node has released a job's held price (the block after
    its challenge window, or after its appeal): a valid job's payout, or
    another verdict's refund and slash. The release is the node's system
    call, so it shows in balances and stakes, not in logs."""
    escrow = contract(w3, "Escrow")
    wait_for_block(w3, escrow.functions.releaseBlock(job_id).call() + 1, timeout)
    deadline = time.time() + timeout
    while escrow.functions.heldPrice(job_id).call() != 0:
        assert time.time() < deadline, f"job {job_id}'s payout was not released after its challenge window"
        time.sleep(0.05)


def run_valid_job(w3, customer, operator, transmitter, checkers, price, work_units, root=b"result"):
    """A job end to end: create (for `operator`), accept, commit, valid report by `checkers`,
    and the release of the held payment after the challenge window.
    Returns (jobId, {step: receipt}, the operator's balance change from the report to the
    release, the treasury's). `transmitter` must not be the operator; exact while nothing else pays either."""
    from web3 import Web3
    escrow = contract(w3, "Escrow")
    job_id, r_create = create_job(w3, customer, price, operator)
    r_accept = transact(w3, operator, escrow.functions.acceptJob(job_id))
    result_root = Web3.keccak(root)
    r_commit = transact(w3, operator, escrow.functions.commitResult(job_id, result_root))
    op_before = w3.eth.get_balance(operator.address)
    treasury_before = w3.eth.get_balance(ADDRESS["Governance"])
    r_report = submit_report(w3, transmitter, checkers, job_id, result_root, VALID, work_units)
    wait_released(w3, job_id)
    paid = w3.eth.get_balance(operator.address) - op_before
    fee = w3.eth.get_balance(ADDRESS["Governance"]) - treasury_before
    receipts = {"createJob": r_create, "acceptJob": r_accept, "commitResult": r_commit, "submitReport": r_report}
    return job_id, receipts, paid, fee
