"""BBS API behaviour: round trips, every rejection path with its typed error, the exposed draft steps composed with a
linked Schnorr statement (as issue 7 uses them), keys and did:key."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from did.errors import InvalidKey as DidInvalidKey
from did.errors import InvalidSignature as DidInvalidSignature
from zkp import bbs
from zkp.backend import available_backends, get_backend
from zkp.backend.hash_to_field import P, R
from zkp.bbs.ciphersuites import create_generators, messages_to_scalars
from zkp.bbs.codec import octets_to_proof, octets_to_pubkey, octets_to_signature
from zkp.bbs.core import (
    calculate_random_scalars,
    proof_challenge_calculate,
    proof_finalize,
    proof_init,
    proof_pairing_check,
    proof_verify_init,
)
from zkp.errors import (
    InvalidIndexes,
    InvalidParameter,
    InvalidProof,
    InvalidPublicKey,
    InvalidSecretKey,
    InvalidSignature,
    UnsupportedCiphersuite,
    ZkpError,
)

SK = bbs.keygen(hashlib.sha256(b"iiotid test issuer").digest())
PK = bbs.sk_to_pk(SK)
HEADER = b"iiotid-birth-certificate-v1"
MSGS = [b"manufacturer=ACME", b"serial=SN-0042", b"fw=1.2.3", b"", b"site=Bremen", b"sl=3"]
SUITES = ["BLS12-381-SHA-256", "BLS12-381-SHAKE-256"]
G1_IDENTITY = bytes([0xC0]) + bytes(47)
G2_IDENTITY = bytes([0xC0]) + bytes(95)


def _g1_outside_subgroup() -> bytes:
    x = 1
    while pow((x**3 + 4) % P, (P - 1) // 2, P) != 1:
        x += 1
    enc = bytearray(x.to_bytes(48, "big"))
    enc[0] |= 0x80
    return bytes(enc)


def _g1_off_curve() -> bytes:
    x = 2
    while pow((x**3 + 4) % P, (P - 1) // 2, P) == 1:
        x += 1
    enc = bytearray(x.to_bytes(48, "big"))
    enc[0] |= 0x80
    return bytes(enc)


@pytest.fixture(scope="module", params=SUITES)
def signed(request: pytest.FixtureRequest) -> tuple[str, bytes]:
    return request.param, bbs.sign(SK, PK, HEADER, MSGS, ciphersuite=request.param)


# -- round trips ------------------------------------------------------------------------------------------------------
def test_sign_verify_and_prove(signed: tuple[str, bytes]) -> None:
    cs, sig = signed
    assert len(sig) == 80
    bbs.verify(PK, sig, HEADER, MSGS, ciphersuite=cs)
    proof = bbs.proof_gen(PK, sig, HEADER, b"nonce-1", MSGS, [4, 1], ciphersuite=cs)  # any order, sorted inside
    assert len(proof) == 3 * 48 + 32 * (4 + 4)
    bbs.proof_verify(PK, proof, HEADER, b"nonce-1", {1: MSGS[1], 4: MSGS[4]}, ciphersuite=cs)
    bbs.proof_verify(PK, proof, HEADER, b"nonce-1", [MSGS[4], MSGS[1]], [4, 1], ciphersuite=cs, total_messages=6)
    # Proofs are randomised: a second proof differs, and both verify (unlinkable presentations).
    proof2 = bbs.proof_gen(PK, sig, HEADER, b"nonce-1", MSGS, [1, 4], ciphersuite=cs)
    assert proof2 != proof
    bbs.proof_verify(PK, proof2, HEADER, b"nonce-1", {1: MSGS[1], 4: MSGS[4]}, ciphersuite=cs)


def test_disclose_none_and_all(signed: tuple[str, bytes]) -> None:
    cs, sig = signed
    p0 = bbs.proof_gen(PK, sig, HEADER, None, MSGS, [], ciphersuite=cs)
    bbs.proof_verify(PK, p0, HEADER, b"", {}, ciphersuite=cs)
    pall = bbs.proof_gen(PK, sig, HEADER, b"", MSGS, range(6), ciphersuite=cs)
    assert len(pall) == 272
    bbs.proof_verify(PK, pall, HEADER, None, dict(enumerate(MSGS)), ciphersuite=cs)


def test_empty_message_list() -> None:
    sig = bbs.sign(SK, PK, None, [])
    bbs.verify(PK, sig, b"", None)
    proof = bbs.proof_gen(PK, sig, b"", b"ph", [], [])
    bbs.proof_verify(PK, proof, b"", b"ph", {})


def test_proof_verifies_on_every_backend() -> None:
    sig = bbs.sign(SK, PK, HEADER, MSGS[:3], backend=get_backend("arkworks"))
    proof = bbs.proof_gen(PK, sig, HEADER, b"x", MSGS[:3], [0], backend=get_backend("arkworks"))
    for name in available_backends():
        be = get_backend(name)
        bbs.verify(PK, sig, HEADER, MSGS[:3], backend=be)
        bbs.proof_verify(PK, proof, HEADER, b"x", {0: MSGS[0]}, backend=be)


@settings(max_examples=15, deadline=None)
@given(
    msgs=st.lists(st.binary(max_size=40), max_size=8),
    data=st.data(),
    header=st.binary(max_size=20),
    ph=st.binary(max_size=20),
)
def test_property_any_disclosure_verifies(msgs: list[bytes], data: st.DataObject, header: bytes, ph: bytes) -> None:
    sig = bbs.sign(SK, PK, header, msgs)
    idx = data.draw(st.sets(st.integers(0, len(msgs) - 1)) if msgs else st.just(set()))
    proof = bbs.proof_gen(PK, sig, header, ph, msgs, sorted(idx))
    bbs.proof_verify(PK, proof, header, ph, {i: msgs[i] for i in idx})
    if idx:
        j = min(idx)
        with pytest.raises(InvalidProof):
            bbs.proof_verify(PK, proof, header, ph, {**{i: msgs[i] for i in idx}, j: msgs[j] + b"!"})


# -- signature rejections ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", available_backends())
def test_signature_rejections(signed: tuple[str, bytes], backend: str) -> None:
    cs, sig = signed
    be = get_backend(backend)
    cases = {
        "short": sig[:79],
        "long": sig + b"\0",
        "identity A": G1_IDENTITY + sig[48:],
        "A outside subgroup": _g1_outside_subgroup() + sig[48:],
        "A off curve": _g1_off_curve() + sig[48:],
        "e = 0": sig[:48] + bytes(32),
        "e = r": sig[:48] + R.to_bytes(32, "big"),
        "e > r": sig[:48] + b"\xff" * 32,
    }
    for name, bad in cases.items():
        with pytest.raises(InvalidSignature) as ei:
            bbs.verify(PK, bad, HEADER, MSGS, ciphersuite=cs, backend=be)
        # Rejected as malformed while decoding, before any pairing ("invalidSignature" means "does not verify").
        assert ei.value.code in ("invalidSignatureLength", "malformedSignature", "invalidScalar"), name
    with pytest.raises(InvalidSignature) as ei:
        bbs.verify(PK, sig[:79], HEADER, MSGS, ciphersuite=cs)
    assert ei.value.code == "invalidSignatureLength"
    with pytest.raises(InvalidSignature):
        bbs.verify(PK, "00" * 80, HEADER, MSGS, ciphersuite=cs)  # type: ignore[arg-type]


def test_signature_does_not_verify(signed: tuple[str, bytes]) -> None:
    cs, sig = signed
    other = "BLS12-381-SHAKE-256" if cs == "BLS12-381-SHA-256" else "BLS12-381-SHA-256"
    attempts = [
        (PK, sig, HEADER, [*MSGS[:-1], b"sl=4"], cs),
        (PK, sig, HEADER + b"!", MSGS, cs),
        (PK, sig, HEADER, MSGS[:-1], cs),
        (PK, sig, HEADER, [MSGS[1], MSGS[0], *MSGS[2:]], cs),
        (bbs.sk_to_pk(SK + 1), sig, HEADER, MSGS, cs),
        (PK, sig, HEADER, MSGS, other),
    ]
    for pk, s, h, m, c in attempts:
        with pytest.raises(InvalidSignature) as ei:
            bbs.verify(pk, s, h, m, ciphersuite=c)
        assert ei.value.code == "invalidSignature"
        assert isinstance(ei.value, DidInvalidSignature)  # generic callers catching did.errors see it too


def test_public_key_rejections(signed: tuple[str, bytes]) -> None:
    cs, sig = signed
    be = get_backend()
    g1 = be.g1_to_bytes(be.g1_generator())
    bad_keys = {
        "short": PK[:95],
        "G1 point": g1,
        "identity": G2_IDENTITY,
        "flags": bytes([PK[0] & 0x1F]) + PK[1:],
        "not on curve": bytes([0x80]) + bytes(94) + b"\x05",
    }
    for name, pk in bad_keys.items():
        with pytest.raises(InvalidPublicKey) as ei:
            bbs.verify(pk, sig, HEADER, MSGS, ciphersuite=cs)
        assert isinstance(ei.value, DidInvalidKey), name
        with pytest.raises(InvalidPublicKey):
            bbs.proof_verify(
                pk,
                bbs.proof_gen(PK, sig, HEADER, b"", MSGS, [0], ciphersuite=cs),
                HEADER,
                b"",
                {0: MSGS[0]},
                ciphersuite=cs,
            )
    with pytest.raises(InvalidPublicKey):
        octets_to_pubkey(G2_IDENTITY, be)


def test_public_key_outside_g2_subgroup() -> None:
    from tests.zkp.test_backend import _non_subgroup_g2_bytes

    sig = bbs.sign(SK, PK, b"", [b"m"])
    with pytest.raises(InvalidPublicKey) as ei:
        bbs.verify(_non_subgroup_g2_bytes(), sig, b"", [b"m"])
    assert "subgroup" in str(ei.value)


# -- proof rejections -------------------------------------------------------------------------------------------------
def test_proof_tampering_rejected(signed: tuple[str, bytes]) -> None:
    cs, sig = signed
    ph = b"gateway-nonce-7f3a"
    proof = bbs.proof_gen(PK, sig, HEADER, ph, MSGS, [0, 2], ciphersuite=cs)
    disclosed = {0: MSGS[0], 2: MSGS[2]}
    bad_calls = {
        "altered disclosed message": (PK, proof, HEADER, ph, {0: MSGS[0], 2: b"fw=9.9.9"}),
        "altered presentation header": (PK, proof, HEADER, b"gateway-nonce-7f3b", disclosed),
        "replayed under another header": (PK, proof, b"another-issuer-context", ph, disclosed),
        "no presentation header": (PK, proof, HEADER, b"", disclosed),
        "message moved to another index": (PK, proof, HEADER, ph, {0: MSGS[0], 3: MSGS[2]}),
        "one disclosed message missing": (PK, proof, HEADER, ph, {0: MSGS[0]}),
        "other issuer key": (bbs.sk_to_pk(SK + 1), proof, HEADER, ph, disclosed),
        "extra scalar appended": (PK, proof + (1).to_bytes(32, "big"), HEADER, ph, disclosed),
        "scalar dropped": (PK, proof[:-32], HEADER, ph, disclosed),
        "challenge flipped": (PK, proof[:-1] + bytes([proof[-1] ^ 1]), HEADER, ph, disclosed),
    }
    for name, args in bad_calls.items():
        with pytest.raises((InvalidProof, InvalidIndexes)) as ei:
            bbs.proof_verify(*args, ciphersuite=cs)
        assert isinstance(ei.value, ZkpError), name
    with pytest.raises(InvalidProof):
        other = "BLS12-381-SHAKE-256" if cs == "BLS12-381-SHA-256" else "BLS12-381-SHA-256"
        bbs.proof_verify(PK, proof, HEADER, ph, disclosed, ciphersuite=other)
    with pytest.raises(InvalidProof) as ei:
        bbs.proof_verify(PK, proof, HEADER, ph, disclosed, ciphersuite=cs, total_messages=7)
    assert ei.value.code == "messageCountMismatch"


@pytest.mark.parametrize("backend", available_backends())
def test_proof_malformed_rejected(signed: tuple[str, bytes], backend: str) -> None:
    cs, sig = signed
    be = get_backend(backend)
    proof = bbs.proof_gen(PK, sig, HEADER, b"", MSGS, [0], ciphersuite=cs)
    d = {0: MSGS[0]}
    malformed = {
        "below floor": proof[:271],
        "not whole scalars": proof[:-1],
        "identity Abar": G1_IDENTITY + proof[48:],
        "Bbar outside subgroup": proof[:48] + _g1_outside_subgroup() + proof[96:],
        "D off curve": proof[:96] + _g1_off_curve() + proof[144:],
        "zero e^": proof[:144] + bytes(32) + proof[176:],
        "r1^ = r": proof[:176] + R.to_bytes(32, "big") + proof[208:],
        "challenge >= r": proof[:-32] + b"\xff" * 32,
    }
    for name, bad in malformed.items():
        with pytest.raises(InvalidProof) as ei:
            bbs.proof_verify(PK, bad, HEADER, b"", d, ciphersuite=cs, backend=be)
        assert ei.value.code in ("malformedProof", "invalidScalar"), name
    with pytest.raises(InvalidProof):
        bbs.proof_verify(PK, proof.hex(), HEADER, b"", d, ciphersuite=cs)  # type: ignore[arg-type]
    with pytest.raises(InvalidProof):
        octets_to_proof(b"\x00" * 10, get_backend())


def test_index_validation(signed: tuple[str, bytes]) -> None:
    cs, sig = signed
    for idx in ([6], [-1], [1, 1], ["0"], [True]):
        with pytest.raises(InvalidIndexes):
            bbs.proof_gen(PK, sig, HEADER, b"", MSGS, idx, ciphersuite=cs)  # type: ignore[list-item]
    proof = bbs.proof_gen(PK, sig, HEADER, b"", MSGS, [0, 5], ciphersuite=cs)
    with pytest.raises(InvalidIndexes):
        bbs.proof_verify(PK, proof, HEADER, b"", {0: MSGS[0], 9: MSGS[5]}, ciphersuite=cs)
    with pytest.raises(InvalidIndexes):
        bbs.proof_verify(PK, proof, HEADER, b"", [MSGS[0], MSGS[5]], [0, 0], ciphersuite=cs)
    with pytest.raises(InvalidIndexes):
        bbs.proof_verify(PK, proof, HEADER, b"", [MSGS[0]], [0, 5], ciphersuite=cs)
    with pytest.raises(InvalidIndexes):
        bbs.proof_verify(PK, proof, HEADER, b"", {-1: MSGS[0]}, ciphersuite=cs)
    with pytest.raises(InvalidParameter):
        bbs.proof_verify(PK, proof, HEADER, b"", [MSGS[0], MSGS[5]], ciphersuite=cs)
    with pytest.raises(InvalidParameter):
        bbs.proof_verify(PK, proof, HEADER, b"", {0: "text", 5: MSGS[5]}, ciphersuite=cs)  # type: ignore[dict-item]


def test_proof_gen_rejects_bad_signature_and_inputs(signed: tuple[str, bytes]) -> None:
    cs, sig = signed
    with pytest.raises(InvalidSignature):
        bbs.proof_gen(PK, sig[:-1], HEADER, b"", MSGS, [0], ciphersuite=cs)
    with pytest.raises(InvalidSignature):
        bbs.proof_gen(PK, G1_IDENTITY + sig[48:], HEADER, b"", MSGS, [0], ciphersuite=cs)
    with pytest.raises(InvalidParameter):
        bbs.proof_gen(PK, sig, "header", b"", MSGS, [0], ciphersuite=cs)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameter):
        bbs.sign(SK, PK, HEADER, ["text"], ciphersuite=cs)  # type: ignore[list-item]
    with pytest.raises(InvalidParameter):
        bbs.sign(SK, PK, HEADER, b"not a list", ciphersuite=cs)  # type: ignore[arg-type]


def test_secret_key_and_ciphersuite_validation() -> None:
    for sk in (0, R, -1, b"\x00" * 31):
        with pytest.raises(InvalidSecretKey):
            bbs.sign(sk, PK, b"", [b"m"])
        with pytest.raises(InvalidSecretKey):
            bbs.sk_to_pk(sk)
    with pytest.raises(InvalidParameter) as ei:
        bbs.keygen(b"short")
    assert ei.value.code == "invalidKeyMaterial"
    with pytest.raises(InvalidParameter):
        bbs.keygen(b"k" * 32, b"i" * 65536)
    with pytest.raises(UnsupportedCiphersuite):
        bbs.sign(SK, PK, b"", [b"m"], ciphersuite="BLS12-381-SHA-512")
    assert bbs.get_ciphersuite("BBS_BLS12381G1_XOF:SHAKE-256_SSWU_RO_") is bbs.BLS12_381_SHAKE_256


# -- scalar interface -------------------------------------------------------------------------------------------------
def test_scalar_messages() -> None:
    values = [20261123, 0, R - 1, 42]
    sig = bbs.sign_scalars(SK, PK, HEADER, values)
    bbs.verify_scalars(PK, sig, HEADER, values)
    with pytest.raises(InvalidSignature):
        bbs.verify_scalars(PK, sig, HEADER, [20261124, 0, R - 1, 42])
    proof = bbs.proof_gen_scalars(PK, sig, HEADER, b"ph", values, [3])
    bbs.proof_verify_scalars(PK, proof, HEADER, b"ph", {3: 42})
    with pytest.raises(InvalidProof):
        bbs.proof_verify_scalars(PK, proof, HEADER, b"ph", {3: 43})
    with pytest.raises(InvalidParameter):
        bbs.sign_scalars(SK, PK, HEADER, [R])
    with pytest.raises(InvalidParameter):
        bbs.sign_scalars(SK, PK, HEADER, b"abc")  # type: ignore[arg-type]
    # A separate api_id gives a separate interface: its signatures do not verify under the default one.
    sig2 = bbs.sign_scalars(SK, PK, HEADER, values, api_id=b"IIOTID_TEST_API_")
    bbs.verify_scalars(PK, sig2, HEADER, values, api_id=b"IIOTID_TEST_API_")
    with pytest.raises(InvalidSignature):
        bbs.verify_scalars(PK, sig2, HEADER, values)


# -- composing the draft's steps with a linked statement (issue 7 pattern) -------------------------------------------
@pytest.mark.parametrize("cs", SUITES)
def test_exposed_steps_link_a_pedersen_commitment(cs: str) -> None:
    """Prove in one challenge: a BBS proof hiding message 1, and that C = G*m_1 + H*rho commits to that message.

    The Schnorr proof for C reuses the BBS blinding m~_1 (a caller-supplied random scalar), so the BBS response
    m^_1 answers both statements; C and its Schnorr commitment T enter the challenge through ``extra_points``.
    """
    c = bbs.get_ciphersuite(cs)
    be = get_backend()
    api = c.api_id
    msgs = messages_to_scalars(MSGS, api, c)
    sig = bbs.sign(SK, PK, HEADER, MSGS, ciphersuite=c)
    gens = create_generators(len(msgs) + 1, api, c, backend=be)
    ped_g, ped_h = create_generators(2, b"IIOTID_TEST_PEDERSEN_", c, backend=be)
    disclosed, undisclosed = [0, 2], [1, 3, 4, 5]
    ph, extra = b"nonce", b"\x00\x00\x00\x00\x00\x00\x00\x05range"

    rho, rho_t = calculate_random_scalars(2)
    scalars = calculate_random_scalars(5 + len(undisclosed))
    m1_t = scalars[5 + undisclosed.index(1)]  # the blinding of message 1, shared with the Pedersen proof
    commitment = be.g1_msm([ped_g, ped_h], [msgs[1], rho])
    t_ped = be.g1_msm([ped_g, ped_h], [m1_t, rho_t])
    init = proof_init(PK, octets_to_signature(sig, be), gens, scalars, HEADER, msgs, undisclosed, api, cs=c, backend=be)
    ch = proof_challenge_calculate(
        init,
        [msgs[i] for i in disclosed],
        disclosed,
        ph,
        api,
        cs=c,
        backend=be,
        extra_points=[commitment, t_ped],
        extra_octets=extra,
    )
    proof = proof_finalize(
        init, ch, octets_to_signature(sig, be).e, scalars, [msgs[j] for j in undisclosed], backend=be
    )
    rho_hat = (rho_t + rho * ch) % R

    # Verifier side.
    pr = octets_to_proof(proof, be)
    m1_hat = pr.commitments[undisclosed.index(1)]
    assert m1_hat == (m1_t + msgs[1] * ch) % R
    vinit = proof_verify_init(PK, pr, gens, HEADER, [msgs[i] for i in disclosed], disclosed, api, cs=c, backend=be)
    t_ped_v = be.g1_sub(be.g1_msm([ped_g, ped_h], [m1_hat, rho_hat]), be.g1_mul(commitment, ch))
    assert be.g1_eq(t_ped_v, t_ped)
    ch_v = proof_challenge_calculate(
        vinit,
        [msgs[i] for i in disclosed],
        disclosed,
        ph,
        api,
        cs=c,
        backend=be,
        extra_points=[commitment, t_ped_v],
        extra_octets=extra,
    )
    assert ch_v == pr.challenge
    assert proof_pairing_check(octets_to_pubkey(PK, be), pr.Abar, pr.Bbar, backend=be)
    # A different commitment (to another value) changes the challenge, so the proof does not carry over.
    other_c = be.g1_msm([ped_g, ped_h], [msgs[1] + 1, rho])
    t_other = be.g1_sub(be.g1_msm([ped_g, ped_h], [m1_hat, rho_hat]), be.g1_mul(other_c, ch))
    assert (
        proof_challenge_calculate(
            vinit,
            [msgs[i] for i in disclosed],
            disclosed,
            ph,
            api,
            cs=c,
            backend=be,
            extra_points=[other_c, t_other],
            extra_octets=extra,
        )
        != pr.challenge
    )
    # Without the extras it is not a plain draft proof either (the challenge covers the linked statement).
    with pytest.raises(InvalidProof):
        bbs.proof_verify(PK, proof, HEADER, ph, {i: MSGS[i] for i in disclosed}, ciphersuite=c)
    # With both extras empty the steps are exactly the draft's CoreProofGen.
    init0 = proof_init(
        PK, octets_to_signature(sig, be), gens, scalars, HEADER, msgs, undisclosed, api, cs=c, backend=be
    )
    ch0 = proof_challenge_calculate(init0, [msgs[i] for i in disclosed], disclosed, ph, api, cs=c, backend=be)
    plain = proof_finalize(
        init0, ch0, octets_to_signature(sig, be).e, scalars, [msgs[j] for j in undisclosed], backend=be
    )
    assert plain == bbs.proof_gen(PK, sig, HEADER, ph, MSGS, disclosed, ciphersuite=c, random_scalars=lambda n: scalars)


def test_proof_init_validates_its_inputs() -> None:
    be = get_backend()
    c = bbs.BLS12_381_SHA_256
    msgs = messages_to_scalars(MSGS[:2], cs=c)
    sig = octets_to_signature(bbs.sign(SK, PK, b"", MSGS[:2]), be)
    gens = create_generators(3, cs=c, backend=be)
    with pytest.raises(InvalidParameter):
        proof_init(PK, sig, gens, [1, 2, 3, 4], b"", msgs, [], c.api_id, cs=c, backend=be)
    with pytest.raises(InvalidParameter):
        proof_init(PK, sig, gens[:2], [1, 2, 3, 4, 5], b"", msgs, [], c.api_id, cs=c, backend=be)
    with pytest.raises(InvalidIndexes):
        proof_init(PK, sig, gens, [1, 2, 3, 4, 5, 6], b"", msgs, [2], c.api_id, cs=c, backend=be)


# -- keys and did:key -------------------------------------------------------------------------------------------------
def test_keygen_defaults_and_rng_injection() -> None:
    material = bytes(range(32))
    assert bbs.keygen(material) == bbs.keygen(material, b"", b"BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_KEYGEN_DST_")
    assert bbs.keygen(material) != bbs.keygen(material, b"device-42")
    assert bbs.keygen(material) != bbs.keygen(material, ciphersuite="BLS12-381-SHAKE-256")
    fixed = bbs.generate_secret_key(rng=lambda n: b"\x07" * n)
    assert fixed == bbs.keygen(b"\x07" * 32).to_bytes(32, "big")
    assert len(bbs.generate_secret_key()) == 32
    assert bbs.sk_to_pk(fixed) == bbs.sk_to_pk(int.from_bytes(fixed, "big"))


def test_did_key_for_bbs_issuer() -> None:
    from did import did_key
    from did.keys import KeyType, PrivateKey

    key = PrivateKey.generate(KeyType.BLS12381_G2, rng=lambda n: hashlib.sha256(b"oem").digest()[:n])
    assert len(key.public_key.raw) == 96
    did = did_key.did_from_public_key(key.public_key)
    assert did.startswith("did:key:zUC7")  # multicodec 0xeb, bls12_381-g2-pub
    doc = did_key.resolve(did)
    resolved = did_key.public_key_from_did(did)
    assert resolved.raw == bbs.sk_to_pk(key.raw)
    assert doc.id == did
    sig = bbs.sign(key.raw, resolved.raw, b"", [b"serial=SN-1"])
    bbs.verify(resolved.raw, sig, b"", [b"serial=SN-1"])


# -- Prover: many proofs from one verified credential -----------------------------------------------------------------
@pytest.mark.parametrize("cs", SUITES)
def test_prover_matches_proof_gen(cs: str) -> None:
    sig = bbs.sign(SK, PK, HEADER, MSGS, ciphersuite=cs)
    prover = bbs.Prover(PK, sig, HEADER, MSGS, ciphersuite=cs)
    assert prover.total_messages == len(MSGS)
    fixed = calculate_random_scalars(5 + 4)
    a = prover.proof_gen(b"ph", [5, 0], random_scalars=lambda n: fixed)
    b = bbs.proof_gen(PK, sig, HEADER, b"ph", MSGS, [0, 5], ciphersuite=cs, random_scalars=lambda n: fixed)
    assert a == b
    bbs.proof_verify(PK, prover.proof_gen(b"ph2", [1]), HEADER, b"ph2", {1: MSGS[1]}, ciphersuite=cs)
    with pytest.raises(InvalidIndexes):
        prover.proof_gen(b"", [6])
    with pytest.raises(InvalidParameter):
        prover.proof_gen(b"", [0], random_scalars=lambda n: fixed[:3])


def test_prover_verifies_the_credential_first() -> None:
    sig = bbs.sign(SK, PK, HEADER, MSGS)
    with pytest.raises(InvalidSignature):
        bbs.Prover(PK, sig, HEADER, [*MSGS[:-1], b"tampered"])
    with pytest.raises(InvalidSignature):
        bbs.Prover(PK, sig[:-1], HEADER, MSGS)
    with pytest.raises(InvalidPublicKey):
        bbs.Prover(G2_IDENTITY, sig, HEADER, MSGS)
    values = [7, 8, 9]
    sig2 = bbs.sign_scalars(SK, PK, b"", values)
    p = bbs.Prover(PK, sig2, b"", None, scalars=values)
    bbs.proof_verify_scalars(PK, p.proof_gen(b"", [2]), b"", b"", {2: 9})
    with pytest.raises(InvalidParameter):
        bbs.Prover(PK, sig2, b"", [b"x"], scalars=values)


# -- codec round trips ------------------------------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(
    ks=st.lists(st.integers(1, R - 1), min_size=3, max_size=3),
    scalars=st.lists(st.integers(1, R - 1), min_size=4, max_size=12),
)
def test_property_signature_and_proof_codecs_round_trip(ks: list[int], scalars: list[int]) -> None:
    from zkp.bbs.codec import Proof, Signature, proof_to_octets, signature_to_octets

    be = get_backend()
    pts = [be.g1_mul(be.g1_generator(), k) for k in ks]
    sig = Signature(pts[0], scalars[0])
    enc = signature_to_octets(sig, be)
    dec = octets_to_signature(enc, be)
    assert len(enc) == 80 and be.g1_eq(dec.A, sig.A) and dec.e == sig.e
    proof = Proof(*pts, scalars[0], scalars[1], scalars[2], tuple(scalars[3:-1]), scalars[-1])
    enc = proof_to_octets(proof, be)
    assert len(enc) == 3 * 48 + 32 * len(scalars)
    back = octets_to_proof(enc, be)
    assert [be.g1_to_bytes(p_) for p_ in back[:3]] == [be.g1_to_bytes(p_) for p_ in pts]
    assert back[3:] == proof[3:]
    assert bbs.codec.proof_undisclosed_count(enc) == len(scalars) - 4
