"""Verifier side: check a :class:`~zkp.schnorr.presentation.Presentation` against the request it answers.

Mirror of :mod:`zkp.schnorr.holder`: ProofVerifyInit (draft -09 3.7.3) gives T1, T2 and the responses ``m^_j``;
every linked statement's commitments are recomputed from ``m^_j`` and the proof's challenge, the challenge is
recomputed over all of them and compared, then the pairing check runs.  The predicates, the pseudonym scope, the
nonce and the verifier id come from the *request*, never from the presentation.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkp.backend import G1, Backend, get_backend
from zkp.bbs.ciphersuites import create_generators
from zkp.bbs.codec import octets_to_proof, octets_to_pubkey
from zkp.bbs.core import proof_challenge_calculate, proof_pairing_check, proof_verify_init
from zkp.errors import InvalidParameter, InvalidPoint, InvalidProof
from zkp.schnorr.holder import CIPHERSUITE, extra_octets
from zkp.schnorr.nym import pseudonym_base
from zkp.schnorr.pedersen import pedersen_params
from zkp.schnorr.presentation import MAX_MESSAGES, Presentation, PresentationRequest
from zkp.schnorr.range_proof import range_proof_from_bytes, range_recompute
from zkp.schnorr.set_membership import set_proof_from_bytes, set_recompute


@dataclass(frozen=True)
class VerifiedPresentation:
    disclosed: dict[int, int]
    pseudonym: bytes | None
    total_messages: int


def verify(
    request: PresentationRequest,
    presentation: Presentation,
    issuer_pk: bytes,
    *,
    api_id: bytes | None = None,
    backend: Backend | None = None,
) -> VerifiedPresentation:
    """Raise InvalidProof (or a subclass) unless ``presentation`` proves everything ``request`` asks."""
    be = backend or get_backend()
    if not isinstance(request, PresentationRequest) or not isinstance(presentation, Presentation):
        raise InvalidParameter("verify() takes a PresentationRequest and a Presentation")
    a = CIPHERSUITE.api_id if api_id is None else api_id
    w = octets_to_pubkey(issuer_pk, be)
    proof = octets_to_proof(presentation.proof, be)
    disclosed = list(request.disclosed)
    if list(presentation.disclosed) != disclosed:
        raise InvalidProof("the presentation discloses other attributes than requested", code="disclosureMismatch")
    n = len(proof.commitments) + len(disclosed)
    if n > MAX_MESSAGES:
        raise InvalidProof("the proof claims too many messages")
    idx = [p.index for p in request.predicates]
    if request.device_secret_index is not None:
        idx.append(request.device_secret_index)
    if any(i >= n for i in [*idx, *disclosed]):
        raise InvalidProof("the request names an attribute the credential does not have", code="indexMismatch")
    if len(presentation.predicate_proofs) != len(request.predicates):
        raise InvalidProof("one predicate proof per requested predicate is needed", code="predicateMismatch")
    if (presentation.pseudonym is None) != (request.pseudonym_scope is None):
        raise InvalidProof("pseudonym present/absent contrary to the request", code="pseudonymMismatch")

    values = [presentation.disclosed[i] for i in disclosed]
    gens = create_generators(n + 1, a, CIPHERSUITE, backend=be)
    init_res = proof_verify_init(
        issuer_pk, proof, gens, presentation.header, values, disclosed, a, cs=CIPHERSUITE, backend=be
    )
    undisclosed = [j for j in range(n) if j not in set(disclosed)]
    m_hat = dict(zip(undisclosed, proof.commitments, strict=True))
    c = proof.challenge
    params = pedersen_params(be)
    extra: list[G1] = []
    for p, data in zip(request.predicates, presentation.predicate_proofs, strict=True):
        if p.op == "in":
            sp = set_proof_from_bytes(data, len(p.members), be)
            extra.extend(set_recompute(params, p.members, sp, c, m_hat[p.index]))
        else:
            rp = range_proof_from_bytes(data, p.op, p.bits, be)
            extra.extend(range_recompute(params, p.op, p.lower, p.upper, p.bits, rp, c, m_hat[p.index]))
    nym_out: bytes | None = None
    if request.pseudonym_scope is not None:
        dsi = request.device_secret_index
        assert dsi is not None and presentation.pseudonym is not None
        try:
            nym = be.g1_from_bytes(presentation.pseudonym, allow_identity=False)
        except InvalidPoint as exc:
            raise InvalidProof(f"the pseudonym is not a valid G1 point: {exc}", code="malformedProof") from exc
        base = pseudonym_base(request.pseudonym_scope, be)
        extra.extend((nym, be.g1_sub(be.g1_mul(base, m_hat[dsi]), be.g1_mul(nym, c))))
        nym_out = presentation.pseudonym
    expected = proof_challenge_calculate(
        init_res,
        values,
        disclosed,
        request.presentation_header(),
        a,
        cs=CIPHERSUITE,
        backend=be,
        extra_points=extra,
        extra_octets=extra_octets(),
    )
    if expected != c:
        raise InvalidProof("the presentation does not verify (proof, predicates, nonce, verifier or pseudonym)")
    if not proof_pairing_check(w, proof.Abar, proof.Bbar, backend=be):
        raise InvalidProof("the BBS proof is not derived from a signature under this issuer key")
    return VerifiedPresentation(dict(presentation.disclosed), nym_out, n)
