"""Runs one GeneralStateTests case (first data/gas/value index) in pyrevm
with EIP-3155 tracing and prints revm's trace lines on standard output.

    revm_trace.py FIXTURE.json

The trace is revm's own (its Rust tracer writes the lines), the yardstick for
the gasCost our struct logger and `ath conformance state --trace` report."""
import json
import sys

from pyrevm import EVM, AccountInfo, BlockEnv, Env


def main():
    with open(sys.argv[1]) as f:
        case = next(iter(json.load(f).values()))
    env, tx = case["env"], case["transaction"]
    block = BlockEnv(number=int(env["currentNumber"], 16), coinbase=env["currentCoinbase"],
                     timestamp=int(env["currentTimestamp"], 16), difficulty=0,
                     prevrandao=bytes.fromhex(env["currentRandom"][2:]),
                     basefee=int(env["currentBaseFee"], 16), gas_limit=int(env["currentGasLimit"], 16),
                     excess_blob_gas=int(env.get("currentExcessBlobGas", "0x0"), 16))
    evm = EVM(env=Env(block=block), tracing=True, spec_id="CANCUN")
    for address, account in case["pre"].items():
        code = bytes.fromhex(account["code"][2:])
        evm.insert_account_info(address, AccountInfo(balance=int(account["balance"], 16),
                                                     nonce=int(account["nonce"], 16), code=code or None))
        for slot, value in account["storage"].items():
            # A zero slot is the default; pyrevm would also mark an inserted slot warm.
            if int(value, 16):
                evm.insert_account_storage(address, int(slot, 16), int(value, 16))
    evm.message_call(caller=tx["sender"], to=tx["to"], calldata=bytes.fromhex(tx["data"][0][2:]),
                     value=int(tx["value"][0], 16), gas=int(tx["gasLimit"][0], 16),
                     gas_price=int(tx["gasPrice"], 16))


if __name__ == "__main__":
    main()
