"""Key pairs used by DIDs: Ed25519, secp256k1, P-256, X25519 and BLS12-381 G2 public keys.

One class per side (:class:`PublicKey`, :class:`PrivateKey`), in the shape of pyca/cryptography: small typed
surfaces, ``verify`` raises :class:`~did.errors.InvalidSignature` instead of returning a boolean, and every
malformed input raises a :class:`~did.errors.InvalidKey` / :class:`~did.errors.EncodingError`.

Wire forms implemented here:

* canonical raw bytes (Ed25519/X25519 32 bytes, RFC 8032 / RFC 7748; P-256 and secp256k1 33-byte compressed
  SEC1 points, SEC 1 v2 section 2.3.3; BLS12-381 G2 96-byte compressed points, ZCash serialization as used by
  draft-irtf-cfrg-bbs-signatures section 4.2.4.2 and draft-irtf-cfrg-pairing-friendly-curves appendix C);
* Multikey ``publicKeyMultibase`` / ``secretKeyMultibase``: ``'z'`` + base58btc(varint(multicodec) || raw)
  (W3C Controlled Identifiers 1.0 section 2.2.2 "Multikey", multicodec table);
* JWK (RFC 7517, RFC 7518 section 6.2 for EC, RFC 8037 for OKP, RFC 8812 section 3.1 for ``secp256k1``;
  BLS12-381 as ``{"kty": "OKP", "crv": "Bls12381G2", "x": <compressed point>}`` following Digital Bazaar's
  ``@digitalbazaar/bls12-381-multikey``) and the RFC 7638 thumbprint;
* signatures: Ed25519 (RFC 8032, pure), ES256 and ES256K (RFC 7518 section 3.4 / RFC 8812 section 3.2):
  ECDSA over SHA-256 with the 64-byte ``r || s`` (IEEE P1363) encoding.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import nacl.bindings
import nacl.exceptions
import nacl.public
import nacl.signing
from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from did.errors import EncodingError, InvalidKey, InvalidSignature

__all__ = [
    "KeyType",
    "PrivateKey",
    "PublicKey",
    "b64url_decode",
    "b64url_encode",
    "base58_decode",
    "base58_encode",
    "multibase_decode",
    "multibase_encode",
]


class KeyType(StrEnum):
    """Key types, named as their JWK ``crv`` / Multikey documentation names them."""

    ED25519 = "Ed25519"
    SECP256K1 = "secp256k1"
    P256 = "P-256"
    X25519 = "X25519"
    BLS12381_G2 = "Bls12381G2"

    @classmethod
    def parse(cls, name: object) -> KeyType:
        """Accept the canonical value or a loose CLI spelling (``ed25519``, ``p256``, ``bls12381g2`` ...)."""
        if isinstance(name, KeyType):
            return name
        if not isinstance(name, str):
            raise InvalidKey(f"key type must be a string, got {type(name).__name__}", code="unsupportedKeyType")
        folded = name.lower().replace("-", "").replace("_", "")
        for kt in cls:
            if folded == kt.value.lower().replace("-", ""):
                return kt
        aliases = {"secp256r1": cls.P256, "es256": cls.P256, "es256k": cls.SECP256K1, "bls12381": cls.BLS12381_G2}
        if folded in aliases:
            return aliases[folded]
        raise InvalidKey(
            f"unsupported key type {name!r}; expected one of: {', '.join(k.value for k in cls)}",
            code="unsupportedKeyType",
        )


# Multicodec table (https://github.com/multiformats/multicodec/blob/master/table.csv), tag "key".
_PUB_CODEC: dict[KeyType, int] = {
    KeyType.ED25519: 0xED,  # ed25519-pub
    KeyType.SECP256K1: 0xE7,  # secp256k1-pub
    KeyType.P256: 0x1200,  # p256-pub
    KeyType.X25519: 0xEC,  # x25519-pub
    KeyType.BLS12381_G2: 0xEB,  # bls12_381-g2-pub
}
_PRIV_CODEC: dict[KeyType, int] = {
    KeyType.ED25519: 0x1300,  # ed25519-priv
    KeyType.SECP256K1: 0x1301,  # secp256k1-priv
    KeyType.X25519: 0x1302,  # x25519-priv
    KeyType.P256: 0x1306,  # p256-priv
    KeyType.BLS12381_G2: 0x130A,  # bls12_381-g2-priv
}
_PUB_BY_CODEC = {v: k for k, v in _PUB_CODEC.items()}
_PRIV_BY_CODEC = {v: k for k, v in _PRIV_CODEC.items()}

_PUBLIC_SIZE = {
    KeyType.ED25519: 32,
    KeyType.X25519: 32,
    KeyType.P256: 33,
    KeyType.SECP256K1: 33,
    KeyType.BLS12381_G2: 96,
}
_SECRET_SIZE = 32  # every supported type has a 32-byte secret (seed / scalar)

_EC_CURVES: dict[KeyType, ec.EllipticCurve] = {KeyType.P256: ec.SECP256R1(), KeyType.SECP256K1: ec.SECP256K1()}
# Group orders (SEC 2 v2 sections 2.4.1 and 2.4.2).
_EC_ORDER = {
    KeyType.P256: 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    KeyType.SECP256K1: 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
}
# BLS12-381 subgroup order r (draft-irtf-cfrg-pairing-friendly-curves section 4.2.1).
_BLS_ORDER = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001

_JWK_CRV = {
    KeyType.ED25519: ("OKP", "Ed25519"),
    KeyType.X25519: ("OKP", "X25519"),
    KeyType.P256: ("EC", "P-256"),
    KeyType.SECP256K1: ("EC", "secp256k1"),
    KeyType.BLS12381_G2: ("OKP", "Bls12381G2"),
}
# Input spellings accepted for ``crv`` (jwcrypto < 1.5 used "P-256K"; MATTR and the COSE BLS draft used upper case).
_JWK_CRV_IN: dict[str, KeyType] = {
    "Ed25519": KeyType.ED25519,
    "X25519": KeyType.X25519,
    "P-256": KeyType.P256,
    "secp256k1": KeyType.SECP256K1,
    "P-256K": KeyType.SECP256K1,
    "Bls12381G2": KeyType.BLS12381_G2,
    "BLS12381G2": KeyType.BLS12381_G2,
    "BLS12381_G2": KeyType.BLS12381_G2,
}
_JWK_ALG = {KeyType.ED25519: "EdDSA", KeyType.P256: "ES256", KeyType.SECP256K1: "ES256K"}


# --------------------------------------------------------------------------------------------------------------
# Small encoders shared by the did package


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: object, *, what: str = "value") -> bytes:
    """Strict base64url without padding (RFC 7515 section 2); raises :class:`EncodingError`."""
    if not isinstance(text, str):
        raise EncodingError(f"{what} must be a base64url string")
    if "=" in text or any(c in text for c in "+/ \n\r\t"):
        raise EncodingError(f"{what} is not unpadded base64url")
    if len(text) % 4 == 1:
        raise EncodingError(f"{what} has an impossible base64url length")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise EncodingError(f"{what} is not valid base64url") from exc
    if b64url_encode(raw) != text:  # non-canonical trailing bits
        raise EncodingError(f"{what} is not canonical base64url")
    return raw


def multibase_encode(data: bytes) -> str:
    """``'z'`` + base58btc (the only base Multikey allows)."""
    from multiformats import multibase

    return str(multibase.encode(data, "base58btc"))


def multibase_decode(text: object, *, what: str = "multibase value") -> bytes:
    """Decode a base58btc multibase string (prefix ``z``); raises :class:`EncodingError`."""
    from multiformats import multibase

    if not isinstance(text, str):
        raise EncodingError(f"{what} must be a string")
    if not text.startswith("z") or len(text) < 2:
        raise EncodingError(f"{what} must be base58btc multibase (start with 'z')")
    try:
        return bytes(multibase.decode(text))
    except Exception as exc:  # the multiformats package raises assorted ValueError/KeyError subclasses
        raise EncodingError(f"{what} is not valid base58btc") from exc


def base58_encode(data: bytes) -> str:
    """Plain base58btc (Bitcoin alphabet) without a multibase prefix, as in legacy ``publicKeyBase58``."""
    return multibase_encode(data)[1:]


def base58_decode(text: object, *, what: str = "base58 value") -> bytes:
    if not isinstance(text, str) or not text:
        raise EncodingError(f"{what} must be a non-empty base58 string")
    return multibase_decode("z" + text, what=what)


def _varint_encode(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _varint_decode(data: bytes, *, what: str) -> tuple[int, int]:
    """Unsigned varint (multiformats unsigned-varint spec: minimal encoding, at most 9 bytes)."""
    value = 0
    for i, b in enumerate(data[:9]):
        value |= (b & 0x7F) << (7 * i)
        if not b & 0x80:
            if b == 0 and i > 0:
                raise EncodingError(f"{what}: multicodec varint is not minimally encoded")
            return value, i + 1
    raise EncodingError(f"{what}: truncated multicodec varint")


def _multikey_unwrap(text: object, table: Mapping[int, KeyType], *, what: str) -> tuple[KeyType, bytes]:
    data = multibase_decode(text, what=what)
    code, n = _varint_decode(data, what=what)
    kt = table.get(code)
    if kt is None:
        raise InvalidKey(f"{what}: unsupported multicodec 0x{code:x}", code="unsupportedPublicKeyType")
    return kt, data[n:]


# --------------------------------------------------------------------------------------------------------------
# Point handling per curve


@functools.lru_cache(maxsize=1024)
def _ec_public(key_type: KeyType, data: bytes) -> ec.EllipticCurvePublicKey:
    # Cached: decoding (decompression, on-curve check) dominates a verify; public keys are not secret.
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(_EC_CURVES[key_type], data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise InvalidKey(f"{key_type.value} public key is not a point on the curve") from exc


def _ec_compress(pk: ec.EllipticCurvePublicKey) -> bytes:
    return pk.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)


def _bls_g2_point(data: bytes) -> Any:
    import py_arkworks_bls12381 as ark

    try:
        # Checked decoding: on the curve and in the prime-order subgroup.
        point = ark.G2Point.from_compressed_bytes(data)
    except Exception as exc:  # the Rust binding raises a plain ValueError/Exception
        raise InvalidKey("Bls12381G2 public key is not a valid compressed G2 point") from exc
    if point == ark.G2Point.identity():
        raise InvalidKey("Bls12381G2 public key is the identity point")
    return point


def _canonical_public(key_type: KeyType, data: bytes) -> bytes:
    if key_type in _EC_CURVES:
        if len(data) not in (33, 65):
            raise InvalidKey(
                f"{key_type.value} public key must be 33 (compressed) or 65 bytes, got {len(data)}",
                code="invalidPublicKeyLength",
            )
        return _ec_compress(_ec_public(key_type, data))
    size = _PUBLIC_SIZE[key_type]
    if key_type is KeyType.BLS12381_G2 and len(data) == 192:
        import py_arkworks_bls12381 as ark

        try:
            point = ark.G2Point.from_xy_bytes_be(data)
        except Exception as exc:
            raise InvalidKey("Bls12381G2 public key is not a valid uncompressed G2 point") from exc
        data = bytes(point.to_compressed_bytes())
    if len(data) != size:
        raise InvalidKey(
            f"{key_type.value} public key must be {size} bytes, got {len(data)}", code="invalidPublicKeyLength"
        )
    if key_type is KeyType.ED25519:
        # RFC 8032 section 5.1.3: the encoding must decode to a curve point; libsodium additionally rejects
        # small-order points, which are never the public key of an honestly generated key.
        if not nacl.bindings.crypto_core_ed25519_is_valid_point(data):
            raise InvalidKey("Ed25519 public key is not a valid curve point")
    elif key_type is KeyType.BLS12381_G2:
        _bls_g2_point(data)
    return data


# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A public key in its canonical raw form. Build with :meth:`from_raw`, :meth:`from_multibase`, :meth:`from_jwk`."""

    key_type: KeyType
    raw: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.key_type, KeyType):
            raise InvalidKey("key_type must be a KeyType")
        if not isinstance(self.raw, bytes) or len(self.raw) != _PUBLIC_SIZE[self.key_type]:
            raise InvalidKey(f"{self.key_type.value} public key must be {_PUBLIC_SIZE[self.key_type]} raw bytes")

    def __repr__(self) -> str:
        return f"PublicKey({self.key_type.value}, {self.to_multibase()})"

    # -- constructors ------------------------------------------------------------------------------------------

    @classmethod
    def from_raw(cls, key_type: KeyType | str, data: bytes) -> PublicKey:
        """Validate ``data`` (length, point on curve / in subgroup) and store its canonical (compressed) form."""
        kt = KeyType.parse(key_type)
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InvalidKey("public key bytes must be bytes")
        return cls(kt, _canonical_public(kt, bytes(data)))

    @classmethod
    def from_multibase(cls, text: object) -> PublicKey:
        """Parse a Multikey ``publicKeyMultibase`` (Controlled Identifiers 1.0 section 2.2.2)."""
        kt, raw = _multikey_unwrap(text, _PUB_BY_CODEC, what="publicKeyMultibase")
        if kt in _EC_CURVES and len(raw) != 33:
            # The Multikey encoding of ECDSA keys is the compressed point only.
            raise InvalidKey(
                f"publicKeyMultibase: {kt.value} key must be a 33-byte compressed point", code="invalidPublicKeyLength"
            )
        return cls.from_raw(kt, raw)

    @classmethod
    def from_jwk(cls, jwk: object) -> PublicKey:
        """Parse a public JWK (RFC 7517; OKP per RFC 8037, EC per RFC 7518 section 6.2)."""
        kt, raw = _jwk_public_parts(jwk)
        return cls.from_raw(kt, raw)

    # -- encodings ---------------------------------------------------------------------------------------------

    @property
    def multicodec(self) -> int:
        return _PUB_CODEC[self.key_type]

    def to_multibase(self) -> str:
        return multibase_encode(_varint_encode(self.multicodec) + self.raw)

    def to_jwk(self) -> dict[str, str]:
        kty, crv = _JWK_CRV[self.key_type]
        if kty == "EC":
            nums = _ec_public(self.key_type, self.raw).public_numbers()
            return {"kty": "EC", "crv": crv, "x": b64url_encode(nums.x.to_bytes(32, "big")),
                    "y": b64url_encode(nums.y.to_bytes(32, "big"))}
        return {"kty": kty, "crv": crv, "x": b64url_encode(self.raw)}

    def jwk_thumbprint(self) -> str:
        """RFC 7638 section 3: SHA-256 over the required members, sorted, no whitespace; base64url."""
        jwk = self.to_jwk()
        required = ("crv", "kty", "x", "y") if jwk["kty"] == "EC" else ("crv", "kty", "x")
        canonical = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
        return b64url_encode(hashlib.sha256(canonical.encode()).digest())

    def uncompressed(self) -> bytes:
        """The 65-byte uncompressed SEC1 point (EC keys only)."""
        if self.key_type not in _EC_CURVES:
            raise InvalidKey(f"{self.key_type.value} keys have no uncompressed SEC1 form")
        return _ec_public(self.key_type, self.raw).public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )

    def to_x25519(self) -> PublicKey:
        """Birationally map an Ed25519 public key to X25519 (RFC 7748 section 4.1), as did:key does."""
        if self.key_type is not KeyType.ED25519:
            raise InvalidKey("only Ed25519 public keys map to X25519")
        try:
            return PublicKey(KeyType.X25519, nacl.bindings.crypto_sign_ed25519_pk_to_curve25519(self.raw))
        except nacl.exceptions.RuntimeError as exc:  # pragma: no cover - rejected at construction already
            raise InvalidKey("Ed25519 public key cannot be mapped to X25519") from exc

    # -- signatures --------------------------------------------------------------------------------------------

    @property
    def jws_alg(self) -> str:
        """The JOSE ``alg`` this key verifies (RFC 8037 EdDSA, RFC 7518 ES256, RFC 8812 ES256K)."""
        alg = _JWK_ALG.get(self.key_type)
        if alg is None:
            raise InvalidKey(f"{self.key_type.value} keys do not verify JOSE signatures")
        return alg

    def verify(self, message: bytes, signature: bytes) -> None:
        """Verify ``signature`` over ``message``; return ``None`` or raise :class:`InvalidSignature`."""
        if not isinstance(message, (bytes, bytearray, memoryview)) or not isinstance(
            signature, (bytes, bytearray, memoryview)
        ):
            raise InvalidSignature("message and signature must be bytes")
        message, signature = bytes(message), bytes(signature)
        kt = self.key_type
        if kt is KeyType.ED25519:
            if len(signature) != 64:
                raise InvalidSignature(f"Ed25519 signature must be 64 bytes, got {len(signature)}")
            try:
                nacl.signing.VerifyKey(self.raw).verify(message, signature)
            except nacl.exceptions.BadSignatureError as exc:
                raise InvalidSignature("Ed25519 signature does not verify") from exc
            return
        if kt in _EC_CURVES:
            # RFC 7518 section 3.4: the JWS signature is R || S, each 32 bytes big-endian.
            if len(signature) != 64:
                raise InvalidSignature(f"{kt.value} signature must be 64 bytes (r || s), got {len(signature)}")
            r = int.from_bytes(signature[:32], "big")
            s = int.from_bytes(signature[32:], "big")
            order = _EC_ORDER[kt]
            if not (0 < r < order and 0 < s < order):
                raise InvalidSignature(f"{kt.value} signature scalars out of range")
            try:
                _ec_public(kt, self.raw).verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
            except _CryptoInvalidSignature as exc:
                raise InvalidSignature(f"{kt.value} signature does not verify") from exc
            return
        if kt is KeyType.X25519:
            raise InvalidKey("X25519 keys are for key agreement and cannot verify signatures", code="invalidKeyUse")
        raise InvalidKey("Bls12381G2 keys verify BBS signatures: use zkp.bbs", code="invalidKeyUse")


# --------------------------------------------------------------------------------------------------------------
# JWK parsing


def _jwk_member(jwk: Mapping[str, Any], name: str) -> bytes:
    if name not in jwk:
        raise InvalidKey(f"JWK is missing member {name!r}", code="invalidJwk")
    try:
        return b64url_decode(jwk[name], what=f"JWK member {name!r}")
    except EncodingError as exc:
        raise InvalidKey(str(exc), code="invalidJwk") from exc


def _jwk_public_parts(jwk: object) -> tuple[KeyType, bytes]:
    if isinstance(jwk, str):
        try:
            jwk = json.loads(jwk)
        except json.JSONDecodeError as exc:
            raise InvalidKey("JWK is not valid JSON", code="invalidJwk") from exc
    if not isinstance(jwk, Mapping):
        raise InvalidKey("JWK must be a JSON object", code="invalidJwk")
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty not in ("OKP", "EC"):
        raise InvalidKey(f"unsupported JWK kty {kty!r} (expected 'OKP' or 'EC')", code="invalidJwk")
    kt = _JWK_CRV_IN.get(crv) if isinstance(crv, str) else None
    if kt is None:
        raise InvalidKey(f"unsupported JWK crv {crv!r}", code="invalidJwk")
    if kt is KeyType.BLS12381_G2 and kty == "EC":
        kty = "OKP" if "y" not in jwk else "EC"  # MATTR wrote EC with x/y coordinates
    expected_kty = _JWK_CRV[kt][0]
    if kt is KeyType.BLS12381_G2 and "y" in jwk:
        # x, y coordinates (each 96 bytes, Fp2 big-endian) as the older MATTR / COSE BLS draft form.
        return kt, _jwk_member(jwk, "x") + _jwk_member(jwk, "y")
    if kty != expected_kty:
        raise InvalidKey(f"JWK crv {crv!r} requires kty {expected_kty!r}", code="invalidJwk")
    x = _jwk_member(jwk, "x")
    if kty == "EC":
        y = _jwk_member(jwk, "y")
        if len(x) != 32 or len(y) != 32:
            raise InvalidKey(f"JWK {crv} coordinates must be 32 bytes each", code="invalidJwk")
        return kt, b"\x04" + x + y
    if "y" in jwk:
        raise InvalidKey("an OKP JWK has no 'y' member", code="invalidJwk")
    return kt, x


# --------------------------------------------------------------------------------------------------------------


class PrivateKey:
    """A secret key and its public key. ``repr`` never shows the secret; equality is constant-time."""

    __slots__ = ("_impl", "_public", "_secret")

    _secret: bytes
    _public: PublicKey
    _impl: Any  # cached backend key object (nacl SigningKey / cryptography EC key), built on first use

    def __init__(self, key_type: KeyType, secret: bytes, public: PublicKey) -> None:
        # Internal: use generate/from_raw/from_secret_multibase/from_jwk, which check consistency.
        if public.key_type is not key_type:
            raise InvalidKey("public key type does not match the secret key type")
        object.__setattr__(self, "_secret", bytes(secret))
        object.__setattr__(self, "_public", public)
        object.__setattr__(self, "_impl", None)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("PrivateKey is immutable")

    def __repr__(self) -> str:
        return f"PrivateKey({self.key_type.value}, public={self._public.to_multibase()})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PrivateKey):
            return NotImplemented
        return other.key_type is self.key_type and hmac.compare_digest(self._secret, other._secret)

    def __hash__(self) -> int:
        return hash(self._public)

    def __reduce__(self) -> Any:
        raise TypeError("PrivateKey is not picklable; use secret_multibase() and store it encrypted")

    # -- constructors ------------------------------------------------------------------------------------------

    @classmethod
    def generate(cls, key_type: KeyType | str, *, rng: Callable[[int], bytes] | None = None) -> PrivateKey:
        """Fresh key pair. ``rng(n) -> n bytes`` defaults to ``os.urandom`` (inject one for reproducible tests)."""
        kt = KeyType.parse(key_type)
        rand = rng or os.urandom
        if kt is KeyType.BLS12381_G2:
            try:
                from zkp.bbs import keygen, sk_to_pk  # type: ignore[attr-defined]
            except ImportError as exc:
                raise InvalidKey(
                    "Bls12381G2 key generation needs the BBS module (zkp.bbs keygen), which is not available",
                    code="unsupportedKeyType",
                ) from exc
            sk = keygen(rand(32))
            sk_bytes = sk if isinstance(sk, bytes) else int(sk).to_bytes(32, "big")
            pk = sk_to_pk(sk)
            return cls(kt, sk_bytes, PublicKey.from_raw(kt, bytes(pk)))
        if kt in _EC_CURVES:
            # Rejection sampling gives a uniform scalar in [1, n-1] (FIPS 186-5 appendix A.4.2).
            for _ in range(128):
                d = int.from_bytes(rand(32), "big")
                if 0 < d < _EC_ORDER[kt]:
                    return cls.from_raw(kt, d.to_bytes(32, "big"))
            raise InvalidKey("random generator produced no valid scalar")  # pragma: no cover
        return cls.from_raw(kt, rand(32))

    @classmethod
    def from_raw(cls, key_type: KeyType | str, secret: bytes, *, public: bytes | None = None) -> PrivateKey:
        """From the 32-byte secret (Ed25519 seed, X25519 scalar, EC or BLS big-endian scalar).

        Ed25519 also accepts the 64-byte ``seed || public`` libsodium form. ``public``, if given, must match the
        public key derived from the secret.
        """
        kt = KeyType.parse(key_type)
        if not isinstance(secret, (bytes, bytearray, memoryview)):
            raise InvalidKey("secret key must be bytes", code="invalidPrivateKey")
        secret = bytes(secret)
        if kt is KeyType.ED25519 and len(secret) == 64:
            secret, public = secret[:32], public or secret[32:]
        if len(secret) != _SECRET_SIZE:
            raise InvalidKey(f"{kt.value} secret key must be 32 bytes, got {len(secret)}", code="invalidPrivateKey")
        derived = PublicKey(kt, _derive_public(kt, secret))
        if public is not None and not hmac.compare_digest(PublicKey.from_raw(kt, public).raw, derived.raw):
            raise InvalidKey(f"{kt.value} public key does not match the secret key", code="invalidPrivateKey")
        return cls(kt, secret, derived)

    @classmethod
    def from_secret_multibase(cls, text: object, *, public_multibase: str | None = None) -> PrivateKey:
        """Parse a Multikey ``secretKeyMultibase``; check it against ``public_multibase`` when given."""
        kt, raw = _multikey_unwrap(text, _PRIV_BY_CODEC, what="secretKeyMultibase")
        public = None
        if public_multibase is not None:
            pub = PublicKey.from_multibase(public_multibase)
            if pub.key_type is not kt:
                raise InvalidKey("publicKeyMultibase and secretKeyMultibase are of different key types",
                                 code="invalidPrivateKey")
            public = pub.raw
        try:
            return cls.from_raw(kt, raw, public=public)
        except InvalidKey as exc:
            raise InvalidKey(f"secretKeyMultibase: {exc}", code=exc.code) from None

    @classmethod
    def from_jwk(cls, jwk: object) -> PrivateKey:
        """Parse a private JWK (``d`` member; RFC 8037 section 2 for OKP, RFC 7518 section 6.2.2.1 for EC)."""
        if isinstance(jwk, str):
            try:
                jwk = json.loads(jwk)
            except json.JSONDecodeError as exc:
                raise InvalidKey("JWK is not valid JSON", code="invalidJwk") from exc
        kt, pub = _jwk_public_parts(jwk)
        assert isinstance(jwk, Mapping)
        d = _jwk_member(jwk, "d")
        if kt is KeyType.BLS12381_G2 and "y" in jwk:
            d = d[::-1]  # the x/y form stores d little-endian (as @digitalbazaar/bls12-381-multikey documents)
        return cls.from_raw(kt, d, public=pub)

    # -- accessors ---------------------------------------------------------------------------------------------

    @property
    def key_type(self) -> KeyType:
        return self._public.key_type

    @property
    def public_key(self) -> PublicKey:
        return self._public

    @property
    def raw(self) -> bytes:
        """The secret bytes. Handle with care: never log them."""
        return self._secret

    @property
    def multicodec(self) -> int:
        return _PRIV_CODEC[self.key_type]

    def secret_multibase(self) -> str:
        """Multikey ``secretKeyMultibase`` (Controlled Identifiers 1.0 section 2.2.2: prefix + 32-byte secret)."""
        return multibase_encode(_varint_encode(self.multicodec) + self._secret)

    def to_jwk(self, include_private: bool = True) -> dict[str, str]:
        jwk = self._public.to_jwk()
        if include_private:
            jwk["d"] = b64url_encode(self._secret)
        return jwk

    # -- operations --------------------------------------------------------------------------------------------

    def sign(self, message: bytes) -> bytes:
        """Ed25519 (RFC 8032 pure) or deterministic ECDSA SHA-256 (RFC 6979) as 64-byte ``r || s``."""
        if not isinstance(message, (bytes, bytearray, memoryview)):
            raise InvalidKey("message must be bytes", code="invalidInput")
        message = bytes(message)
        kt = self.key_type
        if kt is KeyType.ED25519:
            signing_key = self._impl
            if signing_key is None:
                signing_key = nacl.signing.SigningKey(self._secret)
                object.__setattr__(self, "_impl", signing_key)
            return bytes(signing_key.sign(message).signature)
        if kt in _EC_CURVES:
            sk = self._impl
            if sk is None:
                sk = ec.derive_private_key(int.from_bytes(self._secret, "big"), _EC_CURVES[kt])
                object.__setattr__(self, "_impl", sk)
            der = sk.sign(message, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
            r, s = decode_dss_signature(der)
            order = _EC_ORDER[kt]
            if kt is KeyType.SECP256K1 and s > order // 2:
                # Low-S form (BIP 62 / BIP 146): noble-secp256k1, used by web5, rejects high-S by default.
                s = order - s
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        if kt is KeyType.X25519:
            raise InvalidKey("X25519 keys are for key agreement and cannot sign", code="invalidKeyUse")
        raise InvalidKey("Bls12381G2 keys sign BBS messages: use zkp.bbs", code="invalidKeyUse")

    def to_x25519(self) -> PrivateKey:
        """The X25519 secret matching :meth:`PublicKey.to_x25519` (RFC 7748 section 5 scalar from the RFC 8032
        expanded secret, libsodium ``crypto_sign_ed25519_sk_to_curve25519``)."""
        if self.key_type is not KeyType.ED25519:
            raise InvalidKey("only Ed25519 secret keys map to X25519", code="invalidKeyUse")
        sk64 = self._secret + self._public.raw
        return PrivateKey.from_raw(KeyType.X25519, nacl.bindings.crypto_sign_ed25519_sk_to_curve25519(sk64))

    def exchange(self, peer: PublicKey) -> bytes:
        """X25519 Diffie-Hellman (RFC 7748 section 6.1); raises on an all-zero shared secret."""
        if self.key_type is not KeyType.X25519 or peer.key_type is not KeyType.X25519:
            raise InvalidKey("key agreement needs two X25519 keys", code="invalidKeyUse")
        try:
            return bytes(nacl.bindings.crypto_scalarmult(self._secret, peer.raw))
        except nacl.exceptions.RuntimeError as exc:
            raise InvalidKey("X25519 key agreement produced the all-zero value", code="invalidPublicKey") from exc


def _derive_public(kt: KeyType, secret: bytes) -> bytes:
    if kt is KeyType.ED25519:
        return bytes(nacl.signing.SigningKey(secret).verify_key)
    if kt is KeyType.X25519:
        return bytes(nacl.public.PrivateKey(secret).public_key)
    if kt in _EC_CURVES:
        d = int.from_bytes(secret, "big")
        if not 0 < d < _EC_ORDER[kt]:
            raise InvalidKey(f"{kt.value} secret scalar is out of range", code="invalidPrivateKey")
        return _ec_compress(ec.derive_private_key(d, _EC_CURVES[kt]).public_key())
    # BLS12-381: SkToPk(SK) = SK * P2 (draft-irtf-cfrg-bbs-signatures section 3.4.2), SK big-endian in [1, r-1].
    import py_arkworks_bls12381 as ark

    d = int.from_bytes(secret, "big")
    if not 0 < d < _BLS_ORDER:
        raise InvalidKey("Bls12381G2 secret scalar is out of range", code="invalidPrivateKey")
    return bytes((ark.G2Point() * ark.Scalar.from_be_bytes(secret)).to_compressed_bytes())
