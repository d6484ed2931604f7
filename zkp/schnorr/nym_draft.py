"""draft-irtf-cfrg-bbs-pseudonyms-03 (with draft-irtf-cfrg-bbs-blind-signatures-02): the prover's commitment with
proof to its committed messages and ``prover_nym`` values (the ``nymCommit`` fixtures).  Checked byte-exact against
``/work/shared/vectors/bbs-pseudonym/*/nymCommit`` (tests/zkp/schnorr/test_nym_draft.py).

Only the commit step is here; blind signing with ``signer_nym_entropy`` and the draft's pseudonym proofs
(``nymSignature``/``nymProof`` fixtures) are not implemented.  The presentation layer of this package uses its own
pseudonym construction (:mod:`zkp.schnorr.nym`, specs/zkp.md section 7).

Commit (blind draft CoreCommit, pseudonym draft's api_id ``ciphersuite_id || "H2G_HM2S_PSEUDONYM_"``):

    msgs      = messages_to_scalars(committed_messages, api_id) || prover_nyms          (M scalars)
    (Q_2, J_1..J_M) = create_generators(M + 1, "BLIND_" || api_id)
    (prover_blind, s~, m~_1..m~_M) = random scalars
    C    = Q_2 * prover_blind + sum J_i * msg_i
    Cbar = Q_2 * s~ + sum J_i * m~_i
    c    = hash_to_scalar(I2OSP(M, 8) || serialize(Q_2, J_1..J_M) || serialize(C, Cbar), api_id || "H2S_")
    commitment_with_proof = C || s^ || m^_1..m^_M || c,  s^ = s~ + prover_blind*c,  m^_i = m~_i + msg_i*c
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from zkp.backend import Backend, get_backend
from zkp.backend.hash_to_field import R
from zkp.bbs.ciphersuites import (
    CiphersuiteLike,
    create_generators,
    get_ciphersuite,
    hash_to_scalar,
    messages_to_scalars,
)
from zkp.bbs.codec import i2osp8, i2osp_scalar, serialize_points
from zkp.bbs.core import calculate_random_scalars
from zkp.errors import InvalidParameter, InvalidPoint, InvalidProof

RandomScalars = Callable[[int], Sequence[int]]


def pseudonym_api_id(cs: CiphersuiteLike) -> bytes:
    return get_ciphersuite(cs).ciphersuite_id + b"H2G_HM2S_PSEUDONYM_"


def _challenge(
    m: int, gens: Sequence[object], c: object, cbar: object, api_id: bytes, cs: CiphersuiteLike, be: Backend
) -> int:
    octs = i2osp8(m) + serialize_points(gens, be) + serialize_points((c, cbar), be)
    return hash_to_scalar(octs, api_id + b"H2S_", cs)


def commit(
    committed_messages: Sequence[bytes],
    prover_nyms: Sequence[int],
    *,
    cs: CiphersuiteLike = "BLS12-381-SHA-256",
    backend: Backend | None = None,
    random_scalars: RandomScalars | None = None,
) -> tuple[bytes, int]:
    """``(commitment_with_proof, prover_blind)``; ``random_scalars(M + 2)`` mocks the RNG (fixtures only)."""
    be = backend or get_backend()
    c = get_ciphersuite(cs)
    api_id = pseudonym_api_id(c)
    if any(not isinstance(n, int) or isinstance(n, bool) or not 0 <= n < R for n in prover_nyms):
        raise InvalidParameter("prover nyms must be scalars in [0, r-1]")
    msgs = messages_to_scalars(list(committed_messages), api_id, c) + list(prover_nyms)
    m = len(msgs)
    sc = list(random_scalars(m + 2)) if random_scalars is not None else calculate_random_scalars(m + 2)
    if len(sc) != m + 2:
        raise InvalidParameter(f"commit needs M + 2 = {m + 2} random scalars")
    blind, s_t, m_t = sc[0], sc[1], sc[2:]
    gens = create_generators(m + 1, b"BLIND_" + api_id, c, backend=be)
    com = be.g1_msm(gens, [blind, *msgs])
    cbar = be.g1_msm(gens, [s_t, *m_t])
    ch = _challenge(m, gens, com, cbar, api_id, c, be)
    s_hat = (s_t + blind * ch) % R
    m_hat = [(mt + mi * ch) % R for mt, mi in zip(m_t, msgs, strict=True)]
    out = be.g1_to_bytes(com) + b"".join(i2osp_scalar(x) for x in (s_hat, *m_hat, ch))
    return out, blind


def verify_commitment(
    commitment_with_proof: bytes,
    m: int,
    *,
    cs: CiphersuiteLike = "BLS12-381-SHA-256",
    backend: Backend | None = None,
) -> None:
    """deserialize_and_validate_commit for ``m`` committed scalars; raises InvalidProof."""
    be = backend or get_backend()
    c = get_ciphersuite(cs)
    api_id = pseudonym_api_id(c)
    if not isinstance(commitment_with_proof, bytes) or len(commitment_with_proof) != 48 + 32 * (m + 2):
        raise InvalidProof(f"a commitment with proof over {m} messages is {48 + 32 * (m + 2)} bytes")
    try:
        com = be.g1_from_bytes(commitment_with_proof[:48], allow_identity=False)
    except InvalidPoint as exc:
        raise InvalidProof(f"commitment is not a valid G1 point: {exc}") from exc
    scal = [int.from_bytes(commitment_with_proof[48 + 32 * i : 80 + 32 * i], "big") for i in range(m + 2)]
    if any(x >= R for x in scal):
        raise InvalidProof("commitment proof scalar not below r")
    s_hat, m_hat, ch = scal[0], scal[1:-1], scal[-1]
    gens = create_generators(m + 1, b"BLIND_" + api_id, c, backend=be)
    cbar = be.g1_msm([*gens, com], [s_hat, *m_hat, (-ch) % R])
    if _challenge(m, gens, com, cbar, api_id, c, be) != ch:
        raise InvalidProof("the commitment proof does not verify")
