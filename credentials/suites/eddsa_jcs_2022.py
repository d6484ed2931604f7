"""``eddsa-jcs-2022`` (W3C Data Integrity EdDSA Cryptosuites v1.0 §3.3): JSON Canonicalization Scheme (RFC 8785),
SHA-256, Ed25519.  The signature needs no JSON-LD processing, but the document is still checked in safe mode
(bundled contexts only, every term defined) so a JCS-secured credential means what its JSON-LD reading says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from credentials import jcs, jsonld
from credentials.data_integrity import DATA_INTEGRITY_PROOF, sha256_hash_data
from credentials.errors import MalformedProof
from did.keys import KeyType


def _jcs(value: Mapping[str, Any]) -> bytes:
    return jcs.dumps(value)


class JcsSuite:
    name = "eddsa-jcs-2022"
    key_types = frozenset({KeyType.ED25519})
    proof_has_context = True

    def transform(self, unsecured_document: Mapping[str, Any]) -> bytes:
        """§3.3.3 "Transformation (eddsa-jcs-2022)": the RFC 8785 serialisation of the document."""
        jsonld.check_safe(unsecured_document)
        return _jcs(unsecured_document)

    def configure(self, proof_options: Mapping[str, Any], unsecured_document: Mapping[str, Any]) -> bytes:
        """§3.3.5 "Proof Configuration (eddsa-jcs-2022)": proof options with the document's ``@context``, JCS."""
        if proof_options.get("type") != DATA_INTEGRITY_PROOF or proof_options.get("cryptosuite") != self.name:
            raise MalformedProof(f"proof options must have type {DATA_INTEGRITY_PROOF} and cryptosuite {self.name}")
        config = dict(proof_options)
        if "@context" in unsecured_document:
            config["@context"] = unsecured_document["@context"]
        return _jcs(config)

    def hash(self, transformed_document: bytes, canonical_proof_config: bytes) -> bytes:
        """§3.3.4 "Hashing (eddsa-jcs-2022)": SHA-256(proofConfig) || SHA-256(transformedDocument)."""
        return sha256_hash_data(transformed_document, canonical_proof_config)


SUITE = JcsSuite()
