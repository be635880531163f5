"""A local multi-validator ATH network for the interop tests.

`Testnet` writes the homes with `athd testnet`, tunes each node's
config.toml (block interval, consensus timeouts, peer exchange) and, with
proxies=True, routes every directed peer link i→j through a `LinkProxy` so
that a test can cut the network (`Partition`). `NetNode` runs one
`athd start` process with its output in a log file and talks JSON-RPC to it.
Everything here is bounded in time, and `Testnet.close()` stops every
process and proxy (the `make_net` fixture calls it even when a test fails).
"""
import contextlib
import json
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

from athnode import NodeProcess

CHAIN_ID = 7332
ATH = 10**18
STAKING = "0x0000000000000000000000000000000000001001"
SLASHING = "0x0000000000000000000000000000000000001002"


# ------------------------------------------------------------------ ports

def _port_free(port):
    for host in ("127.0.0.1", "0.0.0.0"):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind((host, port))
        except OSError:
            return False
        finally:
            s.close()
    return True


def free_port_base(n=5, rng=None, attempts=200):
    """A base port P such that P..P+10n+3 are all free on 127.0.0.1 (chosen
    below the kernel's ephemeral range, so the proxies' own ports, which the
    kernel picks, never land on a node's)."""
    rng = rng or random.Random()
    span = 10 * n + 4
    for _ in range(attempts):
        base = rng.randrange(20000, 32000 - span, 10)
        if all(_port_free(p) for p in range(base, base + span)):
            return base
    raise RuntimeError(f"no free range of {span} ports found")


# ------------------------------------------------------------------ config.toml

def set_toml(path, section, key, value):
    """Replaces `key = value` inside `[section]` of a config.toml, keeping
    every other line (and the file's format) as it is. `value` is a Python
    str (quoted), bool or int."""
    if isinstance(value, bool):
        text_value = "true" if value else "false"
    elif isinstance(value, int):
        text_value = str(value)
    else:
        text_value = json.dumps(str(value))
    with open(path) as f:
        lines = f.read().split("\n")
    current, done = "", False
    for i, line in enumerate(lines):
        t = line.strip()
        if t.startswith("["):
            current = t.strip("[]").strip()
            continue
        m = re.match(r"^(\s*)([A-Za-z0-9_]+)(\s*)=", line)
        if current == section and m and m.group(2) == key:
            lines[i] = f"{m.group(1)}{key}{m.group(3)}= {text_value}"
            done = True
            break
    if not done:
        raise KeyError(f"{path}: no {key} in [{section}]")
    with open(path, "w") as f:
        f.write("\n".join(lines))


def get_toml(path, section, key):
    current = ""
    with open(path) as f:
        for line in f:
            t = line.strip()
            if t.startswith("["):
                current = t.strip("[]").strip()
                continue
            m = re.match(r'^([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$', t)
            if current == section and m and m.group(1) == key:
                v = m.group(2)
                if v.startswith('"'):
                    return json.loads(v[: v.index('"', 1) + 1])
                v = v.split("#", 1)[0].strip()
                if v in ("true", "false"):
                    return v == "true"
                return int(v)
    raise KeyError(f"{path}: no {key} in [{section}]")


# ------------------------------------------------------------------ JSON-RPC

class RPCError(Exception):
    def __init__(self, method, error):
        super().__init__(f"{method}: {error}")
        self.error = error


def rpc_call(url, method, params=(), timeout=5):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        answer = json.loads(r.read())
    if "error" in answer:
        raise RPCError(method, answer["error"])
    return answer["result"]


# ------------------------------------------------------------------ proxies

class LinkProxy:
    """Forwards TCP from its own port (127.0.0.1, picked by the kernel) to
    `target_port`. block() closes every open connection and, until
    unblock(), closes each new one as soon as it is accepted."""

    def __init__(self, target_port, name=""):
        self.target_port, self.name = target_port, name
        self.blocked = False
        self.closed = False
        self.lock = threading.Lock()
        self.conns = set()
        self.accepted = 0
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._accept_loop, name=f"proxy-{name}", daemon=True)
        self.thread.start()

    def _accept_loop(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.accepted += 1
            if self.blocked or self.closed:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=2)
            except OSError:
                _close(client)
                continue
            upstream.settimeout(None)
            client.settimeout(None)
            pair = (client, upstream)
            with self.lock:
                if self.blocked or self.closed:
                    _close(client), _close(upstream)
                    continue
                self.conns.add(pair)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b, pair), daemon=True).start()

    def _pump(self, src, dst, pair):
        try:
            while True:
                data = src.recv(65536)
                if not data or self.blocked:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(pair)

    def _drop(self, pair):
        with self.lock:
            self.conns.discard(pair)
        for s in pair:
            _close(s)

    def block(self):
        with self.lock:
            self.blocked = True
            pairs = list(self.conns)
            self.conns.clear()
        for pair in pairs:
            for s in pair:
                _close(s)

    def unblock(self):
        self.blocked = False

    def close(self):
        self.closed = True
        self.block()
        _close(self.listener)
        self.thread.join(2)


def _close(s):
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        s.close()
    except OSError:
        pass


class Partition:
    """Cuts every link between group_a and group_b (both directions) while
    active; `with Partition(net.proxies, [0, 1], [2, 3]):` or start()/heal()."""

    def __init__(self, proxies, group_a, group_b):
        self.links = [proxies[(i, j)] for i in group_a for j in group_b] + \
                     [proxies[(j, i)] for i in group_a for j in group_b]

    def start(self):
        for p in self.links:
            p.block()
        return self

    def heal(self):
        for p in self.links:
            p.unblock()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.heal()


# ------------------------------------------------------------------ nodes

class NetNode(NodeProcess):
    """One `athd start --home HOME` process; output (stdout and stderr) is
    appended to HOME.log."""

    def __init__(self, athd, home, index, extra=()):
        self.athd, self.home, self.index = athd, str(home), index
        self.extra = list(extra)
        self.config_path = os.path.join(self.home, "config", "config.toml")
        self.p2p_port = get_toml(self.config_path, "p2p", "port")
        self.rpc_port = get_toml(self.config_path, "rpc", "port")
        self.url = f"http://127.0.0.1:{self.rpc_port}"
        self.metrics_url = f"http://127.0.0.1:{get_toml(self.config_path, 'metrics', 'port')}/metrics"
        self.log_path = self.home + ".log"
        self.proc = None
        self._log = None
        self.node_id = None
        self.account = None
        key = os.path.join(self.home, "config", "account_key.json")
        if os.path.exists(key):
            with open(key) as f:
                self.account = json.load(f)

    def __repr__(self):
        return f"node{self.index}"

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, extra=(), timeout=30):
        assert not self.running, f"{self} is already running"
        self._log = open(self.log_path, "ab")
        self._log.write(f"==== start {time.strftime('%H:%M:%S')} ====\n".encode())
        self._log.flush()
        argv = [self.athd, "start", "--home", self.home, "--log-format", "json", *self.extra, *extra]
        self.proc = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.release()
                raise RuntimeError(f"{self} exited with {self.proc.returncode}: {self.crash_excerpt()}")
            try:
                self.node_id = self.rpc("ath_status", timeout=1)["nodeId"]
                return self
            except (OSError, RPCError, KeyError, ValueError):
                time.sleep(0.1)
        raise RuntimeError(f"{self} did not answer JSON-RPC in {timeout} s: {self.log()[-3000:]}")

    def restart(self, extra=(), timeout=30):
        self.stop()
        return self.start(extra, timeout)

    def release(self):
        if self._log:
            self._log.close()
            self._log = None

    def rpc(self, method, *params, timeout=5):
        return rpc_call(self.url, method, params, timeout)

    def height(self):
        return int(self.rpc("eth_blockNumber"), 16)

    def block(self, n):
        return self.rpc("eth_getBlockByNumber", hex(n), False)

    def block_hash(self, n):
        b = self.block(n)
        return b["hash"] if b else None

    def status(self):
        return self.rpc("ath_status")

    def wait_height(self, h, timeout):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                last = self.height()
                if last >= h:
                    return last
            except (OSError, RPCError, ValueError):
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self} did not reach height {h} in {timeout} s (at {last})")

    def log(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def crash_excerpt(self, chars=3000):
        """The crash report of a node that died (its first line and the
        crashed thread's frames), else the log's tail."""
        text = self.log()
        start = text.rfind("==== start")
        text = text[start:] if start >= 0 else text
        i = text.find("*** Program crashed")
        j = text.find(" crashed:\n", i if i >= 0 else 0)
        if i < 0 or j < 0:
            return text[-chars:]
        thread = text[text.rfind("\n", 0, j) + 1:]
        end = thread.find("\n\n", thread.find("crashed:\n") + 10)
        before = text[:text.rfind("\n", 0, i)]
        return (text[i: text.find("\n", i)] + "\n" + thread[:end if end > 0 else 1500]
                + "\nlast log lines before the crash:\n" + "\n".join(before.strip().splitlines()[-4:]))

    def log_messages(self):
        """The `msg` of each JSON log line, with its fields (dicts)."""
        out = []
        for line in self.log().splitlines():
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out

    def logged(self, text):
        """Log entries whose message contains `text`."""
        return [m for m in self.log_messages() if text in m.get("msg", "")]


class Testnet:
    """`athd testnet` in `directory`, tuned for tests; nodes not started."""

    def __init__(self, athd, directory, validators=4, non_validators=0, block_ms=200,
                 timeouts=(1000, 500, 500, 250), pex=False, proxies=False, extra=None):
        self.athd, self.dir = athd, str(directory)
        self.count = validators + non_validators
        self.validators = validators
        self.base = free_port_base(self.count)
        argv = [athd, "testnet", "--validators", str(validators), "--non-validators", str(non_validators),
                "--dir", self.dir, "--starting-port", str(self.base), "--chain-id", str(CHAIN_ID),
                "--block-time-ms", str(block_ms), "--host", "127.0.0.1"]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"athd testnet failed ({out.returncode}): {out.stderr}{out.stdout}")
        self.summary = out.stdout
        self.proxies = {}
        homes = [os.path.join(self.dir, f"node{i}") for i in range(self.count)]
        propose, prevote, precommit, delta = timeouts
        for home in homes:
            cfg = os.path.join(home, "config", "config.toml")
            set_toml(cfg, "block", "interval_ms", int(block_ms))
            set_toml(cfg, "consensus", "timeout_propose_ms", int(propose))
            set_toml(cfg, "consensus", "timeout_prevote_ms", int(prevote))
            set_toml(cfg, "consensus", "timeout_precommit_ms", int(precommit))
            set_toml(cfg, "consensus", "timeout_delta_ms", int(delta))
            set_toml(cfg, "p2p", "pex", bool(pex))
        # node ids by p2p port, from the peers lists athd wrote
        ids = {}
        for home in homes:
            peers = get_toml(os.path.join(home, "config", "config.toml"), "p2p", "persistent_peers")
            for entry in filter(None, peers.split(",")):
                nid, addr = entry.split("@")
                ids[int(addr.rsplit(":", 1)[1])] = nid
        self.nodes = [NetNode(athd, home, i, (extra or {}).get(i, ())) for i, home in enumerate(homes)]
        for n in self.nodes:
            n.node_id = ids.get(n.p2p_port)
        if proxies:
            for i, a in enumerate(self.nodes):
                for j, b in enumerate(self.nodes):
                    if i != j:
                        self.proxies[(i, j)] = LinkProxy(b.p2p_port, f"{i}->{j}")
            for i, a in enumerate(self.nodes):
                peers = ",".join(f"{b.node_id}@127.0.0.1:{self.proxies[(i, j)].port}"
                                 for j, b in enumerate(self.nodes) if j != i)
                set_toml(a.config_path, "p2p", "persistent_peers", peers)

    def __getitem__(self, i):
        return self.nodes[i]

    def start(self, indices=None):
        for i in (range(self.count) if indices is None else indices):
            self.nodes[i].start()
        return self

    def running(self):
        return [n for n in self.nodes if n.running]

    def close(self):
        """Stops every node (SIGTERM, then SIGKILL) and proxy; never raises."""
        for n in self.nodes:
            if n.running:
                try:
                    n.proc.send_signal(signal.SIGTERM)
                except OSError:
                    pass
        for n in self.nodes:
            try:
                n.stop(timeout=15)
            except Exception:  # noqa: BLE001 - teardown must go on
                n.kill()
        for p in self.proxies.values():
            p.close()

    # ---- network-wide checks

    def heights(self, nodes=None):
        out = {}
        for n in nodes or self.running():
            try:
                out[n.index] = n.height()
            except (OSError, RPCError, ValueError):
                out[n.index] = None
        return out

    def wait_all(self, h, timeout, nodes=None):
        deadline = time.time() + timeout
        nodes = nodes or self.running()
        for n in nodes:
            n.wait_height(h, max(0.5, deadline - time.time()))

    def hashes(self, node, lo, hi):
        return [node.block_hash(k) for k in range(lo, hi + 1)]

    def assert_same_hashes(self, lo, hi, nodes=None):
        """Every node has a block at each height lo..hi, with the same hash."""
        nodes = nodes or self.running()
        reference = self.hashes(nodes[0], lo, hi)
        assert all(reference), f"{nodes[0]} lacks blocks in {lo}..{hi}"
        for n in nodes[1:]:
            mine = self.hashes(n, lo, hi)
            for k, (a, b) in enumerate(zip(reference, mine)):
                assert a == b, f"fork at height {lo + k}: {nodes[0]} has {a}, {n} has {b}"
        return reference

    def tail_logs(self, chars=1500):
        return "\n".join(f"--- {n} ---\n{n.log()[-chars:]}" for n in self.nodes)


@contextlib.contextmanager
def networks(athd, directory):
    """`with networks(athd, dir) as make:` make(**kwargs) -> a Testnet in
    dir/net<k>; every network made is closed on the way out, whatever
    happened (the test modules' `make_net` fixture)."""
    made = []

    def make(**kwargs):
        net = Testnet(athd, os.path.join(str(directory), f"net{len(made)}"), **kwargs)
        made.append(net)
        return net

    try:
        yield make
    finally:
        for net in made:
            net.close()


# ------------------------------------------------------------------ transactions and contracts

def dev_accounts(count=10):
    from athnode import dev_keys
    return dev_keys(count)


def transfer(account, nonce, to, value, base_fee, chain_id=CHAIN_ID):
    """A signed EIP-1559 transfer, as 0x-hex raw bytes."""
    tx = {"type": 2, "chainId": chain_id, "nonce": nonce, "to": to, "value": value, "gas": 21000,
          "maxFeePerGas": 4 * base_fee + 10**9, "maxPriorityFeePerGas": 10**9}
    return "0x" + account.sign_transaction(tx).raw_transaction.hex().removeprefix("0x")


def base_fee(node):
    return int(node.rpc("eth_getBlockByNumber", "latest", False)["baseFeePerGas"], 16)


def contract_call(node, address, abi_name, function, *args):
    """eth_call of a view function of a protocol contract; decoded outputs
    (a tuple when there are several)."""
    from eth_abi import decode
    from protocol import artifact
    from web3 import Web3
    abi = artifact(abi_name)["abi"]
    fn = next(f for f in abi if f.get("type") == "function" and f["name"] == function
              and len(f["inputs"]) == len(args))
    types = [_abi_type(i) for i in fn["inputs"]]
    out_types = [_abi_type(o) for o in fn["outputs"]]
    selector = Web3.keccak(text=f"{function}({','.join(types)})")[:4]
    from eth_abi import encode
    data = "0x" + (selector + encode(types, list(args))).hex()
    result = node.rpc("eth_call", {"to": address, "data": data}, "latest")
    values = decode(out_types, bytes.fromhex(result[2:]))
    return values[0] if len(values) == 1 else values


def _abi_type(p):
    if p["type"].startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in p["components"])
        return f"({inner})" + p["type"][len("tuple"):]
    return p["type"]
