"""Every draft-irtf-cfrg-bbs-signatures-09 fixture (shared/vectors/bbs, both ciphersuites) on every backend.

Valid signature fixtures are re-created byte for byte by Sign; valid proof fixtures are re-created byte for byte by
ProofGen with the draft's mocked random scalars; every fixture's verification result matches ``result.valid``.
The py-ecc reference runs the same fixtures (marked slow: about 20 s).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from tests.conftest import VECTORS, load_vector
from zkp import bbs
from zkp.backend import available_backends, get_backend
from zkp.bbs.ciphersuites import (
    create_generators,
    get_ciphersuite,
    hash_to_scalar,
    map_message_to_scalar_dst,
    messages_to_scalars,
    mock_random_scalars_dst,
    p1,
    seeded_random_scalars,
)
from zkp.errors import InvalidProof, InvalidSignature

SUITES = {"bls12-381-sha-256": "BLS12-381-SHA-256", "bls12-381-shake-256": "BLS12-381-SHAKE-256"}
BACKENDS = [pytest.param(n, marks=pytest.mark.slow) if not get_backend(n).native else n for n in available_backends()]


def _files(kind: str) -> list[str]:
    return sorted(str(p.relative_to(VECTORS)) for d in SUITES for p in (VECTORS / "bbs" / d / kind).glob("*.json"))


def _suite(rel: str) -> str:
    return SUITES[Path(rel).parts[1]]


def _h(x: str) -> bytes:
    return bytes.fromhex(x)


def test_fixture_inventory() -> None:
    assert len(_files("signature")) == 20 and len(_files("proof")) == 30


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("suite_dir", list(SUITES))
def test_generators_h2s_map_keypair_mocked_rng(backend: str, suite_dir: str) -> None:
    be = get_backend(backend)
    cs = get_ciphersuite(SUITES[suite_dir])
    gen = load_vector(f"bbs/{suite_dir}/generators.json")
    gens = create_generators(1 + len(gen["MsgGenerators"]), cs=cs, backend=be)
    assert be.g1_to_bytes(p1(cs, backend=be)).hex() == gen["P1"]
    assert be.g1_to_bytes(gens[0]).hex() == gen["Q1"]
    assert [be.g1_to_bytes(g).hex() for g in gens[1:]] == gen["MsgGenerators"]

    h2s = load_vector(f"bbs/{suite_dir}/h2s.json")
    assert hash_to_scalar(_h(h2s["message"]), _h(h2s["dst"]), cs).to_bytes(32, "big").hex() == h2s["scalar"]

    m2s = load_vector(f"bbs/{suite_dir}/MapMessageToScalarAsHash.json")
    assert _h(m2s["dst"]) == map_message_to_scalar_dst(cs.api_id)
    got = messages_to_scalars([_h(c["message"]) for c in m2s["cases"]], cs=cs)
    assert [s.to_bytes(32, "big").hex() for s in got] == [c["scalar"] for c in m2s["cases"]]

    kp = load_vector(f"bbs/{suite_dir}/keypair.json")
    sk = bbs.keygen(_h(kp["keyMaterial"]), _h(kp["keyInfo"]), _h(kp["keyDst"]), ciphersuite=cs)
    assert sk.to_bytes(32, "big").hex() == kp["keyPair"]["secretKey"]
    assert bbs.sk_to_pk(sk, backend=be).hex() == kp["keyPair"]["publicKey"]

    rng = load_vector(f"bbs/{suite_dir}/mockedRng.json")
    assert _h(rng["dst"]) == mock_random_scalars_dst(cs)
    got = seeded_random_scalars(_h(rng["seed"]), _h(rng["dst"]), rng["count"], cs)
    assert [s.to_bytes(32, "big").hex() for s in got] == rng["mockedScalars"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("rel", _files("signature"))
def test_signature_fixture(backend: str, rel: str) -> None:
    be = get_backend(backend)
    v = load_vector(rel)
    cs = _suite(rel)
    pk, sk = _h(v["signerKeyPair"]["publicKey"]), _h(v["signerKeyPair"]["secretKey"])
    header, msgs, sig = _h(v["header"]), [_h(m) for m in v["messages"]], _h(v["signature"])
    if v["result"]["valid"]:
        assert bbs.sign(sk, pk, header, msgs, ciphersuite=cs, backend=be).hex() == v["signature"]
        bbs.verify(pk, sig, header, msgs, ciphersuite=cs, backend=be)
        # The trace's domain is what calculate_domain gives.
        from zkp.bbs.core import calculate_domain

        c = get_ciphersuite(cs)
        gens = create_generators(len(msgs) + 1, cs=c, backend=be)
        dom = calculate_domain(pk, gens[0], gens[1:], header, c.api_id, cs=c, backend=be)
        assert dom.to_bytes(32, "big").hex() == v["trace"]["domain"]
    else:
        with pytest.raises(InvalidSignature) as ei:
            bbs.verify(pk, sig, header, msgs, ciphersuite=cs, backend=be)
        assert ei.value.code == "invalidSignature"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("rel", _files("proof"))
def test_proof_fixture(backend: str, rel: str) -> None:
    be = get_backend(backend)
    v = load_vector(rel)
    cs = get_ciphersuite(_suite(rel))
    pk, header, ph = _h(v["signerPublicKey"]), _h(v["header"]), _h(v["presentationHeader"])
    msgs = [_h(m) for m in v["messages"]]
    idx = v["disclosedIndexes"]
    disclosed = {i: msgs[i] for i in idx}
    proof = _h(v["proof"])
    if v["result"]["valid"]:
        rng = load_vector(f"bbs/{Path(rel).parts[1]}/mockedRng.json")
        mocked = partial(seeded_random_scalars, _h(rng["seed"]), _h(rng["dst"]), cs=cs)
        got = bbs.proof_gen(
            pk, _h(v["signature"]), header, ph, msgs, idx, ciphersuite=cs, backend=be, random_scalars=mocked
        )
        assert got.hex() == v["proof"]
        bbs.proof_verify(pk, proof, header, ph, disclosed, ciphersuite=cs, backend=be)
        bbs.proof_verify(
            pk, proof, header, ph, [msgs[i] for i in idx], idx, ciphersuite=cs, backend=be, total_messages=len(msgs)
        )
    else:
        with pytest.raises(InvalidProof):
            bbs.proof_verify(pk, proof, header, ph, disclosed, ciphersuite=cs, backend=be)


@pytest.mark.parametrize("rel", [r for r in _files("proof") if load_vector(r)["result"]["valid"]])
def test_proof_fixture_trace(rel: str) -> None:
    """The exposed draft steps reproduce the fixture trace: ProofInit points, domain and challenge."""
    from zkp.bbs.codec import octets_to_signature
    from zkp.bbs.core import proof_challenge_calculate, proof_init

    be = get_backend()
    v = load_vector(rel)
    cs = get_ciphersuite(_suite(rel))
    msgs = messages_to_scalars([_h(m) for m in v["messages"]], cs=cs)
    idx = v["disclosedIndexes"]
    und = [j for j in range(len(msgs)) if j not in idx]
    t = v["trace"]
    rs = t["random_scalars"]
    scalars = [int(rs[k], 16) for k in ("r1", "r2", "e_tilde", "r1_tilde", "r3_tilde")]
    scalars += [int(x, 16) for x in rs["m_tilde_scalars"]]
    gens = create_generators(len(msgs) + 1, cs=cs, backend=be)
    sig = octets_to_signature(_h(v["signature"]), be)
    init = proof_init(
        _h(v["signerPublicKey"]), sig, gens, scalars, _h(v["header"]), msgs, und, cs.api_id, cs=cs, backend=be
    )
    assert be.g1_to_bytes(init.Abar).hex() == t["A_bar"]
    assert be.g1_to_bytes(init.Bbar).hex() == t["B_bar"]
    assert be.g1_to_bytes(init.D).hex() == t["D"]
    assert be.g1_to_bytes(init.T1).hex() == t["T1"]
    assert be.g1_to_bytes(init.T2).hex() == t["T2"]
    assert init.domain.to_bytes(32, "big").hex() == t["domain"]
    c = proof_challenge_calculate(
        init, [msgs[i] for i in idx], idx, _h(v["presentationHeader"]), cs.api_id, cs=cs, backend=be
    )
    assert c.to_bytes(32, "big").hex() == t["challenge"]
