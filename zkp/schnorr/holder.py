"""Holder side: build a :class:`~zkp.schnorr.presentation.Presentation` answering a request from a BBS credential.

One Fiat-Shamir challenge covers everything: the BBS proof's ``ProofChallengeCalculate`` (draft -09 section 3.7.4)
hashes ``T1, T2`` and then, as ``extra_points``, every linked commitment (range / set proofs in request order, then
``nym, T_nym``), and as ``extra_octets`` the protocol label.  For each hidden message j used by a predicate or the
pseudonym, the linked statement is blinded with the BBS ``m~_j`` so the single BBS response ``m^_j`` answers both.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from zkp.backend import G1, Backend, get_backend
from zkp.bbs.ciphersuites import BLS12_381_SHA_256, create_generators
from zkp.bbs.codec import i2osp8
from zkp.bbs.core import (
    PreparedSignature,
    prepare_signature,
    proof_challenge_calculate,
    proof_finalize,
    proof_init_from_b,
)
from zkp.errors import InvalidIndexes, InvalidParameter
from zkp.schnorr.nym import pseudonym_base
from zkp.schnorr.pedersen import pedersen_params
from zkp.schnorr.presentation import Presentation, PresentationRequest
from zkp.schnorr.range_proof import range_commit, range_proof_to_bytes, range_respond
from zkp.schnorr.set_membership import set_commit, set_proof_to_bytes, set_respond
from zkp.schnorr.transcript import RandomBytes, random_scalar

PROTOCOL = b"IIOTID-ZKP-PRESENTATION-V1"
CIPHERSUITE = BLS12_381_SHA_256


def extra_octets() -> bytes:
    """Appended after ``ph`` in the BBS challenge input (length-prefixed, as zkp.bbs.core requires)."""
    return i2osp8(len(PROTOCOL)) + PROTOCOL


@dataclass
class Credential:
    """A holder's BBS credential: the signature over ``messages`` (scalars; see :mod:`zkp.schnorr.encoding`)
    under ``header``.  Keep private: it holds the device secret.  The checked signature is cached per backend."""

    signature: bytes
    messages: tuple[int, ...]
    header: bytes = b""
    api_id: bytes = CIPHERSUITE.api_id
    _prepared: dict[tuple[int, bytes], PreparedSignature] = field(default_factory=dict, repr=False, compare=False)

    def prepared(self, issuer_pk: bytes, backend: Backend) -> PreparedSignature:
        """Verify the signature once (the draft recommends it before ProofGen) and keep B and domain."""
        key = (id(backend), bytes(issuer_pk))
        if key not in self._prepared:
            gens = create_generators(len(self.messages) + 1, self.api_id, CIPHERSUITE, backend=backend)
            self._prepared[key] = prepare_signature(
                issuer_pk,
                self.signature,
                gens,
                self.header,
                list(self.messages),
                self.api_id,
                cs=CIPHERSUITE,
                backend=backend,
            )
        return self._prepared[key]

    def __repr__(self) -> str:
        return f"Credential(messages={len(self.messages)}, header={len(self.header)} bytes)"


def prove(
    request: PresentationRequest,
    credential: Credential,
    issuer_pk: bytes,
    *,
    backend: Backend | None = None,
    rng: RandomBytes | None = None,
) -> Presentation:
    """Answer ``request``; raises InvalidParameter/InvalidIndexes (or RangeError: a predicate is false)."""
    be = backend or get_backend()
    get = rng or os.urandom
    if not isinstance(request, PresentationRequest) or not isinstance(credential, Credential):
        raise InvalidParameter("prove() takes a PresentationRequest and a Credential")
    prep = credential.prepared(issuer_pk, be)
    msgs = prep.messages
    n = len(msgs)
    used = [*request.disclosed, *(p.index for p in request.predicates)]
    if request.device_secret_index is not None:
        used.append(request.device_secret_index)
    if any(i >= n for i in used):
        raise InvalidIndexes(f"the request names an attribute index beyond the credential's {n} messages")
    disclosed = list(request.disclosed)
    undisclosed = [j for j in range(n) if j not in set(disclosed)]
    scalars = [random_scalar(get) for _ in range(5 + len(undisclosed))]
    m_tilde = {j: scalars[5 + k] for k, j in enumerate(undisclosed)}
    init_res = proof_init_from_b(prep.signature, prep.b, prep.domain, prep.generators, scalars, undisclosed, backend=be)

    params = pedersen_params(be)
    extra: list[G1] = []
    states: list[tuple[str, Any]] = []
    for p in request.predicates:
        if p.op == "in":
            pts, st = set_commit(params, p.members, msgs[p.index], m_tilde[p.index], get)
        else:
            pts, st = range_commit(params, p.op, p.lower, p.upper, p.bits, msgs[p.index], m_tilde[p.index], get)
        extra.extend(pts)
        states.append((p.op, st))
    nym_bytes: bytes | None = None
    if request.pseudonym_scope is not None:
        dsi = request.device_secret_index
        assert dsi is not None  # PresentationRequest enforces it
        base = pseudonym_base(request.pseudonym_scope, be)
        nym = be.g1_mul(base, msgs[dsi])
        extra.extend((nym, be.g1_mul(base, m_tilde[dsi])))
        nym_bytes = be.g1_to_bytes(nym)

    challenge = proof_challenge_calculate(
        init_res,
        [msgs[i] for i in disclosed],
        disclosed,
        request.presentation_header(),
        prep.api_id,
        cs=CIPHERSUITE,
        backend=be,
        extra_points=extra,
        extra_octets=extra_octets(),
    )
    proof = proof_finalize(init_res, challenge, prep.signature.e, scalars, [msgs[j] for j in undisclosed], backend=be)
    encoded: list[bytes] = []
    for op, st in states:
        if op == "in":
            encoded.append(set_proof_to_bytes(set_respond(st, challenge), be))
        else:
            encoded.append(range_proof_to_bytes(range_respond(st, challenge), be))
    return Presentation(
        proof=proof,
        disclosed={i: msgs[i] for i in disclosed},
        predicate_proofs=tuple(encoded),
        pseudonym=nym_bytes,
        header=credential.header,
    )


def issue_scalars(messages: Sequence[int]) -> tuple[int, ...]:
    """Check that ``messages`` are scalars (helper for issuers building a :class:`Credential`)."""
    from zkp.backend.hash_to_field import R

    if not all(isinstance(m, int) and not isinstance(m, bool) and 0 <= m < R for m in messages):
        raise InvalidParameter("credential messages must be scalars in [0, r-1]")
    return tuple(messages)
