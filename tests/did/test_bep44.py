"""BEP 44 items: every published test vector (signing buffers, signatures, targets), pkarr relay payloads,
size/salt/seq limits and the seq replacement rule, all with typed errors."""

from __future__ import annotations

import hashlib

import nacl.signing
import pytest
from hypothesis import given
from hypothesis import strategies as st

from did.bep44 import (
    MAX_SEQ,
    ImmutableItem,
    MutableItem,
    check_replaces,
    immutable_target,
    mutable_target,
    signing_bytes,
)
from did.errors import EncodingError, InvalidKey, InvalidSignature, PayloadTooLarge, StaleRecord
from tests.conftest import load_vector

VECTORS = load_vector("bep44/bep44-test-vectors.json")
MUTABLE = [v for v in VECTORS["vectors"] if "signature" in v]

# ---------------------------------------------------------------------------------------------------------------
# A small pure-Python Ed25519 signer (RFC 8032 section 5.1.6) taking the *expanded* secret key the BEP uses:
# a = clamped scalar (first 32 bytes, little-endian), prefix = last 32 bytes. Seed-based APIs (pynacl) cannot
# sign from this form, so the vector signatures are reproduced here from first principles.

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
GY = 4 * pow(5, P - 2, P) % P


def _recover_x(y: int, sign: int) -> int:
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * pow(2, (P - 1) // 4, P) % P
    if x % 2 != sign:
        x = P - x
    return x


G = (_recover_x(GY, 0), GY, 1, _recover_x(GY, 0) * GY % P)


def _add(p: tuple[int, int, int, int], q: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    # RFC 8032 section 5.1.4, extended homogeneous coordinates.
    a = (p[1] - p[0]) * (q[1] - q[0]) % P
    b = (p[1] + p[0]) * (q[1] + q[0]) % P
    c = 2 * p[3] * q[3] * D % P
    d = 2 * p[2] * q[2] % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _mul(s: int, pt: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    q = (0, 1, 1, 0)
    while s:
        if s & 1:
            q = _add(q, pt)
        pt = _add(pt, pt)
        s >>= 1
    return q


def _encode(pt: tuple[int, int, int, int]) -> bytes:
    zi = pow(pt[2], P - 2, P)
    x, y = pt[0] * zi % P, pt[1] * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def sign_expanded(expanded: bytes, message: bytes) -> bytes:
    a = int.from_bytes(expanded[:32], "little")
    prefix = expanded[32:]
    public = _encode(_mul(a, G))
    r = int.from_bytes(hashlib.sha512(prefix + message).digest(), "little") % L
    big_r = _encode(_mul(r, G))
    k = int.from_bytes(hashlib.sha512(big_r + public + message).digest(), "little") % L
    return big_r + ((r + k * a) % L).to_bytes(32, "little")


# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("vector", MUTABLE, ids=lambda v: v["name"])
def test_mutable_vector_buffer_target_and_signature(vector: dict[str, object]) -> None:
    value = str(vector["value"]).encode()
    salt = str(vector.get("salt", "")).encode()
    seq = int(vector["seq"])  # type: ignore[call-overload]
    buffer = signing_bytes(value, seq, salt)
    assert buffer == str(vector["buffer_being_signed"]).encode()

    public = bytes.fromhex(str(vector["public_key"]))
    expanded = bytes.fromhex(str(vector["private_key"]))
    assert _encode(_mul(int.from_bytes(expanded[:32], "little"), G)) == public
    signature = sign_expanded(expanded, buffer)
    assert signature.hex() == vector["signature"]  # reproduced, not only verified

    item = MutableItem(public, seq, b"Hello World!", signature, salt)
    assert item.v_bencoded == value
    assert item.signing_bytes() == buffer
    assert item.target.hex() == vector["target_id"] == mutable_target(public, salt).hex()
    item.verify()


def test_immutable_vector_target() -> None:
    (vector,) = [v for v in VECTORS["vectors"] if v["name"].startswith("test 3")]
    assert immutable_target(vector["value"].encode()).hex() == vector["target_id"]
    item = ImmutableItem.from_bencoded(vector["value"].encode())
    assert item.v == b"Hello World!" and item.target.hex() == vector["target_id"]


@pytest.mark.parametrize("example", VECTORS["signing_buffer_examples"], ids=lambda e: e["source_lines"])
def test_signing_buffer_examples(example: dict[str, str]) -> None:
    buf = example["buffer"].encode()
    salt = b"foobar" if buf.startswith(b"4:salt") else b""
    seq = int(buf.split(b"3:seqi", 1)[1].split(b"e", 1)[0])
    v = buf.split(b"1:v", 1)[1]
    assert signing_bytes(v, seq, salt) == buf


def test_empty_salt_is_no_salt() -> None:
    # BEP 44: "if salt is specified and an empty string, it is as if it was not specified"
    assert signing_bytes(b"1:x", 1, b"") == b"3:seqi1e1:v1:x"


def test_tampered_vector_items_do_not_verify() -> None:
    v = MUTABLE[0]
    public, sig = bytes.fromhex(v["public_key"]), bytes.fromhex(v["signature"])
    for item in (
        MutableItem(public, 2, b"Hello World!", sig),  # other seq
        MutableItem(public, 1, b"Hello World?", sig),  # other value
        MutableItem(public, 1, b"Hello World!", sig, b"foobar"),  # salt added
        MutableItem(public, 1, b"Hello World!", sig[:63] + bytes([sig[63] ^ 1])),
        MutableItem(bytes(32), 1, b"Hello World!", sig),  # not a valid key at all
    ):
        with pytest.raises(InvalidSignature):
            item.verify()


# ---------------------------------------------------------------------------------------------------------------

KEY = nacl.signing.SigningKey(bytes(range(32)))


def _item(seq: int, v: bytes = b"x") -> MutableItem:
    return MutableItem.sign(KEY, v, seq)


@given(st.binary(max_size=996), st.integers(min_value=0, max_value=MAX_SEQ))
def test_relay_round_trip(v: bytes, seq: int) -> None:
    item = MutableItem.sign(KEY, v, seq)
    body = item.to_relay_bytes()
    assert body[:64] == item.signature and int.from_bytes(body[64:72], "big") == seq and body[72:] == v
    assert MutableItem.from_relay_bytes(item.public_key, body) == item


def test_create_with_any_signer_checks_the_signature() -> None:
    from did.keys import PrivateKey

    key = PrivateKey.from_raw("ed25519", bytes(range(32)))
    item = MutableItem.create(key.public_key.raw, b"packet", 7, key.sign)
    assert item == MutableItem.sign(KEY, b"packet", 7)
    other = PrivateKey.from_raw("ed25519", bytes(32))
    with pytest.raises(InvalidSignature):
        MutableItem.create(key.public_key.raw, b"packet", 7, other.sign)
    for seq in (-1, MAX_SEQ + 1, True):
        with pytest.raises(EncodingError):
            MutableItem.create(key.public_key.raw, b"packet", seq, key.sign)  # type: ignore[arg-type]


def test_limits_raise_typed_errors() -> None:
    assert len(_item(1, b"a" * 996).v_bencoded) == 1000  # exactly the BEP 44 limit
    with pytest.raises(PayloadTooLarge, match="1000"):
        _item(1, b"a" * 997)
    item = _item(1)
    with pytest.raises(InvalidKey):
        MutableItem(b"\x01" * 31, 1, b"x", item.signature)
    with pytest.raises(InvalidSignature):
        MutableItem(item.public_key, 1, b"x", item.signature[:63])
    with pytest.raises(EncodingError):
        MutableItem(item.public_key, -1, b"x", item.signature)
    with pytest.raises(EncodingError, match="64"):
        MutableItem(item.public_key, 1, b"x", item.signature, b"s" * 65)  # BEP 44: salt at most 64 bytes


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", EncodingError),
        (b"\x00" * 71, EncodingError),  # shorter than sig || seq
        (b"\x00" * 64 + b"\xff" * 8 + b"v", EncodingError),  # seq above 2^63-1
        (b"\x00" * 72 + b"v" * 997, PayloadTooLarge),
        (b"\x00" * 72 + b"v", InvalidSignature),
    ],
)
def test_malformed_relay_bodies(body: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        MutableItem.from_relay_bytes(bytes(KEY.verify_key), body)


def test_lower_or_equal_seq_never_replaces() -> None:
    stored = _item(10)
    check_replaces(None, stored)
    check_replaces(stored, _item(11))
    for seq, v in ((9, b"x"), (10, b"x"), (10, b"other")):  # lower, equal (same), equal (different value)
        with pytest.raises(StaleRecord) as exc:
            check_replaces(stored, _item(seq, v))
        assert exc.value.code == "staleRecord"


@given(st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=20))
def test_store_keeps_the_highest_seq(seqs: list[int]) -> None:
    stored: MutableItem | None = None
    for seq in seqs:
        candidate = _item(seq)
        try:
            check_replaces(stored, candidate)
        except StaleRecord:
            continue
        stored = candidate
    assert stored is not None and stored.seq == max(seqs)


def test_equal_seq_tie_break_converges_on_the_greater_value() -> None:
    a, b = _item(10, b"aaa"), _item(10, b"bbb")
    check_replaces(a, b, tie_break=True)  # did:dht "Conflict Resolution": the lexicographically greater wins
    with pytest.raises(StaleRecord, match="sorts lower"):
        check_replaces(b, a, tie_break=True)
    with pytest.raises(StaleRecord):
        check_replaces(a, _item(10, b"aaa"), tie_break=True)  # identical: nothing to replace
    with pytest.raises(StaleRecord):
        check_replaces(b, _item(9, b"zzz"), tie_break=True)  # lower seq never wins
    with pytest.raises(StaleRecord):
        check_replaces(a, b)  # without the gateway rule an equal seq never replaces


def test_items_of_other_keys_or_salts_never_replace() -> None:
    other = MutableItem.sign(nacl.signing.SigningKey(bytes(32)), b"x", 99)
    with pytest.raises(StaleRecord, match="another key"):
        check_replaces(_item(1), other)
    with pytest.raises(StaleRecord):
        check_replaces(_item(1), MutableItem.sign(KEY, b"x", 99, b"salt"))
