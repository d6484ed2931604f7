"""RFC 9380 ``expand_message`` (XMD with SHA-256, XOF with SHAKE-256) and ``hash_to_field`` for BLS12-381 G1.

Pure functions over bytes and ints; every backend shares them.  The curve-specific step (``map_to_curve`` with
``clear_cofactor``) is the backend's job (:meth:`zkp.backend.base.Backend.g1_map_to_curve`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from zkp.errors import InvalidParameter

# BLS12-381 base field modulus p and subgroup order r (draft-irtf-cfrg-pairing-friendly-curves section 4.2.1).
P = 0x1A0111EA397FE69A4B1BA7B6434BACD764774B84F38512BF6730D2A0F6B0F6241EABFFFEB153FFFFB9FEFFFFFFFFAAAB
R = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001

ExpandMessage = Callable[[bytes, bytes, int], bytes]
"""``expand_message(msg, dst, len_in_bytes) -> uniform bytes`` (RFC 9380 section 5.3)."""

_OVERSIZE = b"H2C-OVERSIZE-DST-"
_ZPAD_STATE = hashlib.sha256(bytes(64))  # SHA-256 after Z_pad = I2OSP(0, s_in_bytes = 64)


def expand_message_xmd_sha256(msg: bytes, dst: bytes, len_in_bytes: int) -> bytes:
    """RFC 9380 section 5.3.1, with H = SHA-256 (b_in_bytes 32, s_in_bytes 64); long DSTs per section 5.3.3."""
    if len(dst) > 255:
        dst = hashlib.sha256(_OVERSIZE + dst).digest()
    ell = -(-len_in_bytes // 32)
    if ell > 255 or len_in_bytes > 65535 or len_in_bytes <= 0:
        raise InvalidParameter(f"expand_message_xmd cannot produce {len_in_bytes} bytes")
    dst_prime = dst + bytes([len(dst)])
    # b_0 = H(Z_pad || msg || l_i_b_str || I2OSP(0, 1) || DST_prime); Z_pad is one whole SHA-256 block, so the
    # state after it is computed once (_ZPAD_STATE) and copied.
    h = _ZPAD_STATE.copy()
    h.update(msg)
    h.update(len_in_bytes.to_bytes(2, "big") + b"\x00" + dst_prime)
    b0 = h.digest()
    bi = hashlib.sha256(b0 + b"\x01" + dst_prime).digest()
    out = [bi]
    if ell > 1:
        b0_int = int.from_bytes(b0, "big")
        for i in range(2, ell + 1):
            # b_i = H(strxor(b_0, b_(i-1)) || I2OSP(i, 1) || DST_prime)
            mixed = (b0_int ^ int.from_bytes(bi, "big")).to_bytes(32, "big")
            bi = hashlib.sha256(mixed + bytes((i,)) + dst_prime).digest()
            out.append(bi)
    return b"".join(out)[:len_in_bytes]


def expand_message_xof_shake256(msg: bytes, dst: bytes, len_in_bytes: int) -> bytes:
    """RFC 9380 section 5.3.2, with H = SHAKE-256 (k = 128, so an oversize DST hashes to ceil(2k/8) = 64 bytes)."""
    if len(dst) > 255:
        dst = hashlib.shake_256(_OVERSIZE + dst).digest(64)
    if len_in_bytes > 65535 or len_in_bytes <= 0:
        raise InvalidParameter(f"expand_message_xof cannot produce {len_in_bytes} bytes")
    dst_prime = dst + bytes([len(dst)])
    return hashlib.shake_256(msg + len_in_bytes.to_bytes(2, "big") + dst_prime).digest(len_in_bytes)


# L = ceil((ceil(log2(p)) + k) / 8) = 64 for BLS12-381 G1 with k = 128 (RFC 9380 section 8.8.1).
HASH_TO_FIELD_L = 64


def hash_to_field_fp(msg: bytes, count: int, dst: bytes, expand: ExpandMessage) -> list[int]:
    """RFC 9380 section 5.2 ``hash_to_field`` for GF(p) (m = 1): ``count`` field elements as ints in [0, p)."""
    uniform = expand(msg, dst, count * HASH_TO_FIELD_L)
    return [int.from_bytes(uniform[i * HASH_TO_FIELD_L : (i + 1) * HASH_TO_FIELD_L], "big") % P for i in range(count)]
