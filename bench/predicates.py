"""Zero-knowledge predicates benchmark (issue 7): BBS proof (10 messages, 2 revealed) plus predicates.

    .venv/bin/python bench/predicates.py [--runs 50] [--backend hybrid] [--node-runs 5] [--no-node]

Scenarios timed in this process (median of ``--runs`` prove and verify calls, one presentation each; the credential's
signature check is cached as a wallet would):

* ``bbs``            BBS proof with device-secret holder binding and nonce/verifier binding, no predicate;
* ``bbs+ge16``       + ``firmware >= 142`` as a 16-bit range proof (the issue's headline case);
* ``bbs+ge16+nym``   + a per-verifier pseudonym;
* ``bbs+ge32``, ``bbs+range16`` (interval), ``bbs+in8`` (set of 8), ``bbs+5preds+nym`` (all of them + nym).

Then ``@docknetwork/crypto-wasm-ts`` 0.67.0 (``interop/dock_bound_check.mjs``) times its composite proof of a BBS
signature (10 messages, 2 revealed) with one bound check on a hidden message (Bulletproofs++ and set-membership-check
variants, and plain BBS) in the same run.  Goal: <= 15 ms prove, <= 15 ms verify, <= 3 KB per 16-bit predicate.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from zkp import bbs
from zkp.backend import get_backend
from zkp.schnorr import Credential, Predicate, PresentationRequest, encode_int, encode_string, prove, verify

VERIFIER = "did:dht:gateway000000000000000000000000000000000000"


def scenarios() -> dict[str, dict[str, object]]:
    ge16 = Predicate(2, "ge", lower=142, bits=16)
    nym = {"pseudonym_scope": VERIFIER}
    return {
        "bbs": {},
        "bbs+ge16": {"predicates": (ge16,)},
        "bbs+ge16+nym": {"predicates": (ge16,), **nym},
        "bbs+ge32": {"predicates": (Predicate(2, "ge", lower=142, bits=32),)},
        "bbs+range16": {"predicates": (Predicate(2, "range", lower=142, upper=9999, bits=16),)},
        "bbs+in8": {"predicates": (Predicate(3, "in", members=tuple(range(1, 9))),)},
        "bbs+5preds+nym": {
            "predicates": (
                ge16,
                Predicate(3, "in", members=tuple(range(1, 9))),
                Predicate(4, "ge", lower=18000, bits=16),
                Predicate(5, "le", upper=500, bits=16),
                Predicate(6, "range", lower=0, upper=1000, bits=16),
            ),
            **nym,
        },
    }


def timed(fn: object, runs: int) -> tuple[float, object]:
    samples = []
    out = None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()  # type: ignore[operator]
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1e3, out


def run_iiotid(runs: int, backend_name: str | None) -> list[tuple[str, float, float, int, int, int]]:
    be = get_backend(backend_name)
    sk = bbs.keygen(hashlib.sha256(b"bench issuer").digest())
    pk = bbs.sk_to_pk(sk)
    msgs = [encode_string("PLC-9000"), encode_string("ACME"), encode_int(150), encode_int(3), encode_int(19000),
            encode_int(42), encode_int(500), encode_int(7), encode_int(8),
            int.from_bytes(os.urandom(31), "big")]  # index 9: device secret
    cred = Credential(bbs.sign_scalars(sk, pk, b"hdr", msgs, backend=be), tuple(msgs), b"hdr")
    rows = []
    for name, kw in scenarios().items():
        req = PresentationRequest(nonce=os.urandom(16), verifier=VERIFIER, disclosed=(0, 1), device_secret_index=9,
                                  **kw)  # type: ignore[arg-type]
        prove(req, cred, pk, backend=be)  # warm caches (generators, signature check)
        p_ms, pres = timed(lambda req=req: prove(req, cred, pk, backend=be), runs)
        v_ms, _ = timed(lambda req=req, pres=pres: verify(req, pres, pk, backend=be), runs)
        pred_bytes = sum(len(b) for b in pres.predicate_proofs)  # type: ignore[attr-defined]
        rows.append((name, p_ms, v_ms, pred_bytes, pres.size(), len(pres.to_cbor())))  # type: ignore[attr-defined]
    return rows


def run_draft_nym(runs: int, backend_name: str | None) -> list[tuple[str, float, float, int, int, int]]:
    """IRTF draft pseudonym (zkp.bbs.pseudonym, per-verifier-linkability -03): a blind-issued credential of 10 signed
    values (8 OEM attributes, 1 committed device secret, 1 nym secret), 2 attributes revealed, ProofGenWithNym /
    ProofVerifyWithNym (and the prepared holder path, B cached, as the ``bbs`` rows cache the signature check).
    pred B = the 48-byte pseudonym, total B = proof + pseudonym (no CBOR framing)."""
    from zkp.bbs import pseudonym as nym

    be = get_backend(backend_name)
    sk = bbs.keygen(hashlib.sha256(b"bench issuer").digest())
    pk = bbs.sk_to_pk(sk)
    attrs = [b"PLC-9000", b"ACME", b"fw-150", b"safety-3", b"2026-01-05", b"42", b"500", b"7"]
    committed = [os.urandom(32)]  # the device secret, never seen by the OEM
    prover_nyms = nym.generate_prover_nyms(1)
    cwp, blind = nym.commit_with_nym(committed, prover_nyms, backend=be)
    entropy = nym.generate_signer_nym_entropy()
    sig = nym.blind_sign_with_nym(sk, pk, cwp, 1, entropy, b"hdr", attrs, backend=be)
    secrets = nym.verify_finalize_with_nym(pk, sig, b"hdr", attrs, committed, prover_nyms, entropy, blind, backend=be)
    cred = nym.NymCredential.finalize(pk, sig, b"hdr", attrs, committed, prover_nyms, entropy, blind, backend=be)
    ph = os.urandom(16)

    def gen() -> tuple[bytes, bytes]:
        return nym.proof_gen_with_nym(pk, sig, b"hdr", ph, secrets, VERIFIER.encode(), attrs, committed, [0, 1], [],
                                      blind, backend=be)

    gen()  # warm caches (generators)
    p_ms, out = timed(gen, runs)
    pc_ms, _ = timed(lambda: cred.prove(ph, VERIFIER.encode(), [0, 1], []), runs)
    proof, pseudonym = out  # type: ignore[misc]
    v_ms, _ = timed(lambda: nym.proof_verify_with_nym(pk, proof, b"hdr", ph, pseudonym, VERIFIER.encode(), 1, 8,
                                                      attrs[:2], [], [0, 1], [], backend=be), runs)
    size = len(proof) + len(pseudonym)
    return [("draft nym (ProofGenWithNym)", p_ms, v_ms, len(pseudonym), size, 0),
            ("draft nym (NymCredential.prove)", pc_ms, v_ms, len(pseudonym), size, 0)]


def run_dock(runs: int) -> list[tuple[str, float, float, int, bool]]:
    from tests.nodejs import node_available, run_node

    if not node_available():
        return []
    rows = []
    for kind, label in (("none", "dock bbs"), ("bpp", "dock bbs+bound(Bulletproofs++)"),
                        ("smc", "dock bbs+bound(set-membership)")):
        out = run_node("dock_bound_check.mjs", {"iterations": runs + 1, "min": 142, "max": 142 + 65535,
                                                "value": 150, "kind": kind}, timeout=600)
        rows.append((label, statistics.median(out["prove_ms"][1:]), statistics.median(out["verify_ms"][1:]),
                     out["proof_bytes"], out["verified"]))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--backend", default=None)
    ap.add_argument("--node-runs", type=int, default=5)
    ap.add_argument("--no-node", action="store_true")
    args = ap.parse_args()
    print(f"# {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"backend {get_backend(args.backend)!r}, median of {args.runs} runs")
    print(f"{'scenario':34} {'prove ms':>9} {'verify ms':>9} {'pred B':>7} {'total B':>8} {'CBOR B':>7}")
    for name, p, v, pb, tb, cb in run_iiotid(args.runs, args.backend):
        print(f"{name:34} {p:9.2f} {v:9.2f} {pb:7d} {tb:8d} {cb:7d}")
    for name, p, v, pb, tb, _ in run_draft_nym(args.runs, args.backend):
        print(f"{name:34} {p:9.2f} {v:9.2f} {pb:7d} {tb:8d} {'':>7}")
    if not args.no_node:
        print(f"# @docknetwork/crypto-wasm-ts 0.67.0 (wasm in Node {os.popen('node --version').read().strip()}), "
              f"median of {args.node_runs} runs after one warm-up; range width 2^16")
        for label, p, v, b, ok in run_dock(args.node_runs):
            print(f"{label:34} {p:9.2f} {v:9.2f} {'':>7} {b:8d} {'':>7}  verified={ok}")


if __name__ == "__main__":
    main()
