"""Blind BBS signatures, draft-irtf-cfrg-bbs-blind-signatures-02 (the text at commit 981ea65 of
cfrg/draft-irtf-cfrg-bbs-blind-signatures), on top of the BBS core of :mod:`zkp.bbs.core`.

The Prover commits to messages the Signer must not see (``Commit``), the Signer checks the commitment's proof of
knowledge and signs the Signer's messages plus the commitment (``BlindSign``), the Prover checks the signature with
its ``secret_prover_blind`` (``VerifyBlindSign``) and later derives ordinary-looking BBS proofs that disclose any
subset of both lists (``BlindProofGen`` / ``BlindProofVerify``).  Byte-exact on every fixture of the draft
(``/work/shared/vectors/bbs-blind/``, both ciphersuites; tests/zkp/test_bbs_blind.py).

Signed message layout (draft section 5.1 prepare_parameters): with ``L`` Signer messages and ``M`` committed ones,

    generators = (Q_1, H_1..H_L) || (Q_2, J_1..J_M)      # create_generators(L+1, api_id) || (M+1, "BLIND_"||api_id)
    scalars    = (msg_1..msg_L)  || (prover_blind, cmsg_1..cmsg_M)

so the signature is a plain BBS signature over ``L + 1 + M`` scalars and ``BBS.CoreVerify`` / ``CoreProofGen``
apply unchanged; committed message ``j`` sits at index ``L + 1 + j``.

Where the -02 text and its own test vectors disagree we follow the vectors (the fixes are in the editor's copy):

* ``B_calculate`` / ``FinalizeBlindSign``: ``B = P1 + Q_1 * domain + sum H_i * msg_i + commitment`` and
  ``domain = calculate_domain(PK, Q_1, (H_1..H_L, Q_2, J_1..J_M), header, api_id)`` (Q_2 included) -- editor's
  commit a0d54e1 "Fix computation of B and domain to agree with test vector traces";
* ``e = hash_to_scalar(serialize((SK, B)), api_id || "H2S_")``: the -02 text lists ``(SK, B, domain)``, but every
  signature fixture of both suites (and of the pseudonym draft) has ``e`` over ``SK || B`` only (``B`` already
  binds ``domain``);
* BlindSign's ``M`` is the number of committed scalars plus one (``Q_2``), as ``octets_to_commitment_with_proof``
  yields (editor's commit a9343d7).

``api_id`` is ``ciphersuite_id || "BLIND_H2G_HM2S_"`` for this interface; every core function here takes ``api_id``
explicitly so the pseudonym draft (:mod:`zkp.bbs.pseudonym`) reuses them with its own interface identifier.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from zkp.backend import G1, Backend, get_backend
from zkp.backend.hash_to_field import R
from zkp.bbs.ciphersuites import (
    OCTET_POINT_LENGTH,
    OCTET_SCALAR_LENGTH,
    CiphersuiteLike,
    create_generators,
    get_ciphersuite,
    hash_to_scalar,
    messages_to_scalars,
    p1,
)
from zkp.bbs.codec import (
    PROOF_LEN_FLOOR,
    Signature,
    i2osp8,
    i2osp_scalar,
    octets_to_pubkey,
    serialize_points,
    signature_to_octets,
)
from zkp.bbs.core import (
    RandomBytes,
    RandomScalars,
    calculate_domain,
    calculate_random_scalars,
    core_proof_gen,
    core_proof_verify,
    core_verify,
    h2s_dst,
)
from zkp.bbs.keys import secret_key_to_int
from zkp.errors import (
    InvalidIndexes,
    InvalidParameter,
    InvalidPoint,
    InvalidProof,
    InvalidSecretKey,
    InvalidSignature,
    ZkpError,
)

BLIND_INTERFACE_ID = b"BLIND_H2G_HM2S_"
COMMIT_LEN_FLOOR = OCTET_POINT_LENGTH + 2 * OCTET_SCALAR_LENGTH  # C || s^ || challenge


class InvalidCommitment(InvalidProof):
    """A ``commitment_with_proof`` that is malformed (length, point, scalar encoding) or whose proof of knowledge of
    the committed values does not verify."""

    code = "invalidCommitment"


class Commitment(NamedTuple):
    """A decoded ``commitment_with_proof``: ``C`` and the proof ``(s^, (m^_1..m^_M), challenge)``."""

    C: G1
    s_hat: int
    m_hat: tuple[int, ...]
    challenge: int


def blind_api_id(cs: CiphersuiteLike) -> bytes:
    """``ciphersuite_id || "BLIND_H2G_HM2S_"`` (draft section 4.2)."""
    return get_ciphersuite(cs).ciphersuite_id + BLIND_INTERFACE_ID


def blind_generators(count: int, api_id: bytes, cs: CiphersuiteLike, backend: Backend) -> list[G1]:
    """``(Q_2, J_1, ..., J_(count-1)) = BBS.create_generators(count, "BLIND_" || api_id)``."""
    return create_generators(count, b"BLIND_" + api_id, cs, backend=backend)


def _check_scalars(values: Sequence[int], what: str) -> None:
    for v in values:
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < R:
            raise InvalidParameter(f"{what} must be integers in [0, r-1]", code="invalidScalar")


def _bytes_list(values: Sequence[bytes] | None, what: str) -> list[bytes]:
    if values is None:
        return []
    if isinstance(values, bytes | bytearray | str):
        raise InvalidParameter(f"{what} must be a list of byte strings, not a single value")
    out = []
    for i, v in enumerate(values):
        if not isinstance(v, bytes | bytearray | memoryview):
            raise InvalidParameter(f"{what}[{i}] must be bytes, got {type(v).__name__}", code="invalidMessage")
        out.append(bytes(v))
    return out


def _octets(value: bytes | None, what: str) -> bytes:
    if value is None:
        return b""
    if not isinstance(value, bytes | bytearray | memoryview):
        raise InvalidParameter(f"{what} must be bytes, got {type(value).__name__}")
    return bytes(value)


def _prover_blind(value: int | None) -> int:
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < R:
        raise InvalidParameter("secret_prover_blind must be a scalar in [0, r-1]", code="invalidScalar")
    return value


# -- 5.3 calculate_blind_challenge -----------------------------------------------------------------------------------
def calculate_blind_challenge(
    c: G1, cbar: G1, generators: Sequence[G1], api_id: bytes, *, cs: CiphersuiteLike, backend: Backend
) -> int:
    """``hash_to_scalar(serialize((M, Q_2, J_1..J_M, C, Cbar)), api_id || "H2S_")`` with ``M = len(generators)-1``."""
    if not generators:
        raise InvalidParameter("the blind challenge needs at least the generator Q_2")
    octs = i2osp8(len(generators) - 1) + serialize_points((*generators, c, cbar), backend)
    return hash_to_scalar(octs, h2s_dst(api_id), cs)


# -- 5.4 serialization -----------------------------------------------------------------------------------------------
def commitment_with_proof_to_octets(commitment: Commitment, backend: Backend) -> bytes:
    """``serialize(C) || serialize((s^, m^_1..m^_M, challenge))`` (section 5.4.1)."""
    return backend.g1_to_bytes(commitment.C) + b"".join(
        i2osp_scalar(x) for x in (commitment.s_hat, *commitment.m_hat, commitment.challenge)
    )


def octets_to_commitment_with_proof(data: bytes, backend: Backend) -> Commitment:
    """octets_to_commitment_with_proof (section 5.4.2): ``C`` a non-identity subgroup point, every scalar in
    [1, r-1], length ``48 + 32 * (M + 2)``; raises :class:`InvalidCommitment`."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidCommitment("a commitment with proof must be bytes")
    data = bytes(data)
    if len(data) < COMMIT_LEN_FLOOR or (len(data) - OCTET_POINT_LENGTH) % OCTET_SCALAR_LENGTH:
        raise InvalidCommitment(
            f"a commitment with proof is 48 + 32 * (M + 2) bytes (M committed values), got {len(data)}",
            code="invalidLength",
        )
    try:
        c = backend.g1_from_bytes(data[:OCTET_POINT_LENGTH], allow_identity=False)
    except InvalidPoint as exc:
        raise InvalidCommitment(f"the commitment is not a valid G1 point: {exc}", code="invalidPoint") from exc
    scalars = []
    for off in range(OCTET_POINT_LENGTH, len(data), OCTET_SCALAR_LENGTH):
        s = int.from_bytes(data[off : off + OCTET_SCALAR_LENGTH], "big")
        if s == 0 or s >= R:
            raise InvalidCommitment("a commitment proof scalar is not in [1, r-1]", code="invalidScalar")
        scalars.append(s)
    return Commitment(c, scalars[0], tuple(scalars[1:-1]), scalars[-1])


def committed_count(commitment_with_proof: bytes) -> int:
    """The number ``M`` of committed scalars in a serialized commitment with proof (BlindSign deserialization)."""
    n = len(commitment_with_proof)
    if n == 0:
        return 0
    if n < COMMIT_LEN_FLOOR or (n - OCTET_POINT_LENGTH) % OCTET_SCALAR_LENGTH:
        raise InvalidCommitment(f"a commitment with proof is 48 + 32 * (M + 2) bytes, got {n}", code="invalidLength")
    return (n - OCTET_POINT_LENGTH) // OCTET_SCALAR_LENGTH - 2


# -- 4.1 CoreCommit / CoreCommitVerify -------------------------------------------------------------------------------
def core_commit(
    committed_scalars: Sequence[int],
    generators: Sequence[G1],
    api_id: bytes,
    *,
    cs: CiphersuiteLike,
    backend: Backend,
    rng: RandomBytes | None = None,
    random_scalars: RandomScalars | None = None,
) -> tuple[bytes, int]:
    """CoreCommit (section 4.1.1): ``(commitment_with_proof, secret_prover_blind)``.

    ``random_scalars(M + 2)`` replaces ``get_random_scalars`` (the fixtures' mocked RNG); ``rng`` feeds the default.
    """
    c = get_ciphersuite(cs)
    m = len(committed_scalars)
    _check_scalars(committed_scalars, "committed scalars")
    if len(generators) != m + 1:
        raise InvalidParameter(f"CoreCommit needs M + 1 = {m + 1} blind generators, got {len(generators)}")
    sc = list(random_scalars(m + 2)) if random_scalars is not None else calculate_random_scalars(m + 2, rng)
    if len(sc) != m + 2:
        raise InvalidParameter(f"CoreCommit needs M + 2 = {m + 2} random scalars, got {len(sc)}")
    _check_scalars(sc, "random scalars")
    blind, s_t, m_t = sc[0], sc[1], sc[2:]
    com = backend.g1_msm(generators, [blind, *committed_scalars])  # C = Q_2 * blind + sum J_i * msg_i
    cbar = backend.g1_msm(generators, [s_t, *m_t])  # Cbar = Q_2 * s~ + sum J_i * m~_i
    ch = calculate_blind_challenge(com, cbar, generators, api_id, cs=c, backend=backend)
    s_hat = (s_t + blind * ch) % R
    m_hat = tuple((mt + mi * ch) % R for mt, mi in zip(m_t, committed_scalars, strict=True))
    return commitment_with_proof_to_octets(Commitment(com, s_hat, m_hat, ch), backend), blind


def core_commit_verify(
    commitment: Commitment, generators: Sequence[G1], api_id: bytes, *, cs: CiphersuiteLike, backend: Backend
) -> None:
    """CoreCommitVerify (section 4.1.2): ``Cbar = Q_2*s^ + sum J_i*m^_i - C*c`` must rehash to ``c``."""
    if len(generators) != len(commitment.m_hat) + 1:
        raise InvalidCommitment(
            f"the commitment proves {len(commitment.m_hat)} values but {len(generators) - 1} were expected",
            code="invalidLength",
        )
    cbar = backend.g1_msm(
        [*generators, commitment.C], [commitment.s_hat, *commitment.m_hat, (-commitment.challenge) % R]
    )
    if (
        calculate_blind_challenge(commitment.C, cbar, generators, api_id, cs=cs, backend=backend)
        != commitment.challenge
    ):
        raise InvalidCommitment("the commitment's proof of knowledge does not verify")


def deserialize_and_validate_commit(
    commitment_with_proof: bytes, generators: Sequence[G1], api_id: bytes, *, cs: CiphersuiteLike, backend: Backend
) -> G1:
    """deserialize_and_validate_commit (section 3.2): the commitment point, ``Identity_G1`` for ``b""``."""
    if len(commitment_with_proof) == 0:
        return backend.g1_identity()
    com = octets_to_commitment_with_proof(commitment_with_proof, backend)
    core_commit_verify(com, generators, api_id, cs=cs, backend=backend)
    return com.C


# -- 3.1 Commit --------------------------------------------------------------------------------------------------------
def commit(
    committed_messages: Sequence[bytes] | None = None,
    *,
    ciphersuite: CiphersuiteLike = "BLS12-381-SHA-256",
    backend: Backend | None = None,
    rng: RandomBytes | None = None,
    random_scalars: RandomScalars | None = None,
) -> tuple[bytes, int]:
    """Commit (section 3.1): ``(commitment_with_proof, secret_prover_blind)`` over ``committed_messages``.

    Keep ``secret_prover_blind`` secret: it is needed to verify the signature and for every proof.
    """
    c, be = get_ciphersuite(ciphersuite), backend or get_backend()
    api_id = blind_api_id(c)
    scalars = messages_to_scalars(_bytes_list(committed_messages, "committed_messages"), api_id, c)
    gens = blind_generators(len(scalars) + 1, api_id, c, be)
    return core_commit(scalars, gens, api_id, cs=c, backend=be, rng=rng, random_scalars=random_scalars)


def verify_commitment(
    commitment_with_proof: bytes,
    committed_count_expected: int | None = None,
    *,
    ciphersuite: CiphersuiteLike = "BLS12-381-SHA-256",
    backend: Backend | None = None,
    api_id: bytes | None = None,
) -> G1:
    """The Signer's check of a Prover's commitment (deserialize_and_validate_commit with the generators sized from
    the commitment, as BlindSign does); optionally also pins the number of committed values. Returns ``C``."""
    c, be = get_ciphersuite(ciphersuite), backend or get_backend()
    a = blind_api_id(c) if api_id is None else api_id
    data = _octets(commitment_with_proof, "commitment_with_proof")
    if not data:
        raise InvalidCommitment("empty commitment", code="invalidLength")
    m = committed_count(data)
    if committed_count_expected is not None and m != committed_count_expected:
        raise InvalidCommitment(
            f"the commitment holds {m} committed values, expected {committed_count_expected}", code="invalidLength"
        )
    return deserialize_and_validate_commit(data, blind_generators(m + 1, a, c, be), a, cs=c, backend=be)


# -- 5.2 B_calculate and 4.2 FinalizeBlindSign ------------------------------------------------------------------------
def calculate_b(
    pk: bytes,
    generators: Sequence[G1],
    blind_gens: Sequence[G1],
    header: bytes,
    message_scalars: Sequence[int],
    commitment: G1,
    api_id: bytes,
    *,
    cs: CiphersuiteLike,
    backend: Backend,
) -> tuple[G1, int]:
    """``(B, domain)``: ``domain`` over ``(H_1..H_L, Q_2, J_1..J_M)`` and
    ``B = P1 + Q_1*domain + sum H_i*msg_i + commitment`` (B_calculate as corrected, see module doc)."""
    c = get_ciphersuite(cs)
    if len(generators) != len(message_scalars) + 1:
        raise InvalidParameter(f"need {len(message_scalars) + 1} generators, got {len(generators)}")
    domain = calculate_domain(pk, generators[0], [*generators[1:], *blind_gens], header, api_id, cs=c, backend=backend)
    b = backend.g1_add(backend.g1_msm([p1(c, backend=backend), *generators], [1, domain, *message_scalars]), commitment)
    if backend.g1_is_identity(b):
        raise InvalidSignature("B is the identity: cannot sign", code="signingFailed")
    return b, domain


def finalize_blind_sign(sk: int, b: G1, api_id: bytes, *, cs: CiphersuiteLike, backend: Backend) -> bytes:
    """FinalizeBlindSign steps 2-5 with ``e = hash_to_scalar(SK || B, api_id || "H2S_")`` (as the fixtures)."""
    e = hash_to_scalar(i2osp_scalar(sk) + backend.g1_to_bytes(b), h2s_dst(api_id), cs)
    if (sk + e) % R == 0:
        raise InvalidSecretKey("SK + e = 0 mod r: cannot sign")
    a = backend.g1_mul(b, pow((sk + e) % R, R - 2, R))
    return signature_to_octets(Signature(a, e), backend)


class BlindSignParts(NamedTuple):
    """What the Signer builds in BlindSign: the generators, the validated commitment point, ``B`` and ``domain``."""

    generators: list[G1]
    blind_generators: list[G1]
    commitment: G1
    B: G1
    domain: int


def blind_sign_parts(
    pk: bytes,
    commitment_with_proof: bytes,
    header: bytes,
    message_scalars: Sequence[int],
    api_id: bytes,
    *,
    cs: CiphersuiteLike,
    backend: Backend,
) -> BlindSignParts:
    """BlindSign procedure steps 1-8: generators, commitment validation (raises InvalidCommitment), ``B``."""
    m = committed_count(commitment_with_proof)
    gens = create_generators(len(message_scalars) + 1, api_id, cs, backend=backend)
    bgens = blind_generators(m + 1, api_id, cs, backend)
    com = deserialize_and_validate_commit(commitment_with_proof, bgens, api_id, cs=cs, backend=backend)
    b, domain = calculate_b(pk, gens, bgens, header, message_scalars, com, api_id, cs=cs, backend=backend)
    return BlindSignParts(gens, bgens, com, b, domain)


def _secret_key(sk: int | bytes) -> int:
    try:
        return secret_key_to_int(sk)
    except ZkpError:
        raise
    except (TypeError, ValueError) as exc:
        raise InvalidSecretKey("a BBS secret key is 32 bytes or an integer in [1, r-1]") from exc


# -- 4.2.1 BlindSign ---------------------------------------------------------------------------------------------------
def blind_sign(
    sk: int | bytes,
    pk: bytes,
    commitment_with_proof: bytes | None = None,
    header: bytes | None = None,
    messages: Sequence[bytes] | None = None,
    *,
    ciphersuite: CiphersuiteLike = "BLS12-381-SHA-256",
    backend: Backend | None = None,
) -> bytes:
    """BlindSign (section 4.2.1): an 80-byte BBS signature over ``messages`` and the Prover's commitment.

    Raises InvalidCommitment (bad or unproven commitment), InvalidSecretKey, InvalidParameter.
    """
    c, be = get_ciphersuite(ciphersuite), backend or get_backend()
    api_id = blind_api_id(c)
    key = _secret_key(sk)
    pk_b = _octets(pk, "PK")
    octets_to_pubkey(pk_b, be)
    scalars = messages_to_scalars(_bytes_list(messages, "messages"), api_id, c)
    parts = blind_sign_parts(
        pk_b,
        _octets(commitment_with_proof, "commitment_with_proof"),
        _octets(header, "header"),
        scalars,
        api_id,
        cs=c,
        backend=be,
    )
    return finalize_blind_sign(key, parts.B, api_id, cs=c, backend=be)


# -- 5.1 prepare_parameters ------------------------------------------------------------------------------------------
def prepare_parameters(
    message_scalars: Sequence[int],
    committed_scalars: Sequence[int],
    generators_number: int,
    blind_generators_number: int,
    prover_blind: int | None,
    api_id: bytes,
    *,
    cs: CiphersuiteLike,
    backend: Backend,
) -> tuple[list[int], list[G1]]:
    """prepare_parameters (section 5.1) on already-mapped scalars: ``(msgs || [blind] || committed, gens || bgens)``;
    ``prover_blind=None`` is the draft's NONE (verifier side: the blind is never disclosed)."""
    scalars = [*message_scalars, *([] if prover_blind is None else [prover_blind]), *committed_scalars]
    gens = create_generators(generators_number, api_id, cs, backend=backend)
    bgens = blind_generators(blind_generators_number, api_id, cs, backend)
    return scalars, [*gens, *bgens]


# -- 4.2.2 VerifyBlindSign ---------------------------------------------------------------------------------------------
def verify_blind_sign(
    pk: bytes,
    signature: bytes,
    header: bytes | None = None,
    messages: Sequence[bytes] | None = None,
    committed_messages: Sequence[bytes] | None = None,
    prover_blind: int | None = None,
    *,
    ciphersuite: CiphersuiteLike = "BLS12-381-SHA-256",
    backend: Backend | None = None,
) -> None:
    """VerifyBlindSign (section 4.2.2); raises InvalidSignature (also for a wrong ``prover_blind``)."""
    c, be = get_ciphersuite(ciphersuite), backend or get_backend()
    api_id = blind_api_id(c)
    msgs = messages_to_scalars(_bytes_list(messages, "messages"), api_id, c)
    cmsgs = messages_to_scalars(_bytes_list(committed_messages, "committed_messages"), api_id, c)
    scalars, gens = prepare_parameters(
        msgs, cmsgs, len(msgs) + 1, len(cmsgs) + 1, _prover_blind(prover_blind), api_id, cs=c, backend=be
    )
    core_verify(
        _octets(pk, "PK"),
        _octets(signature, "signature"),
        gens,
        _octets(header, "header"),
        scalars,
        api_id,
        cs=c,
        backend=be,
    )


def combined_indexes(
    disclosed_indexes: Sequence[int] | None,
    disclosed_commitment_indexes: Sequence[int] | None,
    n_messages: int,
    n_committed: int,
) -> list[int]:
    """Validate both index lists (ascending, unique, in range) and map them into the signed list:
    ``disclosed_indexes || (j + L + 1 for j in disclosed_commitment_indexes)`` (BlindProofGen steps 2-4)."""
    out: list[int] = []
    for what, idx, bound, offset in (
        ("disclosed_indexes", disclosed_indexes, n_messages, 0),
        ("disclosed_commitment_indexes", disclosed_commitment_indexes, n_committed, n_messages + 1),
    ):
        prev = -1
        for i in idx or ():
            if not isinstance(i, int) or isinstance(i, bool):
                raise InvalidIndexes(f"{what} must be integers")
            if not 0 <= i < bound:
                raise InvalidIndexes(f"{what}: index {i} is outside [0, {bound - 1}]")
            if i <= prev:
                raise InvalidIndexes(f"{what} must be unique and in ascending order")
            prev = i
            out.append(i + offset)
    return out


# -- 4.3.1 BlindProofGen -----------------------------------------------------------------------------------------------
def blind_proof_gen(
    pk: bytes,
    signature: bytes,
    header: bytes | None = None,
    ph: bytes | None = None,
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
) -> bytes:
    """BlindProofGen (-02 section 4.3.1): a BBS proof over ``messages || [prover_blind] || committed_messages``.

    The proof is ``272 + 32 * U`` bytes with ``U`` the undisclosed count (the blind is always undisclosed).
    """
    c, be = get_ciphersuite(ciphersuite), backend or get_backend()
    api_id = blind_api_id(c)
    msgs = messages_to_scalars(_bytes_list(messages, "messages"), api_id, c)
    cmsgs = messages_to_scalars(_bytes_list(committed_messages, "committed_messages"), api_id, c)
    indexes = combined_indexes(disclosed_indexes, disclosed_commitment_indexes, len(msgs), len(cmsgs))
    scalars, gens = prepare_parameters(
        msgs, cmsgs, len(msgs) + 1, len(cmsgs) + 1, _prover_blind(prover_blind), api_id, cs=c, backend=be
    )
    return core_proof_gen(
        _octets(pk, "PK"),
        _octets(signature, "signature"),
        gens,
        _octets(header, "header"),
        _octets(ph, "ph"),
        scalars,
        indexes,
        api_id,
        cs=c,
        backend=be,
        rng=rng,
        random_scalars=random_scalars,
    )


def _proof_undisclosed(proof: bytes) -> int:
    if len(proof) < PROOF_LEN_FLOOR or (len(proof) - PROOF_LEN_FLOOR) % OCTET_SCALAR_LENGTH:
        raise InvalidProof(f"a BBS proof is 272 + 32 * U bytes, got {len(proof)}", code="invalidLength")
    return (len(proof) - PROOF_LEN_FLOOR) // OCTET_SCALAR_LENGTH


# -- 4.3.2 BlindProofVerify --------------------------------------------------------------------------------------------
def blind_proof_verify(
    pk: bytes,
    proof: bytes,
    header: bytes | None = None,
    ph: bytes | None = None,
    L: int = 0,
    disclosed_messages: Sequence[bytes] | None = None,
    disclosed_committed_messages: Sequence[bytes] | None = None,
    disclosed_indexes: Sequence[int] | None = None,
    disclosed_committed_indexes: Sequence[int] | None = None,
    *,
    ciphersuite: CiphersuiteLike = "BLS12-381-SHA-256",
    backend: Backend | None = None,
) -> None:
    """BlindProofVerify (-02 section 4.3.2); raises InvalidProof / InvalidIndexes.

    ``L`` is the number of Signer messages; the number of committed messages follows from the proof length.
    """
    c, be = get_ciphersuite(ciphersuite), backend or get_backend()
    api_id = blind_api_id(c)
    proof_b = _octets(proof, "proof")
    if not isinstance(L, int) or isinstance(L, bool) or L < 0:
        raise InvalidParameter("L must be a non-negative integer")
    msgs = messages_to_scalars(_bytes_list(disclosed_messages, "disclosed_messages"), api_id, c)
    cmsgs = messages_to_scalars(_bytes_list(disclosed_committed_messages, "disclosed_committed_messages"), api_id, c)
    d_idx, dc_idx = list(disclosed_indexes or ()), list(disclosed_committed_indexes or ())
    if len(msgs) != len(d_idx) or len(cmsgs) != len(dc_idx):
        raise InvalidParameter("one disclosed message per disclosed index is needed")
    total = len(d_idx) + len(dc_idx) + _proof_undisclosed(proof_b)
    m = total - L  # blind generators: Q_2 (for the never-disclosed prover blind) and J_1..J_(m-1)
    if m < 1:
        raise InvalidProof("the proof has fewer messages than L + 1 (signer messages plus the prover blind)")
    indexes = combined_indexes(d_idx, dc_idx, L, m - 1)
    scalars, gens = prepare_parameters(msgs, cmsgs, L + 1, m, None, api_id, cs=c, backend=be)
    core_proof_verify(
        _octets(pk, "PK"),
        proof_b,
        gens,
        _octets(header, "header"),
        _octets(ph, "ph"),
        scalars,
        indexes,
        api_id,
        cs=c,
        backend=be,
    )


__all__ = [
    "BLIND_INTERFACE_ID",
    "BlindSignParts",
    "Commitment",
    "InvalidCommitment",
    "blind_api_id",
    "blind_generators",
    "blind_proof_gen",
    "blind_proof_verify",
    "blind_sign",
    "blind_sign_parts",
    "calculate_b",
    "calculate_blind_challenge",
    "combined_indexes",
    "commit",
    "commitment_with_proof_to_octets",
    "committed_count",
    "core_commit",
    "core_commit_verify",
    "deserialize_and_validate_commit",
    "finalize_blind_sign",
    "octets_to_commitment_with_proof",
    "prepare_parameters",
    "verify_blind_sign",
    "verify_commitment",
]
