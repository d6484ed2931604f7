"""Per-verifier pseudonyms bound to blind BBS signatures: draft-irtf-cfrg-bbs-per-verifier-linkability-03 (the text
at commit fcbba95 of cfrg/draft-irtf-cfrg-bbs-pseudonyms), on top of :mod:`zkp.bbs.blind` (-02) and the BBS core.

Byte-exact on every fixture of ``/work/shared/vectors/bbs-pseudonym/`` (nymCommit, nymSignature, nymProof incl. the
10-nym files, both ciphersuites; tests/zkp/test_bbs_pseudonym.py).

Flow (draft section 5):

1. Prover: ``prover_nyms`` (N secret scalars) and :func:`commit_with_nym` -> ``(commitment_with_proof, blind)``;
   the commitment covers ``committed_messages || prover_nyms`` on ``(Q_2, J_1..J_(M+N))``.
2. Signer: :func:`blind_sign_with_nym` with a fresh ``signer_nym_entropy``: ``B`` gains ``J_(M+N) * entropy`` so the
   last nym secret becomes ``prover_nyms[-1] + signer_nym_entropy`` without the Signer learning it; the header is
   ``header || I2OSP(N, 8)`` in ``domain``; ``e = hash_to_scalar(SK || B)`` as in :mod:`zkp.bbs.blind`.
3. Prover: :func:`verify_finalize_with_nym` -> ``nym_secrets``.
4. Prover: :func:`proof_gen_with_nym` for a verifier's ``context_id`` -> ``(proof, pseudonym)``; with
   ``OP = hash_to_curve_g1(context_id, DST = api_id)`` and ``z = hash_to_scalar(context_id, api_id ||
   "VECT_NYM_SECRETS")``, ``pseudonym = OP * sum_i nym_secrets[i] * z^i``.  The pseudonym proof shares the BBS
   proof's blindings ``m~`` of the nym secrets (``Ut = OP * sum m~ z^i``) and its challenge hashes
   ``... T2, pseudonym, Ut, domain || I2OSP(len(ph), 8) || ph || I2OSP(len(context_id), 8) || context_id``.
5. Verifier: :func:`proof_verify_with_nym` (``Uv = OP * sum m^ z^i - pseudonym * c``).

The same device and signature give the same pseudonym to one ``context_id`` and unlinkable ones to different
``context_id`` values.  Interface ``api_id = ciphersuite_id || "H2G_HM2S_PSEUDONYM_"``.  The signed list is
``messages || prover_blind || committed_messages || nym_secrets`` on ``(Q_1, H_1..H_L, Q_2, J_1..J_(M+N))``.

Where the -03 text is loose, the fixtures decided (all agree): the ``api_id`` of ProofGenWithNym/ProofVerifyWithNym
is the pseudonym interface's (the text's Parameters lists the blind one), ``hash_to_curve_g1`` uses the ``api_id``
itself as DST, and BlindSignWithNym's blind generators are ``M + N + 1`` (``Q_2`` plus one per committed value).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from zkp.backend import G1, Backend, get_backend
from zkp.backend.hash_to_field import R
from zkp.bbs import blind
from zkp.bbs.ciphersuites import (
    CiphersuiteLike,
    create_generators,
    get_ciphersuite,
    hash_to_scalar,
    messages_to_scalars,
)
from zkp.bbs.codec import i2osp8, octets_to_proof, octets_to_pubkey, octets_to_signature
from zkp.bbs.core import (
    InitResult,
    PreparedSignature,
    RandomBytes,
    RandomScalars,
    calculate_random_scalars,
    prepare_signature,
    proof_challenge_calculate,
    proof_finalize,
    proof_init,
    proof_init_from_b,
    proof_pairing_check,
    proof_verify_init,
)
from zkp.errors import InvalidParameter, InvalidPoint, InvalidProof

PSEUDONYM_INTERFACE_ID = b"H2G_HM2S_PSEUDONYM_"
InvalidCommitment = blind.InvalidCommitment


def pseudonym_api_id(cs: CiphersuiteLike) -> bytes:
    """``ciphersuite_id || "H2G_HM2S_PSEUDONYM_"`` (draft section 5)."""
    return get_ciphersuite(cs).ciphersuite_id + PSEUDONYM_INTERFACE_ID


def _scalars(values: Sequence[int], what: str, *, nonempty: bool = False) -> list[int]:
    if isinstance(values, int | bytes | str) or values is None:
        raise InvalidParameter(f"{what} must be a list of scalars")
    out = list(values)
    if nonempty and not out:
        raise InvalidParameter(f"{what} must hold at least one scalar")
    for v in out:
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < R:
            raise InvalidParameter(f"{what} must be integers in [0, r-1]", code="invalidScalar")
    return out


def _scalar(value: int, what: str) -> int:
    return _scalars([value], what)[0]


def _count(value: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value < 2**32:
        raise InvalidParameter(f"{what} must be a positive integer")
    return value


def combined_header(header: bytes, length_nym_vector: int) -> bytes:
    """``header || I2OSP(length_nym_vector, 8)``, the header every pseudonym operation signs and proves."""
    return header + i2osp8(length_nym_vector)


def generate_prover_nyms(count: int = 1, rng: RandomBytes | None = None) -> list[int]:
    """``count`` fresh random prover nym scalars (draft section 5.1.1: the Prover's part of ``nym_secrets``)."""
    return calculate_random_scalars(_count(count, "count"), rng)


def generate_signer_nym_entropy(rng: RandomBytes | None = None) -> int:
    """A fresh ``signer_nym_entropy`` (draft section 5.1.2); reuse an old one only to re-issue the same identity."""
    return calculate_random_scalars(1, rng)[0]


# -- 5.1.1 CommitWithNym ---------------------------------------------------------------------------------------------
def commit_with_nym(
    committed_messages: Sequence[bytes] | None,
    prover_nyms: Sequence[int],
    *,
    ciphersuite: CiphersuiteLike = "BLS12-381-SHA-256",
    backend: Backend | None = None,
    rng: RandomBytes | None = None,
    random_scalars: RandomScalars | None = None,
) -> tuple[bytes, int]:
    """CommitWithNym: ``(commitment_with_proof, secret_prover_blind)`` over ``committed_messages || prover_nyms``.

    ``48 + 32 * (M + N + 2)`` bytes; ``random_scalars(M + N + 2)`` mocks the RNG (fixtures only).
    """
    c, be = get_ciphersuite(ciphersuite), backend or get_backend()
    api_id = pseudonym_api_id(c)
    nyms = _scalars(prover_nyms, "prover_nyms", nonempty=True)
    scalars = messages_to_scalars(blind._bytes_list(committed_messages, "committed_messages"), api_id, c) + nyms
    gens = blind.blind_generators(len(scalars) + 1, api_id, c, be)
    return blind.core_commit(scalars, gens, api_id, cs=c, backend=be, rng=rng, random_scalars=random_scalars)


def verify_nym_commitment(
    commitment_with_proof: bytes,
    committed_count: int | None = None,
    *,
    ciphersuite: CiphersuiteLike = "BLS12-381-SHA-256",
    backend: Backend | None = None,
) -> G1:
    """The Signer's check of a CommitWithNym commitment (``committed_count`` = M + N when given); returns ``C``."""
    c = get_ciphersuite(ciphersuite)
    return blind.verify_commitment(
        commitment_with_proof, committed_count, ciphersuite=c, backend=backend, api_id=pseudonym_api_id(c)
    )


# -- 5.1.2 BlindSignWithNym ------------------------------------------------------------------------------------------
def blind_sign_with_nym_parts(
    pk: bytes,
    commitment_with_proof: bytes,
    length_nym_vector: int,
    signer_nym_entropy: int,
    header: bytes,
    message_scalars: Sequence[int],
    *,
    cs: CiphersuiteLike,
    backend: Backend,
) -> blind.BlindSignParts:
    """BlindSignWithNym steps 1-9: generators, commitment check, ``B`` (with ``J_last * signer_nym_entropy``) and
    ``domain`` over the combined header."""
    c = get_ciphersuite(cs)
    api_id = pseudonym_api_id(c)
    n = _count(length_nym_vector, "length_nym_vector")
    if not commitment_with_proof:
        raise InvalidCommitment(
            "BlindSignWithNym needs the Prover's commitment to its prover_nyms", code="invalidLength"
        )
    k = blind.committed_count(commitment_with_proof)
    if k < n:
        raise InvalidCommitment(f"the commitment holds {k} values, fewer than the {n} prover nyms announced")
    gens = create_generators(len(message_scalars) + 1, api_id, c, backend=backend)
    bgens = blind.blind_generators(k + 1, api_id, c, backend)
    com = blind.deserialize_and_validate_commit(commitment_with_proof, bgens, api_id, cs=c, backend=backend)
    # step 8: B = B + blind_generators[-1] * signer_nym_entropy (added into the commitment before B_calculate)
    com = backend.g1_add(com, backend.g1_mul(bgens[-1], signer_nym_entropy))
    b, domain = blind.calculate_b(
        pk, gens, bgens, combined_header(header, n), message_scalars, com, api_id, cs=c, backend=backend
    )
    return blind.BlindSignParts(gens, bgens, com, b, domain)


def blind_sign_with_nym(
    sk: int | bytes,
    pk: bytes,
    commitment_with_proof: bytes,
    length_nym_vector: int,
    signer_nym_entropy: int,
    header: bytes | None = None,
    messages: Sequence[bytes] | None = None,
    *,
    ciphersuite: CiphersuiteLike = "BLS12-381-SHA-256",
    backend: Backend | None = None,
) -> bytes:
    """BlindSignWithNym: an 80-byte signature; send it to the Prover together with ``signer_nym_entropy``."""
    c, be = get_ciphersuite(ciphersuite), backend or get_backend()
    api_id = pseudonym_api_id(c)
    key = blind._secret_key(sk)
    pk_b = blind._octets(pk, "PK")
    octets_to_pubkey(pk_b, be)
    scalars = messages_to_scalars(blind._bytes_list(messages, "messages"), api_id, c)
    parts = blind_sign_with_nym_parts(
        pk_b,
        blind._octets(commitment_with_proof, "commitment_with_proof"),
        length_nym_vector,
        _scalar(signer_nym_entropy, "signer_nym_entropy"),
        blind._octets(header, "header"),
        scalars,
        cs=c,
        backend=be,
    )
    return blind.finalize_blind_sign(key, parts.B, api_id, cs=c, backend=be)


def _signed_parameters(
    messages: Sequence[bytes] | None,
    committed_messages: Sequence[bytes] | None,
    prover_blind: int | None,
    nym_secrets: Sequence[int],
    api_id: bytes,
    c: CiphersuiteLike,
    be: Backend,
) -> tuple[list[int], list[G1], int, int]:
    msgs = messages_to_scalars(blind._bytes_list(messages, "messages"), api_id, c)
    cmsgs = messages_to_scalars(blind._bytes_list(committed_messages, "committed_messages"), api_id, c)
    scalars, gens = blind.prepare_parameters(
        msgs,
        cmsgs,
        len(msgs) + 1,
        len(cmsgs) + len(nym_secrets) + 1,
        blind._prover_blind(prover_blind),
        api_id,
        cs=c,
        backend=be,
    )
    return [*scalars, *nym_secrets], gens, len(msgs), len(cmsgs)


# -- 5.1.3 VerifyFinalizeWithNym -------------------------------------------------------------------------------------
def verify_finalize_with_nym(
    pk: bytes,
    signature: bytes,
    header: bytes | None,
    messages: Sequence[bytes] | None,
    committed_messages: Sequence[bytes] | None,
    prover_nyms: Sequence[int],
    signer_nym_entropy: int,
    prover_blind: int | None,
    *,
    ciphersuite: CiphersuiteLike = "BLS12-381-SHA-256",
    backend: Backend | None = None,
) -> list[int]:
    """VerifyFinalizeWithNym: ``nym_secrets`` (``prover_nyms`` with ``signer_nym_entropy`` added to the last one)
    after checking the signature over them; raises InvalidSignature.  Keep ``nym_secrets`` secret."""
    cred = NymCredential.finalize(
        pk,
        signature,
        header,
        messages,
        committed_messages,
        prover_nyms,
        signer_nym_entropy,
        prover_blind,
        ciphersuite=ciphersuite,
        backend=backend,
    )
    return cred.nym_secrets


# -- 4 pseudonym calculation, 7.3 PseudonymProofInit / PseudonymProofVerifyInit ----------------------------------------
def _op_and_z(context_id: bytes, api_id: bytes, c: CiphersuiteLike, be: Backend) -> tuple[G1, int]:
    cs = get_ciphersuite(c)
    op = be.hash_to_g1(context_id, api_id, cs.expand_message)  # OP = hash_to_curve_g1(context_id, api_id)
    z = hash_to_scalar(context_id, api_id + b"VECT_NYM_SECRETS", cs)
    return op, z


def _poly(coefficients: Sequence[int], z: int) -> int:
    """``sum_i coefficients[i] * z^i mod r`` (Horner)."""
    acc = 0
    for a in reversed(coefficients):
        acc = (acc * z + a) % R
    return acc


def _context_id(context_id: bytes) -> bytes:
    cid = blind._octets(context_id, "context_id")
    if not cid:
        raise InvalidParameter("context_id must not be empty")
    return cid


def calculate_pseudonym(
    context_id: bytes,
    nym_secrets: Sequence[int],
    *,
    ciphersuite: CiphersuiteLike = "BLS12-381-SHA-256",
    backend: Backend | None = None,
) -> bytes:
    """The 48-byte pseudonym of ``nym_secrets`` for ``context_id`` (draft section 4)."""
    c, be = get_ciphersuite(ciphersuite), backend or get_backend()
    op, z = _op_and_z(_context_id(context_id), pseudonym_api_id(c), c, be)
    nym = be.g1_mul(op, _poly(_scalars(nym_secrets, "nym_secrets", nonempty=True), z))
    if be.g1_is_identity(nym):
        raise InvalidParameter("these nym secrets give the identity pseudonym")
    return be.g1_to_bytes(nym)


def pseudonym_proof_init(
    context_id: bytes,
    nym_secrets: Sequence[int],
    random_scalars: Sequence[int],
    api_id: bytes,
    *,
    cs: CiphersuiteLike,
    backend: Backend,
) -> tuple[G1, G1]:
    """PseudonymProofInit: ``(pseudonym, Ut)`` with ``Ut = OP * sum m~_i z^i`` (the nym secrets' BBS blindings)."""
    op, z = _op_and_z(context_id, api_id, cs, backend)
    nym = backend.g1_mul(op, _poly(nym_secrets, z))
    ut = backend.g1_mul(op, _poly(random_scalars, z))
    if backend.g1_is_identity(nym) or backend.g1_is_identity(ut):
        raise InvalidParameter("pseudonym or Ut is the identity")
    return nym, ut


def pseudonym_proof_verify_init(
    pseudonym: G1,
    context_id: bytes,
    nym_commitments: Sequence[int],
    challenge: int,
    api_id: bytes,
    *,
    cs: CiphersuiteLike,
    backend: Backend,
) -> G1:
    """PseudonymProofVerifyInit: ``Uv = OP * sum m^_i z^i - pseudonym * c``."""
    op, z = _op_and_z(context_id, api_id, cs, backend)
    uv = backend.g1_msm([op, pseudonym], [_poly(nym_commitments, z), (-challenge) % R])
    if backend.g1_is_identity(uv):
        raise InvalidProof("the pseudonym proof does not verify (Uv is the identity)")
    return uv


def _context_octets(context_id: bytes) -> bytes:
    """``I2OSP(length(context_id), 8) || context_id``, appended after the presentation header in the challenge."""
    return i2osp8(len(context_id)) + context_id


# -- 5.2 ProofGenWithNym / 6.1 CoreProofGenWithNym -------------------------------------------------------------------
def proof_gen_with_nym(
    pk: bytes,
    signature: bytes,
    header: bytes | None,
    ph: bytes | None,
    nym_secrets: Sequence[int],
    context_id: bytes,
    messages: Sequence[bytes] | None = None,
    committed_messages: Sequence[bytes] | None = None,
    disclosed_indexes: Sequence[int] | None = None,
    disclosed_commitment_indexes: Sequence[int] | None = None,
    prover_blind: int | None = None,
    *,
    ciphersuite: CiphersuiteLike = "BLS12-381-SHA-256",
    backend: Backend | None = None,
    rng: RandomBytes | None = None,
    random_scalars: RandomScalars | None = None,
) -> tuple[bytes, bytes]:
    """ProofGenWithNym: ``(proof, pseudonym)``; the proof is ``272 + 32 * U`` bytes (U counts the blind and the
    nym secrets, never disclosed), the pseudonym 48 bytes.  ``random_scalars(5 + U)`` mocks the RNG."""
    c, be = get_ciphersuite(ciphersuite), backend or get_backend()
    api_id = pseudonym_api_id(c)
    cid = _context_id(context_id)
    secrets = _scalars(nym_secrets, "nym_secrets", nonempty=True)
    n = len(secrets)
    scalars, gens, n_msgs, n_committed = _signed_parameters(
        messages, committed_messages, prover_blind, secrets, api_id, c, be
    )
    indexes = blind.combined_indexes(disclosed_indexes, disclosed_commitment_indexes, n_msgs, n_committed)
    sig = octets_to_signature(blind._octets(signature, "signature"), be)
    hdr = combined_header(blind._octets(header, "header"), n)
    pk_b = blind._octets(pk, "PK")

    def init(rs: Sequence[int], undisclosed: Sequence[int]) -> InitResult:
        return proof_init(pk_b, sig, gens, rs, hdr, scalars, undisclosed, api_id, cs=c, backend=be)

    return _core_proof_gen_with_nym(
        sig.e, init, scalars, indexes, n, cid, blind._octets(ph, "ph"), api_id, c, be, rng, random_scalars
    )


def _core_proof_gen_with_nym(
    e: int,
    init: Callable[[Sequence[int], Sequence[int]], InitResult],
    scalars: Sequence[int],
    indexes: Sequence[int],
    n: int,
    cid: bytes,
    ph: bytes,
    api_id: bytes,
    c: CiphersuiteLike,
    be: Backend,
    rng: RandomBytes | None,
    random_scalars: RandomScalars | None,
) -> tuple[bytes, bytes]:
    """CoreProofGenWithNym (section 6.1) given ProofInit as ``init(random_scalars, undisclosed_indexes)``; the nym
    secrets are the last ``n`` of ``scalars``."""
    disclosed = set(indexes)
    undisclosed = [j for j in range(len(scalars)) if j not in disclosed]
    u = len(undisclosed)
    rs = list(random_scalars(5 + u)) if random_scalars is not None else calculate_random_scalars(5 + u, rng)
    if len(rs) != 5 + u:
        raise InvalidParameter(f"ProofGenWithNym needs 5 + U = {5 + u} random scalars, got {len(rs)}")
    init_res = init(rs, undisclosed)
    # the nym secrets are the last N signed (and undisclosed) messages: their blindings are the last N m~
    nym, ut = pseudonym_proof_init(cid, scalars[-n:], rs[-n:], api_id, cs=c, backend=be)
    challenge = proof_challenge_calculate(
        init_res,
        [scalars[i] for i in indexes],
        indexes,
        ph,
        api_id,
        cs=c,
        backend=be,
        extra_points=(nym, ut),
        extra_octets=_context_octets(cid),
    )
    proof = proof_finalize(init_res, challenge, e, rs, [scalars[j] for j in undisclosed], backend=be)
    return proof, be.g1_to_bytes(nym)


class NymCredential:
    """A blind-issued pseudonym credential checked once by VerifyFinalizeWithNym, for many ProofGenWithNym calls.

    Keeps ``B`` and ``domain`` (:class:`zkp.bbs.core.PreparedSignature`), so each proof skips the multi-scalar
    multiplication over all generators; proofs are byte-identical to :func:`proof_gen_with_nym`'s.  Holds the
    messages, ``secret_prover_blind`` and ``nym_secrets``: keep it private (device secure storage).
    """

    def __init__(self, prepared: PreparedSignature, n_messages: int, n_committed: int, n_nyms: int, backend: Backend):
        self._prepared = prepared
        self._n_messages, self._n_committed, self._n_nyms = n_messages, n_committed, n_nyms
        self._backend = backend

    @classmethod
    def finalize(
        cls,
        pk: bytes,
        signature: bytes,
        header: bytes | None,
        messages: Sequence[bytes] | None,
        committed_messages: Sequence[bytes] | None,
        prover_nyms: Sequence[int],
        signer_nym_entropy: int,
        prover_blind: int | None,
        *,
        ciphersuite: CiphersuiteLike = "BLS12-381-SHA-256",
        backend: Backend | None = None,
    ) -> NymCredential:
        """VerifyFinalizeWithNym (section 5.1.3), keeping what later proofs need; raises InvalidSignature."""
        c, be = get_ciphersuite(ciphersuite), backend or get_backend()
        api_id = pseudonym_api_id(c)
        nym_secrets = _scalars(prover_nyms, "prover_nyms", nonempty=True)
        nym_secrets[-1] = (nym_secrets[-1] + _scalar(signer_nym_entropy, "signer_nym_entropy")) % R
        scalars, gens, n_msgs, n_committed = _signed_parameters(
            messages, committed_messages, prover_blind, nym_secrets, api_id, c, be
        )
        prepared = prepare_signature(
            blind._octets(pk, "PK"),
            blind._octets(signature, "signature"),
            gens,
            combined_header(blind._octets(header, "header"), len(nym_secrets)),
            scalars,
            api_id,
            cs=c,
            backend=be,
        )
        return cls(prepared, n_msgs, n_committed, len(nym_secrets), be)

    @property
    def nym_secrets(self) -> list[int]:
        return list(self._prepared.messages[-self._n_nyms :])

    @property
    def length_nym_vector(self) -> int:
        return self._n_nyms

    @property
    def n_messages(self) -> int:
        """``L``, the number of Signer messages (the verifier needs it)."""
        return self._n_messages

    def pseudonym(self, context_id: bytes) -> bytes:
        """This credential's 48-byte pseudonym for ``context_id``."""
        return calculate_pseudonym(
            context_id, self.nym_secrets, ciphersuite=self._prepared.ciphersuite, backend=self._backend
        )

    def prove(
        self,
        ph: bytes | None,
        context_id: bytes,
        disclosed_indexes: Sequence[int] | None = None,
        disclosed_commitment_indexes: Sequence[int] | None = None,
        *,
        rng: RandomBytes | None = None,
        random_scalars: RandomScalars | None = None,
    ) -> tuple[bytes, bytes]:
        """ProofGenWithNym from the prepared credential: ``(proof, pseudonym)``."""
        p, be = self._prepared, self._backend
        indexes = blind.combined_indexes(
            disclosed_indexes, disclosed_commitment_indexes, self._n_messages, self._n_committed
        )

        def init(rs: Sequence[int], undisclosed: Sequence[int]) -> InitResult:
            return proof_init_from_b(p.signature, p.b, p.domain, p.generators, rs, undisclosed, backend=be)

        return _core_proof_gen_with_nym(
            p.signature.e,
            init,
            p.messages,
            indexes,
            self._n_nyms,
            _context_id(context_id),
            blind._octets(ph, "ph"),
            p.api_id,
            p.ciphersuite,
            be,
            rng,
            random_scalars,
        )

    def __repr__(self) -> str:  # never print secrets
        return f"NymCredential(L={self._n_messages}, M={self._n_committed}, N={self._n_nyms})"


def _pseudonym_point(pseudonym: bytes, be: Backend) -> G1:
    data = blind._octets(pseudonym, "pseudonym")
    try:
        point = be.g1_from_bytes(data, allow_identity=False)
    except InvalidPoint as exc:
        raise InvalidProof(f"the pseudonym is not a valid G1 point: {exc}", code="invalidPseudonym") from exc
    if be.g1_eq(point, be.g1_generator()):
        raise InvalidProof("the pseudonym must not be the base point", code="invalidPseudonym")
    return point


# -- 5.3 ProofVerifyWithNym / 6.2 CoreProofVerifyWithNym -------------------------------------------------------------
def proof_verify_with_nym(
    pk: bytes,
    proof: bytes,
    header: bytes | None,
    ph: bytes | None,
    pseudonym: bytes,
    context_id: bytes,
    length_nym_vector: int,
    L: int = 0,
    disclosed_messages: Sequence[bytes] | None = None,
    disclosed_committed_messages: Sequence[bytes] | None = None,
    disclosed_indexes: Sequence[int] | None = None,
    disclosed_committed_indexes: Sequence[int] | None = None,
    *,
    ciphersuite: CiphersuiteLike = "BLS12-381-SHA-256",
    backend: Backend | None = None,
) -> None:
    """ProofVerifyWithNym: the BBS proof and the pseudonym's correctness for ``context_id`` in one check; raises
    InvalidProof (another verifier's pseudonym or context, modified proof, other header/ph) or InvalidIndexes."""
    c, be = get_ciphersuite(ciphersuite), backend or get_backend()
    api_id = pseudonym_api_id(c)
    n = _count(length_nym_vector, "length_nym_vector")
    cid = _context_id(context_id)
    if not isinstance(L, int) or isinstance(L, bool) or L < 0:
        raise InvalidParameter("L must be a non-negative integer")
    proof_b = blind._octets(proof, "proof")
    msgs = messages_to_scalars(blind._bytes_list(disclosed_messages, "disclosed_messages"), api_id, c)
    cmsgs = messages_to_scalars(
        blind._bytes_list(disclosed_committed_messages, "disclosed_committed_messages"), api_id, c
    )
    d_idx, dc_idx = list(disclosed_indexes or ()), list(disclosed_committed_indexes or ())
    if len(msgs) != len(d_idx) or len(cmsgs) != len(dc_idx):
        raise InvalidParameter("one disclosed message per disclosed index is needed")
    u = blind._proof_undisclosed(proof_b)
    n_committed = len(d_idx) + len(dc_idx) + u - L - 1 - n  # total signed = L + 1 + M + N
    if n_committed < 0 or u < n + 1:
        raise InvalidProof("the proof is too short for L signer messages, the prover blind and the nym secrets")
    indexes = blind.combined_indexes(d_idx, dc_idx, L, n_committed)
    gens = create_generators(L + 1, api_id, c, backend=be) + blind.blind_generators(n_committed + n + 1, api_id, c, be)
    pr = octets_to_proof(proof_b, be)
    w = octets_to_pubkey(blind._octets(pk, "PK"), be)
    nym = _pseudonym_point(pseudonym, be)
    hdr = combined_header(blind._octets(header, "header"), n)
    init_res = proof_verify_init(
        blind._octets(pk, "PK"), pr, gens, hdr, [*msgs, *cmsgs], indexes, api_id, cs=c, backend=be
    )
    uv = pseudonym_proof_verify_init(nym, cid, pr.commitments[-n:], pr.challenge, api_id, cs=c, backend=be)
    challenge = proof_challenge_calculate(
        init_res,
        [*msgs, *cmsgs],
        indexes,
        blind._octets(ph, "ph"),
        api_id,
        cs=c,
        backend=be,
        extra_points=(nym, uv),
        extra_octets=_context_octets(cid),
    )
    if challenge != pr.challenge:
        raise InvalidProof("proof with pseudonym does not verify (messages, headers, pseudonym or context_id differ)")
    if not proof_pairing_check(w, pr.Abar, pr.Bbar, backend=be):
        raise InvalidProof("BBS proof pairing check failed (not derived from a signature under this key)")


__all__ = [
    "PSEUDONYM_INTERFACE_ID",
    "InvalidCommitment",
    "NymCredential",
    "blind_sign_with_nym",
    "blind_sign_with_nym_parts",
    "calculate_pseudonym",
    "combined_header",
    "commit_with_nym",
    "generate_prover_nyms",
    "generate_signer_nym_entropy",
    "proof_gen_with_nym",
    "proof_verify_with_nym",
    "pseudonym_api_id",
    "pseudonym_proof_init",
    "pseudonym_proof_verify_init",
    "verify_finalize_with_nym",
    "verify_nym_commitment",
]
