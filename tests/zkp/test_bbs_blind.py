"""draft-irtf-cfrg-bbs-blind-signatures-02: every fixture of shared/vectors/bbs-blind (both ciphersuites) byte-exact.

Commitments are re-created with the mocked random scalars and verified, signatures re-created by BlindSign and
checked by VerifyBlindSign (with the B and domain traces), proofs re-created by BlindProofGen with the mocked
scalars and verified by BlindProofVerify.  Then negative cases with typed errors and hypothesis round trips.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import VECTORS
from zkp.backend import get_backend
from zkp.bbs import blind
from zkp.bbs.ciphersuites import create_generators, get_ciphersuite, messages_to_scalars, seeded_random_scalars
from zkp.errors import InvalidIndexes, InvalidParameter, InvalidProof, InvalidSignature, ZkpError

SUITES = {"bls12-381-sha-256": "BLS12-381-SHA-256", "bls12-381-shake-256": "BLS12-381-SHAKE-256"}
ROOT = VECTORS / "bbs-blind"
SK = "60e55110f76883a13d030b2f6bd11883422d5abde717569fc0731f51237169fc"


def _cases(kind: str) -> list[Path]:
    return sorted(p for d in SUITES for p in (ROOT / d / kind).glob("*.json"))


def _id(p: Path) -> str:
    return f"{p.parent.parent.name}/{p.stem}"


def _load(p: Path) -> tuple[dict[str, Any], str]:
    return json.loads(p.read_text()), SUITES[p.parent.parent.name]


def _hex(x: str | None) -> bytes:
    # Source typo (SOURCES.md section 7): sha-256 proof005 commitmentWithProof ends with a stray "s".
    return b"" if x is None else bytes.fromhex(x.rstrip("s"))


def _mock(f: dict[str, Any], which: str, cs: str) -> Callable[[int], list[int]]:
    seed = f["mockRngParameters"]["SEED"].encode()
    dst = f["mockRngParameters"][which]["DST"].encode()
    return lambda n: seeded_random_scalars(seed, dst, n, cs)


def _blind(f: dict[str, Any]) -> int | None:
    return None if f.get("proverBlind") is None else int(f["proverBlind"], 16)


def _msgs(xs: Sequence[str] | None) -> list[bytes]:
    return [bytes.fromhex(m) for m in xs or ()]


PYECC_CASES = {"commit002", "signature004", "proof004"}


def _params(kind: str) -> list[Any]:
    out = []
    for p in _cases(kind):
        out.append(pytest.param(p, "default", id=f"{_id(p)}-default"))
        if p.stem in PYECC_CASES:  # the pure-Python reference backend: one case per operation per suite
            out.append(pytest.param(p, "pyecc", id=f"{_id(p)}-pyecc", marks=pytest.mark.slow))
    return out


def _be(name: str) -> Any:
    return get_backend() if name == "default" else get_backend(name)


# -- fixtures --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("suite", list(SUITES))
def test_generators(suite: str) -> None:
    be = get_backend()
    g = json.loads((ROOT / suite / "generators.json").read_text())
    cs = get_ciphersuite(SUITES[suite])
    api_id = blind.blind_api_id(cs)
    assert g["generators"]["api_id"].encode() == api_id
    gens = create_generators(len(g["generators"]["MsgGenerators"]) + 1, api_id, cs, backend=be)
    assert be.g1_to_bytes(gens[0]).hex() == g["generators"]["Q1"]
    assert [be.g1_to_bytes(x).hex() for x in gens[1:]] == g["generators"]["MsgGenerators"]
    bg = blind.blind_generators(len(g["blindGenerators"]["MsgGenerators"]) + 1, api_id, cs, be)
    assert be.g1_to_bytes(bg[0]).hex() == g["blindGenerators"]["Q1"]  # the draft's Q_2
    assert [be.g1_to_bytes(x).hex() for x in bg[1:]] == g["blindGenerators"]["MsgGenerators"]


@pytest.mark.parametrize(("path", "backend"), _params("commit"))
def test_commit_fixture(path: Path, backend: str) -> None:
    f, cs = _load(path)
    be = _be(backend)
    mock = _mock(f, "commit", cs)
    out, prover_blind = blind.commit(_msgs(f["committedMessages"]), ciphersuite=cs, backend=be, random_scalars=mock)
    assert out.hex() == f["commitmentWithProof"]
    assert format(prover_blind, "064x") == f["proverBlind"]
    m = len(f["committedMessages"])
    rs = mock(m + 2)  # (prover_blind, s~, m~_1..m~_M): the trace's values
    assert format(rs[1], "064x") == f["trace"]["random_scalars"]["s_tilde"]
    assert [format(x, "064x") for x in rs[2:]] == f["trace"]["random_scalars"]["m_tildes"]
    point = blind.verify_commitment(out, m, ciphersuite=cs, backend=be)
    assert be.g1_to_bytes(point) == out[:48]


@pytest.mark.parametrize(("path", "backend"), _params("signature"))
def test_signature_fixture(path: Path, backend: str) -> None:
    f, cs = _load(path)
    be = _be(backend)
    pk = bytes.fromhex(f["signerKeyPair"]["publicKey"])
    cwp = _hex(f["commitmentWithProof"])
    header = bytes.fromhex(f["header"])
    sig = blind.blind_sign(
        bytes.fromhex(f["signerKeyPair"]["secretKey"]),
        pk,
        cwp,
        header,
        _msgs(f["messages"]),
        ciphersuite=cs,
        backend=be,
    )
    assert sig.hex() == f["signature"]
    api_id = blind.blind_api_id(cs)
    parts = blind.blind_sign_parts(
        pk, cwp, header, messages_to_scalars(_msgs(f["messages"]), api_id, cs), api_id, cs=cs, backend=be
    )
    b, domain = be.g1_to_bytes(parts.B).hex(), format(parts.domain, "064x")
    if path.parent.parent.name == "bls12-381-sha-256" and path.stem == "signature003":
        # Fixture defect: this file's trace.domain holds the 48-byte B (our B), and its trace.B matches no value we
        # compute; the signature (whose e is hashed from B) is reproduced byte for byte above, and our domain equals
        # the traced domain of signature005 (same 10 messages, header, key and generators Q_1, H_1..H_10, Q_2).
        assert b == f["trace"]["domain"]
        other = json.loads((path.parent / "signature005.json").read_text())
        assert domain == other["trace"]["domain"]
    else:
        assert (b, domain) == (f["trace"]["B"], f["trace"]["domain"])
    blind.verify_blind_sign(
        pk, sig, header, _msgs(f["messages"]), _msgs(f["committedMessages"]), _blind(f), ciphersuite=cs, backend=be
    )
    with pytest.raises(InvalidSignature):  # a wrong prover blind
        blind.verify_blind_sign(
            pk,
            sig,
            header,
            _msgs(f["messages"]),
            _msgs(f["committedMessages"]),
            ((_blind(f) or 0) + 1),
            ciphersuite=cs,
            backend=be,
        )


@pytest.mark.parametrize(("path", "backend"), _params("proof"))
def test_proof_fixture(path: Path, backend: str) -> None:
    f, cs = _load(path)
    be = _be(backend)
    pk = bytes.fromhex(f["signerPublicKey"])
    header, ph = bytes.fromhex(f["header"]), bytes.fromhex(f["presentationHeader"])
    msgs = _msgs(f["messages"]) if "messages" in f else None
    # The proof files carry only the revealed messages; the full lists are in messages.json (shared by all cases).
    allm = json.loads((ROOT / "messages.json").read_text())
    messages = msgs or _msgs(allm["messages"])[: f["L"]]
    committed = _msgs(allm["committedMessages"]) if f["commitmentWithProof"] is not None else []
    d_idx = sorted(int(i) for i in f["revealedMessages"])
    dc_idx = sorted(int(i) for i in (f["revealedCommittedMessages"] or {}))
    assert [messages[i].hex() for i in d_idx] == [f["revealedMessages"][str(i)] for i in d_idx]
    assert [committed[i].hex() for i in dc_idx] == [f["revealedCommittedMessages"][str(i)] for i in dc_idx]
    mock = _mock(f, "proof", cs)
    proof = blind.blind_proof_gen(
        pk,
        bytes.fromhex(f["signature"]),
        header,
        ph,
        messages,
        committed,
        d_idx,
        dc_idx,
        _blind(f),
        ciphersuite=cs,
        backend=be,
        random_scalars=mock,
    )
    assert proof.hex() == f["proof"]
    u = (len(proof) - 272) // 32
    assert u + 5 == f["mockRngParameters"]["proof"]["count"]
    rs = mock(u + 5)
    tr = f["trace"]["random_scalars"]
    assert [format(x, "064x") for x in rs[:5]] == [tr[k] for k in ("r1", "r2", "e_tilde", "r1_tilde", "r3_tilde")]
    assert proof[:48].hex() == f["trace"]["Abar"] and proof[48:96].hex() == f["trace"]["Bbar"]
    assert proof[-32:].hex() == f["trace"]["challenge"]
    revealed = [messages[i] for i in d_idx]
    revealed_c = [committed[i] for i in dc_idx]
    blind.blind_proof_verify(
        pk, proof, header, ph, f["L"], revealed, revealed_c, d_idx, dc_idx, ciphersuite=cs, backend=be
    )
    if _hex(f["commitmentWithProof"]):  # the fixture's commitment is the one the credential was issued on
        assert f["proverBlind"] is not None
    with pytest.raises(InvalidProof):  # replay under another presentation header
        blind.blind_proof_verify(
            pk, proof, header, ph + b"x", f["L"], revealed, revealed_c, d_idx, dc_idx, ciphersuite=cs, backend=be
        )


def test_fixture_messages_are_the_bbs_ones() -> None:
    allm = json.loads((ROOT / "messages.json").read_text())
    bbs = json.loads((VECTORS / "bbs" / "messages.json").read_text())
    assert allm["messages"] == (bbs["messages"] if isinstance(bbs, dict) else bbs)


# -- negative cases ------------------------------------------------------------------------------------------------
CS = "BLS12-381-SHA-256"


@pytest.fixture(scope="module")
def issued() -> dict[str, Any]:
    sk = bytes.fromhex(SK)
    from zkp.bbs.keys import sk_to_pk

    pk = sk_to_pk(sk)
    committed = [b"device-secret", b"serial-42"]
    cwp, pb = blind.commit(committed, ciphersuite=CS)
    msgs = [b"oem", b"model-7", b"fw-142"]
    sig = blind.blind_sign(sk, pk, cwp, b"hdr", msgs, ciphersuite=CS)
    return {"sk": sk, "pk": pk, "cwp": cwp, "pb": pb, "committed": committed, "msgs": msgs, "sig": sig}


def test_modified_commitment_is_refused(issued: dict[str, Any]) -> None:
    cwp = issued["cwp"]
    for i in (60, 100, len(cwp) - 1):  # s^, an m^, the challenge
        bad = cwp[:i] + bytes([cwp[i] ^ 1]) + cwp[i + 1 :]
        with pytest.raises(blind.InvalidCommitment):
            blind.blind_sign(issued["sk"], issued["pk"], bad, b"hdr", issued["msgs"], ciphersuite=CS)
    with pytest.raises(blind.InvalidCommitment) as e:  # truncated: not 48 + 32k bytes
        blind.blind_sign(issued["sk"], issued["pk"], cwp[:-5], b"hdr", issued["msgs"], ciphersuite=CS)
    assert e.value.code == "invalidLength"
    with pytest.raises(blind.InvalidCommitment) as e:  # not a curve point
        blind.verify_commitment(b"\xff" * 48 + cwp[48:], ciphersuite=CS)
    assert e.value.code == "invalidPoint"
    with pytest.raises(blind.InvalidCommitment) as e:  # a zero scalar
        blind.verify_commitment(cwp[:48] + bytes(32) + cwp[80:], ciphersuite=CS)
    assert e.value.code == "invalidScalar"
    with pytest.raises(blind.InvalidCommitment):  # another number of committed values than announced
        blind.verify_commitment(cwp, 3, ciphersuite=CS)
    with pytest.raises(blind.InvalidCommitment):  # a commitment of the other suite
        blind.verify_commitment(cwp, ciphersuite="BLS12-381-SHAKE-256")


def test_prover_checks(issued: dict[str, Any]) -> None:
    pk, sig = issued["pk"], issued["sig"]
    blind.verify_blind_sign(pk, sig, b"hdr", issued["msgs"], issued["committed"], issued["pb"], ciphersuite=CS)
    for args in (
        (b"hdr", issued["msgs"], issued["committed"], (issued["pb"] + 1)),  # wrong prover blind
        (b"hdr", issued["msgs"], [b"device-secret", b"serial-43"], issued["pb"]),  # another committed message
        (b"hdX", issued["msgs"], issued["committed"], issued["pb"]),  # another header
    ):
        with pytest.raises(InvalidSignature):
            blind.verify_blind_sign(pk, sig, *args, ciphersuite=CS)
    with pytest.raises(InvalidParameter):
        blind.verify_blind_sign(pk, sig, b"hdr", issued["msgs"], issued["committed"], -1, ciphersuite=CS)


def test_bad_indexes_and_lengths(issued: dict[str, Any]) -> None:
    args = (issued["pk"], issued["sig"], b"hdr", b"ph", issued["msgs"], issued["committed"])
    for d, dc in (([3], []), ([], [2]), ([1, 0], []), ([0, 0], []), ([-1], []), (["0"], [])):
        with pytest.raises(InvalidIndexes):
            blind.blind_proof_gen(*args, d, dc, issued["pb"], ciphersuite=CS)  # type: ignore[arg-type]
    proof = blind.blind_proof_gen(*args, [0], [1], issued["pb"], ciphersuite=CS)
    ok = (issued["pk"], proof, b"hdr", b"ph", 3, [b"oem"], [b"serial-42"], [0], [1])
    blind.blind_proof_verify(*ok, ciphersuite=CS)
    with pytest.raises(InvalidProof):
        blind.blind_proof_verify(issued["pk"], proof[:-3], *ok[2:], ciphersuite=CS)
    with pytest.raises(InvalidProof):  # L too large for the proof: no room for the prover blind
        blind.blind_proof_verify(
            issued["pk"], proof, b"hdr", b"ph", 9, [b"oem"], [b"serial-42"], [0], [1], ciphersuite=CS
        )
    with pytest.raises(InvalidProof):  # a committed message disclosed as another one
        blind.blind_proof_verify(
            issued["pk"], proof, b"hdr", b"ph", 3, [b"oem"], [b"serial-43"], [0], [1], ciphersuite=CS
        )
    with pytest.raises(InvalidParameter):
        blind.blind_proof_verify(issued["pk"], proof, b"hdr", b"ph", 3, [b"oem"], [], [0], [1], ciphersuite=CS)
    # the wrong prover blind gives a proof that does not verify
    bad = blind.blind_proof_gen(*args, [0], [1], issued["pb"] + 1, ciphersuite=CS)
    with pytest.raises(InvalidProof):
        blind.blind_proof_verify(issued["pk"], bad, *ok[2:], ciphersuite=CS)


def test_errors_are_typed(issued: dict[str, Any]) -> None:
    with pytest.raises(ZkpError):
        blind.blind_sign(b"short", issued["pk"], issued["cwp"], b"", [], ciphersuite=CS)
    with pytest.raises(ZkpError):
        blind.blind_sign(issued["sk"], b"\x00" * 96, issued["cwp"], b"", [], ciphersuite=CS)
    with pytest.raises(ZkpError):
        blind.commit("abc", ciphersuite=CS)  # type: ignore[arg-type]
    with pytest.raises(ZkpError):
        blind.blind_proof_verify(issued["pk"], b"\x00" * 10, ciphersuite=CS)


# -- property tests ------------------------------------------------------------------------------------------------
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n_msgs=st.integers(0, 5),
    n_committed=st.integers(0, 4),
    data=st.data(),
    suite=st.sampled_from(list(SUITES.values())),
)
def test_round_trip(issued: dict[str, Any], n_msgs: int, n_committed: int, data: st.DataObject, suite: str) -> None:
    sk, pk = issued["sk"], issued["pk"]
    msgs = [b"m%d" % i for i in range(n_msgs)]
    committed = [b"c%d" % i for i in range(n_committed)]
    cwp, pb = blind.commit(committed, ciphersuite=suite)
    sig = blind.blind_sign(sk, pk, cwp, b"h", msgs, ciphersuite=suite)
    blind.verify_blind_sign(pk, sig, b"h", msgs, committed, pb, ciphersuite=suite)
    d = sorted(data.draw(st.sets(st.integers(0, max(n_msgs - 1, 0)), max_size=n_msgs)) if n_msgs else [])
    dc = sorted(
        data.draw(st.sets(st.integers(0, max(n_committed - 1, 0)), max_size=n_committed)) if n_committed else []
    )
    proof = blind.blind_proof_gen(pk, sig, b"h", b"p", msgs, committed, d, dc, pb, ciphersuite=suite)
    assert len(proof) == 272 + 32 * (n_msgs - len(d) + 1 + n_committed - len(dc))
    blind.blind_proof_verify(
        pk, proof, b"h", b"p", n_msgs, [msgs[i] for i in d], [committed[i] for i in dc], d, dc, ciphersuite=suite
    )
    with pytest.raises(InvalidProof):
        blind.blind_proof_verify(
            pk, proof, b"h", b"q", n_msgs, [msgs[i] for i in d], [committed[i] for i in dc], d, dc, ciphersuite=suite
        )
