"""Keystores move between ath and eth-account in both directions, and bad
passwords are refused with one clear sentence."""
import json
import os
import stat

import pytest
from eth_account import Account

KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
ADDRESS = Account.from_key(KEY).address


@pytest.mark.parametrize("kdf,iterations", [("scrypt", 2**12), ("pbkdf2", 2**14)])
def test_eth_account_keystore_imports(ath, tmp_path, password_file, kdf, iterations):
    doc = Account.encrypt(KEY, "correct horse", kdf=kdf, iterations=iterations)
    src = tmp_path / "from-eth-account.json"
    src.write_text(json.dumps(doc))
    r = ath("keys", "import", str(src), "--password-file", password_file("correct horse"), "--light-kdf", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["address"] == ADDRESS
    mode = stat.S_IMODE(os.stat(out["path"]).st_mode)
    assert mode == 0o600, oct(mode)
    assert stat.S_IMODE(os.stat(os.path.dirname(out["path"])).st_mode) == 0o700
    listed = ath("keys", "list", "--json")
    assert [e["address"] for e in json.loads(listed.stdout)] == [ADDRESS]


@pytest.mark.parametrize("kdf", ["scrypt", "pbkdf2"])
def test_exported_keystore_opens_in_eth_account(ath, tmp_path, password_file, kdf):
    raw = tmp_path / "raw.hex"
    raw.write_text(KEY + "\n")
    pw = password_file("s3cret")
    r = ath("keys", "import", "--raw-hex", str(raw), "--password-file", pw, "--light-kdf")
    assert r.returncode == 0, r.stderr
    out = tmp_path / "exported.json"
    r = ath("keys", "export", ADDRESS, "--format", "web3-v3", "--kdf", kdf, "--light-kdf",
            "--password-file", pw, "--output", str(out))
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    doc = json.loads(out.read_text())
    assert doc["version"] == 3 and doc["crypto"]["kdf"] == kdf
    assert "0x" + Account.decrypt(doc, "s3cret").hex() == KEY


def test_wrong_password_is_one_clear_sentence(ath, tmp_path, password_file):
    doc = Account.encrypt(KEY, "right", kdf="scrypt", iterations=2**12)
    src = tmp_path / "k.json"
    src.write_text(json.dumps(doc))
    r = ath("keys", "import", str(src), "--password-file", password_file("wrong"), "--light-kdf")
    assert r.returncode != 0
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and "wrong password" in lines[0], r.stderr
    assert not os.path.exists(ath.home / "keystore") or os.listdir(ath.home / "keystore") == []

    # A key stored here refuses a wrong password on export and delete, and stays.
    ath("keys", "import", str(src), "--password-file", password_file("right"), "--light-kdf")
    for args in (["export", ADDRESS], ["delete", ADDRESS], ["show", ADDRESS, "--public-key"]):
        r = ath("keys", *args, "--password-file", password_file("nope", "pw2"))
        assert r.returncode != 0
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        assert len(lines) == 1 and "wrong password" in lines[0], r.stderr
    assert len(json.loads(ath("keys", "list", "--json").stdout)) == 1


def test_new_sign_decode_roundtrip(ath, password_file):
    pw = password_file("pw")
    r = ath("keys", "new", "--password-file", pw, "--light-kdf", "--json")
    assert r.returncode == 0, r.stderr
    address = json.loads(r.stdout)["address"]
    r = ath("tx", "sign", "--from", address, "--to", ADDRESS, "--value", "1.5ath", "--nonce", "7",
            "--gas", "21000", "--max-fee", "30gwei", "--max-priority-fee", "2gwei", "--chain-id", "1337",
            "--password-file", pw, "--json")
    assert r.returncode == 0, r.stderr
    signed = json.loads(r.stdout)
    assert Account.recover_transaction(signed["raw"]) == address
    d = ath("tx", "decode", signed["raw"], "--json", use_home=False)
    assert d.returncode == 0, d.stderr
    fields = json.loads(d.stdout)
    assert fields["from"] == address and fields["hash"] == signed["hash"]
    assert fields["value"] == str(15 * 10**17) and fields["maxFeePerGas"] == str(30 * 10**9)
    assert fields["chainId"] == "1337" and fields["type"] == "0x2"
