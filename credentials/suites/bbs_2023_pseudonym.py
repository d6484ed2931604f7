"""Pseudonym operations for the ``bbs-2023`` feature options ``pseudonym`` and ``holder_binding_pseudonym``
(W3C vc-di-bbs §3.3 and §5 "Optional Features"), as draft-irtf-cfrg-bbs-per-verifier-linkability-00 defines them
for a single nym secret -- the construction the published vc-di-bbs Pseudonym / PseudonymHB vectors were made with.

:mod:`zkp.bbs.pseudonym` implements the later -03 text (nym *vectors*), which changed two things on the wire, so its
signatures and proofs do not verify against the vc-di-bbs vectors and vice versa:

* -03 signs and proves with ``header || I2OSP(N, 8)`` in ``domain``; -00 uses the header as it is;
* -03 hashes ``(..., T2, Pseudonym, Ut, domain, ph, context_id)`` into the challenge; -00 hashes
  ``(..., T2, Pseudonym, OP, Ut, domain, I2OSP(len(ph), 8) || ph)`` (OP = hash_to_curve_g1(context_id, api_id)).

Everything else is shared and reused from :mod:`zkp.bbs`: the interface ``api_id`` (``H2G_HM2S_PSEUDONYM_``), the
Blind BBS commitment over ``committed_messages || prover_nym``, ``B`` gaining ``J_last * signer_nym_entropy`` so
``nym_secret = prover_nym + signer_nym_entropy`` without the issuer learning it, ``pseudonym = OP * nym_secret``, and
the BBS ProofInit / ProofVerifyInit / ProofFinalize / pairing check.  The signed scalars are
``messages || prover_blind || committed_messages || nym_secret`` on ``(Q_1, H_1..H_L, Q_2, J_1..J_(M+1))``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from did.errors import IiotidError
from zkp.backend import G1, Backend, get_backend
from zkp.backend.hash_to_field import R
from zkp.bbs import blind
from zkp.bbs import pseudonym as nym03
from zkp.bbs.ciphersuites import create_generators, get_ciphersuite, messages_to_scalars
from zkp.bbs.codec import octets_to_proof, octets_to_pubkey, octets_to_signature
from zkp.bbs.core import (
    calculate_random_scalars,
    core_verify,
    proof_challenge_calculate,
    proof_finalize,
    proof_init,
    proof_pairing_check,
    proof_verify_init,
)
from zkp.errors import InvalidParameter, InvalidProof

CIPHERSUITE = "BLS12-381-SHA-256"  # vc-di-bbs uses this one only
RandomScalars = Callable[[int], Sequence[int]]


def _setup() -> tuple[object, Backend, bytes]:
    c = get_ciphersuite(CIPHERSUITE)
    return c, get_backend(), nym03.pseudonym_api_id(c)


def _scalar(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < R:
        raise InvalidParameter(f"{what} must be a scalar in [0, r-1]", code="invalidScalar")
    return value


def _op(context_id: bytes, api_id: bytes, be: Backend) -> G1:
    """``OP = hash_to_curve_g1(context_id, api_id)`` (the api_id is the DST, as in the draft's fixtures)."""
    if not isinstance(context_id, bytes) or not context_id:
        raise InvalidParameter("the nym domain (context_id) must be non-empty bytes")
    return be.hash_to_g1(context_id, api_id, get_ciphersuite(CIPHERSUITE).expand_message)


def commit(
    prover_nym: int, committed_messages: Sequence[bytes] = (), *, rng: Callable[[int], bytes] | None = None
) -> tuple[bytes, int]:
    """NymCommit: ``(commitment_with_proof, secret_prover_blind)`` over ``committed_messages || prover_nym``."""
    return nym03.commit_with_nym(list(committed_messages), [_scalar(prover_nym, "prover_nym")], rng=rng)  # type: ignore[no-any-return]


def blind_sign_with_nym(
    sk: bytes, pk: bytes, commitment_with_proof: bytes, signer_nym_entropy: int, header: bytes,
    messages: Sequence[bytes],
) -> bytes:
    """BlindSignWithNym (-00): a BBS signature over the issuer's messages, the holder's committed values and
    ``prover_nym + signer_nym_entropy``; raises InvalidCommitment for a commitment whose proof does not verify."""
    c, be, api = _setup()
    entropy = _scalar(signer_nym_entropy, "signer_nym_entropy")
    octets_to_pubkey(pk, be)
    scalars = messages_to_scalars(list(messages), api, c)
    if not commitment_with_proof:
        raise blind.InvalidCommitment("a pseudonym credential needs the holder's commitment to its prover_nym")
    m = blind.committed_count(commitment_with_proof)
    gens = create_generators(len(scalars) + 1, api, c, backend=be)
    bgens = blind.blind_generators(m + 1, api, c, be)
    com = blind.deserialize_and_validate_commit(commitment_with_proof, bgens, api, cs=c, backend=be)
    com = be.g1_add(com, be.g1_mul(bgens[-1], entropy))  # J_last * signer_nym_entropy completes nym_secret
    b, _domain = blind.calculate_b(pk, gens, bgens, header, scalars, com, api, cs=c, backend=be)
    return blind.finalize_blind_sign(blind._secret_key(sk), b, api, cs=c, backend=be)  # type: ignore[no-any-return]


def _signed(
    messages: Sequence[bytes], committed_messages: Sequence[bytes], prover_blind: int, nym_secret: int
) -> tuple[list[int], list[G1], int, int]:
    c, be, api = _setup()
    msgs = messages_to_scalars(list(messages), api, c)
    cmsgs = messages_to_scalars(list(committed_messages), api, c)
    scalars = [*msgs, _scalar(prover_blind, "prover_blind"), *cmsgs, nym_secret]
    gens = create_generators(len(msgs) + 1, api, c, backend=be) + blind.blind_generators(len(cmsgs) + 2, api, c, be)
    return scalars, gens, len(msgs), len(cmsgs) + 1


def verify_finalize_with_nym(
    pk: bytes, signature: bytes, header: bytes, messages: Sequence[bytes], committed_messages: Sequence[bytes],
    prover_nym: int, signer_nym_entropy: int, prover_blind: int,
) -> int:
    """VerifyFinalizeWithNym (-00): the holder's ``nym_secret`` once the signature checks; raises InvalidSignature."""
    c, be, api = _setup()
    nym_secret = (_scalar(prover_nym, "prover_nym") + _scalar(signer_nym_entropy, "signer_nym_entropy")) % R
    scalars, gens, _, _ = _signed(messages, committed_messages, prover_blind, nym_secret)
    core_verify(pk, signature, gens, header, scalars, api, cs=c, backend=be)
    return nym_secret


def proof_gen_with_nym(
    pk: bytes, signature: bytes, header: bytes, ph: bytes, nym_secret: int, context_id: bytes,
    messages: Sequence[bytes], committed_messages: Sequence[bytes], disclosed_indexes: Sequence[int],
    prover_blind: int, *, rng: Callable[[int], bytes] | None = None, random_scalars: RandomScalars | None = None,
) -> tuple[bytes, bytes]:
    """ProofGenWithNym (-00): ``(proof, pseudonym)``; disclosed indexes are into ``messages`` (the committed values,
    the blind and the nym secret stay hidden).  ``random_scalars(5 + U)`` mocks the RNG."""
    c, be, api = _setup()
    scalars, gens, n_msgs, n_committed = _signed(messages, committed_messages, prover_blind,
                                                 _scalar(nym_secret, "nym_secret"))
    indexes = blind.combined_indexes(disclosed_indexes, [], n_msgs, n_committed)
    disclosed = set(indexes)
    undisclosed = [j for j in range(len(scalars)) if j not in disclosed]
    u = len(undisclosed)
    rs = list(random_scalars(5 + u)) if random_scalars is not None else calculate_random_scalars(5 + u, rng)
    if len(rs) != 5 + u:
        raise InvalidParameter(f"ProofGenWithNym needs 5 + U = {5 + u} random scalars")
    sig = octets_to_signature(signature, be)
    init = proof_init(pk, sig, gens, rs, header, scalars, undisclosed, api, cs=c, backend=be)
    op = _op(context_id, api, be)
    nym = be.g1_mul(op, nym_secret)  # Pseudonym = OP * nym_secret
    ut = be.g1_mul(op, rs[-1])  # Ut = OP * m~ of nym_secret (the last undisclosed value)
    if be.g1_is_identity(nym) or be.g1_is_identity(ut):
        raise InvalidParameter("pseudonym or Ut is the identity")
    challenge = proof_challenge_calculate(init, [scalars[i] for i in indexes], indexes, ph, api, cs=c, backend=be,
                                          extra_points=(nym, op, ut))
    proof = proof_finalize(init, challenge, sig.e, rs, [scalars[j] for j in undisclosed], backend=be)
    return proof, be.g1_to_bytes(nym)


def proof_verify_with_nym(
    pk: bytes, proof: bytes, header: bytes, ph: bytes, pseudonym: bytes, context_id: bytes, length_messages: int,
    disclosed_messages: Sequence[bytes], disclosed_indexes: Sequence[int],
) -> None:
    """ProofVerifyWithNym (-00) with ``L = length_messages`` issuer messages; raises InvalidProof / InvalidIndexes."""
    c, be, api = _setup()
    if not isinstance(length_messages, int) or isinstance(length_messages, bool) or length_messages < 0:
        raise InvalidParameter("lengthBBSMessages must be a non-negative integer")
    msgs = messages_to_scalars(list(disclosed_messages), api, c)
    idx = list(disclosed_indexes)
    if len(msgs) != len(idx):
        raise InvalidParameter("one disclosed message per disclosed index is needed")
    u = blind._proof_undisclosed(proof)
    n_committed = len(idx) + u - length_messages - 1  # committed values incl. nym_secret (total = L + 1 + M)
    if n_committed < 1:
        raise InvalidProof("the proof is too short for L issuer messages, the prover blind and the nym secret")
    indexes = blind.combined_indexes(idx, [], length_messages, n_committed)
    gens = create_generators(length_messages + 1, api, c, backend=be) + blind.blind_generators(
        n_committed + 1, api, c, be)
    pr = octets_to_proof(proof, be)
    w = octets_to_pubkey(pk, be)
    try:
        nym = be.g1_from_bytes(pseudonym, allow_identity=False)
    except IiotidError as exc:
        raise InvalidProof(f"the pseudonym is not a valid G1 point ({exc.code})", code="invalidPseudonym") from exc
    op = _op(context_id, api, be)
    init = proof_verify_init(pk, pr, gens, header, msgs, indexes, api, cs=c, backend=be)
    uv = be.g1_msm([op, nym], [pr.commitments[-1], (-pr.challenge) % R])  # Uv = OP * m^ - Pseudonym * c
    if be.g1_is_identity(uv):
        raise InvalidProof("the pseudonym proof does not verify (Uv is the identity)")
    challenge = proof_challenge_calculate(init, msgs, indexes, ph, api, cs=c, backend=be, extra_points=(nym, op, uv))
    if challenge != pr.challenge:
        raise InvalidProof("proof with pseudonym does not verify (messages, headers, pseudonym or nym domain differ)")
    if not proof_pairing_check(w, pr.Abar, pr.Bbar, backend=be):
        raise InvalidProof("BBS proof pairing check failed (not derived from a signature under this key)")
