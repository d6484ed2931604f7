"""Key and DID foundation benchmark: sign/verify per key type, Multikey/JWK codecs, did:key resolve, DID document
parse, and opening an encrypted key file with the default KDF.

    .venv/bin/python bench/keys.py [--runs 5] [--n 2000]

Prints operations per second (median of ``--runs`` runs of ``--n`` operations each).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from did import did_key
from did.document import DIDDocument
from did.keyfile import decrypt_key, encrypt_key
from did.keys import KeyType, PrivateKey, PublicKey


def rate(fn: Callable[[], object], n: int, runs: int) -> float:
    results = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        results.append(n / (time.perf_counter() - t0))
    return statistics.median(results)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--n", type=int, default=2000)
    args = ap.parse_args()
    n, runs = args.n, args.runs
    msg = b"x" * 256
    rows: list[tuple[str, str, float]] = []
    for kt in (KeyType.ED25519, KeyType.P256, KeyType.SECP256K1):
        sk = PrivateKey.generate(kt)
        sig = sk.sign(msg)
        rows.append((kt.value, "sign (256 B)", rate(lambda sk=sk: sk.sign(msg), n, runs)))
        rows.append((kt.value, "verify (256 B)", rate(lambda sk=sk, sig=sig: sk.public_key.verify(msg, sig), n, runs)))
    for kt in KeyType:
        sk = PrivateKey.from_raw(kt, (12345).to_bytes(32, "big"))
        mb, jwk = sk.public_key.to_multibase(), sk.public_key.to_jwk()
        rows.append((kt.value, "publicKeyMultibase -> key", rate(lambda mb=mb: PublicKey.from_multibase(mb), n, runs)))
        rows.append((kt.value, "JWK -> key", rate(lambda jwk=jwk: PublicKey.from_jwk(jwk), n, runs)))
    ed = PrivateKey.generate(KeyType.ED25519).public_key
    did = did_key.did_from_public_key(ed)
    rows.append(("did:key", "resolve (Ed25519 + X25519)", rate(lambda: did_key.resolve(did), n, runs)))
    doc_json = did_key.resolve(did).to_json()
    rows.append(("DID document", "from_json (validated)", rate(lambda: DIDDocument.from_json(doc_json), n, runs)))
    env = encrypt_key(PrivateKey.generate(KeyType.ED25519), "passphrase")
    rows.append(("key file", "decrypt (Argon2id t=3 m=64MiB)", rate(lambda: decrypt_key(env, "passphrase"), 5, runs)))
    env_s = encrypt_key(PrivateKey.generate(KeyType.ED25519), "passphrase", kdf="scrypt")
    rows.append(("key file", "decrypt (scrypt n=2^15 r=8)", rate(lambda: decrypt_key(env_s, "passphrase"), 5, runs)))

    print(f"| key / object | operation | ops/s (median of {runs}) |")
    print("|---|---|---|")
    for a, b, r in rows:
        print(f"| {a} | {b} | {r:,.0f} |" if r >= 100 else f"| {a} | {b} | {r:,.1f} |")


if __name__ == "__main__":
    main()
