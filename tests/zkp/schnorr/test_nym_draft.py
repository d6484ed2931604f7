"""draft-irtf-cfrg-bbs-pseudonyms-03 nymCommit fixtures (both ciphersuites): byte-exact commitment with proof,
prover blind, and the commitment proof verifies (and fails when modified)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import VECTORS
from zkp.backend import get_backend
from zkp.bbs.ciphersuites import create_generators, get_ciphersuite, seeded_random_scalars
from zkp.errors import InvalidProof
from zkp.schnorr.nym_draft import commit, pseudonym_api_id, verify_commitment

SUITES = {"bls12-381-sha-256": "BLS12-381-SHA-256", "bls12-381-shake-256": "BLS12-381-SHAKE-256"}
CASES = sorted((VECTORS / "bbs-pseudonym").glob("*/nymCommit/*.json"))


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_nym_commit_fixture(path: object) -> None:
    f = json.loads(path.read_text())  # type: ignore[attr-defined]
    cs = SUITES[path.parent.parent.name]  # type: ignore[attr-defined]
    seed = f["mockRngParameters"]["SEED"].encode()
    dst = f["mockRngParameters"]["commit"]["DST"].encode()
    out, blind = commit(
        [bytes.fromhex(m) for m in f["committedMessages"]],
        [int(n, 16) for n in f["proverNyms"]],
        cs=cs,
        random_scalars=lambda n: seeded_random_scalars(seed, dst, n, cs),
    )
    assert out.hex() == f["commitmentWithProof"]
    assert format(blind, "064x") == f["proverBlind"]
    m = len(f["committedMessages"]) + len(f["proverNyms"])
    verify_commitment(out, m, cs=cs)
    bad = out[:60] + bytes([out[60] ^ 1]) + out[61:]
    with pytest.raises(InvalidProof):
        verify_commitment(bad, m, cs=cs)
    with pytest.raises(InvalidProof):
        verify_commitment(out, m + 1, cs=cs)


@pytest.mark.parametrize("suite", list(SUITES))
def test_pseudonym_and_blind_generators_match_fixtures(suite: str) -> None:
    be = get_backend()
    g = json.loads((VECTORS / "bbs-pseudonym" / suite / "generators.json").read_text())
    cs = get_ciphersuite(SUITES[suite])
    assert g["generators"]["api_id"].encode() == pseudonym_api_id(cs)
    for key in ("generators", "blindGenerators"):
        gens = create_generators(len(g[key]["MsgGenerators"]) + 1, g[key]["api_id"].encode(), cs, backend=be)
        assert be.g1_to_bytes(gens[0]).hex() == g[key]["Q1"]
        assert [be.g1_to_bytes(x).hex() for x in gens[1:]] == g[key]["MsgGenerators"]
