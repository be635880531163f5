import os
import shutil
import subprocess

import pytest


@pytest.fixture(scope="session")
def ath_bin():
    path = os.environ.get("ATH_BIN") or shutil.which("ath")
    if not path or not os.path.exists(path):
        pytest.fail("ATH_BIN is not set to the ath binary (make test sets it)")
    return path


@pytest.fixture
def ath(ath_bin, tmp_path):
    """Runs `ath` with a private home; returns the CompletedProcess."""
    home = tmp_path / "home"

    def run(*args, stdin=None, use_home=True):
        argv = [ath_bin, *args]
        if use_home:
            argv += ["--home", str(home)]
        return subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=120)

    run.home = home
    return run


@pytest.fixture
def password_file(tmp_path):
    def make(password, name="pw"):
        p = tmp_path / name
        p.write_text(password + "\n")
        return str(p)
    return make


@pytest.fixture(scope="session")
def athd_bin(ath_bin):
    path = os.path.join(os.path.dirname(ath_bin), "athd")
    if not os.path.exists(path):
        pytest.fail(f"{path} does not exist (make test builds it)")
    return path


@pytest.fixture(scope="module")
def node(athd_bin, tmp_path_factory):
    """An `athd dev` process per test module (200 ms blocks), stopped cleanly at the end."""
    from athnode import DevNode
    n = DevNode(athd_bin, tmp_path_factory.mktemp("devnode") / "home", ["--block-time-ms", "200"]).start()
    yield n
    assert n.stop() == 0, n.read_log()[-3000:]


@pytest.fixture(scope="module")
def w3(node):
    from web3 import Web3
    return Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 30}))


@pytest.fixture(scope="module")
def accounts():
    """The dev chain's ten prefunded accounts (eth-account LocalAccounts)."""
    from athnode import dev_keys
    return dev_keys(10)


@pytest.fixture
def make_net(athd_bin, tmp_path):
    """Makes `athd testnet` networks in tmp_path (athnet.networks), every node stopped at the end."""
    from athnet import networks
    with networks(athd_bin, tmp_path) as make:
        yield make
