"""The BBS Signatures Interface (draft-irtf-cfrg-bbs-signatures-09 section 3.5): Sign, Verify, ProofGen and
ProofVerify over octet-string messages, with ``api_id = ciphersuite_id || "H2G_HM2S_"``.

The ``*_scalars`` variants take messages already mapped to scalars (integers in [0, r-1]) and an ``api_id``
(defaulting to the same interface id), for protocols that sign integers (issue 7: range proofs over attributes).

Every function raises a typed :class:`zkp.errors.ZkpError`; none returns a boolean.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from zkp.backend import Backend, get_backend
from zkp.bbs.ciphersuites import (
    DEFAULT_CIPHERSUITE,
    Ciphersuite,
    CiphersuiteLike,
    create_generators,
    get_ciphersuite,
    messages_to_scalars,
)
from zkp.bbs.codec import proof_undisclosed_count
from zkp.bbs.core import (
    PreparedSignature,
    RandomBytes,
    RandomScalars,
    core_proof_gen,
    core_proof_verify,
    core_sign,
    core_verify,
    prepare_signature,
    prepared_proof_gen,
)
from zkp.bbs.keys import secret_key_to_int
from zkp.errors import InvalidIndexes, InvalidParameter, InvalidProof

MAX_MESSAGES = 4096
"""Upper bound on L accepted from a proof's length (ProofVerify creates U + R + 1 generators from it)."""

DisclosedMessages = Mapping[int, bytes] | Sequence[bytes]


def _octets(value: bytes | None, what: str) -> bytes:
    if value is None:
        return b""
    if not isinstance(value, bytes | bytearray | memoryview):
        raise InvalidParameter(f"{what} must be bytes, got {type(value).__name__}")
    return bytes(value)


def _setup(ciphersuite: CiphersuiteLike, backend: Backend | None) -> tuple[Ciphersuite, Backend]:
    return get_ciphersuite(ciphersuite), backend or get_backend()


def _messages(messages: Sequence[bytes] | None) -> list[bytes]:
    if messages is None:
        return []
    if isinstance(messages, bytes | str):
        raise InvalidParameter("messages must be a list of byte strings, not a single value")
    return list(messages)


def _scalar_list(messages: Sequence[int]) -> list[int]:
    if isinstance(messages, bytes | bytearray | str):
        raise InvalidParameter("scalar messages must be a list of integers, not a byte string")
    return list(messages)


def _sorted_disclosure(
    disclosed: Mapping[int, bytes] | Sequence, indexes: Sequence[int] | None
) -> tuple[list[int], list]:
    """Normalise (mapping) or (values, indexes) into ascending index order; rejects repeats and mismatches."""
    if isinstance(disclosed, Mapping):
        if indexes is not None:
            raise InvalidParameter("give disclosed messages either as a mapping or with disclosed_indexes, not both")
        pairs = list(disclosed.items())
    else:
        values = list(disclosed)
        idx = list(indexes) if indexes is not None else None
        if idx is None:
            raise InvalidParameter("disclosed_indexes is required when disclosed messages are a list")
        if len(idx) != len(values):
            raise InvalidIndexes(f"{len(values)} disclosed messages but {len(idx)} disclosed indexes")
        pairs = list(zip(idx, values, strict=True))
    for i, _ in pairs:
        if not isinstance(i, int) or isinstance(i, bool) or i < 0:
            raise InvalidIndexes("disclosed indexes must be non-negative integers")
    pairs.sort(key=lambda p: p[0])
    if len({i for i, _ in pairs}) != len(pairs):
        raise InvalidIndexes("disclosed indexes must be unique")
    return [i for i, _ in pairs], [v for _, v in pairs]


def _disclosed_indexes(indexes: Sequence[int] | None, n: int) -> list[int]:
    idx = list(indexes or [])
    for i in idx:
        if not isinstance(i, int) or isinstance(i, bool):
            raise InvalidIndexes("disclosed indexes must be integers")
        if not 0 <= i < n:
            raise InvalidIndexes(f"disclosed index {i} is outside [0, {n - 1}]")
    if len(set(idx)) != len(idx):
        raise InvalidIndexes("disclosed indexes must be unique")
    return sorted(idx)


# -- octet-string interface (section 3.5) -----------------------------------------------------------------------------
def sign(
    sk: int | bytes,
    pk: bytes,
    header: bytes | None,
    messages: Sequence[bytes] | None,
    *,
    ciphersuite: CiphersuiteLike = DEFAULT_CIPHERSUITE,
    backend: Backend | None = None,
) -> bytes:
    """Sign (3.5.1): an 80-byte signature over ``header`` and the octet-string ``messages``."""
    c, be = _setup(ciphersuite, backend)
    msgs = _messages(messages)
    return sign_scalars(sk, pk, header, messages_to_scalars(msgs, c.api_id, c), ciphersuite=c, backend=be)


def verify(
    pk: bytes,
    signature: bytes,
    header: bytes | None,
    messages: Sequence[bytes] | None,
    *,
    ciphersuite: CiphersuiteLike = DEFAULT_CIPHERSUITE,
    backend: Backend | None = None,
) -> None:
    """Verify (3.5.2); returns None or raises InvalidSignature / InvalidPublicKey."""
    c, be = _setup(ciphersuite, backend)
    msgs = _messages(messages)
    verify_scalars(pk, signature, header, messages_to_scalars(msgs, c.api_id, c), ciphersuite=c, backend=be)


def proof_gen(
    pk: bytes,
    signature: bytes,
    header: bytes | None,
    ph: bytes | None,
    messages: Sequence[bytes] | None,
    disclosed_indexes: Sequence[int] | None,
    *,
    ciphersuite: CiphersuiteLike = DEFAULT_CIPHERSUITE,
    backend: Backend | None = None,
    rng: RandomBytes | None = None,
    random_scalars: RandomScalars | None = None,
) -> bytes:
    """ProofGen (3.5.3): a proof disclosing ``messages[i]`` for i in ``disclosed_indexes`` (any order, unique).

    ``rng(n) -> n bytes`` is the CSPRNG (os.urandom by default); ``random_scalars(count)`` replaces
    calculate_random_scalars entirely (tests pass the draft's mocked one to reproduce the fixtures).
    """
    c, be = _setup(ciphersuite, backend)
    msgs = _messages(messages)
    return proof_gen_scalars(
        pk,
        signature,
        header,
        ph,
        messages_to_scalars(msgs, c.api_id, c),
        disclosed_indexes,
        ciphersuite=c,
        backend=be,
        rng=rng,
        random_scalars=random_scalars,
    )


def proof_verify(
    pk: bytes,
    proof: bytes,
    header: bytes | None,
    ph: bytes | None,
    disclosed_messages: DisclosedMessages,
    disclosed_indexes: Sequence[int] | None = None,
    *,
    total_messages: int | None = None,
    ciphersuite: CiphersuiteLike = DEFAULT_CIPHERSUITE,
    backend: Backend | None = None,
) -> None:
    """ProofVerify (3.5.4); returns None or raises InvalidProof / InvalidPublicKey / InvalidIndexes.

    ``disclosed_messages`` is ``{index: message}`` or a list of messages with ``disclosed_indexes``.  The total
    number of signed messages L is ``R + U`` with U read from the proof length; pass ``total_messages`` to also
    require a particular L.
    """
    c, be = _setup(ciphersuite, backend)
    idx, values = _sorted_disclosure(disclosed_messages, disclosed_indexes)
    for i, v in enumerate(values):
        if not isinstance(v, bytes | bytearray | memoryview):
            raise InvalidParameter(f"disclosed message {i} must be bytes", code="invalidMessage")
    proof_verify_scalars(
        pk,
        proof,
        header,
        ph,
        dict(zip(idx, messages_to_scalars(values, c.api_id, c), strict=True)),
        total_messages=total_messages,
        ciphersuite=c,
        backend=be,
    )


# -- scalar-level interface -------------------------------------------------------------------------------------------
def sign_scalars(
    sk: int | bytes,
    pk: bytes,
    header: bytes | None,
    messages: Sequence[int],
    *,
    api_id: bytes | None = None,
    ciphersuite: CiphersuiteLike = DEFAULT_CIPHERSUITE,
    backend: Backend | None = None,
) -> bytes:
    """Sign messages that are already scalars in [0, r-1] (CoreSign with the interface's generators)."""
    c, be = _setup(ciphersuite, backend)
    a = c.api_id if api_id is None else api_id
    msgs = _scalar_list(messages)
    gens = create_generators(len(msgs) + 1, a, c, backend=be)
    return core_sign(
        secret_key_to_int(sk), _octets(pk, "public key"), gens, _octets(header, "header"), msgs, a, cs=c, backend=be
    )


def verify_scalars(
    pk: bytes,
    signature: bytes,
    header: bytes | None,
    messages: Sequence[int],
    *,
    api_id: bytes | None = None,
    ciphersuite: CiphersuiteLike = DEFAULT_CIPHERSUITE,
    backend: Backend | None = None,
) -> None:
    c, be = _setup(ciphersuite, backend)
    a = c.api_id if api_id is None else api_id
    msgs = _scalar_list(messages)
    gens = create_generators(len(msgs) + 1, a, c, backend=be)
    core_verify(_octets(pk, "public key"), signature, gens, _octets(header, "header"), msgs, a, cs=c, backend=be)


def proof_gen_scalars(
    pk: bytes,
    signature: bytes,
    header: bytes | None,
    ph: bytes | None,
    messages: Sequence[int],
    disclosed_indexes: Sequence[int] | None,
    *,
    api_id: bytes | None = None,
    ciphersuite: CiphersuiteLike = DEFAULT_CIPHERSUITE,
    backend: Backend | None = None,
    rng: RandomBytes | None = None,
    random_scalars: RandomScalars | None = None,
) -> bytes:
    c, be = _setup(ciphersuite, backend)
    a = c.api_id if api_id is None else api_id
    msgs = _scalar_list(messages)
    idx = _disclosed_indexes(disclosed_indexes, len(msgs))
    gens = create_generators(len(msgs) + 1, a, c, backend=be)
    return core_proof_gen(
        _octets(pk, "public key"),
        signature,
        gens,
        _octets(header, "header"),
        _octets(ph, "presentation header"),
        msgs,
        idx,
        a,
        cs=c,
        backend=be,
        rng=rng,
        random_scalars=random_scalars,
    )


def proof_verify_scalars(
    pk: bytes,
    proof: bytes,
    header: bytes | None,
    ph: bytes | None,
    disclosed_messages: Mapping[int, int] | Sequence[int],
    disclosed_indexes: Sequence[int] | None = None,
    *,
    total_messages: int | None = None,
    api_id: bytes | None = None,
    ciphersuite: CiphersuiteLike = DEFAULT_CIPHERSUITE,
    backend: Backend | None = None,
) -> None:
    c, be = _setup(ciphersuite, backend)
    a = c.api_id if api_id is None else api_id
    if not isinstance(proof, bytes | bytearray | memoryview):
        raise InvalidProof("a BBS proof must be bytes", code="malformedProof")
    proof = bytes(proof)
    idx, values = _sorted_disclosure(disclosed_messages, disclosed_indexes)
    u = proof_undisclosed_count(proof)
    n = u + len(idx)
    if n > MAX_MESSAGES:
        raise InvalidProof(f"proof claims {n} signed messages, more than the {MAX_MESSAGES} accepted")
    if total_messages is not None and total_messages != n:
        raise InvalidProof(f"proof covers {n} messages, expected {total_messages}", code="messageCountMismatch")
    gens = create_generators(n + 1, a, c, backend=be)
    core_proof_verify(
        _octets(pk, "public key"),
        proof,
        gens,
        _octets(header, "header"),
        _octets(ph, "presentation header"),
        values,
        idx,
        a,
        cs=c,
        backend=be,
    )


# -- repeated proofs from one credential (device wallets) -------------------------------------------------------------
class Prover:
    """A holder's credential, verified once, from which many proofs are derived.

    ``Prover(pk, signature, header, messages)`` runs Verify (the draft recommends checking a signature before
    ProofGen) and keeps the signed data's ``B`` and ``domain``; :meth:`proof_gen` then costs one (U+1)-point MSM
    and a few multiplications instead of also the (L+2)-point MSM.  Output is byte-identical to :func:`proof_gen`.
    """

    __slots__ = ("_backend", "_prepared")

    def __init__(
        self,
        pk: bytes,
        signature: bytes,
        header: bytes | None,
        messages: Sequence[bytes] | None,
        *,
        ciphersuite: CiphersuiteLike = DEFAULT_CIPHERSUITE,
        backend: Backend | None = None,
        scalars: Sequence[int] | None = None,
        api_id: bytes | None = None,
    ) -> None:
        c, be = _setup(ciphersuite, backend)
        a = c.api_id if api_id is None else api_id
        if scalars is None:
            scalars = messages_to_scalars(_messages(messages), a, c)
        elif messages is not None:
            raise InvalidParameter("give either octet-string messages or scalars, not both")
        msgs = _scalar_list(scalars)
        gens = create_generators(len(msgs) + 1, a, c, backend=be)
        self._backend = be
        self._prepared: PreparedSignature = prepare_signature(
            _octets(pk, "public key"), signature, gens, _octets(header, "header"), msgs, a, cs=c, backend=be
        )

    @property
    def total_messages(self) -> int:
        return len(self._prepared.messages)

    def proof_gen(
        self,
        ph: bytes | None,
        disclosed_indexes: Sequence[int] | None,
        *,
        rng: RandomBytes | None = None,
        random_scalars: RandomScalars | None = None,
    ) -> bytes:
        idx = _disclosed_indexes(disclosed_indexes, self.total_messages)
        return prepared_proof_gen(
            self._prepared,
            _octets(ph, "presentation header"),
            idx,
            backend=self._backend,
            rng=rng,
            random_scalars=random_scalars,
        )

    def __repr__(self) -> str:
        return f"<bbs.Prover {self._prepared.ciphersuite.name} L={self.total_messages}>"
