"""A real four-validator ATH network on one machine (`athd testnet` +
`athd start` × N): finality, fault tolerance (f = 1 of 4), block sync of a
late full node, and transaction gossip."""
import time


from athnet import base_fee, dev_accounts, transfer


def test_four_validators_finalize_200_blocks_identically(make_net):
    net = make_net(validators=4, block_ms=100).start()
    net.wait_all(200, timeout=150)
    reference = net.assert_same_hashes(1, 200, net.nodes)
    assert len(set(reference)) == 200
    # and the chain is linked: each block's parent is the previous hash
    for n in (1, 100, 200):
        assert net[3].block(n)["parentHash"] == (reference[n - 2] if n > 1 else net[0].block_hash(0))
    assert not any(n.logged("double signing detected") for n in net.nodes)


def test_one_down_goes_on_two_down_halts_then_resumes(make_net):
    net = make_net(validators=4, block_ms=200).start()
    net.wait_all(10, timeout=30)

    # f = 1: one validator stopped, the chain goes on
    assert net[3].stop() == 0
    live = net.nodes[:3]
    h = max(net.heights(live).values())
    net.wait_all(h + 10, timeout=30, nodes=live)

    # two stopped: 2 of 4 is below +2/3, nothing is finalized
    assert net[2].stop() == 0
    live = net.nodes[:2]
    before = net.heights(live)
    time.sleep(8.0)
    after = net.heights(live)
    for i in before:
        assert after[i] <= before[i] + 1, f"node{i} went from {before[i]} to {after[i]} with 2 of 4 validators"
    stalled = min(after.values())
    net.assert_same_hashes(1, stalled, live)
    # The stalled validators say why, every few seconds, while it lasts.
    for n in live:
        assert "no quorum: height" in n.log(), n.log()[-3000:]

    # restart both: finality resumes and they catch up
    net[2].start()
    net[3].start()
    target = max(after.values()) + 10
    net.wait_all(target, timeout=60, nodes=net.nodes)
    for n in (net[2], net[3]):
        assert n.logged("block sync") or n.height() >= target, n.log()[-3000:]
    top = min(net.heights(net.nodes).values())
    net.assert_same_hashes(1, top, net.nodes)


def test_late_full_node_syncs_from_genesis_and_follows(make_net):
    net = make_net(validators=4, non_validators=1, block_ms=200)
    net.start(range(4))
    net.wait_all(61, timeout=60, nodes=net.nodes[:4])
    late = net[4]
    late.start()
    tip = max(net.heights(net.nodes[:4]).values())
    late.wait_height(tip, timeout=60)
    # the validators moved on while it synced: it closes the gap
    deadline = time.time() + 30
    while late.height() < max(net.heights(net.nodes[:4]).values()) - 1:
        assert time.time() < deadline, f"the full node does not catch up: {net.heights(net.nodes)}"
        time.sleep(0.1)

    # it follows: within 2 blocks of the validators for a few seconds
    gaps = []
    deadline = time.time() + 5
    while time.time() < deadline:
        others = max(net.heights(net.nodes[:4]).values())
        mine = late.height()
        gaps.append(others - mine)
        time.sleep(0.25)
    assert max(gaps) <= 2, f"the full node fell behind by {max(gaps)} blocks while following: {gaps}"

    top = min(net.heights(net.nodes).values())
    net.assert_same_hashes(1, top, [net[0], late])
    log = late.log_messages()
    msgs = [m["msg"] for m in log]
    assert "block sync starting" in msgs, late.log()[-3000:]
    progress = [m for m in log if m["msg"] == "block sync"]
    assert progress, "no block sync progress line"
    assert all("height" in m and "target" in m for m in progress), progress[:3]
    assert "block sync done; following consensus" in msgs
    assert late.status()["validator"]["inSet"] is False


def test_transfers_gossip_to_every_node(make_net, ath_bin):
    net = make_net(validators=4, block_ms=200).start()
    net.wait_all(3, timeout=30)
    senders = dev_accounts(10)
    sink = "0x000000000000000000000000000000000000bEEF"
    fee = base_fee(net[0])
    hashes = []
    k = 0
    for a in senders:
        for nonce in range(20):
            target = net[0] if k % 2 == 0 else net[2]
            hashes.append(target.rpc("eth_sendRawTransaction", transfer(a, nonce, sink, 1000 + k, fee)))
            k += 1
    assert len(hashes) == 200

    deadline = time.time() + 90
    receipts = {}
    for n in net.nodes:
        got = {}
        while len(got) < len(hashes):
            for h in hashes:
                if h not in got:
                    r = n.rpc("eth_getTransactionReceipt", h)
                    if r is not None:
                        got[h] = r
            if len(got) < len(hashes):
                assert time.time() < deadline, f"{n}: only {len(got)} of 200 receipts after 90 s"
                time.sleep(0.2)
        receipts[n.index] = got
    for h in hashes:
        first = receipts[0][h]
        assert first["status"] == "0x1", first
        for i in range(1, 4):
            r = receipts[i][h]
            assert (r["blockNumber"], r["blockHash"]) == (first["blockNumber"], first["blockHash"]), \
                f"{h}: node0 has it in {first['blockNumber']}, node{i} in {r['blockNumber']}"
    assert int(net[1].rpc("eth_getBalance", sink, "latest"), 16) == sum(1000 + k for k in range(200))

    # `ath status --json`: one number format (JSON numbers; wei as decimal strings).
    import json
    import subprocess
    p = subprocess.run([ath_bin, "status", "--json", "--rpc", net[0].url], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    s = json.loads(p.stdout)
    assert isinstance(s["chainId"], int) and isinstance(s["height"], int) and isinstance(s["syncTarget"], int)
    assert isinstance(s["consensus"]["height"], int) and isinstance(s["consensus"]["round"], int)
    assert len(s["validators"]) == 4
    for v in s["validators"]:
        assert v["power"].isdigit() and int(v["power"]) > 0 and isinstance(v["proposerPriority"], int), v

    # Consensus, peer and block-sync metrics, in the Prometheus format with HELP lines.
    import re
    import urllib.request
    text = urllib.request.urlopen(net[0].metrics_url, timeout=10).read().decode()

    def value(pattern):
        m = re.search(r"^" + pattern + r" (\S+)$", text, re.M)
        assert m, f"{pattern} missing from the metrics"
        return float(m.group(1))
    # The gauges are refreshed every 250 ms: a block or two behind the status read before them.
    assert value("ath_consensus_height") >= s["height"] - 3
    assert value(r'ath_consensus_votes_received_total\{type="prevote"\}') > 0
    assert value(r'ath_consensus_votes_received_total\{type="precommit"\}') > 0
    assert value(r'ath_p2p_peers\{direction="inbound"\}') + value(r'ath_p2p_peers\{direction="outbound"\}') == 3
    assert value(r'ath_p2p_received_bytes_total\{channel="vote"\}') > 0
    assert value(r'ath_p2p_sent_messages_total\{channel="transactions"\}') > 0
    assert value("ath_consensus_rounds_count") > 0 and value("ath_consensus_commit_seconds_count") > 0
    assert value("ath_blocksync_syncing") == 0
    for name in ("ath_consensus_height", "ath_consensus_rounds", "ath_p2p_peers", "ath_p2p_bans_total"):
        assert f"# HELP {name} " in text and f"# TYPE {name} " in text, name


def test_a_validator_alone_says_it_has_no_peers(make_net):
    """With its only peer gone, a validator cannot decide and says why every few seconds."""
    net = make_net(validators=2, block_ms=200).start()
    net.wait_all(3, timeout=30)
    assert net[1].stop() == 0
    deadline = time.time() + 20
    while "no peers: this node reaches no other node" not in net[0].log():
        assert time.time() < deadline, net[0].log()[-3000:]
        time.sleep(0.5)
