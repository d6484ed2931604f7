"""BBS octet-string encodings (draft-irtf-cfrg-bbs-signatures-09 section 4.2.4): serialize, signatures (80 bytes),
proofs (3 points, 3 scalars, U commitments, challenge) and public keys (96-byte compressed G2), with every validation
the draft requires.  Decoders raise typed errors; they never return INVALID.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import NamedTuple

from zkp.backend import G1, G2, Backend
from zkp.backend.hash_to_field import R
from zkp.bbs.ciphersuites import OCTET_POINT_LENGTH, OCTET_SCALAR_LENGTH
from zkp.errors import InvalidParameter, InvalidPoint, InvalidProof, InvalidPublicKey, InvalidSignature

SIGNATURE_LENGTH = OCTET_POINT_LENGTH + OCTET_SCALAR_LENGTH  # 80
PUBLIC_KEY_LENGTH = 96
PROOF_LEN_FLOOR = 3 * OCTET_POINT_LENGTH + 4 * OCTET_SCALAR_LENGTH  # 272


class Signature(NamedTuple):
    """A decoded BBS signature ``(A, e)``: A in G1 (not the identity), 0 < e < r."""

    A: G1
    e: int


class Proof(NamedTuple):
    """A decoded BBS proof ``(Abar, Bbar, D, e^, r1^, r3^, (m^_j1, ..., m^_jU), c)`` (section 4.2.4.4)."""

    Abar: G1
    Bbar: G1
    D: G1
    e_hat: int
    r1_hat: int
    r3_hat: int
    commitments: tuple[int, ...]
    challenge: int


def i2osp_scalar(k: int) -> bytes:
    return (k % R).to_bytes(OCTET_SCALAR_LENGTH, "big")


def i2osp8(n: int) -> bytes:
    if not 0 <= n <= 2**64 - 1:
        raise InvalidParameter("an integer to serialize must be between 0 and 2^64 - 1")
    return n.to_bytes(8, "big")


def serialize_points(points: Sequence[G1], backend: Backend) -> bytes:
    """``serialize`` of a run of G1 points (section 4.2.4.1)."""
    return b"".join(backend.g1_encode(p) for p in points)


def serialize_scalars(scalars: Sequence[int]) -> bytes:
    return b"".join(i2osp_scalar(s) for s in scalars)


def _scalar(data: bytes, what: str, exc: type[Exception]) -> int:
    s = int.from_bytes(data, "big")
    if s == 0 or s >= R:
        raise exc(f"{what} must be a scalar in [1, r-1]", code="invalidScalar")  # type: ignore[call-arg]
    return s


# -- signature (4.2.4.2 / 4.2.4.3) ------------------------------------------------------------------------------------
def signature_to_octets(sig: Signature, backend: Backend) -> bytes:
    return backend.g1_to_bytes(sig.A) + i2osp_scalar(sig.e)


def octets_to_signature(data: bytes, backend: Backend) -> Signature:
    """octets_to_signature: 80 bytes, A a non-identity subgroup point, 0 < e < r; raises InvalidSignature."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidSignature("a BBS signature must be bytes", code="malformedSignature")
    data = bytes(data)
    if len(data) != SIGNATURE_LENGTH:
        raise InvalidSignature(
            f"a BBS signature is {SIGNATURE_LENGTH} bytes, got {len(data)}", code="invalidSignatureLength"
        )
    try:
        a = backend.g1_from_bytes(data[:OCTET_POINT_LENGTH], allow_identity=False)
    except InvalidPoint as exc:
        raise InvalidSignature(f"signature point A is invalid: {exc}", code="malformedSignature") from exc
    e = _scalar(data[OCTET_POINT_LENGTH:], "signature scalar e", InvalidSignature)
    return Signature(a, e)


# -- proof (4.2.4.4 / 4.2.4.5) ----------------------------------------------------------------------------------------
def proof_to_octets(proof: Proof, backend: Backend) -> bytes:
    return serialize_points((proof.Abar, proof.Bbar, proof.D), backend) + serialize_scalars(
        (proof.e_hat, proof.r1_hat, proof.r3_hat, *proof.commitments, proof.challenge)
    )


def octets_to_proof(data: bytes, backend: Backend) -> Proof:
    """octets_to_proof: length floor and multiple of 32, three non-identity subgroup points, scalars in [1, r-1]."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidProof("a BBS proof must be bytes", code="malformedProof")
    data = bytes(data)
    if len(data) < PROOF_LEN_FLOOR:
        raise InvalidProof(f"a BBS proof is at least {PROOF_LEN_FLOOR} bytes, got {len(data)}", code="malformedProof")
    if (len(data) - 3 * OCTET_POINT_LENGTH) % OCTET_SCALAR_LENGTH:
        raise InvalidProof("BBS proof length is not 3 points plus whole scalars", code="malformedProof")
    pts = []
    for i, name in enumerate(("Abar", "Bbar", "D")):
        try:
            pts.append(
                backend.g1_from_bytes(data[i * OCTET_POINT_LENGTH : (i + 1) * OCTET_POINT_LENGTH], allow_identity=False)
            )
        except InvalidPoint as exc:
            raise InvalidProof(f"proof point {name} is invalid: {exc}", code="malformedProof") from exc
    off = 3 * OCTET_POINT_LENGTH
    scalars = [
        _scalar(data[j : j + OCTET_SCALAR_LENGTH], "every proof scalar", InvalidProof)
        for j in range(off, len(data), OCTET_SCALAR_LENGTH)
    ]
    return Proof(pts[0], pts[1], pts[2], scalars[0], scalars[1], scalars[2], tuple(scalars[3:-1]), scalars[-1])


def proof_undisclosed_count(proof_octets: bytes) -> int:
    """U from a proof's length (ProofVerify deserialization step 3); raises InvalidProof below the floor."""
    if len(proof_octets) < PROOF_LEN_FLOOR:
        raise InvalidProof(
            f"a BBS proof is at least {PROOF_LEN_FLOOR} bytes, got {len(proof_octets)}", code="malformedProof"
        )
    return (len(proof_octets) - PROOF_LEN_FLOOR) // OCTET_SCALAR_LENGTH


# -- public key (4.2.4.6), with the validation cache the draft permits ------------------------------------------------
_PK_CACHE_SIZE = 256
_pk_cache: OrderedDict[tuple[str, bytes], G2] = OrderedDict()
_pk_lock = threading.Lock()


def octets_to_pubkey(pk: bytes, backend: Backend) -> G2:
    """octets_to_pubkey: 96-byte compressed G2 point, in the subgroup, not the identity; raises InvalidPublicKey.

    Validated keys are cached per backend (section 4.2.4.6 allows caching the result of the checks).
    """
    if not isinstance(pk, bytes | bytearray | memoryview):
        raise InvalidPublicKey("a BBS public key must be bytes")
    pk = bytes(pk)
    key = (backend.name, pk)
    with _pk_lock:
        w = _pk_cache.get(key)
        if w is not None:
            _pk_cache.move_to_end(key)
            return w
    if len(pk) != PUBLIC_KEY_LENGTH:
        raise InvalidPublicKey(f"a BBS public key is {PUBLIC_KEY_LENGTH} bytes, got {len(pk)}")
    try:
        w = backend.g2_from_bytes(pk, allow_identity=False)
    except InvalidPoint as exc:
        raise InvalidPublicKey(f"BBS public key is not a valid G2 point: {exc}") from exc
    with _pk_lock:
        _pk_cache[key] = w
        if len(_pk_cache) > _PK_CACHE_SIZE:
            _pk_cache.popitem(last=False)
    return w
