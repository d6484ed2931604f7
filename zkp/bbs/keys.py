"""BBS key generation (draft-irtf-cfrg-bbs-signatures-09 section 3.4): KeyGen and SkToPk over BLS12-381 G2."""

from __future__ import annotations

import os

from zkp.backend import Backend, get_backend
from zkp.backend.hash_to_field import R
from zkp.bbs.ciphersuites import DEFAULT_CIPHERSUITE, CiphersuiteLike, get_ciphersuite, hash_to_scalar
from zkp.bbs.core import RandomBytes
from zkp.errors import InvalidParameter, InvalidSecretKey

SECRET_KEY_LENGTH = 32


def keygen(
    key_material: bytes | None = None,
    key_info: bytes = b"",
    key_dst: bytes | None = None,
    *,
    ciphersuite: CiphersuiteLike = DEFAULT_CIPHERSUITE,
    rng: RandomBytes | None = None,
) -> int:
    """KeyGen (section 3.4.1): ``SK = hash_to_scalar(key_material || I2OSP(len(key_info), 2) || key_info, key_dst)``.

    ``key_material`` (at least 32 secret bytes) defaults to 32 bytes from ``rng`` (os.urandom).  ``key_dst`` defaults
    to ``ciphersuite_id || "KEYGEN_DST_"`` as the draft text says (the draft's keypair fixture passes an explicit
    ``api_id || "KEYGEN_DST_"``).  Returns the secret scalar in [1, r-1].
    """
    cs = get_ciphersuite(ciphersuite)
    if key_material is None:
        key_material = (rng or os.urandom)(32)
    if not isinstance(key_material, bytes | bytearray) or len(key_material) < 32:
        raise InvalidParameter("BBS KeyGen needs at least 32 bytes of secret key material", code="invalidKeyMaterial")
    if len(key_info) > 65535:
        raise InvalidParameter("BBS KeyGen key_info must be at most 65535 bytes")
    dst = cs.ciphersuite_id + b"KEYGEN_DST_" if key_dst is None else bytes(key_dst)
    derive_input = bytes(key_material) + len(key_info).to_bytes(2, "big") + bytes(key_info)
    sk = hash_to_scalar(derive_input, dst, cs)
    if sk == 0:  # probability 2^-255; the draft returns INVALID
        raise InvalidSecretKey("KeyGen produced the zero scalar; use other key material")
    return sk


def secret_key_to_int(sk: int | bytes) -> int:
    """A secret key as an int (accepts the 32-byte big-endian form); raises InvalidSecretKey when out of range."""
    if isinstance(sk, bytes | bytearray):
        if len(sk) != SECRET_KEY_LENGTH:
            raise InvalidSecretKey(f"a BBS secret key is {SECRET_KEY_LENGTH} bytes, got {len(sk)}")
        sk = int.from_bytes(sk, "big")
    if not isinstance(sk, int) or isinstance(sk, bool) or not 0 < sk < R:
        raise InvalidSecretKey("a BBS secret key is an integer in [1, r-1]")
    return sk


def secret_key_to_bytes(sk: int | bytes) -> bytes:
    return secret_key_to_int(sk).to_bytes(SECRET_KEY_LENGTH, "big")


def sk_to_pk(sk: int | bytes, *, backend: Backend | None = None) -> bytes:
    """SkToPk (section 3.4.2): ``point_to_octets_E2(SK * BP2)``, 96 bytes."""
    be = backend or get_backend()
    return be.g2_to_bytes(be.g2_mul(be.g2_generator(), secret_key_to_int(sk)))


def generate_secret_key(*, ciphersuite: CiphersuiteLike = DEFAULT_CIPHERSUITE, rng: RandomBytes | None = None) -> bytes:
    """A fresh secret key (KeyGen over 32 random bytes), as 32 big-endian bytes."""
    return keygen(ciphersuite=ciphersuite, rng=rng).to_bytes(SECRET_KEY_LENGTH, "big")


# Draft spellings.
KeyGen = keygen
SkToPk = sk_to_pk
