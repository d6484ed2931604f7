"""draft-irtf-cfrg-bbs-per-verifier-linkability-03: every fixture of shared/vectors/bbs-pseudonym byte-exact (nymCommit,
nymSignature, nymProof 001-007 and the 10-nym 101-104, both ciphersuites), then the pseudonym's security properties
(same verifier -> same pseudonym, other verifier -> other pseudonym that does not verify there, replay) and typed
errors, and hypothesis round trips.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import VECTORS
from zkp.backend import get_backend
from zkp.backend.hash_to_field import R
from zkp.bbs import blind, pseudonym
from zkp.bbs.ciphersuites import (
    create_generators,
    get_ciphersuite,
    hash_to_scalar,
    messages_to_scalars,
    seeded_random_scalars,
)
from zkp.bbs.codec import octets_to_signature
from zkp.bbs.core import proof_init
from zkp.bbs.keys import sk_to_pk
from zkp.errors import InvalidIndexes, InvalidParameter, InvalidProof, InvalidSignature, ZkpError

SUITES = {"bls12-381-sha-256": "BLS12-381-SHA-256", "bls12-381-shake-256": "BLS12-381-SHAKE-256"}
ROOT = VECTORS / "bbs-pseudonym"
PYECC_CASES = {"nymCommit002", "nymSignature004", "nymProof004"}


def _cases(kind: str) -> list[Path]:
    return sorted(p for d in SUITES for p in (ROOT / d / kind).glob("*.json"))


def _params(kind: str) -> list[Any]:
    out = []
    for p in _cases(kind):
        ident = f"{p.parent.parent.name}/{p.stem}"
        out.append(pytest.param(p, "default", id=f"{ident}-default"))
        if p.stem in PYECC_CASES:  # the pure-Python reference backend: one case per operation per suite
            out.append(pytest.param(p, "pyecc", id=f"{ident}-pyecc", marks=pytest.mark.slow))
    return out


def _be(name: str) -> Any:
    return get_backend() if name == "default" else get_backend(name)


def _load(p: Path) -> tuple[dict[str, Any], str]:
    return json.loads(p.read_text()), SUITES[p.parent.parent.name]


def _scalar(x: str) -> int:
    # Source encoding defect (SOURCES.md section 8): proverNyms[4]/[5] and nym_secrets[4]/[5] of the 10-nym files
    # have 63 hex digits (leading zero dropped); left-pad before decoding.
    assert len(x) in (63, 64)
    return int(x.rjust(64, "0"), 16)


def _point(x: str) -> str:
    # Source typo (SOURCES.md section 8): sha-256 nymSignature001 trace.B ends with a stray "s".
    return x.rstrip("s")


def _msgs(xs: list[str] | None) -> list[bytes]:
    return [bytes.fromhex(m) for m in xs or ()]


def _mock(f: dict[str, Any], which: str, cs: str) -> Callable[[int], list[int]]:
    seed = f["mockRngParameters"]["SEED"].encode()
    dst = f["mockRngParameters"][which]["DST"].encode()
    return lambda n: seeded_random_scalars(seed, dst, n, cs)


# -- fixtures --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("suite", list(SUITES))
def test_generators(suite: str) -> None:
    be = get_backend()
    g = json.loads((ROOT / suite / "generators.json").read_text())
    cs = get_ciphersuite(SUITES[suite])
    api_id = pseudonym.pseudonym_api_id(cs)
    assert g["generators"]["api_id"].encode() == api_id
    assert g["blindGenerators"]["api_id"].encode() == b"BLIND_" + api_id
    for key in ("generators", "blindGenerators"):
        gens = create_generators(len(g[key]["MsgGenerators"]) + 1, g[key]["api_id"].encode(), cs, backend=be)
        assert be.g1_to_bytes(gens[0]).hex() == g[key]["Q1"]
        assert [be.g1_to_bytes(x).hex() for x in gens[1:]] == g[key]["MsgGenerators"]


@pytest.mark.parametrize(("path", "backend"), _params("nymCommit"))
def test_nym_commit_fixture(path: Path, backend: str) -> None:
    f, cs = _load(path)
    be = _be(backend)
    nyms = [_scalar(n) for n in f["proverNyms"]]
    mock = _mock(f, "commit", cs)
    out, prover_blind = pseudonym.commit_with_nym(
        _msgs(f["committedMessages"]), nyms, ciphersuite=cs, backend=be, random_scalars=mock
    )
    assert out.hex() == f["commitmentWithProof"]
    assert format(prover_blind, "064x") == f["proverBlind"]
    k = len(f["committedMessages"]) + len(nyms)
    rs = mock(k + 2)
    tr = f["trace"]["random_scalars"]
    assert format(rs[1], "064x") == tr["s_tilde"]
    assert [format(x, "064x") for x in rs[2:]] == tr["m_tildes"]
    pseudonym.verify_nym_commitment(out, k, ciphersuite=cs, backend=be)
    bad = out[:60] + bytes([out[60] ^ 1]) + out[61:]
    with pytest.raises(pseudonym.InvalidCommitment):
        pseudonym.verify_nym_commitment(bad, ciphersuite=cs, backend=be)
    with pytest.raises(pseudonym.InvalidCommitment):
        pseudonym.verify_nym_commitment(out, k + 1, ciphersuite=cs, backend=be)
    with pytest.raises(pseudonym.InvalidCommitment):  # it is not a commitment of the plain blind interface
        blind.verify_commitment(out, ciphersuite=cs, backend=be)


@pytest.mark.parametrize(("path", "backend"), _params("nymSignature"))
def test_nym_signature_fixture(path: Path, backend: str) -> None:
    f, cs = _load(path)
    be = _be(backend)
    pk = bytes.fromhex(f["signerKeyPair"]["publicKey"])
    cwp, header = bytes.fromhex(f["commitmentWithProof"]), bytes.fromhex(f["header"])
    nyms = [_scalar(n) for n in f["proverNyms"]]
    entropy = _scalar(f["signer_nym_entropy"])
    sig = pseudonym.blind_sign_with_nym(
        bytes.fromhex(f["signerKeyPair"]["secretKey"]),
        pk,
        cwp,
        len(nyms),
        entropy,
        header,
        _msgs(f["messages"]),
        ciphersuite=cs,
        backend=be,
    )
    assert sig.hex() == f["signature"]
    api_id = pseudonym.pseudonym_api_id(cs)
    parts = pseudonym.blind_sign_with_nym_parts(
        pk, cwp, len(nyms), entropy, header, messages_to_scalars(_msgs(f["messages"]), api_id, cs), cs=cs, backend=be
    )
    assert be.g1_to_bytes(parts.B).hex() == _point(f["trace"]["B"])
    assert format(parts.domain, "064x") == f["trace"]["domain"]
    blind_ = _scalar(f["proverBlind"])
    secrets = pseudonym.verify_finalize_with_nym(
        pk,
        sig,
        header,
        _msgs(f["messages"]),
        _msgs(f["committedMessages"]),
        nyms,
        entropy,
        blind_,
        ciphersuite=cs,
        backend=be,
    )
    assert secrets == [_scalar(n) for n in f["nym_secrets"]]
    with pytest.raises(InvalidSignature):  # without the signer's entropy the nym secret is not the signed one
        pseudonym.verify_finalize_with_nym(
            pk,
            sig,
            header,
            _msgs(f["messages"]),
            _msgs(f["committedMessages"]),
            nyms,
            0,
            blind_,
            ciphersuite=cs,
            backend=be,
        )


@pytest.mark.parametrize(("path", "backend"), _params("nymProof"))
def test_nym_proof_fixture(path: Path, backend: str) -> None:
    f, cs = _load(path)
    be = _be(backend)
    pk = bytes.fromhex(f["signerPublicKey"])
    header, ph = bytes.fromhex(f["header"]), bytes.fromhex(f["presentationHeader"])
    ctx = bytes.fromhex(f["context_id"])
    secrets = [_scalar(n) for n in f["nym_secrets"]]
    messages, committed = _msgs(f["messages"]), _msgs(f["committedMessages"])
    d_idx = sorted(int(i) for i in f["revealedMessages"])
    dc_idx = sorted(int(i) for i in f["revealedCommittedMessages"])
    assert [messages[i].hex() for i in d_idx] == [f["revealedMessages"][str(i)] for i in d_idx]
    assert [committed[i].hex() for i in dc_idx] == [f["revealedCommittedMessages"][str(i)] for i in dc_idx]
    assert pseudonym.calculate_pseudonym(ctx, secrets, ciphersuite=cs, backend=be).hex() == f["pseudonym"]
    mock = _mock(f, "proof", cs)
    proof, nym = pseudonym.proof_gen_with_nym(
        pk,
        bytes.fromhex(f["signature"]),
        header,
        ph,
        secrets,
        ctx,
        messages,
        committed,
        d_idx,
        dc_idx,
        _scalar(f["proverBlind"]),
        ciphersuite=cs,
        backend=be,
        random_scalars=mock,
    )
    tr = f["trace"]
    assert nym.hex() == f["pseudonym"] == tr["pseudonym"]
    assert proof.hex() == f["proof"]
    u = (len(proof) - 272) // 32
    rs = mock(u + 5)
    rtr = tr.get("random_scalars") or tr["randomScalars"]  # the shake-256 10-nym files spell it randomScalars
    names = ("r1", "r2", "e_Tilde", "r1_Tilde", "r3_Tilde")
    assert [format(x, "064x") for x in rs[:5]] == [rtr[k] for k in names]
    assert [format(x, "064x") for x in rs[5:]] == rtr["m_tilde_scalars"]
    assert (proof[:48].hex(), proof[48:96].hex(), proof[96:144].hex()) == (tr["Abar"], tr["Bbar"], tr["D"])
    assert proof[-32:].hex() == tr["challenge"]
    # ProofInit with the combined header header || I2OSP(N, 8): T1, T2 and domain of the trace
    api_id = pseudonym.pseudonym_api_id(cs)
    n, n_l, n_m = len(secrets), len(messages), len(committed)
    gens = create_generators(n_l + 1, api_id, cs, backend=be) + blind.blind_generators(n_m + n + 1, api_id, cs, be)
    scalars = [
        *messages_to_scalars(messages, api_id, cs),
        _scalar(f["proverBlind"]),
        *messages_to_scalars(committed, api_id, cs),
        *secrets,
    ]
    disclosed = [*d_idx, *(j + n_l + 1 for j in dc_idx)]
    undisclosed = [j for j in range(len(scalars)) if j not in disclosed]
    sig = octets_to_signature(bytes.fromhex(f["signature"]), be)
    init = proof_init(pk, sig, gens, rs, header + n.to_bytes(8, "big"), scalars, undisclosed, api_id, cs=cs, backend=be)
    assert (be.g1_to_bytes(init.T1).hex(), be.g1_to_bytes(init.T2).hex()) == (tr["T1"], tr["T2"])
    assert format(init.domain, "064x") == tr["domain"]
    # Ut = OP * sum m~_i z^i over the nym secrets' blindings (the last N m~)
    _, ut = pseudonym.pseudonym_proof_init(ctx, secrets, rs[-n:], api_id, cs=cs, backend=be)
    assert be.g1_to_bytes(ut).hex() == tr["Ut"]
    if "OP" in tr:  # the 10-nym files also trace OP = hash_to_curve_g1(context_id, api_id) and both polynomials
        op = be.hash_to_g1(ctx, api_id, get_ciphersuite(cs).expand_message)
        assert be.g1_to_bytes(op).hex() == tr["OP"]
        z = hash_to_scalar(ctx, api_id + b"VECT_NYM_SECRETS", cs)
        poly = [sum(c * pow(z, i, R) for i, c in enumerate(v)) % R for v in (secrets, rs[-n:])]
        assert [format(x, "064x") for x in poly] == [tr["poly_eval_pseudo"], tr["poly_eval_proof"]]
    # the prepared holder path (B and domain cached) gives the same bytes
    cred = pseudonym.NymCredential.finalize(
        pk,
        bytes.fromhex(f["signature"]),
        header,
        messages,
        committed,
        [_scalar(x) for x in f["proverNyms"]],
        _scalar(f["signer_nym_entropy"]),
        _scalar(f["proverBlind"]),
        ciphersuite=cs,
        backend=be,
    )
    assert cred.nym_secrets == secrets and cred.length_nym_vector == len(secrets) and cred.n_messages == f["L"]
    assert cred.prove(ph, ctx, d_idx, dc_idx, random_scalars=mock) == (proof, nym)
    assert cred.pseudonym(ctx) == nym
    assert format(secrets[-1], "x") not in repr(cred)
    args = (f["L"], [messages[i] for i in d_idx], [committed[i] for i in dc_idx], d_idx, dc_idx)
    pseudonym.proof_verify_with_nym(pk, proof, header, ph, nym, ctx, len(secrets), *args, ciphersuite=cs, backend=be)
    with pytest.raises(InvalidProof):  # the same proof and pseudonym presented to another verifier
        pseudonym.proof_verify_with_nym(
            pk, proof, header, ph, nym, ctx + b"!", len(secrets), *args, ciphersuite=cs, backend=be
        )


def test_domain_of_the_nym_variants_binds_the_nym_count() -> None:
    """trace.domain = calculate_domain(PK, Q_1, (H_1..H_L, Q_2, J_1..J_(M+N)), header || I2OSP(N, 8), api_id):
    the 1-nym and 10-nym signatures over the same messages differ in domain only through N and the J count."""
    f1 = json.loads((ROOT / "bls12-381-sha-256/nymSignature/nymSignature004.json").read_text())
    f10 = json.loads((ROOT / "bls12-381-sha-256/nymSignature/nymSignature006.json").read_text())
    assert f1["messages"] == f10["messages"] and f1["header"] == f10["header"]
    assert f1["trace"]["domain"] != f10["trace"]["domain"]


# -- properties ------------------------------------------------------------------------------------------------------
CS = "BLS12-381-SHA-256"
SK = bytes.fromhex("60e55110f76883a13d030b2f6bd11883422d5abde717569fc0731f51237169fc")


@pytest.fixture(scope="module")
def device() -> dict[str, Any]:
    pk = sk_to_pk(SK)
    nyms = pseudonym.generate_prover_nyms(2)
    committed = [b"device-key-ref"]
    cwp, pb = pseudonym.commit_with_nym(committed, nyms, ciphersuite=CS)
    entropy = pseudonym.generate_signer_nym_entropy()
    msgs = [b"oem", b"model", b"fw-142", b"safety-3"]
    sig = pseudonym.blind_sign_with_nym(SK, pk, cwp, 2, entropy, b"hdr", msgs, ciphersuite=CS)
    secrets = pseudonym.verify_finalize_with_nym(pk, sig, b"hdr", msgs, committed, nyms, entropy, pb, ciphersuite=CS)
    return {
        "pk": pk,
        "sig": sig,
        "msgs": msgs,
        "committed": committed,
        "secrets": secrets,
        "pb": pb,
        "cwp": cwp,
        "nyms": nyms,
    }


def _prove(
    d: dict[str, Any], ctx: bytes, ph: bytes = b"nonce-1", disclosed: list[int] | None = None
) -> tuple[bytes, bytes]:
    return pseudonym.proof_gen_with_nym(
        d["pk"],
        d["sig"],
        b"hdr",
        ph,
        d["secrets"],
        ctx,
        d["msgs"],
        d["committed"],
        disclosed or [0, 2],
        [],
        d["pb"],
        ciphersuite=CS,
    )


def _verify(d: dict[str, Any], proof: bytes, nym: bytes, ctx: bytes, ph: bytes = b"nonce-1", **kw: Any) -> None:
    args: dict[str, Any] = {"header": b"hdr", "n": 2, "messages": [d["msgs"][0], d["msgs"][2]], "indexes": [0, 2]}
    args.update(kw)
    pseudonym.proof_verify_with_nym(
        d["pk"],
        proof,
        args["header"],
        ph,
        nym,
        ctx,
        args["n"],
        4,
        args["messages"],
        [],
        args["indexes"],
        [],
        ciphersuite=CS,
    )


def test_same_verifier_same_pseudonym_other_verifier_other(device: dict[str, Any]) -> None:
    p1, n1 = _prove(device, b"gateway-A")
    p2, n2 = _prove(device, b"gateway-A", ph=b"nonce-2")
    p3, n3 = _prove(device, b"gateway-B")
    assert n1 == n2 != n3 and p1 != p2
    _verify(device, p1, n1, b"gateway-A")
    _verify(device, p2, n2, b"gateway-A", ph=b"nonce-2")
    _verify(device, p3, n3, b"gateway-B")
    for proof, nym, ctx in (
        (p3, n3, b"gateway-A"),
        (p1, n3, b"gateway-A"),
        (p1, n1, b"gateway-B"),
        (p3, n1, b"gateway-B"),
    ):
        with pytest.raises(InvalidProof):  # another gateway's pseudonym or context never verifies
            _verify(device, proof, nym, ctx)
    with pytest.raises(InvalidProof):  # replay under another presentation header (nonce)
        _verify(device, p1, n1, b"gateway-A", ph=b"nonce-2")
    with pytest.raises(InvalidProof):  # another issuance header
        _verify(device, p1, n1, b"gateway-A", header=b"hdX")
    with pytest.raises(InvalidProof):  # another announced nym count
        _verify(device, p1, n1, b"gateway-A", n=1)
    with pytest.raises(InvalidProof):  # a disclosed message changed
        _verify(device, p1, n1, b"gateway-A", messages=[b"oem", b"fw-143"])
    for i in (150, len(p1) - 40, len(p1) - 1):  # a modified proof
        bad = p1[:i] + bytes([p1[i] ^ 1]) + p1[i + 1 :]
        with pytest.raises(ZkpError):
            _verify(device, bad, n1, b"gateway-A")


def test_pseudonym_is_a_function_of_secrets_and_context(device: dict[str, Any]) -> None:
    _, nym = _prove(device, b"gateway-A")
    assert pseudonym.calculate_pseudonym(b"gateway-A", device["secrets"], ciphersuite=CS) == nym
    assert pseudonym.calculate_pseudonym(b"gateway-A", device["nyms"], ciphersuite=CS) != nym  # entropy matters


def test_typed_errors(device: dict[str, Any]) -> None:
    pk, sig = device["pk"], device["sig"]
    with pytest.raises(pseudonym.InvalidCommitment):  # no commitment: nowhere to put the nym secrets
        pseudonym.blind_sign_with_nym(SK, pk, b"", 1, 5, b"", [], ciphersuite=CS)
    with pytest.raises(pseudonym.InvalidCommitment):  # more nyms announced than committed values
        pseudonym.blind_sign_with_nym(SK, pk, device["cwp"], 4, 5, b"", [], ciphersuite=CS)
    cwp = device["cwp"]
    with pytest.raises(pseudonym.InvalidCommitment):
        pseudonym.blind_sign_with_nym(SK, pk, cwp[:-32] + bytes(31) + b"\x01", 2, 5, b"", [], ciphersuite=CS)
    with pytest.raises(InvalidParameter):
        pseudonym.blind_sign_with_nym(SK, pk, cwp, 0, 5, b"", [], ciphersuite=CS)
    with pytest.raises(InvalidParameter):
        pseudonym.blind_sign_with_nym(SK, pk, cwp, 2, -5, b"", [], ciphersuite=CS)
    with pytest.raises(InvalidParameter):
        pseudonym.commit_with_nym([], [], ciphersuite=CS)
    with pytest.raises(InvalidParameter):
        pseudonym.calculate_pseudonym(b"", device["secrets"], ciphersuite=CS)
    with pytest.raises(InvalidIndexes):  # committed index out of range (the nym secrets can never be disclosed)
        pseudonym.proof_gen_with_nym(
            pk,
            sig,
            b"hdr",
            b"",
            device["secrets"],
            b"g",
            device["msgs"],
            device["committed"],
            [],
            [1],
            device["pb"],
            ciphersuite=CS,
        )
    with pytest.raises(InvalidSignature):  # a wrong prover blind at finalization
        pseudonym.verify_finalize_with_nym(
            pk, sig, b"hdr", device["msgs"], device["committed"], device["nyms"], 0, device["pb"] + 1, ciphersuite=CS
        )
    proof, nym = _prove(device, b"gateway-A")
    with pytest.raises(InvalidProof) as e:
        _verify(device, proof, b"\x00" * 48, b"gateway-A")
    assert e.value.code == "invalidPseudonym"
    with pytest.raises(InvalidProof):
        _verify(device, proof[:300], nym, b"gateway-A")
    with pytest.raises(InvalidProof):  # a wrong prover blind gives a proof that does not verify
        bad, nym_b = pseudonym.proof_gen_with_nym(
            pk,
            sig,
            b"hdr",
            b"nonce-1",
            device["secrets"],
            b"gateway-A",
            device["msgs"],
            device["committed"],
            [0, 2],
            [],
            device["pb"] + 1,
            ciphersuite=CS,
        )
        _verify(device, bad, nym_b, b"gateway-A")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n_msgs=st.integers(0, 4),
    n_committed=st.integers(0, 3),
    n_nyms=st.integers(1, 3),
    data=st.data(),
    suite=st.sampled_from(list(SUITES.values())),
)
def test_round_trip(n_msgs: int, n_committed: int, n_nyms: int, data: st.DataObject, suite: str) -> None:
    pk = sk_to_pk(SK)
    msgs = [b"m%d" % i for i in range(n_msgs)]
    committed = [b"c%d" % i for i in range(n_committed)]
    nyms = pseudonym.generate_prover_nyms(n_nyms)
    cwp, pb = pseudonym.commit_with_nym(committed, nyms, ciphersuite=suite)
    entropy = pseudonym.generate_signer_nym_entropy()
    sig = pseudonym.blind_sign_with_nym(SK, pk, cwp, n_nyms, entropy, b"h", msgs, ciphersuite=suite)
    secrets = pseudonym.verify_finalize_with_nym(pk, sig, b"h", msgs, committed, nyms, entropy, pb, ciphersuite=suite)
    d = sorted(data.draw(st.sets(st.integers(0, n_msgs - 1), max_size=n_msgs))) if n_msgs else []
    dc = sorted(data.draw(st.sets(st.integers(0, n_committed - 1), max_size=n_committed))) if n_committed else []
    ctx = data.draw(st.binary(min_size=1, max_size=40))
    proof, nym = pseudonym.proof_gen_with_nym(
        pk, sig, b"h", b"p", secrets, ctx, msgs, committed, d, dc, pb, ciphersuite=suite
    )
    assert len(proof) == 272 + 32 * (n_msgs - len(d) + 1 + n_committed - len(dc) + n_nyms) and len(nym) == 48
    args = ([msgs[i] for i in d], [committed[i] for i in dc], d, dc)
    pseudonym.proof_verify_with_nym(pk, proof, b"h", b"p", nym, ctx, n_nyms, n_msgs, *args, ciphersuite=suite)
    with pytest.raises(InvalidProof):
        pseudonym.proof_verify_with_nym(
            pk, proof, b"h", b"p", nym, ctx + b"x", n_nyms, n_msgs, *args, ciphersuite=suite
        )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=700), cut=st.integers(0, 700), flip=st.integers(0, 7))
def test_garbage_only_raises_typed_errors(device: dict[str, Any], data: bytes, cut: int, flip: int) -> None:
    """Random bytes, truncations and bit flips of a real proof, commitment and pseudonym: only ZkpError escapes."""
    proof, nym = _prove(device, b"gateway-A")
    cwp = device["cwp"]
    mutated = [data, proof[:cut], cwp[:cut]]
    if cut < len(proof):
        mutated.append(proof[:cut] + bytes([proof[cut] ^ (1 << flip)]) + proof[cut + 1 :])
    if cut < len(cwp):
        mutated.append(cwp[:cut] + bytes([cwp[cut] ^ (1 << flip)]) + cwp[cut + 1 :])
    for blob in mutated:
        if blob != proof:
            with pytest.raises(ZkpError):
                _verify(device, blob, nym, b"gateway-A")
        if blob != cwp:
            with pytest.raises(ZkpError):
                pseudonym.verify_nym_commitment(blob, ciphersuite=CS)
        if blob[:48] != nym:
            with pytest.raises(ZkpError):
                _verify(device, proof, blob[:48], b"gateway-A")
