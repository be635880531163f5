"""`ath tx decode` refuses hostile input with one sentence and a non-zero exit."""
import pytest
from eth_account import Account

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
KEY = "0x4646464646464646464646464646464646464646464646464646464646464646"


def signed_legacy():
    tx = {"nonce": 9, "gasPrice": 20 * 10**9, "gas": 21000, "to": "0x3535353535353535353535353535353535353535",
          "value": 10**18, "data": b"", "chainId": 1}
    return Account.sign_transaction(tx, KEY)


def rlp_item(payload: bytes) -> bytes:
    if len(payload) == 1 and payload[0] < 0x80:
        return payload
    if len(payload) < 56:
        return bytes([0x80 + len(payload)]) + payload
    n = (len(payload).bit_length() + 7) // 8
    return bytes([0xB7 + n]) + len(payload).to_bytes(n, "big") + payload


def rlp_list(items) -> bytes:
    body = b"".join(items)
    if len(body) < 56:
        return bytes([0xC0 + len(body)]) + body
    n = (len(body).bit_length() + 7) // 8
    return bytes([0xF7 + n]) + len(body).to_bytes(n, "big") + body


def int_bytes(v: int) -> bytes:
    return v.to_bytes((v.bit_length() + 7) // 8, "big")


def high_s_variant():
    s = signed_legacy()
    # Flip s to n - s and the parity: the same signature in its high-S form.
    v = 37 if s.v == 38 else 38
    fields = [int_bytes(9), int_bytes(20 * 10**9), int_bytes(21000), bytes.fromhex("35" * 20),
              int_bytes(10**18), b"", int_bytes(v), int_bytes(s.r), int_bytes(SECP256K1_N - s.s)]
    return "0x" + rlp_list([rlp_item(f) for f in fields]).hex()


def decode(ath, raw):
    return ath("tx", "decode", raw, use_home=False)


def one_sentence(r):
    assert r.returncode != 0
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, r.stderr
    return lines[0]


def test_valid_transaction_decodes(ath):
    raw = "0x" + bytes(signed_legacy().raw_transaction).hex()
    r = decode(ath, raw)
    assert r.returncode == 0, r.stderr
    assert Account.from_key(KEY).address in r.stdout


def test_truncated(ath):
    raw = "0x" + bytes(signed_legacy().raw_transaction).hex()
    msg = one_sentence(decode(ath, raw[:-10]))
    assert "not valid RLP" in msg and "needs" in msg


def test_non_canonical_integer(ath):
    s = signed_legacy()
    fields = [b"\x00\x09", int_bytes(20 * 10**9), int_bytes(21000), bytes.fromhex("35" * 20),
              int_bytes(10**18), b"", int_bytes(s.v), int_bytes(s.r), int_bytes(s.s)]
    raw = "0x" + rlp_list([rlp_item(f) for f in fields]).hex()
    msg = one_sentence(decode(ath, raw))
    assert "nonce" in msg and "leading zero" in msg


def test_non_canonical_length(ath):
    raw = "0x" + bytes(signed_legacy().raw_transaction).hex()
    body = bytes.fromhex(raw[2:])
    # Re-wrap the list payload with a long-form header for a short length.
    assert body[0] >= 0xF8
    n = body[0] - 0xF7
    payload = body[1 + n:]
    bad = bytes([0xF9]) + len(payload).to_bytes(2, "big") + payload
    msg = one_sentence(decode(ath, "0x" + bad.hex()))
    assert "non-canonical" in msg or "leading zero" in msg


def test_high_s(ath):
    msg = one_sentence(decode(ath, high_s_variant()))
    assert "upper half" in msg and "EIP-2" in msg


def test_trailing_bytes_and_garbage(ath):
    raw = "0x" + bytes(signed_legacy().raw_transaction).hex()
    assert "trailing" in one_sentence(decode(ath, raw + "00"))
    assert "not hex" in one_sentence(decode(ath, "0xzz"))
    assert "blob" in one_sentence(decode(ath, "0x03c0"))


@pytest.mark.parametrize("lines", [3])
def test_batch_mode_reports_each_line(ath_bin, lines):
    import subprocess
    good = "0x" + bytes(signed_legacy().raw_transaction).hex()
    r = subprocess.run([ath_bin, "tx", "decode", "-", "--json"], input=f"{good}\n0x00\n{good}\n",
                       capture_output=True, text=True, timeout=60)
    out = [l for l in r.stdout.splitlines() if l.strip()]
    assert len(out) == lines and r.returncode != 0
    assert '"error"' in out[1] and '"error"' not in out[0]
