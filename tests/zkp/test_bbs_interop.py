"""BBS interop with two independent implementations.

@digitalbazaar/bbs-signatures 3.0.0 (pure JS, the library under bbs-2023-cryptosuite) implements the same draft order
as -09: Sign is byte-identical, and proofs verify both ways (test at the end of this file).

@mattrglobal/pairing-crypto 0.4.2 (MATTR's Rust pairing_crypto compiled to wasm) is an older draft.

What that release implements, established by the checks below: the signature wire format (A || e, 80 bytes), the
api_id "…H2G_HM2S_", P1, the generators, MapMessageToScalarAsHash, calculate_domain and the verification equation
are the same as draft -09, so signatures verify both ways.  It differs from -09 in two places, both from before
draft -05/-06:
* e is hashed from serialize((SK, domain, msg_1..msg_L)) (the pre -06 order; -09 hashes (SK, msg_1..msg_L, domain)),
  so for the same key and messages its signature bytes differ from ours, though both verify;
* its proof is the draft -03/-04 proof (Abar, Bbar, r2^, r3^, m^_j..., c: 2 points, 96 + 32(U+4) bytes), not the
  -05+ proof with D (3 points, 144 + 32(U+4) bytes), so proofs do not interoperate; each side rejects the other's
  proof as malformed (we raise InvalidProof).
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from tests.conftest import VECTORS, load_vector
from tests.nodejs import run_node
from zkp import bbs
from zkp.backend import get_backend
from zkp.bbs.ciphersuites import create_generators, get_ciphersuite, hash_to_scalar, messages_to_scalars
from zkp.bbs.core import calculate_domain, h2s_dst
from zkp.errors import InvalidProof

pytestmark = pytest.mark.interop

SUITES = {"bls12-381-sha-256": "BLS12-381-SHA-256", "bls12-381-shake-256": "BLS12-381-SHAKE-256"}
MSGS = [b"manufacturer=ACME", b"serial=SN-0042", b"", b"fw=1.2.3", b"site=Bremen"]
HEADER = b"iiotid-birth-certificate-v1"


def _mattr(suite: str, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return run_node("mattr_bbs.mjs", {"op": "batch", "suite": suite, "requests": requests})


@pytest.mark.parametrize("suite_dir", list(SUITES))
def test_mattr_verifies_every_signature_fixture_like_we_do(suite_dir: str) -> None:
    suite = SUITES[suite_dir]
    files = sorted((VECTORS / "bbs" / suite_dir / "signature").glob("*.json"))
    vs = [load_vector(str(f.relative_to(VECTORS))) for f in files]
    reqs = [
        {
            "op": "verify",
            "publicKey": v["signerKeyPair"]["publicKey"],
            "header": v["header"],
            "messages": v["messages"],
            "signature": v["signature"],
        }
        for v in vs
    ]
    results = _mattr(suite, reqs)
    assert [r["verified"] for r in results] == [v["result"]["valid"] for v in vs]


@pytest.mark.parametrize("suite", list(SUITES.values()))
def test_signatures_verify_both_ways(suite: str) -> None:
    sk = bbs.keygen(hashlib.sha256(b"interop " + suite.encode()).digest(), ciphersuite=suite)
    pk = bbs.sk_to_pk(sk)
    ours = bbs.sign(sk, pk, HEADER, MSGS, ciphersuite=suite)
    hexmsgs = [m.hex() for m in MSGS]
    (kp,) = _mattr(suite, [{"op": "keygen"}])
    theirs_sk, theirs_pk = bytes.fromhex(kp["secretKey"]), bytes.fromhex(kp["publicKey"])
    assert bbs.sk_to_pk(theirs_sk) == theirs_pk  # same SkToPk and G2 encoding
    res = _mattr(
        suite,
        [
            {
                "op": "verify",
                "publicKey": pk.hex(),
                "header": HEADER.hex(),
                "messages": hexmsgs,
                "signature": ours.hex(),
            },
            {
                "op": "verify",
                "publicKey": pk.hex(),
                "header": HEADER.hex(),
                "messages": hexmsgs[::-1],
                "signature": ours.hex(),
            },
            {
                "op": "sign",
                "secretKey": theirs_sk.hex(),
                "publicKey": theirs_pk.hex(),
                "header": HEADER.hex(),
                "messages": hexmsgs,
            },
            {
                "op": "sign",
                "secretKey": (sk.to_bytes(32, "big")).hex(),
                "publicKey": pk.hex(),
                "header": HEADER.hex(),
                "messages": hexmsgs,
            },
        ],
    )
    assert res[0]["verified"] is True
    assert res[1]["verified"] is False
    theirs = bytes.fromhex(res[2]["signature"])
    bbs.verify(theirs_pk, theirs, HEADER, MSGS, ciphersuite=suite)
    same_key = bytes.fromhex(res[3]["signature"])
    bbs.verify(pk, same_key, HEADER, MSGS, ciphersuite=suite)
    # Same A-equation, different e derivation: the pre -06 input order (SK, domain, msgs) reproduces MATTR's e.
    assert same_key != ours
    c = get_ciphersuite(suite)
    be = get_backend()
    gens = create_generators(len(MSGS) + 1, cs=c, backend=be)
    dom = calculate_domain(pk, gens[0], gens[1:], HEADER, c.api_id, cs=c, backend=be)
    scal = messages_to_scalars(MSGS, cs=c)
    e_old = hash_to_scalar(b"".join(x.to_bytes(32, "big") for x in (sk, dom, *scal)), h2s_dst(c.api_id), c)
    assert same_key[48:] == e_old.to_bytes(32, "big")


@pytest.mark.parametrize("suite", list(SUITES.values()))
def test_proofs_are_a_different_draft_version(suite: str) -> None:
    sk = bbs.keygen(hashlib.sha256(b"interop proofs").digest(), ciphersuite=suite)
    pk = bbs.sk_to_pk(sk)
    sig = bbs.sign(sk, pk, HEADER, MSGS, ciphersuite=suite)
    ours = bbs.proof_gen(pk, sig, HEADER, b"ph", MSGS, [0, 3], ciphersuite=suite)
    res = _mattr(
        suite,
        [
            {
                "op": "proofGen",
                "publicKey": pk.hex(),
                "header": HEADER.hex(),
                "presentationHeader": b"ph".hex(),
                "signature": sig.hex(),
                "messages": [m.hex() for m in MSGS],
                "disclosedIndexes": [0, 3],
            },
            {
                "op": "proofVerify",
                "publicKey": pk.hex(),
                "header": HEADER.hex(),
                "presentationHeader": b"ph".hex(),
                "proof": ours.hex(),
                "disclosedMessages": {"0": MSGS[0].hex(), "3": MSGS[3].hex()},
            },
        ],
    )
    theirs = bytes.fromhex(res[0]["proof"])
    u = len(MSGS) - 2
    assert len(theirs) == 2 * 48 + 32 * (u + 3)  # draft -03/-04 layout: no D, no e^ (r2^, r3^, m^_j, c)
    assert len(ours) == 3 * 48 + 32 * (u + 4)  # draft -05+ layout
    assert res[1]["verified"] is False
    with pytest.raises(InvalidProof):
        bbs.proof_verify(pk, theirs, HEADER, b"ph", {0: MSGS[0], 3: MSGS[3]}, ciphersuite=suite)


def test_did_key_issuer_signature_verifies_in_mattr() -> None:
    from did import did_key
    from did.keys import KeyType, PrivateKey

    key = PrivateKey.generate(KeyType.BLS12381_G2)
    did = did_key.did_from_public_key(key.public_key)
    pk = did_key.public_key_from_did(did).raw
    sig = bbs.sign(key.raw, pk, b"", MSGS)
    (res,) = _mattr(
        "BLS12-381-SHA-256",
        [
            {
                "op": "verify",
                "publicKey": pk.hex(),
                "header": "",
                "messages": [m.hex() for m in MSGS],
                "signature": sig.hex(),
            }
        ],
    )
    assert res["verified"] is True


# -- @digitalbazaar/bbs-signatures 3.0.0 (the BBS library under bbs-2023-cryptosuite): same draft order as -09 -------
def _db(suite: str, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return run_node("bbs_signatures_db.mjs", {"suite": suite, "requests": requests})


@pytest.mark.parametrize("suite", list(SUITES.values()))
def test_digital_bazaar_bbs_signatures_both_ways(suite: str) -> None:
    sk = bbs.keygen(hashlib.sha256(b"db interop " + suite.encode()).digest(), ciphersuite=suite)
    pk = bbs.sk_to_pk(sk)
    hexmsgs = [m.hex() for m in MSGS]
    ours = bbs.sign(sk, pk, HEADER, MSGS, ciphersuite=suite)
    our_proof = bbs.proof_gen(pk, ours, HEADER, b"nonce", MSGS, [1, 4], ciphersuite=suite)
    res = _db(
        suite,
        [
            {
                "op": "sign",
                "secretKey": sk.to_bytes(32, "big").hex(),
                "publicKey": pk.hex(),
                "header": HEADER.hex(),
                "messages": hexmsgs,
            },
            {
                "op": "verify",
                "publicKey": pk.hex(),
                "signature": ours.hex(),
                "header": HEADER.hex(),
                "messages": hexmsgs,
            },
            {
                "op": "proofVerify",
                "publicKey": pk.hex(),
                "proof": our_proof.hex(),
                "header": HEADER.hex(),
                "presentationHeader": b"nonce".hex(),
                "disclosedMessages": [MSGS[1].hex(), MSGS[4].hex()],
                "disclosedIndexes": [1, 4],
            },
            {
                "op": "proofVerify",
                "publicKey": pk.hex(),
                "proof": our_proof.hex(),
                "header": HEADER.hex(),
                "presentationHeader": b"other".hex(),
                "disclosedMessages": [MSGS[1].hex(), MSGS[4].hex()],
                "disclosedIndexes": [1, 4],
            },
            {
                "op": "proofGen",
                "publicKey": pk.hex(),
                "signature": ours.hex(),
                "header": HEADER.hex(),
                "messages": hexmsgs,
                "presentationHeader": b"nonce2".hex(),
                "disclosedIndexes": [0, 2],
            },
        ],
    )
    seed = hashlib.sha256(b"seed " + suite.encode()).digest()
    (kp,) = _db(suite, [{"op": "keygen", "seed": seed.hex()}])
    # KeyGen with the default key_dst (ciphersuite_id || "KEYGEN_DST_") agrees, and so does SkToPk.
    assert kp["secretKey"] == bbs.keygen(seed, ciphersuite=suite).to_bytes(32, "big").hex()
    assert kp["publicKey"] == bbs.sk_to_pk(bytes.fromhex(kp["secretKey"])).hex()
    assert res[0]["signature"] == ours.hex()  # deterministic Sign: byte-identical
    assert res[1]["verified"] is True
    assert res[2]["verified"] is True
    assert res[3]["verified"] is False
    bbs.proof_verify(pk, bytes.fromhex(res[4]["proof"]), HEADER, b"nonce2", {0: MSGS[0], 2: MSGS[2]}, ciphersuite=suite)
