"""Per-verifier pseudonyms bound to the credential's hidden device secret.

``nym = H_v * s`` with ``H_v = hash_to_curve(scope, DST)`` (RFC 9380, BLS12381G1_XMD:SHA-256_SSWU_RO_) and ``s`` the
device-secret message of the BBS credential.  The presentation proves ``nym = H_v * s`` with the BBS response for
``s`` (``T = H_v * s~`` hashed into the BBS challenge; verifier: ``T = H_v * s^ - nym * c``).  Same device + same
scope gives the same nym; nyms for different scopes are unlinkable under DDH in G1 (H_v are independent random
points).  This is the construction of draft-irtf-cfrg-bbs-per-verifier-linkability with a single secret; that draft's
exact DSTs and challenge layout are *not* reproduced here (see specs/zkp.md).
"""

from __future__ import annotations

from zkp.backend import G1, Backend
from zkp.backend.hash_to_field import R
from zkp.bbs.ciphersuites import BLS12_381_SHA_256

NYM_DST = b"IIOTID-ZKP-NYM-V1_BLS12381G1_XMD:SHA-256_SSWU_RO_"


def pseudonym_base(scope: str, backend: Backend) -> G1:
    return backend.hash_to_g1(scope.encode("utf-8"), NYM_DST, BLS12_381_SHA_256.expand_message)


def pseudonym(scope: str, device_secret: int, backend: Backend) -> G1:
    return backend.g1_mul(pseudonym_base(scope, backend), device_secret % R)
