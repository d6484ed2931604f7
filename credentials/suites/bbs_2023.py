"""``bbs-2023`` (W3C Data Integrity BBS Cryptosuites v1.0 §3): selective disclosure with BBS signatures
(draft-irtf-cfrg-bbs-signatures, BLS12-381-SHA-256), baseline feature (no holder binding / pseudonyms).

* Base proof (issuer, §3.3.1-3.3.6): the document's canonical N-Quads with blank nodes relabelled by a shuffled
  HMAC label map; the quads selected by the *mandatory pointers* are hashed into the BBS header
  (``proofHash || mandatoryHash``), every other quad is one BBS message.  ``proofValue`` = ``u`` + base64url(
  ``0xd9 0x5d 0x02`` || CBOR [signature, header, publicKey, hmacKey, mandatoryPointers]).
* Derived proof (holder, §3.3.7 "createDisclosureData" / §3.3.8 "serializeDerivedProofValue"): the reveal document
  (mandatory + selective pointers) and a BBS proof disclosing the selected non-mandatory quads; ``proofValue`` =
  ``u`` + base64url(``0xd9 0x5d 0x03`` || CBOR [proof, compressed label map, mandatoryIndexes, selectiveIndexes,
  presentationHeader]).
* Verification (§3.3.9-3.3.10) is of derived proofs only, as the specification says: a base proof is for the holder.

Feature option ``anonymous_holder_binding`` (vc-di-bbs §3.3.1 "featureOption"): the holder commits to a secret with
Blind BBS ``Commit`` (:func:`holder_commitment`), the issuer signs with ``BlindSign`` over the commitment (base header
``0xd9 0x5d 0x04``), and every derived proof is a ``BlindProofGen`` proof of knowledge of the secret (derived header
``0xd9 0x5d 0x05``, a sixth CBOR item ``lengthBBSMessages``): a proof cannot be made without the holder's secret.
Blind BBS is draft-irtf-cfrg-bbs-blind-signatures-02 (:mod:`zkp.bbs.blind`); the published HolderBinding vectors
verify with it byte for byte.

Feature options ``pseudonym`` / ``holder_binding_pseudonym`` (base headers ``0x06`` / ``0x08`` with a sixth item
``signer_nym_entropy``; derived ``0x07`` / ``0x09`` with ``nym_domain``, ``pseudonym``, ``lengthBBSMessages``): the
holder commits to a ``prover_nym`` (and, with holder binding, its secret first), the issuer adds fresh entropy, and
each derived proof carries ``pseudonym = OP(nym_domain) * (prover_nym + entropy)``: one per verifier, unlinkable
across verifiers.  The cryptography is per-verifier-linkability-00 (:mod:`credentials.suites.bbs_2023_pseudonym`, see
there why not :mod:`zkp.bbs.pseudonym`).  Published-vector errata we accept (SOURCES.md §5): the Pseudonym vectors
use the ``holder_binding_pseudonym`` headers ``0x08``/``0x09``, and their derived proofs omit ``nym_domain`` (seven
CBOR items; the verifier then supplies its own domain).
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cbor2

from credentials import jsonld
from credentials import sd_primitives as sd
from credentials.data_integrity import DATA_INTEGRITY_PROOF
from credentials.errors import InvalidProofValue, MalformedProof, ProofError, SignatureMismatch
from did.errors import IiotidError
from did.keys import KeyType, PrivateKey, PublicKey

NAME = "bbs-2023"
BASELINE = "baseline"
HOLDER_BINDING = "anonymous_holder_binding"
PSEUDONYM = "pseudonym"
HOLDER_BINDING_PSEUDONYM = "holder_binding_pseudonym"
# vc-di-bbs §3.3.2 "serializeBaseProofValue" / §3.3.8 "serializeDerivedProofValue": the CBOR tag header per feature
_BASE_HEADERS = {BASELINE: b"\xd9\x5d\x02", HOLDER_BINDING: b"\xd9\x5d\x04", PSEUDONYM: b"\xd9\x5d\x06",
                 HOLDER_BINDING_PSEUDONYM: b"\xd9\x5d\x08"}
_DERIVED_HEADERS = {BASELINE: b"\xd9\x5d\x03", HOLDER_BINDING: b"\xd9\x5d\x05", PSEUDONYM: b"\xd9\x5d\x07",
                    HOLDER_BINDING_PSEUDONYM: b"\xd9\x5d\x09"}
SUPPORTED_FEATURES = (BASELINE, HOLDER_BINDING, PSEUDONYM, HOLDER_BINDING_PSEUDONYM)
PSEUDONYM_FEATURES = (PSEUDONYM, HOLDER_BINDING_PSEUDONYM)
BASE_PREFIX = _BASE_HEADERS[BASELINE]
DERIVED_PREFIX = _DERIVED_HEADERS[BASELINE]
MAX_PROOF_VALUE = 1 << 20


class DisclosureError(ProofError):
    """Derivation was asked for something it cannot do (nothing selected, a base proof missing or malformed)."""

    code = "invalidDisclosure"


class UnsupportedFeature(ProofError):
    """A ``bbs-2023`` feature option this implementation does not provide (the pseudonym options)."""

    code = "unsupportedFeature"


@dataclass(frozen=True)
class BaseProof:
    signature: bytes
    header: bytes
    public_key: bytes
    hmac_key: bytes
    mandatory_pointers: list[str]
    feature: str = BASELINE
    signer_nym_entropy: int | None = None  # the pseudonym features


@dataclass(frozen=True)
class DerivedProof:
    proof: bytes
    label_map: dict[str, str]  # c14nN -> bM
    mandatory_indexes: list[int]
    selective_indexes: list[int]
    presentation_header: bytes
    feature: str = BASELINE
    length_bbs_messages: int | None = None  # the feature options: the number of issuer-signed messages
    nym_domain: bytes | None = None  # the pseudonym features: the verifier's context id
    pseudonym: bytes | None = None  # the pseudonym features: 48-byte G1 point


# ------------------------------------------------------------------------------------------------ proofValue codec
def _b64u_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidProofValue("proofValue is not base64url") from exc


# item counts: base §3.3.2, derived §3.3.8 (seven for the published pseudonym vectors, which omit nym_domain)
_SIZES = {
    "base": {BASELINE: (5,), HOLDER_BINDING: (5,), PSEUDONYM: (6,), HOLDER_BINDING_PSEUDONYM: (6,)},
    "derived": {BASELINE: (5,), HOLDER_BINDING: (6,), PSEUDONYM: (8, 7), HOLDER_BINDING_PSEUDONYM: (8, 7)},
}


def _unwrap(value: object, headers: Mapping[str, bytes], what: str) -> tuple[str, list[Any]]:
    """The feature option named by the 3-byte CBOR tag header and the decoded CBOR array; pseudonym features are
    refused here with :class:`UnsupportedFeature`."""
    if not isinstance(value, str) or not value.startswith("u"):
        raise InvalidProofValue(f"a {NAME} proofValue is a base64url multibase string ('u' prefix)")
    if len(value) > MAX_PROOF_VALUE:
        raise InvalidProofValue("proofValue is too large")
    raw = _b64u_decode(value[1:])
    feature = next((f for f, h in headers.items() if raw.startswith(h)), None)
    if feature is None:
        raise InvalidProofValue(f"proofValue is not a {NAME} {what} proof (CBOR tag header)")
    if feature not in SUPPORTED_FEATURES:
        raise UnsupportedFeature(f"the {NAME} feature option {feature!r} is not supported "
                                 f"(supported: {', '.join(SUPPORTED_FEATURES)})")
    try:
        payload = cbor2.loads(raw[3:])
    except Exception as exc:  # cbor2 raises several types on malformed input
        raise InvalidProofValue(f"proofValue is not valid CBOR: {type(exc).__name__}") from exc
    sizes = _SIZES[what][feature]
    if not isinstance(payload, list) or len(payload) not in sizes:
        raise InvalidProofValue(f"a {NAME} {feature} {what} proofValue is a CBOR array of "
                                f"{' or '.join(map(str, sizes))} items")
    return feature, [p.value if isinstance(p, cbor2.CBORTag) and p.tag == 64 else p for p in payload]


def _bytes(value: object, what: str, length: int | None = None) -> bytes:
    if not isinstance(value, bytes) or (length is not None and len(value) != length):
        size = f" of {length} bytes" if length is not None else ""
        raise InvalidProofValue(f"{what} must be a byte string{size}")
    return value


def _ints(value: object, what: str) -> list[int]:
    if not isinstance(value, list) or not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0
                                              for i in value):
        raise InvalidProofValue(f"{what} must be an array of non-negative integers")
    return list(value)


def serialize_base_proof(p: BaseProof) -> str:
    """§3.3.2 "serializeBaseProofValue"."""
    payload: list[Any] = [p.signature, p.header, p.public_key, p.hmac_key, list(p.mandatory_pointers)]
    if p.feature in PSEUDONYM_FEATURES:
        payload.append(p.signer_nym_entropy)
    return "u" + sd._b64u(_BASE_HEADERS[p.feature] + cbor2.dumps(payload))


def parse_base_proof(proof_value: object) -> BaseProof:
    """§3.3.3 "parseBaseProofValue"."""
    feature, items = _unwrap(proof_value, _BASE_HEADERS, "base")
    sig, header, pk, hmac_key, pointers = items[:5]
    if not isinstance(pointers, list) or not all(isinstance(p, str) for p in pointers):
        raise InvalidProofValue("mandatoryPointers must be an array of strings")
    entropy = items[5] if feature in PSEUDONYM_FEATURES else None
    if entropy is not None and not _is_scalar(entropy):
        raise InvalidProofValue("signer_nym_entropy must be a scalar")
    return BaseProof(_bytes(sig, "bbsSignature", 80), _bytes(header, "bbsHeader", 64),
                     _bytes(pk, "publicKey", 96), _bytes(hmac_key, "hmacKey", 32), pointers, feature, entropy)


def _is_scalar(value: object) -> bool:
    from zkp.backend.hash_to_field import R

    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < R


def serialize_derived_proof(p: DerivedProof) -> str:
    """§3.3.8 "serializeDerivedProofValue" with "compressLabelMap" (``c14nN -> bM`` as ``N -> M``)."""
    compressed = {int(k[4:]): int(v[1:]) for k, v in p.label_map.items()}
    payload: list[Any] = [p.proof, compressed, list(p.mandatory_indexes), list(p.selective_indexes),
                          p.presentation_header]
    if p.feature in PSEUDONYM_FEATURES:
        payload += [p.nym_domain, p.pseudonym]
    if p.feature != BASELINE:
        payload.append(p.length_bbs_messages)
    return "u" + sd._b64u(_DERIVED_HEADERS[p.feature] + cbor2.dumps(payload))


def parse_derived_proof(proof_value: object) -> DerivedProof:
    """§3.3.9 "parseDerivedProofValue" with "decompressLabelMap"."""
    feature, items = _unwrap(proof_value, _DERIVED_HEADERS, "derived")
    proof, compressed, mandatory, selective, ph = items[:5]
    length = items[-1] if feature != BASELINE else None
    if length is not None and (not isinstance(length, int) or isinstance(length, bool) or not 0 <= length < 1 << 20):
        raise InvalidProofValue("lengthBBSMessages must be a non-negative integer")
    nym_domain = pseudonym = None
    if feature in PSEUDONYM_FEATURES:
        pseudonym = _bytes(items[-2], "pseudonym", 48)
        if len(items) == 8:
            raw_domain = items[5]
            nym_domain = raw_domain.encode("utf-8") if isinstance(raw_domain, str) else _bytes(raw_domain, "nym_domain")
    if not isinstance(compressed, dict) or not all(
        isinstance(k, int) and isinstance(v, int) and not isinstance(k, bool) and not isinstance(v, bool)
        and k >= 0 and v >= 0 for k, v in compressed.items()
    ):
        raise InvalidProofValue("the label map must map non-negative integers to non-negative integers")
    return DerivedProof(
        _bytes(proof, "bbsProof"),
        {f"c14n{k}": f"b{v}" for k, v in compressed.items()},
        _ints(mandatory, "mandatoryIndexes"),
        _ints(selective, "selectiveIndexes"),
        _bytes(ph, "presentationHeader"),
        feature,
        length,
        nym_domain,
        pseudonym,
    )


# ------------------------------------------------------------------------------------------------ the suite
def _proof_hash(options: Mapping[str, Any], document: Mapping[str, Any]) -> bytes:
    """§3.3.1 step 4 / §3.3.10: SHA-256 of the canonical proof configuration (proof options + document @context)."""
    if options.get("type") != DATA_INTEGRITY_PROOF or options.get("cryptosuite") != NAME:
        raise MalformedProof(f"proof options must have type {DATA_INTEGRITY_PROOF} and cryptosuite {NAME}")
    config = {k: v for k, v in options.items() if k != "proofValue"}
    if "@context" in document:
        config["@context"] = document["@context"]
    return hashlib.sha256(jsonld.canonicalize(config).encode("utf-8")).digest()


def _bbs() -> Any:
    from zkp.bbs import interface

    return interface


def _blind() -> Any:
    from zkp.bbs import blind

    return blind


def _nym() -> Any:
    from credentials.suites import bbs_2023_pseudonym

    return bbs_2023_pseudonym


def holder_nym_commitment(
    prover_nym: int, holder_secret: bytes | None = None, *, rng: Callable[[int], bytes] | None = None
) -> tuple[bytes, int]:
    """The holder's side of a pseudonym issuance (vc-di-bbs §5.2-5.3, NymCommit): ``(commitment_with_proof,
    secret_prover_blind)`` over ``[holder_secret] || prover_nym`` (``holder_binding_pseudonym``) or ``prover_nym``
    (``pseudonym``).  ``prover_nym`` is a secret scalar the holder keeps (e.g. ``zkp.bbs.pseudonym
    .generate_prover_nyms(1)[0]``), with the blind, for every :func:`derive`."""
    if holder_secret is not None and (not isinstance(holder_secret, bytes) or not holder_secret):
        raise DisclosureError("the holder secret must be non-empty bytes", code="invalidHolderSecret")
    if not _is_scalar(prover_nym):
        raise DisclosureError("prover_nym must be a scalar", code="invalidScalar")
    try:
        return _nym().commit(prover_nym, [holder_secret] if holder_secret else [], rng=rng)  # type: ignore[no-any-return]
    except IiotidError as exc:
        raise DisclosureError(f"could not commit to the prover nym ({exc.code})") from exc


def holder_commitment(holder_secret: bytes, *, rng: Callable[[int], bytes] | None = None) -> tuple[bytes, int]:
    """The holder's side of an ``anonymous_holder_binding`` issuance (vc-di-bbs §3.3.1, Blind BBS §3.1 ``Commit``
    over ``[holder_secret]``): ``(commitment_with_proof, secret_prover_blind)``.  Send the commitment to the issuer;
    keep the secret and the blind: :func:`derive` needs both for every presentation."""
    if not isinstance(holder_secret, bytes) or not holder_secret:
        raise DisclosureError("the holder secret must be non-empty bytes", code="invalidHolderSecret")
    try:
        commitment, blind = _blind().commit([holder_secret], rng=rng)
    except IiotidError as exc:
        raise DisclosureError(f"could not commit to the holder secret ({exc.code})") from exc
    return commitment, blind


def _check_pointers(pointers: object, what: str) -> list[str]:
    if isinstance(pointers, str) or not isinstance(pointers, Sequence):
        raise DisclosureError(f"{what} must be a list of JSON pointers")
    out = list(pointers)
    for p in out:
        sd.parse_pointer(p)
    return out


def create_base_proof_value(
    unsecured: Mapping[str, Any],
    options: Mapping[str, Any],
    key: PrivateKey,
    *,
    mandatory_pointers: Sequence[str] = (),
    hmac_key: bytes | None = None,
    commitment_with_proof: bytes | None = None,
    feature: str | None = None,
    signer_nym_entropy: int | None = None,
    rng: Callable[[int], bytes] = os.urandom,
) -> str:
    """§3.3.1 "Add Base Proof": transformation (§3.3.4), hashing (§3.3.5), serialization (§3.3.6).

    With ``commitment_with_proof`` (from the holder's :func:`holder_commitment`) the proof uses the
    ``anonymous_holder_binding`` feature: the signature is a Blind BBS ``BlindSign`` over the commitment.  With
    ``feature="pseudonym"`` or ``"holder_binding_pseudonym"`` the commitment is the holder's
    :func:`holder_nym_commitment` and the issuer mixes in ``signer_nym_entropy`` (fresh from ``rng`` unless given)."""
    if feature is None:
        feature = BASELINE if commitment_with_proof is None else HOLDER_BINDING
    if feature not in SUPPORTED_FEATURES:
        raise UnsupportedFeature(f"unknown {NAME} feature option {str(feature)[:40]!r}")
    if (feature == BASELINE) != (commitment_with_proof is None):
        raise MalformedProof(f"the {feature} feature option {'takes no' if feature == BASELINE else 'needs a'} "
                             "holder commitment_with_proof", code="invalidCommitment")
    if key.key_type is not KeyType.BLS12381_G2:
        raise MalformedProof(f"{NAME} signs with a BLS12-381 G2 key, not {key.key_type.value}",
                             code="invalidVerificationMethod")
    pointers = _check_pointers(mandatory_pointers, "mandatoryPointers")
    proof_hash = _proof_hash(options, unsecured)
    hk = hmac_key if hmac_key is not None else rng(32)
    if len(hk) != 32:
        raise DisclosureError("the HMAC key is 32 bytes")
    grouped = sd.canonicalize_and_group(unsecured, sd.shuffled_label_map_factory(hk), {"mandatory": pointers})
    group = grouped.groups["mandatory"]
    header = proof_hash + sd.hash_mandatory(group.matching.values())
    messages = [nq.encode("utf-8") for nq in group.non_matching.values()]
    pk = key.public_key.raw
    if commitment_with_proof is None:
        signature = _bbs().sign(key.raw, pk, header, messages)
        return serialize_base_proof(BaseProof(signature, header, pk, hk, pointers))
    if not isinstance(commitment_with_proof, bytes) or not commitment_with_proof:
        raise MalformedProof("commitment_with_proof must be the holder's non-empty commitment bytes",
                             code="invalidCommitment")
    entropy = None
    try:
        if feature == HOLDER_BINDING:
            signature = _blind().blind_sign(key.raw, pk, commitment_with_proof, header, messages)
        else:
            from zkp.bbs.core import calculate_random_scalars

            entropy = calculate_random_scalars(1, rng)[0] if signer_nym_entropy is None else signer_nym_entropy
            if not _is_scalar(entropy):
                raise MalformedProof("signer_nym_entropy must be a scalar", code="invalidScalar")
            signature = _nym().blind_sign_with_nym(key.raw, pk, commitment_with_proof, entropy, header, messages)
    except MalformedProof:
        raise
    except IiotidError as exc:  # an unproven or malformed commitment: refuse to sign
        raise MalformedProof(f"the holder commitment is not valid ({exc.code})", code="invalidCommitment") from exc
    return serialize_base_proof(BaseProof(signature, header, pk, hk, pointers, feature, entropy))


def derive(
    document: Mapping[str, Any],
    selective_pointers: Sequence[str],
    *,
    presentation_header: bytes = b"",
    proof_id: str | None = None,
    holder_secret: bytes | None = None,
    prover_blind: int | None = None,
    prover_nym: int | None = None,
    nym_domain: bytes | None = None,
    rng: Callable[[int], bytes] | None = None,
    random_scalars: Callable[[int], Sequence[int]] | None = None,
) -> dict[str, Any]:
    """§3.3.7 "createDisclosureData" + §3.4.3 "Add Derived Proof": the reveal document (mandatory + selected claims)
    with a derived ``bbs-2023`` proof.  ``document`` is a credential with a base proof (the holder's copy).
    An ``anonymous_holder_binding`` base proof also needs ``holder_secret`` and ``prover_blind`` (the values of
    :func:`holder_commitment`); a pseudonym base proof needs ``prover_nym``, ``prover_blind``, the verifier's
    ``nym_domain`` (and ``holder_secret`` with holder binding).  ``random_scalars`` replaces the BBS ProofGen
    randomness (tests reproduce the published vectors with it)."""
    if not isinstance(document, Mapping):
        raise DisclosureError("the document must be a JSON object")
    if not isinstance(presentation_header, bytes):
        raise DisclosureError("the presentation header must be bytes")
    proofs = document.get("proof")
    candidates = [p for p in (proofs if isinstance(proofs, list) else [proofs])
                  if isinstance(p, Mapping) and p.get("cryptosuite") == NAME
                  and (proof_id is None or p.get("id") == proof_id)]
    if len(candidates) != 1:
        raise DisclosureError(f"the document must carry exactly one {NAME} base proof"
                              + (f" with id {proof_id!r}" if proof_id else ""))
    base_proof = candidates[0]
    base = parse_base_proof(base_proof.get("proofValue"))
    selective = _check_pointers(selective_pointers, "selectivePointers")
    if not base.mandatory_pointers and not selective:
        raise DisclosureError("nothing is selected for disclosure")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    factory = sd.shuffled_label_map_factory(base.hmac_key)
    combined = base.mandatory_pointers + selective
    grouped = sd.canonicalize_and_group(
        unsecured, factory, {"mandatory": base.mandatory_pointers, "selective": selective, "combined": combined}
    )
    mandatory_g, selective_g, combined_g = (grouped.groups[n] for n in ("mandatory", "selective", "combined"))
    mandatory_indexes = [i for i, absolute in enumerate(combined_g.matching) if absolute in mandatory_g.matching]
    selective_indexes = [i for i, absolute in enumerate(mandatory_g.non_matching) if absolute in selective_g.matching]
    messages = [nq.encode("utf-8") for nq in mandatory_g.non_matching.values()]
    pseudonym = None
    if base.feature in PSEUDONYM_FEATURES:
        bbs_proof, pseudonym = _pseudonym_proof(base, messages, selective_indexes, presentation_header, holder_secret,
                                                prover_blind, prover_nym, nym_domain, rng, random_scalars)
    elif base.feature == HOLDER_BINDING:
        bbs_proof = _holder_bound_proof(base, messages, selective_indexes, presentation_header, holder_secret,
                                        prover_blind, rng, random_scalars)
    else:
        if holder_secret is not None or prover_blind is not None:
            raise DisclosureError("this base proof has no holder binding: holder_secret and prover_blind do not apply")
        try:  # the BBS draft recommends checking the signature before ProofGen (Prover does, once, and keeps B)
            prover = _bbs().Prover(base.public_key, base.signature, base.header, messages)
        except IiotidError as exc:
            raise DisclosureError(f"the base proof does not sign this document ({exc.code})") from exc
        try:
            bbs_proof = prover.proof_gen(presentation_header, selective_indexes, rng=rng,
                                         random_scalars=random_scalars)
        except IiotidError as exc:
            raise DisclosureError(f"the base proof does not sign this document: {exc}") from exc
    reveal = sd.select_json_ld(unsecured, combined)
    assert reveal is not None  # combined is not empty
    # the verifier canonicalizes the reveal document: map its canonical labels to the HMAC-derived ones
    c14n = sd.canonical_id_map(combined_g.deskolemized)
    label_map = {c14n_label: grouped.label_map[inp] for inp, c14n_label in c14n.items()}
    derived = DerivedProof(bbs_proof, label_map, mandatory_indexes, selective_indexes, presentation_header,
                           base.feature, len(messages) if base.feature != BASELINE else None,
                           nym_domain if pseudonym is not None else None, pseudonym)
    new_proof = {k: copy.deepcopy(v) for k, v in base_proof.items() if k not in ("proofValue", "@context")}
    new_proof["proofValue"] = serialize_derived_proof(derived)
    reveal["proof"] = new_proof
    return reveal


def _holder_bound_proof(
    base: BaseProof,
    messages: list[bytes],
    selective_indexes: list[int],
    presentation_header: bytes,
    holder_secret: bytes | None,
    prover_blind: int | None,
    rng: Callable[[int], bytes] | None,
    random_scalars: Callable[[int], Sequence[int]] | None,
) -> bytes:
    """anonymous_holder_binding: Blind BBS ``VerifyBlindSign`` then ``BlindProofGen`` with the holder secret as the
    one committed (never disclosed) message (vc-di-bbs §3.3.7 with Blind BBS -02 §4.2.2, §4.3.1)."""
    if not isinstance(holder_secret, bytes) or not holder_secret or not isinstance(prover_blind, int) \
            or isinstance(prover_blind, bool):
        raise DisclosureError("this base proof binds the holder: derive needs holder_secret (bytes) and "
                              "prover_blind (int), the values of the holder's commitment", code="holderSecretRequired")
    blind = _blind()
    try:
        blind.verify_blind_sign(base.public_key, base.signature, base.header, messages, [holder_secret], prover_blind)
    except IiotidError as exc:
        raise DisclosureError(f"the base proof does not sign this document and holder secret ({exc.code})") from exc
    try:
        return blind.blind_proof_gen(base.public_key, base.signature, base.header, presentation_header,  # type: ignore[no-any-return]
                                     messages, [holder_secret], selective_indexes, [], prover_blind, rng=rng,
                                     random_scalars=random_scalars)
    except IiotidError as exc:
        raise DisclosureError(f"could not derive a holder-bound proof ({exc.code})") from exc


def _pseudonym_proof(
    base: BaseProof,
    messages: list[bytes],
    selective_indexes: list[int],
    presentation_header: bytes,
    holder_secret: bytes | None,
    prover_blind: int | None,
    prover_nym: int | None,
    nym_domain: bytes | None,
    rng: Callable[[int], bytes] | None,
    random_scalars: Callable[[int], Sequence[int]] | None,
) -> tuple[bytes, bytes]:
    """vc-di-bbs §3.3.7 for the pseudonym features: VerifyFinalizeWithNym, then ProofGenWithNym for ``nym_domain``.
    The holder secret is committed when given (the signature check decides whether the credential binds one)."""
    if not _is_scalar(prover_nym) or not _is_scalar(prover_blind):
        raise DisclosureError("this base proof carries a pseudonym: derive needs prover_nym and prover_blind "
                              "(the values of the holder's nym commitment)", code="holderSecretRequired")
    if not isinstance(nym_domain, bytes) or not nym_domain:
        raise DisclosureError("a pseudonym proof needs the verifier's nym_domain (non-empty bytes)",
                              code="nymDomainRequired")
    if holder_secret is not None and (not isinstance(holder_secret, bytes) or not holder_secret):
        raise DisclosureError("the holder secret must be non-empty bytes", code="invalidHolderSecret")
    committed = [holder_secret] if holder_secret is not None else []
    nym = _nym()
    try:
        nym_secret = nym.verify_finalize_with_nym(base.public_key, base.signature, base.header, messages, committed,
                                                  prover_nym, base.signer_nym_entropy, prover_blind)
    except IiotidError as exc:
        raise DisclosureError(f"the base proof does not sign this document and holder values ({exc.code})") from exc
    try:
        return nym.proof_gen_with_nym(base.public_key, base.signature, base.header,  # type: ignore[no-any-return]
                                      presentation_header, nym_secret, nym_domain, messages, committed,
                                      selective_indexes, prover_blind, rng=rng, random_scalars=random_scalars)
    except IiotidError as exc:
        raise DisclosureError(f"could not derive a pseudonym proof ({exc.code})") from exc


def verify_derived(
    unsecured: Mapping[str, Any],
    options: Mapping[str, Any],
    proof_value: object,
    public_key: PublicKey,
    *,
    expected_presentation_header: bytes | None = None,
    expected_nym_domain: bytes | None = None,
) -> DerivedProof:
    """§3.3.9 "createVerifyData" + §3.4.5 "Verify Derived Proof"; raises a typed ProofError unless valid.

    A pseudonym proof is checked for the ``nym_domain`` it names, which must equal ``expected_nym_domain`` when the
    verifier gives its own (it always should: a pseudonym is only meaningful for the verifier's domain); a proof
    without a ``nym_domain`` (the published vectors) is checked for ``expected_nym_domain``.  The returned
    :class:`DerivedProof` carries the verified ``pseudonym``."""
    if public_key.key_type is not KeyType.BLS12381_G2:
        raise MalformedProof(f"{NAME} is verified with a BLS12-381 G2 key", code="invalidVerificationMethod")
    if isinstance(proof_value, str) and proof_value.startswith("u") and _b64u_decode(proof_value[1:5])[:3] in (
        _BASE_HEADERS.values()
    ):
        raise InvalidProofValue(f"this is a {NAME} base proof: it is for the holder to derive from, not to verify")
    derived = parse_derived_proof(proof_value)
    if expected_presentation_header is not None and derived.presentation_header != expected_presentation_header:
        raise SignatureMismatch("the derived proof was made for another presentation header",
                                code="presentationHeaderMismatch")
    nym_domain = derived.nym_domain
    if derived.feature in PSEUDONYM_FEATURES:
        if expected_nym_domain is not None and nym_domain is not None and nym_domain != expected_nym_domain:
            raise SignatureMismatch("the pseudonym was made for another verifier (nym_domain)",
                                    code="nymDomainMismatch")
        nym_domain = nym_domain if nym_domain is not None else expected_nym_domain
        if not nym_domain:
            raise MalformedProof("the pseudonym proof names no nym_domain and the verifier gave none",
                                 code="nymDomainRequired")
    proof_hash = _proof_hash(options, unsecured)
    nquads = sd.canonicalize_document(unsecured, sd.fixed_label_map_factory(derived.label_map))
    if any(i >= len(nquads) for i in derived.mandatory_indexes):
        raise SignatureMismatch("mandatory indexes point beyond the disclosed statements")
    mandatory_set = set(derived.mandatory_indexes)
    mandatory = [nq for i, nq in enumerate(nquads) if i in mandatory_set]
    non_mandatory = [nq for i, nq in enumerate(nquads) if i not in mandatory_set]
    if len(non_mandatory) != len(derived.selective_indexes):
        raise SignatureMismatch(
            f"{len(non_mandatory)} disclosed statements but {len(derived.selective_indexes)} selective indexes"
        )
    header = proof_hash + sd.hash_mandatory(mandatory)
    disclosed = {idx: nq.encode("utf-8") for idx, nq in zip(derived.selective_indexes, non_mandatory, strict=True)}
    if len(disclosed) != len(non_mandatory):
        raise SignatureMismatch("selective indexes repeat")
    try:
        if derived.feature in PSEUDONYM_FEATURES:
            order = sorted(disclosed)
            _nym().proof_verify_with_nym(public_key.raw, derived.proof, header, derived.presentation_header,
                                         derived.pseudonym, nym_domain, derived.length_bbs_messages,
                                         [disclosed[i] for i in order], order)
        elif derived.feature == HOLDER_BINDING:  # Blind BBS -02 §4.3.2 BlindProofVerify; the holder secret stays hidden
            order = sorted(disclosed)
            _blind().blind_proof_verify(public_key.raw, derived.proof, header, derived.presentation_header,
                                        derived.length_bbs_messages, [disclosed[i] for i in order], [], order, [])
        else:
            _bbs().proof_verify(public_key.raw, derived.proof, header, derived.presentation_header, disclosed)
    except IiotidError as exc:
        raise SignatureMismatch(f"{NAME} proof does not verify: the document or proof was altered ({exc.code})") \
            from exc
    return derived


class Bbs2023Suite:
    """Plugs ``bbs-2023`` into :mod:`credentials.data_integrity` (which calls :meth:`create_proof_value` and
    :meth:`verify_proof_value` instead of transform/hash/sign for selective-disclosure suites)."""

    name = NAME
    key_types = frozenset({KeyType.BLS12381_G2})
    selective_disclosure = True

    def transform(self, unsecured_document: Mapping[str, Any]) -> bytes:
        raise MalformedProof(f"{NAME} has no single transformation; use create_proof_value")

    def configure(self, proof_options: Mapping[str, Any], unsecured_document: Mapping[str, Any]) -> bytes:
        return _proof_hash(proof_options, unsecured_document)

    def hash(self, transformed_document: bytes, canonical_proof_config: bytes) -> bytes:
        raise MalformedProof(f"{NAME} has no single hash; use create_proof_value")

    def create_proof_value(
        self, unsecured: Mapping[str, Any], options: Mapping[str, Any], key: PrivateKey, **suite_options: Any
    ) -> str:
        return create_base_proof_value(unsecured, options, key, **suite_options)

    def verify_proof_value(
        self, unsecured: Mapping[str, Any], options: Mapping[str, Any], proof_value: object, public_key: PublicKey,
        **suite_options: Any,
    ) -> None:
        verify_derived(unsecured, options, proof_value, public_key, **suite_options)


SUITE = Bbs2023Suite()
