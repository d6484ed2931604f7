"""Issue 6 "Must show" negative tests, on every backend (native ones and the py-ecc reference) and both ciphersuites:
points not on the curve or not in the subgroup, identity points, non-canonical and wrongly flagged encodings, wrong
lengths, altered disclosed messages, an altered presentation header, proofs replayed under another header, key,
ciphersuite or message count.  Every rejection is a typed :class:`zkp.errors.ZkpError` with a machine code; random
corruption (hypothesis) never lets another exception escape.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.zkp.test_backend import _non_subgroup_g2_bytes
from zkp import bbs
from zkp.backend import available_backends, get_backend
from zkp.backend.hash_to_field import P, R
from zkp.bbs.codec import PROOF_LEN_FLOOR
from zkp.errors import InvalidIndexes, InvalidProof, InvalidPublicKey, InvalidSignature, ZkpError

BACKENDS = available_backends()
NATIVE = [n for n in BACKENDS if get_backend(n).native]
SUITES = ["BLS12-381-SHA-256", "BLS12-381-SHAKE-256"]
SK = bbs.keygen(hashlib.sha256(b"iiotid negative-test issuer").digest())
PK = bbs.sk_to_pk(SK)
OTHER_PK = bbs.sk_to_pk(SK + 1)
HEADER = b"iiotid-device-attributes-v1"
PH = b"gateway-challenge-5b1e"
MSGS = [b"oem=ACME", b"model=PLC-9", b"serial=SN-0042", b"fw=142", b"site=Bremen"]
REVEALED = [1, 3]
DISCLOSED = {i: MSGS[i] for i in REVEALED}
G1_IDENTITY = bytes([0xC0]) + bytes(47)
G2_IDENTITY = bytes([0xC0]) + bytes(95)


def _flagged(x: int, size: int = 48) -> bytes:
    enc = bytearray(x.to_bytes(size, "big"))
    enc[0] |= 0x80
    return bytes(enc)


def _g1_x(on_curve: bool) -> int:
    """The smallest x whose x^3 + 4 is (on_curve) or is not (not on_curve) a square in GF(p)."""
    x = 1
    while (pow((x**3 + 4) % P, (P - 1) // 2, P) == 1) != on_curve:
        x += 1
    return x


G1_OUTSIDE_SUBGROUP = _flagged(_g1_x(True))  # on E1 (the cofactor is not 1, so the smallest such x is not in G1)
G1_OFF_CURVE = _flagged(_g1_x(False))
G1_X_EQUALS_P = _flagged(P)
G1_X_ABOVE_P = _flagged(P + 1)


def _bad_g1(good: bytes) -> dict[str, bytes]:
    """Every way a 48-byte G1 encoding can be wrong, built from a good one."""
    return {
        "off curve": G1_OFF_CURVE,
        "outside subgroup": G1_OUTSIDE_SUBGROUP,
        "identity": G1_IDENTITY,
        "x = p": G1_X_EQUALS_P,
        "x > p": G1_X_ABOVE_P,
        "compression flag cleared": bytes([good[0] & 0x7F]) + good[1:],
        "flags 0x20": bytes([(good[0] & 0x1F) | 0x20]) + good[1:],
        "flags 0xE0": bytes([(good[0] & 0x1F) | 0xE0]) + good[1:],
        "infinity flag with a body": bytes([0xC0]) + bytes(46) + b"\x01",
    }


@pytest.fixture(scope="module", params=SUITES)
def material(request: pytest.FixtureRequest) -> tuple[str, bytes, bytes]:
    cs = request.param
    sig = bbs.sign(SK, PK, HEADER, MSGS, ciphersuite=cs)
    proof = bbs.proof_gen(PK, sig, HEADER, PH, MSGS, REVEALED, ciphersuite=cs)
    return cs, sig, proof


# -- points: off curve, outside the subgroup, identity, non-canonical, bad flags --------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_proof_points_rejected(material: tuple[str, bytes, bytes], backend: str) -> None:
    cs, _, proof = material
    be = get_backend(backend)
    for slot, name in enumerate(("Abar", "Bbar", "D")):
        good = proof[48 * slot : 48 * (slot + 1)]
        for what, bad in _bad_g1(good).items():
            tampered = proof[: 48 * slot] + bad + proof[48 * (slot + 1) :]
            with pytest.raises(InvalidProof) as ei:
                bbs.proof_verify(PK, tampered, HEADER, PH, DISCLOSED, ciphersuite=cs, backend=be)
            assert ei.value.code == "malformedProof", (name, what)
            assert name in str(ei.value), (name, what)


@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_signature_points_rejected(material: tuple[str, bytes, bytes], backend: str) -> None:
    cs, sig, _ = material
    be = get_backend(backend)
    for what, bad in _bad_g1(sig[:48]).items():
        for call in (
            lambda s: bbs.verify(PK, s, HEADER, MSGS, ciphersuite=cs, backend=be),
            lambda s: bbs.proof_gen(PK, s, HEADER, PH, MSGS, REVEALED, ciphersuite=cs, backend=be),
        ):
            with pytest.raises(InvalidSignature) as ei:
                call(bad + sig[48:])
            assert ei.value.code == "malformedSignature", what


@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_public_keys_rejected(material: tuple[str, bytes, bytes], backend: str) -> None:
    cs, sig, proof = material
    be = get_backend(backend)
    bad_keys = {
        "outside G2 subgroup": _non_subgroup_g2_bytes(),
        "identity": G2_IDENTITY,
        "off curve": _flagged(5, 96),
        "x_1 = p": _flagged(P << 384, 96),
        "x_0 = p": _flagged(P, 96),
        "compression flag cleared": bytes([PK[0] & 0x7F]) + PK[1:],
        "a G1 point": be.g1_to_bytes(be.g1_generator()),
        "one byte short": PK[:-1],
        "one byte long": PK + b"\x00",
        "empty": b"",
    }
    for what, pk in bad_keys.items():
        with pytest.raises(InvalidPublicKey):
            bbs.verify(pk, sig, HEADER, MSGS, ciphersuite=cs, backend=be)
        with pytest.raises(InvalidPublicKey) as ei:
            bbs.proof_verify(pk, proof, HEADER, PH, DISCLOSED, ciphersuite=cs, backend=be)
        assert ei.value.code == "invalidPublicKey", what


# -- lengths ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", NATIVE)
def test_wrong_lengths_rejected(material: tuple[str, bytes, bytes], backend: str) -> None:
    cs, sig, proof = material
    be = get_backend(backend)
    for n in (0, 1, 47, 48, 79, 81, 96, 160):
        with pytest.raises(InvalidSignature) as ei:
            bbs.verify(PK, (sig * 3)[:n], HEADER, MSGS, ciphersuite=cs, backend=be)
        assert ei.value.code == "invalidSignatureLength", n
    for n in (0, 48, 144, PROOF_LEN_FLOOR - 1, len(proof) - 1, len(proof) + 1, len(proof) + 31):
        with pytest.raises(InvalidProof) as ei:
            bbs.proof_verify(PK, (proof * 2)[:n], HEADER, PH, DISCLOSED, ciphersuite=cs, backend=be)
        assert ei.value.code == "malformedProof", n
    # Whole scalars added or removed change U: the challenge no longer matches, a disclosed index falls outside
    # the smaller L, or the message count differs from the one the verifier expects.
    for bad in (proof + (1).to_bytes(32, "big"), proof[:-32], proof[:-64]):
        with pytest.raises((InvalidProof, InvalidIndexes)):
            bbs.proof_verify(PK, bad, HEADER, PH, DISCLOSED, ciphersuite=cs, backend=be)
        with pytest.raises(InvalidProof):
            bbs.proof_verify(PK, bad, HEADER, PH, DISCLOSED, ciphersuite=cs, backend=be, total_messages=len(MSGS))


# -- altered statements and replays -----------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_altered_statements_and_replays_rejected(material: tuple[str, bytes, bytes], backend: str) -> None:
    cs, _, proof = material
    be = get_backend(backend)
    other_cs = SUITES[1 - SUITES.index(cs)]
    bbs.proof_verify(PK, proof, HEADER, PH, DISCLOSED, ciphersuite=cs, backend=be)  # the unaltered proof verifies
    attempts = {
        "altered disclosed message": dict(disclosed={1: MSGS[1], 3: b"fw=143"}),
        "disclosed message moved to another index": dict(disclosed={1: MSGS[1], 4: MSGS[3]}),
        "disclosed messages swapped": dict(disclosed={1: MSGS[3], 3: MSGS[1]}),
        "altered presentation header": dict(ph=PH[:-1] + bytes([PH[-1] ^ 1])),
        "presentation header dropped": dict(ph=b""),
        "replayed under another header": dict(header=b"iiotid-device-attributes-v2"),
        "replayed with no header": dict(header=b""),
        "replayed under another issuer key": dict(pk=OTHER_PK),
        "replayed under the other ciphersuite": dict(cs=other_cs),
    }
    for what, change in attempts.items():
        with pytest.raises(InvalidProof) as ei:
            bbs.proof_verify(
                change.get("pk", PK),
                proof,
                change.get("header", HEADER),
                change.get("ph", PH),
                change.get("disclosed", DISCLOSED),
                ciphersuite=change.get("cs", cs),
                backend=be,
            )
        assert ei.value.code == "invalidProof", what
    with pytest.raises(InvalidProof) as ei:
        bbs.proof_verify(PK, proof, HEADER, PH, DISCLOSED, ciphersuite=cs, backend=be, total_messages=len(MSGS) + 1)
    assert ei.value.code == "messageCountMismatch"
    with pytest.raises((InvalidProof, InvalidIndexes)):
        bbs.proof_verify(PK, proof, HEADER, PH, {1: MSGS[1], 9: MSGS[3]}, ciphersuite=cs, backend=be)


@pytest.mark.parametrize("backend", NATIVE)
def test_proof_for_one_presentation_header_fails_every_other(backend: str) -> None:
    """A proof bound to one gateway challenge does not verify under any other (replay across sessions)."""
    be = get_backend(backend)
    sig = bbs.sign(SK, PK, HEADER, MSGS, backend=be)
    challenges = [b"nonce-%d" % i for i in range(4)]
    proofs = {c: bbs.proof_gen(PK, sig, HEADER, c, MSGS, REVEALED, backend=be) for c in challenges}
    for c, proof in proofs.items():
        for other in challenges:
            if other == c:
                bbs.proof_verify(PK, proof, HEADER, other, DISCLOSED, backend=be)
            else:
                with pytest.raises(InvalidProof):
                    bbs.proof_verify(PK, proof, HEADER, other, DISCLOSED, backend=be)


# -- random corruption (hypothesis): only typed errors, never acceptance -----------------------------------------------
_SIG = bbs.sign(SK, PK, HEADER, MSGS)
_PROOF = bbs.proof_gen(PK, _SIG, HEADER, PH, MSGS, REVEALED)


@pytest.mark.parametrize("backend", NATIVE)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pos=st.integers(min_value=0, max_value=len(_PROOF) - 1), flip=st.integers(min_value=1, max_value=255))
def test_property_any_corrupted_proof_byte_rejected(backend: str, pos: int, flip: int) -> None:
    bad = bytearray(_PROOF)
    bad[pos] ^= flip
    with pytest.raises(InvalidProof):
        bbs.proof_verify(PK, bytes(bad), HEADER, PH, DISCLOSED, backend=get_backend(backend))


@pytest.mark.parametrize("backend", NATIVE)
@settings(max_examples=40, deadline=None)
@given(point=st.binary(min_size=48, max_size=48), slot=st.integers(min_value=0, max_value=2))
def test_property_random_proof_points_rejected(backend: str, point: bytes, slot: int) -> None:
    """Random 48-byte strings in place of Abar, Bbar or D: a typed error (decoding or verification), never a pass."""
    bad = _PROOF[: 48 * slot] + point + _PROOF[48 * (slot + 1) :]
    if bad == _PROOF:
        return
    with pytest.raises(InvalidProof):
        bbs.proof_verify(PK, bad, HEADER, PH, DISCLOSED, backend=get_backend(backend))


@pytest.mark.parametrize("backend", NATIVE)
@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=400))
def test_property_arbitrary_bytes_raise_only_typed_errors(backend: str, data: bytes) -> None:
    be = get_backend(backend)
    for call in (
        lambda: bbs.proof_verify(PK, data, HEADER, PH, DISCLOSED, backend=be),
        lambda: bbs.verify(PK, data, HEADER, MSGS, backend=be),
        lambda: bbs.verify(data, _SIG, HEADER, MSGS, backend=be),
        lambda: bbs.proof_gen(PK, data, HEADER, PH, MSGS, REVEALED, backend=be),
    ):
        with pytest.raises(ZkpError):
            call()


@pytest.mark.parametrize("backend", NATIVE)
@settings(max_examples=30, deadline=None)
@given(e=st.integers(min_value=0, max_value=2**256 - 1) | st.sampled_from([0, R, R + 1, 2**256 - 1]))
def test_property_signature_scalar_out_of_range_or_wrong_rejected(backend: str, e: int) -> None:
    be = get_backend(backend)
    bad = _SIG[:48] + e.to_bytes(32, "big")
    if bad == _SIG:
        return
    with pytest.raises(InvalidSignature) as ei:
        bbs.verify(PK, bad, HEADER, MSGS, backend=be)
    assert ei.value.code == ("invalidScalar" if e == 0 or e >= R else "invalidSignature")
