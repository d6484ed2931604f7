"""The ``did:key`` method (W3C CCG did:key specification v0.9, https://w3c-ccg.github.io/did-key-spec/).

A did:key DID is the Multikey encoding of one public key, ``did:key:`` + ``'z'`` + base58btc(varint(codec) || key);
its document is generated from the key alone (section 3.1 "Create", section 3.2 "Read"). Supported here: Ed25519
(with the derived X25519 key agreement key), X25519, P-256, secp256k1 and BLS12-381 G2. Errors use the spec's
codes: ``invalidDid``, ``invalidPublicKeyLength``, ``invalidPublicKey``, ``unsupportedPublicKeyType``.
"""

from __future__ import annotations

from typing import Literal

from did.document import DID_CONTEXT_V1_1, DIDDocument, VerificationMethod, parse_did
from did.errors import EncodingError, InvalidDid, InvalidKey, MethodNotSupported
from did.keys import KeyType, PublicKey

__all__ = ["DEFAULT_CONTEXT", "create", "did_from_public_key", "public_key_from_did", "resolve"]

# The spec's published example (Test Vectors, "Ed25519 with X25519") uses exactly this context.
DEFAULT_CONTEXT: tuple[str, ...] = (DID_CONTEXT_V1_1,)

PublicKeyFormat = Literal["Multikey", "JsonWebKey"]


def did_from_public_key(public_key: PublicKey) -> str:
    """Section 2 "did:key Identifier Syntax": ``did:key:MULTIBASE(base58-btc, MULTICODEC(type, raw))``."""
    if not isinstance(public_key, PublicKey):
        raise InvalidKey("did:key needs a PublicKey")
    return "did:key:" + public_key.to_multibase()


def public_key_from_did(did: str) -> PublicKey:
    """Decode the key inside a did:key DID (section 3.1.2 "Decode Public Key Algorithm" and the length and
    validity checks of "Signature Method Creation Algorithm")."""
    _, multibase_value = _split(did)
    try:
        return PublicKey.from_multibase(multibase_value)
    except EncodingError as exc:
        raise InvalidDid(f"did:key multibase value is malformed: {exc}") from None


def create(
    public_key: PublicKey,
    *,
    public_key_format: PublicKeyFormat = "Multikey",
    enable_encryption_key_derivation: bool = True,
    context: tuple[str, ...] | list[str] = DEFAULT_CONTEXT,
) -> DIDDocument:
    """Document Creation Algorithm (section 3.1.1) for the DID of ``public_key``."""
    return _expand(did_from_public_key(public_key), public_key, public_key_format,
                   enable_encryption_key_derivation, context)


def resolve(
    did: str,
    *,
    public_key_format: PublicKeyFormat = "Multikey",
    enable_encryption_key_derivation: bool = True,
    context: tuple[str, ...] | list[str] = DEFAULT_CONTEXT,
) -> DIDDocument:
    """Read (section 3.2): expand a did:key DID into its DID document; raises typed errors on bad input."""
    pk = public_key_from_did(did)
    return _expand(did, pk, public_key_format, enable_encryption_key_derivation, context)


# ----------------------------------------------------------------------------------------------------------------


def _split(did: object) -> tuple[int, str]:
    """Split ``did:key[:version]:<mb-value>`` and check it (Document Creation Algorithm steps 2-3)."""
    if not isinstance(did, str):
        raise InvalidDid("a DID must be a string")
    method, _ = parse_did(did)
    if method != "key":
        raise MethodNotSupported(f"not a did:key DID: method {method!r}")
    parts = did.split(":")
    if len(parts) == 3:
        version, mb = "1", parts[2]
    elif len(parts) == 4:
        version, mb = parts[2], parts[3]
    else:
        raise InvalidDid("did:key has the form did:key[:<version>]:<multibase-value>")
    if not version.isdigit() or int(version) < 1:
        raise InvalidDid(f"did:key version must be a positive integer, got {version!r}")
    if int(version) != 1:
        raise InvalidDid(f"did:key version {version} is not supported (only 1)")
    if not mb.startswith("z"):
        raise InvalidDid("did:key multibase value must be base58-btc (start with 'z')")
    return int(version), mb


def _vm(did: str, pk: PublicKey, fmt: PublicKeyFormat) -> VerificationMethod:
    # Signature / Encryption Method Creation Algorithms: id = identifier + "#" + multibaseValue.
    vm_id = f"{did}#{pk.to_multibase()}"
    if fmt == "Multikey":
        return VerificationMethod.multikey(vm_id, did, pk)
    if fmt == "JsonWebKey":
        return VerificationMethod.json_web_key(vm_id, did, pk)
    raise InvalidKey(f"unsupported publicKeyFormat {fmt!r}", code="unsupportedPublicKeyType")


def _expand(
    did: str,
    pk: PublicKey,
    fmt: PublicKeyFormat,
    derive_x25519: bool,
    context: tuple[str, ...] | list[str],
) -> DIDDocument:
    doc = DIDDocument(id=did, context=list(context))
    vm = _vm(did, pk, fmt)
    if pk.key_type is KeyType.X25519:
        # An X25519 key only agrees keys; it cannot authenticate or assert.
        doc.add_verification_method(vm, ["keyAgreement"])
        return doc.validate()
    doc.add_verification_method(
        vm, ["authentication", "assertionMethod", "capabilityDelegation", "capabilityInvocation"]
    )
    if derive_x25519 and pk.key_type is KeyType.ED25519:
        # Derive Encryption Key Algorithm: Ed25519 -> X25519 (RFC 7748 birational map); as in the spec's example
        # document, the key agreement method is embedded in keyAgreement.
        doc.key_agreement.append(_vm(did, pk.to_x25519(), fmt))
    return doc.validate()
