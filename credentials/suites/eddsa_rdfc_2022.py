"""``eddsa-rdfc-2022`` (W3C Data Integrity EdDSA Cryptosuites v1.0 §3.2): RDFC-1.0 canonical N-Quads, SHA-256,
Ed25519.

Each method below is one section of the specification, in its order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from credentials import jsonld
from credentials.data_integrity import DATA_INTEGRITY_PROOF, sha256_hash_data
from credentials.errors import MalformedProof
from did.keys import KeyType


class RdfcSuite:
    """A cryptosuite that canonicalises with RDFC-1.0 and hashes with SHA-256 (shared with ecdsa-rdfc-2019)."""

    def __init__(self, name: str, key_types: frozenset[KeyType]) -> None:
        self.name = name
        self.key_types = key_types

    def transform(self, unsecured_document: Mapping[str, Any]) -> bytes:
        """§3.2.3 "Transformation (eddsa-rdfc-2022)": RDFC-1.0 canonical N-Quads of the document, UTF-8."""
        return jsonld.canonicalize(unsecured_document).encode("utf-8")

    def configure(self, proof_options: Mapping[str, Any], unsecured_document: Mapping[str, Any]) -> bytes:
        """§3.2.5 "Proof Configuration (eddsa-rdfc-2022)": the proof options with the document's ``@context``,
        canonicalised with RDFC-1.0."""
        if proof_options.get("type") != DATA_INTEGRITY_PROOF or proof_options.get("cryptosuite") != self.name:
            raise MalformedProof(f"proof options must have type {DATA_INTEGRITY_PROOF} and cryptosuite {self.name}")
        config = dict(proof_options)
        if "@context" in unsecured_document:
            config["@context"] = unsecured_document["@context"]
        return jsonld.canonicalize(config).encode("utf-8")

    def hash(self, transformed_document: bytes, canonical_proof_config: bytes) -> bytes:
        """§3.2.4 "Hashing (eddsa-rdfc-2022)": SHA-256(proofConfig) || SHA-256(transformedDocument), 64 bytes."""
        return sha256_hash_data(transformed_document, canonical_proof_config)


# §3.2.6 "Proof Serialization" / §3.2.7 "Proof Verification": Ed25519 (RFC 8032, pure) over the 64-byte hash data;
# the signature is the proofValue, multibase base58btc (done by credentials.data_integrity).
SUITE = RdfcSuite("eddsa-rdfc-2022", frozenset({KeyType.ED25519}))
