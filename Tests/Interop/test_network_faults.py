"""Faults on a real four-validator ATH network: crashes under load, network
partitions, a double-signing validator and a validator that goes offline."""
import os
import random
import threading
import time


from athnet import ATH, SLASHING, STAKING, Partition, RPCError, base_fee, contract_call, dev_accounts, transfer

SINK = "0x000000000000000000000000000000000000dEaD"


def staking_validator(node, account):
    """Staking.validators(account) as a dict."""
    v = contract_call(node, STAKING, "Staking", "validators", account)
    names = ["consensusKey", "commissionBps", "selfStake", "delegated", "jailedUntil", "jailed", "banned", "registered"]
    return dict(zip(names, v))


def wait_for(predicate, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except (OSError, RPCError, ValueError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen in {timeout} s")



# ------------------------------------------------------------------ 5. crashes under load

class Load(threading.Thread):
    """Sends transfers from dev accounts to running nodes until stopped and
    records every receipt it sees. Each round restarts each sender at its
    mined nonce; a transaction is a pure function of (sender, nonce), so a
    resend is the same transaction and a lost mempool leaves no gap."""

    def __init__(self, net, live):
        super().__init__(daemon=True)
        self.net, self.live = net, live
        self.stop_event = threading.Event()
        self.seen = {}            # tx hash -> (block number, block hash)
        self.unconfirmed = set()
        self.errors = 0
        self.failures = []
        self.senders = dev_accounts(6)
        self.fee = base_fee(net[0])
        self.rng = random.Random(7)

    def tx(self, a, nonce):
        return transfer(a, nonce, SINK, 1 + nonce, self.fee)

    def run(self):
        while not self.stop_event.is_set():
            try:
                node = self.net[self.rng.choice(sorted(self.live))]
                for a in self.senders:
                    n = int(node.rpc("eth_getTransactionCount", a.address, "latest", timeout=2), 16)
                    for nonce in range(n, n + 3):
                        try:
                            self.unconfirmed.add(node.rpc("eth_sendRawTransaction", self.tx(a, nonce), timeout=2))
                        except RPCError:
                            self.errors += 1
                for h in list(self.unconfirmed)[:60]:
                    r = node.rpc("eth_getTransactionReceipt", h, timeout=2)
                    if r is not None:
                        if r["status"] != "0x1":
                            self.failures.append(r)
                        self.seen[h] = (r["blockNumber"], r["blockHash"])
                        self.unconfirmed.discard(h)
            except (OSError, RPCError, ValueError, RuntimeError):
                self.errors += 1
            self.stop_event.wait(0.15)


def test_sigkill_validators_under_load(make_net):
    rng = random.Random(5150)
    net = make_net(validators=4, non_validators=1, block_ms=200)
    votes_file = os.path.join(net.dir, "votes.txt")
    net[4].extra = ["--record-votes", votes_file]
    net.start()
    net.wait_all(3, timeout=30)
    live = {0, 1, 2, 3, 4}
    load = Load(net, live)
    load.start()
    top = {i: 0 for i in range(5)}

    def sample(nodes):
        hs = net.heights([net[i] for i in nodes])
        for i, h in hs.items():
            if h is not None:
                assert h >= top[i], f"node{i}'s height went back from {top[i]} to {h}"
                top[i] = h
        return hs

    rejoin_times = []
    try:
        for round_ in range(20):
            time.sleep(rng.uniform(0.3, 1.5))
            v = rng.randrange(4)
            live.discard(v)
            before = sample([v])[v]
            net[v].kill()
            time.sleep(rng.uniform(0.2, 1.5))
            t0 = time.time()
            net[v].start()
            mine = sample([v])[v]
            assert mine >= before, f"round {round_}: node{v} restarted at {mine}, below {before}"
            others = [i for i in range(5) if i != v]
            while True:
                hs = sample(others)
                target = max(h for h in hs.values() if h is not None)
                mine = sample([v])[v]
                if mine is not None and mine >= target:
                    break
                assert time.time() - t0 < 10, \
                    f"round {round_}: node{v} at {mine} did not rejoin the others at {target} in 10 s\n" \
                    + net[v].log()[-3000:]
                time.sleep(0.1)
            rejoin_times.append(round(time.time() - t0, 2))
            live.add(v)
        # still making progress with everyone up
        h = max(sample(range(5)).values())
        net.wait_all(h + 5, timeout=20)
    finally:
        load.stop_event.set()
        load.join(10)

    assert not load.failures, f"failed transactions: {load.failures[:3]}"
    assert len(load.seen) > 100, f"only {len(load.seen)} receipts seen: the load did not run ({load.errors} errors)"
    # nothing finalized is lost, and every node agrees
    for n in net.nodes:
        for h, (number, block_hash) in load.seen.items():
            r = n.rpc("eth_getTransactionReceipt", h)
            assert r is not None, f"{n}: receipt of {h} (block {int(number, 16)}) lost"
            assert (r["blockNumber"], r["blockHash"]) == (number, block_hash), f"{n}: {h} moved"
    common = min(sample(range(5)).values())
    net.assert_same_hashes(1, common, net.nodes)

    # no validator signed two different things for one (height, round, type)
    with open(votes_file) as f:
        lines = [line.split() for line in f if line.strip()]
    assert len(lines) > 100, f"the observer recorded only {len(lines)} votes"
    by_key = {}
    for fields in lines:
        assert len(fields) == 5, fields
        validator, height, round_, kind, block_hash = fields
        by_key.setdefault((validator.lower(), height, round_, kind), set()).add(block_hash.lower())
    conflicts = {k: v for k, v in by_key.items() if len(v) > 1}
    assert not conflicts, f"double signing seen by the observer: {list(conflicts.items())[:5]}"
    for n in net.nodes:
        assert not n.logged("double signing detected"), f"{n}: {n.logged('double signing detected')[:3]}"
    print("rejoin times (s):", rejoin_times, "receipts:", len(load.seen), "votes:", len(lines))


# ------------------------------------------------------------------ 6. partitions

PARTITION_SECONDS = 30
PARTITIONS = 5


def test_partition_two_two_halts_and_heals(make_net):
    net = make_net(validators=4, block_ms=200, proxies=True).start()
    net.wait_all(5, timeout=30)
    assert all(p.accepted > 0 for p in net.proxies.values()), "some links never went through their proxy"
    resume_times = []
    for k in range(PARTITIONS):
        part = Partition(net.proxies, [0, 1], [2, 3]).start()
        try:
            start = net.heights()
            time.sleep(PARTITION_SECONDS)
            end = net.heights()
            for i in start:
                assert end[i] <= start[i] + 1, \
                    f"partition {k}: node{i} went from {start[i]} to {end[i]} with only 2 of 4 validators reachable"
        finally:
            part.heal()
        t0 = time.time()
        wait_for(lambda: all(h is not None and h > end[i] for i, h in net.heights().items()), 5,
                 f"after partition {k} (heights {end}) all nodes finalizing a new block")
        resume_times.append(round(time.time() - t0, 2))
    top = min(net.heights().values())
    net.wait_all(top + 3, timeout=20)
    net.assert_same_hashes(1, top, net.nodes)
    print("resume times after healing (s):", resume_times)


# ------------------------------------------------------------------ 7. double signing

def test_double_signer_is_slashed_banned_and_removed(make_net):
    net = make_net(validators=4, block_ms=200)
    net[3].extra = ["--double-sign-for-testing"]
    net.start()
    account = net[3].account["address"]
    honest = net.nodes[:3]

    wait_for(lambda: all(n.logged("double signing detected") for n in honest), 30,
             "every honest node logging 'double signing detected'")
    wait_for(lambda: all(n.logged("double-sign evidence committed") for n in honest), 30,
             "every honest node logging 'double-sign evidence committed'")
    committed = net[0].logged("double-sign evidence committed")
    assert len(committed) == 1, committed
    assert net[3].logged("double-signing for testing")

    # Slashing and Staking: 5% of the 1,000 ATH self stake, banned for good
    wait_for(lambda: contract_call(net[0], SLASHING, "Slashing", "banned", account), 10, "Slashing.banned")
    v = staking_validator(net[0], account)
    assert v["banned"] is True, v
    assert v["selfStake"] == 950 * ATH, f"self stake {v['selfStake'] / ATH} ATH, expected 950"
    # (system calls leave no receipt, so no event to read: the views tell it)
    evidence_block = net[0].height()   # the evidence is in this block or an earlier one
    infraction = int(committed[0]["height"])
    assert infraction >= 3, committed[0]
    assert contract_call(net[0], SLASHING, "Slashing", "jailed", account) is False
    for other in honest:
        assert staking_validator(net[0], other.account["address"])["selfStake"] == 1000 * ATH

    # after the next epoch boundary (epochs of 20 blocks) it is no longer in the set
    next_epoch = evidence_block // 20 + 1

    def next_epoch_set():
        answer = net[0].rpc("ath_validators")
        return answer if int(answer["epoch"], 16) >= next_epoch else None
    answer = wait_for(next_epoch_set, 30, "the next epoch")
    accounts = [x["account"].lower() for x in answer["validators"]]
    assert account.lower() not in accounts, answer
    assert len(accounts) == 3, answer
    # the three honest validators go on
    h = net[0].height()
    net.wait_all(h + 5, timeout=20, nodes=honest)
    net.assert_same_hashes(1, h, honest)
    assert committed


# ------------------------------------------------------------------ 8. downtime

def test_offline_validator_is_jailed_and_slashed(make_net):
    net = make_net(validators=4, block_ms=200).start()
    net.wait_all(3, timeout=30)
    account = net[3].account["address"]
    assert net[3].stop() == 0
    stopped_at = max(net.heights(net.nodes[:3]).values())

    wait_for(lambda: contract_call(net[0], SLASHING, "Slashing", "jailed", account), 150,
             f"the offline validator {account} being jailed")
    # (system calls leave no receipt, so no event to read: the views tell it)
    until = contract_call(net[0], SLASHING, "Slashing", "jailedUntil", account)
    jailed_at = until - 30                     # jailBlocks = 30
    assert jailed_at >= 100, f"jailed at block {jailed_at}, before a full window of 100 blocks"
    assert jailed_at - stopped_at >= 50, f"jailed at {jailed_at}, only {jailed_at - stopped_at} blocks after it stopped"
    assert jailed_at <= max(stopped_at, 50) + 55, f"jailed at {jailed_at}, stopped at {stopped_at}: too late"
    v = staking_validator(net[0], account)
    assert v["jailed"] is True and v["banned"] is False, v
    assert v["jailedUntil"] == until, v
    assert v["selfStake"] == 990 * ATH, f"self stake {v['selfStake'] / ATH} ATH, expected 990 (1% slashed)"
    window_size, position, recorded, missed = contract_call(net[0], SLASHING, "Slashing", "signingInfo", account)
    assert window_size == 100 and recorded == 0 and missed == 0, "the window restarts when jailed"
    for other in net.nodes[:3]:
        assert contract_call(net[0], SLASHING, "Slashing", "jailed", other.account["address"]) is False
        assert staking_validator(net[0], other.account["address"])["selfStake"] == 1000 * ATH
