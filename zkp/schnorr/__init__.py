"""Zero-knowledge predicates on BBS credentials (issue 7): Schnorr/sigma proofs linked to hidden BBS messages.

* :mod:`~zkp.schnorr.transcript` Fiat-Shamir with domain separation; :mod:`~zkp.schnorr.sigma` DL, DLEQ, AND/OR;
* :mod:`~zkp.schnorr.pedersen`, :mod:`~zkp.schnorr.range_proof`, :mod:`~zkp.schnorr.set_membership`;
* :mod:`~zkp.schnorr.presentation` request/presentation formats (JSON, CBOR);
* :func:`prove` (holder) and :func:`verify` (verifier).  Statements, sizes, assumptions: specs/zkp.md.
"""

from __future__ import annotations

from zkp.schnorr.encoding import decode_int, encode_date, encode_int, encode_string
from zkp.schnorr.holder import Credential, prove
from zkp.schnorr.presentation import MalformedPresentation, Predicate, Presentation, PresentationRequest
from zkp.schnorr.range_proof import RangeError
from zkp.schnorr.verifier import VerifiedPresentation, verify

__all__ = [
    "Credential",
    "MalformedPresentation",
    "Predicate",
    "Presentation",
    "PresentationRequest",
    "RangeError",
    "VerifiedPresentation",
    "decode_int",
    "encode_date",
    "encode_int",
    "encode_string",
    "prove",
    "verify",
]
