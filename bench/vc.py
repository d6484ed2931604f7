"""Issue and verify throughput per Data Integrity suite (and VC-JOSE), one core, with Digital Bazaar's
@digitalbazaar/vc + eddsa-rdfc-2022 measured in the same run on the same credential.

    .venv/bin/python bench/vc.py [--n 400] [--runs 3] [--no-node] [--pyld] [--bbs]

Each run issues ``n`` credentials (distinct ids) and then verifies them sequentially through the real
``resolver.Resolver`` (did:key offline; the verification-method cache is warm after the first credential, as on a
gateway).  The table gives the median of ``runs`` runs.  ``--pyld`` disables the native JSON-LD/RDFC fast path to
show what PyLD alone achieves.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import credentials  # noqa: E402
from credentials import jose, jsonld  # noqa: E402
from did import did_key  # noqa: E402
from did.keys import KeyType, PrivateKey  # noqa: E402

SUITES = [
    ("eddsa-rdfc-2022", KeyType.ED25519),
    ("eddsa-jcs-2022", KeyType.ED25519),
    ("ecdsa-rdfc-2019", KeyType.P256),
    ("jwt (EdDSA)", KeyType.ED25519),
]


def sample_credential(issuer: str) -> dict[str, Any]:
    """A device attestation using only terms of the credentials v2 context (so every stack can process it)."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:00000000-0000-4000-8000-000000000000",
        "type": ["VerifiableCredential"],
        "issuer": {"id": issuer, "name": "ACME Pumps GmbH"},
        "name": "Device birth certificate",
        "description": "Factory acceptance of pump P-42, line 3, plant Augsburg",
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2036-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "name": "Pump P-42",
            "description": "Centrifugal pump, 7.5 kW, firmware 4.2.1",
        },
        "credentialStatus": {
            "id": "https://status.acme.example/lists/3#94567",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "94567",
            "statusListCredential": "https://status.acme.example/lists/3",
        },
        "credentialSchema": {"id": "https://schemas.acme.example/birth-certificate.json", "type": "JsonSchema"},
    }


def birth_certificate(issuer: str) -> dict[str, Any] | None:
    """An IIoT DeviceBirthCertificate (credentials.vocab, the bundled IIoT context): 16 nameplate attributes."""
    try:
        from credentials import vocab
    except ImportError:
        return None
    vocab.register_context()
    attrs = {
        "manufacturerName": "ACME Automation GmbH",
        "manufacturerProductDesignation": "Remote I/O coupler",
        "manufacturerProductFamily": "RIO",
        "manufacturerProductType": "RIO-8DI",
        "orderCodeOfManufacturer": "RIO-8DI-24V",
        "serialNumber": "SN-77-0001",
        "yearOfConstruction": 2026,
        "dateOfManufacture": "2026-02-27",
        "hardwareVersion": "B2",
        "firmwareVersion": "4.1.0",
        "softwareVersion": "4.1.0+build.7",
        "countryOfOrigin": "DE",
        "uniqueFacilityIdentifier": "urn:gln:4012345000009",
        "uriOfTheProduct": "https://id.acme.example/01/04012345123456/21/SN-77-0001",
        "securityLevel": 3,
        "idevidThumbprint": vocab.idevid_thumbprint(b"DER"),
    }
    status = {
        "id": "https://status.acme.example/lists/3#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://status.acme.example/lists/3",
    }
    try:
        return vocab.birth_certificate(
            issuer, "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", attrs, credential_status=status
        )
    except Exception:  # the vocabulary module evolves independently; skip the row rather than fail the bench
        return None


def _with_id(doc: dict[str, Any], i: int) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    out["id"] = f"urn:uuid:00000000-0000-4000-8000-{i:012d}"
    return out


def bench_suite(suite: str, key_type: KeyType, n: int, *, iiot: bool = False) -> tuple[float, float]:
    from resolver import Resolver

    key = PrivateKey.generate(key_type)
    did = did_key.did_from_public_key(key.public_key)
    vm = f"{did}#{key.public_key.to_multibase()}"
    base = birth_certificate(did) if iiot else sample_credential(did)
    if base is None:
        raise SystemExit("credentials.vocab unavailable")
    docs = [_with_id(base, i) for i in range(n)]
    resolver = Resolver()
    t0 = time.perf_counter()
    if suite.startswith("jwt"):
        signed: list[Any] = [jose.issue_jwt(d, key, vm) for d in docs]
    else:
        signed = [credentials.issue(d, key=key, verification_method=vm, suite=suite) for d in docs]
    issue_s = time.perf_counter() - t0

    async def verify_all() -> float:
        # warm the verification-method cache once, as a gateway would be
        if suite.startswith("jwt"):
            assert (await jose.verify_jwt(signed[0], resolver)).verified
        else:
            assert (await credentials.verify(signed[0], resolver=resolver)).verified
        t = time.perf_counter()
        for s in signed:
            r = await (
                jose.verify_jwt(s, resolver) if suite.startswith("jwt") else credentials.verify(s, resolver=resolver)
            )
            if not r.verified:
                raise SystemExit(f"{suite}: verification failed: {r.errors}")
        return time.perf_counter() - t

    verify_s = asyncio.run(verify_all())
    return n / issue_s, n / verify_s


def bench_node(n: int) -> tuple[float, float] | None:
    try:
        from tests.nodejs import node_available, run_node
    except ImportError:
        return None
    if not node_available():
        return None
    key = PrivateKey.generate(KeyType.ED25519)
    did = did_key.did_from_public_key(key.public_key)
    payload = {
        "op": "bench",
        "skipStatus": True,  # status lists are checked by credentials.status_list, not inside verify
        "suite": "eddsa-rdfc-2022",
        "n": n,
        "credential": sample_credential(did),
        "key": {"publicKeyMultibase": key.public_key.to_multibase(), "secretKeyMultibase": key.secret_multibase()},
        "contexts": {u: jsonld.get_context(u) for u in jsonld.registered_urls()},
    }
    out = run_node("dbvc_di.mjs", payload, timeout=600)
    if out["verified"] != n:
        raise SystemExit(f"Digital Bazaar verified only {out['verified']} of {n}")
    return float(out["issuePerSec"]), float(out["verifyPerSec"])


BBS_MANDATORY = ["/issuer", "/credentialSubject/id"]
BBS_SELECTIVE = ["/credentialSubject/name", "/validUntil"]


def _bench_bbs_pseudonym(key: PrivateKey, vm: str, docs: list[dict[str, Any]], resolver: Any
                         ) -> tuple[str, float, float, float]:
    """The holder_binding_pseudonym feature on the same credentials: blind issuance over the holder's commitment,
    derive with the holder secret and a pseudonym for one verifier, verify (pseudonym proof included)."""
    from credentials.suites import bbs_2023 as bbs
    from zkp.bbs.pseudonym import generate_prover_nyms

    secret, nym = b"device secret", generate_prover_nyms(1)[0]
    commitment, blind = bbs.holder_nym_commitment(nym, secret)
    opts = {"mandatory_pointers": BBS_MANDATORY, "commitment_with_proof": commitment,
            "feature": bbs.HOLDER_BINDING_PSEUDONYM}
    n = len(docs)
    t0 = time.perf_counter()
    signed = [credentials.issue(d, key=key, verification_method=vm, suite="bbs-2023", suite_options=opts) for d in docs]
    issue_ms = (time.perf_counter() - t0) * 1000 / n
    t0 = time.perf_counter()
    derived = [credentials.derive(s, BBS_SELECTIVE, presentation_header=b"gateway-nonce", holder_secret=secret,
                                  prover_blind=blind, prover_nym=nym, nym_domain=b"did:example:gateway")
               for s in signed]
    derive_ms = (time.perf_counter() - t0) * 1000 / n

    async def verify_all() -> float:
        t = time.perf_counter()
        for d in derived:
            if not (await credentials.verify(d, resolver=resolver)).verified:
                raise SystemExit("bbs-2023 pseudonym: verification failed")
        return (time.perf_counter() - t) * 1000 / n

    return ("iiotid bbs-2023 holder_binding_pseudonym", issue_ms, derive_ms, asyncio.run(verify_all()))


def bench_bbs(n: int, node: bool) -> list[tuple[str, float, float, float]]:
    """bbs-2023 (W3C vc-di-bbs): ms per issue (base proof), derive (reveal 2 of the optional claims, presentation
    header bound) and verify (derived proof, through credentials.verify and the resolver), sequentially on one core;
    Digital Bazaar's @digitalbazaar/bbs-2023-cryptosuite on the same credential (interop/bbs2023.mjs op bench)."""
    from resolver import Resolver

    key = PrivateKey.generate(KeyType.BLS12381_G2)
    did = did_key.did_from_public_key(key.public_key)
    vm = f"{did}#{key.public_key.to_multibase()}"
    docs = [_with_id(sample_credential(did), i) for i in range(n)]
    opts = {"mandatory_pointers": BBS_MANDATORY}
    t0 = time.perf_counter()
    signed = [credentials.issue(d, key=key, verification_method=vm, suite="bbs-2023", suite_options=opts) for d in docs]
    issue_ms = (time.perf_counter() - t0) * 1000 / n
    t0 = time.perf_counter()
    derived = [credentials.derive(s, BBS_SELECTIVE, presentation_header=b"gateway-nonce") for s in signed]
    derive_ms = (time.perf_counter() - t0) * 1000 / n
    resolver = Resolver()

    async def verify_all() -> float:
        assert (await credentials.verify(derived[0], resolver=resolver)).verified
        t = time.perf_counter()
        for d in derived:
            r = await credentials.verify(d, resolver=resolver)
            if not r.verified:
                raise SystemExit(f"bbs-2023: verification failed: {r.errors}")
        return (time.perf_counter() - t) * 1000 / n

    rows = [("iiotid bbs-2023", issue_ms, derive_ms, asyncio.run(verify_all()))]
    rows.append(_bench_bbs_pseudonym(key, vm, docs, resolver))
    if node:
        try:
            from tests.nodejs import node_available, run_node
        except ImportError:
            return rows
        if node_available():
            out = run_node("bbs2023.mjs", {
                "op": "bench", "n": max(5, n // 10), "credential": sample_credential(did),
                "key": {"publicKeyMultibase": key.public_key.to_multibase(),
                        "secretKeyMultibase": key.secret_multibase()},
                "mandatoryPointers": BBS_MANDATORY, "selectivePointers": BBS_SELECTIVE,
                "presentationHeader": b"gateway-nonce".hex(),
                "contexts": {u: jsonld.get_context(u) for u in jsonld.registered_urls()},
            }, timeout=600)
            rows.append(("Digital Bazaar bbs-2023 (Node)", out["issueMs"], out["deriveMs"], out["verifyMs"]))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=400, help="credentials per run")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-node", action="store_true", help="skip the Digital Bazaar measurement")
    ap.add_argument("--pyld", action="store_true", help="disable the native JSON-LD / RDFC-1.0 fast path")
    ap.add_argument("--bbs", action="store_true", help="also bbs-2023 issue / derive / verify (and Digital Bazaar's)")
    args = ap.parse_args()
    if args.pyld:
        os.environ["IIOTID_JSONLD_FAST"] = "0"
        jsonld.set_fast_path(False)

    rows: list[tuple[str, float, float]] = []
    for suite, kt in SUITES:
        results = [bench_suite(suite, kt, args.n) for _ in range(args.runs)]
        rows.append(
            (f"iiotid {suite}", statistics.median(r[0] for r in results), statistics.median(r[1] for r in results))
        )
    if birth_certificate("did:example:x") is not None:
        for suite, kt in SUITES[:2]:
            results = [bench_suite(suite, kt, args.n, iiot=True) for _ in range(args.runs)]
            rows.append(
                (
                    f"iiotid {suite}, IIoT birth certificate",
                    statistics.median(r[0] for r in results),
                    statistics.median(r[1] for r in results),
                )
            )
    if not args.no_node:
        node = [bench_node(args.n) for _ in range(args.runs)]
        if all(node):
            rows.append(
                (
                    "Digital Bazaar eddsa-rdfc-2022 (Node)",
                    statistics.median(r[0] for r in node if r),
                    statistics.median(r[1] for r in node if r),
                )
            )
    fast = "PyLD only" if args.pyld else "native fast path"
    print(f"n={args.n} credentials per run, median of {args.runs} runs, one core, JSON-LD: {fast}")
    print(f"{'implementation / suite':<50} {'issue/s':>10} {'verify/s':>10} {'verify µs':>10}")
    for name, i, v in rows:
        print(f"{name:<50} {i:>10,.0f} {v:>10,.0f} {1e6 / v:>10,.0f}")
    print(json.dumps({name: {"issue_per_s": round(i), "verify_per_s": round(v)} for name, i, v in rows}))
    if args.bbs:
        runs = [bench_bbs(max(10, args.n // 4), not args.no_node) for _ in range(args.runs)]
        print(f"\nbbs-2023, {max(10, args.n // 4)} credentials per run (mandatory {BBS_MANDATORY}, reveal "
              f"{BBS_SELECTIVE}), median of {args.runs} runs, ms per operation")
        print(f"{'implementation':<50} {'issue ms':>10} {'derive ms':>10} {'verify ms':>10}")
        for idx, (name, *_rest) in enumerate(runs[0]):
            med = [statistics.median(r[idx][k] for r in runs) for k in (1, 2, 3)]
            print(f"{name:<50} {med[0]:>10.2f} {med[1]:>10.2f} {med[2]:>10.2f}")


if __name__ == "__main__":
    main()
