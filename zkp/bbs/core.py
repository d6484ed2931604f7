"""BBS core operations and proof sub-routines (draft-irtf-cfrg-bbs-signatures-09 sections 3.6, 3.7, 4.2).

Everything here works on *scalars* (messages already mapped), explicit ``generators`` (``[Q_1, H_1, ..., H_L]`` as
returned by :func:`zkp.bbs.ciphersuites.create_generators`) and an explicit ``api_id``, exactly as the draft's core
layer does.  The names follow the draft (``ProofInit`` is :func:`proof_init`, also exported as ``ProofInit``).

Composing other proofs with a BBS proof (issue 7: Pedersen commitments, range proofs, pseudonyms) works like the
per-verifier-linkability draft does it:

* the prover picks ``random_scalars = (r1, r2, e~, r1~, r3~, m~_j1, ..., m~_jU)`` itself (see
  :func:`calculate_random_scalars`) and reuses ``m~_j`` of a hidden message j as the blinding of that message in the
  linked Schnorr statement, so the same response ``m^_j`` answers both;
* :func:`proof_challenge_calculate` takes ``extra_points`` (serialized after ``T2`` and before ``domain``; the nym
  draft puts ``pseudonym, Ut`` there) and ``extra_octets`` (appended after ``I2OSP(length(ph), 8) || ph``; the nym
  draft appends ``I2OSP(length(context_id), 8) || context_id``).  Callers must length-prefix variable data they put
  in ``extra_octets``.  With both empty the challenge is byte-exact the draft's;
* :func:`calculate_domain`, :func:`compute_b`, :func:`proof_init_from_b` and :func:`proof_pairing_check` are the
  pieces the extensions (blind signatures, pseudonyms) reuse;
* the verifier runs :func:`proof_verify_init`, recomputes the linked statements' commitments from the proof's
  ``commitments`` (the ``m^_j``) and the challenge, calls :func:`proof_challenge_calculate` with the same extras,
  compares with the proof's challenge, then :func:`proof_pairing_check`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import NamedTuple

from zkp.backend import G1, G2, Backend
from zkp.backend.hash_to_field import R
from zkp.bbs.ciphersuites import (
    EXPAND_LEN,
    Ciphersuite,
    CiphersuiteLike,
    get_ciphersuite,
    hash_to_scalar,
    p1,
)
from zkp.bbs.codec import (
    Proof,
    Signature,
    i2osp8,
    i2osp_scalar,
    octets_to_proof,
    octets_to_pubkey,
    octets_to_signature,
    proof_to_octets,
    serialize_points,
    signature_to_octets,
)
from zkp.errors import InvalidIndexes, InvalidParameter, InvalidProof, InvalidSecretKey, InvalidSignature

RandomBytes = Callable[[int], bytes]
RandomScalars = Callable[[int], Sequence[int]]


class InitResult(NamedTuple):
    """``init_res`` of ProofInit / ProofVerifyInit: ``(Abar, Bbar, D, T1, T2, domain)``."""

    Abar: G1
    Bbar: G1
    D: G1
    T1: G1
    T2: G1
    domain: int


def h2s_dst(api_id: bytes) -> bytes:
    """``api_id || "H2S_"``, the hash_to_scalar DST of the domain, e and challenge computations."""
    return api_id + b"H2S_"


def _inverse(x: int) -> int:
    """x^-1 mod r by Fermat (x^(r-2)): a fixed public exponent, unlike the extended Euclid behind pow(x, -1, r),
    whose running time depends on the secret x (SK + e when signing, r2 when proving)."""
    return pow(x, R - 2, R)


def _check_generators(generators: Sequence[G1], n_messages: int) -> None:
    if len(generators) != n_messages + 1:
        raise InvalidParameter(f"need {n_messages + 1} generators (Q_1 and one per message), got {len(generators)}")


def _check_scalars(scalars: Sequence[int], what: str) -> None:
    for s in scalars:
        if not isinstance(s, int) or isinstance(s, bool) or not 0 <= s < R:
            raise InvalidParameter(f"{what} must be integers in [0, r-1]", code="invalidScalar")


# -- 4.2.3 calculate_domain --------------------------------------------------------------------------------------------
def calculate_domain(
    pk: bytes,
    q1: G1,
    h_points: Sequence[G1],
    header: bytes,
    api_id: bytes,
    *,
    cs: CiphersuiteLike,
    backend: Backend,
) -> int:
    """``dom_input = PK || serialize((L, Q_1, H_1..H_L)) || api_id || I2OSP(len(header), 8) || header``."""
    dom_octs = i2osp8(len(h_points)) + serialize_points((q1, *h_points), backend) + api_id
    dom_input = bytes(pk) + dom_octs + i2osp8(len(header)) + bytes(header)
    return hash_to_scalar(dom_input, h2s_dst(api_id), cs)


def compute_b(generators: Sequence[G1], domain: int, messages: Sequence[int], cs: Ciphersuite, backend: Backend) -> G1:
    """``B = P1 + Q_1 * domain + H_1 * msg_1 + ... + H_L * msg_L`` as one multi-scalar multiplication
    (CoreSign step 3, CoreVerify step 2, ProofInit step 2); extensions such as blind BBS add their commitment."""
    return backend.g1_msm([p1(cs, backend=backend), *generators], [1, domain, *messages])


# -- 3.6.1 CoreSign ---------------------------------------------------------------------------------------------------
def core_sign(
    sk: int,
    pk: bytes,
    generators: Sequence[G1],
    header: bytes,
    messages: Sequence[int],
    api_id: bytes,
    *,
    cs: CiphersuiteLike,
    backend: Backend,
) -> bytes:
    """CoreSign: deterministic ``(A, e)`` with ``e = hash_to_scalar(serialize((SK, msg_1..msg_L, domain)))``."""
    c = get_ciphersuite(cs)
    if not isinstance(sk, int) or not 0 < sk < R:
        raise InvalidSecretKey("a BBS secret key is an integer in [1, r-1]")
    _check_scalars(messages, "messages")
    _check_generators(generators, len(messages))
    domain = calculate_domain(pk, generators[0], generators[1:], header, api_id, cs=c, backend=backend)
    e = hash_to_scalar(
        i2osp_scalar(sk) + b"".join(i2osp_scalar(m) for m in messages) + i2osp_scalar(domain), h2s_dst(api_id), c
    )
    b = compute_b(generators, domain, messages, c, backend)
    if (sk + e) % R == 0:  # probability ~2^-255; the draft allows refusing here
        raise InvalidSecretKey("SK + e = 0 mod r: cannot sign these messages with this key")
    a = backend.g1_mul(b, _inverse((sk + e) % R))
    if backend.g1_is_identity(a):
        raise InvalidSignature("signature point A is the identity", code="signingFailed")
    return signature_to_octets(Signature(a, e), backend)


# -- 3.6.2 CoreVerify -------------------------------------------------------------------------------------------------
def core_verify(
    pk: bytes,
    signature: bytes,
    generators: Sequence[G1],
    header: bytes,
    messages: Sequence[int],
    api_id: bytes,
    *,
    cs: CiphersuiteLike,
    backend: Backend,
) -> None:
    """CoreVerify: ``h(A, W) * h(A * e - B, BP2) == 1``; raises InvalidSignature (or InvalidPublicKey)."""
    c = get_ciphersuite(cs)
    sig = octets_to_signature(signature, backend)
    w = octets_to_pubkey(pk, backend)
    _check_scalars(messages, "messages")
    _check_generators(generators, len(messages))
    domain = calculate_domain(pk, generators[0], generators[1:], header, api_id, cs=c, backend=backend)
    b = compute_b(generators, domain, messages, c, backend)
    _signature_pairing_check(w, sig, b, backend)


def _signature_pairing_check(w: G2, sig: Signature, b: G1, backend: Backend) -> None:
    """CoreVerify procedure step 3: ``h(A, W) * h(A * e - B, BP2) == Identity_GT``."""
    lhs = backend.g1_sub(backend.g1_mul(sig.A, sig.e), b)
    if not backend.pairing_check([(sig.A, w), (lhs, backend.g2_generator())]):
        raise InvalidSignature("BBS signature does not verify for this public key, header and messages")


class PreparedSignature(NamedTuple):
    """A signature checked with CoreVerify (as CoreProofGen recommends), with the signed data's ``B`` and
    ``domain`` kept so that each later proof skips the (L+2)-point MSM.  Holds the messages: keep it private."""

    pk: bytes
    signature: Signature
    generators: Sequence[G1]
    messages: tuple[int, ...]
    b: G1
    domain: int
    api_id: bytes
    ciphersuite: Ciphersuite


def prepare_signature(
    pk: bytes,
    signature: bytes,
    generators: Sequence[G1],
    header: bytes,
    messages: Sequence[int],
    api_id: bytes,
    *,
    cs: CiphersuiteLike,
    backend: Backend,
) -> PreparedSignature:
    """CoreVerify, returning what repeated proof generation needs; raises InvalidSignature like core_verify."""
    c = get_ciphersuite(cs)
    sig = octets_to_signature(signature, backend)
    w = octets_to_pubkey(pk, backend)
    _check_scalars(messages, "messages")
    _check_generators(generators, len(messages))
    domain = calculate_domain(pk, generators[0], generators[1:], header, api_id, cs=c, backend=backend)
    b = compute_b(generators, domain, messages, c, backend)
    _signature_pairing_check(w, sig, b, backend)
    return PreparedSignature(bytes(pk), sig, list(generators), tuple(messages), b, domain, api_id, c)


def prepared_proof_gen(
    prepared: PreparedSignature,
    ph: bytes,
    disclosed_indexes: Sequence[int],
    *,
    backend: Backend,
    rng: RandomBytes | None = None,
    random_scalars: RandomScalars | None = None,
) -> bytes:
    """CoreProofGen from a :class:`PreparedSignature`: byte-identical to :func:`core_proof_gen` for equal inputs."""
    msgs = prepared.messages
    n = len(msgs)
    _validate_indexes(disclosed_indexes, n, strict_order=True)
    disclosed = set(disclosed_indexes)
    undisclosed = [j for j in range(n) if j not in disclosed]
    u = len(undisclosed)
    scalars = list(random_scalars(5 + u)) if random_scalars is not None else calculate_random_scalars(5 + u, rng)
    if len(scalars) != u + 5:
        raise InvalidParameter(f"ProofGen needs U + 5 = {u + 5} random scalars, got {len(scalars)}")
    _check_scalars(scalars, "random scalars")
    init_res = proof_init_from_b(
        prepared.signature, prepared.b, prepared.domain, prepared.generators, scalars, undisclosed, backend=backend
    )
    challenge = proof_challenge_calculate(
        init_res,
        [msgs[i] for i in disclosed_indexes],
        disclosed_indexes,
        ph,
        prepared.api_id,
        cs=prepared.ciphersuite,
        backend=backend,
    )
    return proof_finalize(
        init_res, challenge, prepared.signature.e, scalars, [msgs[j] for j in undisclosed], backend=backend
    )


# -- 4.2.1 calculate_random_scalars -------------------------------------------------------------------------------
def calculate_random_scalars(count: int, rng: RandomBytes | None = None) -> list[int]:
    """``OS2IP(get_random(expand_len)) mod r`` for each of ``count`` scalars; ``rng`` defaults to os.urandom."""
    if rng is None:  # one read of count * expand_len bytes, cut into expand_len-byte strings: the same distribution
        raw = os.urandom(EXPAND_LEN * count)
        return [int.from_bytes(raw[i : i + EXPAND_LEN], "big") % R for i in range(0, EXPAND_LEN * count, EXPAND_LEN)]
    return [int.from_bytes(rng(EXPAND_LEN), "big") % R for _ in range(count)]


# -- 3.7.1 ProofInit --------------------------------------------------------------------------------------------------
def proof_init(
    pk: bytes,
    signature: Signature,
    generators: Sequence[G1],
    random_scalars: Sequence[int],
    header: bytes,
    messages: Sequence[int],
    undisclosed_indexes: Sequence[int],
    api_id: bytes,
    *,
    cs: CiphersuiteLike,
    backend: Backend,
) -> InitResult:
    """ProofInit: ``(Abar, Bbar, D, T1, T2, domain)`` from ``random_scalars = (r1, r2, e~, r1~, r3~, m~_j...)``."""
    c = get_ciphersuite(cs)
    n = len(messages)
    u = len(undisclosed_indexes)
    if len(random_scalars) != u + 5:
        raise InvalidParameter(f"ProofInit needs U + 5 = {u + 5} random scalars, got {len(random_scalars)}")
    _check_scalars(random_scalars, "random scalars")
    _check_scalars(messages, "messages")
    _check_generators(generators, n)
    if u > n or any(not isinstance(j, int) or not 0 <= j < n for j in undisclosed_indexes):
        raise InvalidIndexes(f"undisclosed indexes must be in [0, {n - 1}]")
    domain = calculate_domain(pk, generators[0], generators[1:], header, api_id, cs=c, backend=backend)
    # Steps 2-3 as one MSM: D = B * r2 = P1 * r2 + Q_1 * (domain * r2) + sum H_i * (msg_i * r2).
    r2 = random_scalars[1]
    d = backend.g1_msm([p1(c, backend=backend), *generators], [r2, domain * r2 % R, *(m * r2 % R for m in messages)])
    return _proof_init_from_d(signature, d, domain, generators, random_scalars, undisclosed_indexes, backend)


def proof_init_from_b(
    signature: Signature,
    b: G1,
    domain: int,
    generators: Sequence[G1],
    random_scalars: Sequence[int],
    undisclosed_indexes: Sequence[int],
    *,
    backend: Backend,
) -> InitResult:
    """ProofInit procedure steps 3-8 given ``B`` and ``domain`` (steps 1-2), which depend only on the signed data.

    A holder that derives many proofs from one credential computes them once (:class:`PreparedSignature`).
    """
    if len(random_scalars) != len(undisclosed_indexes) + 5:
        raise InvalidParameter("ProofInit needs U + 5 random scalars")
    d = backend.g1_mul(b, random_scalars[1])
    return _proof_init_from_d(signature, d, domain, generators, random_scalars, undisclosed_indexes, backend)


def _proof_init_from_d(
    signature: Signature,
    d: G1,
    domain: int,
    generators: Sequence[G1],
    random_scalars: Sequence[int],
    undisclosed_indexes: Sequence[int],
    backend: Backend,
) -> InitResult:
    """ProofInit procedure steps 4-8 from ``D = B * r2``."""
    a, e = signature
    r1, r2, e_t, r1_t, r3_t = random_scalars[:5]
    m_t = random_scalars[5:]
    h = generators[1:]
    abar = backend.g1_mul(a, r1 * r2 % R)
    bbar = backend.g1_msm([d, abar], [r1, (-e) % R])
    t1 = backend.g1_msm([abar, d], [e_t, r1_t])
    t2 = backend.g1_msm([d, *(h[j] for j in undisclosed_indexes)], [r3_t, *m_t])
    return InitResult(abar, bbar, d, t1, t2, domain)


# -- 3.7.4 ProofChallengeCalculate ------------------------------------------------------------------------------------
def proof_challenge_calculate(
    init_res: InitResult,
    disclosed_messages: Sequence[int],
    disclosed_indexes: Sequence[int],
    ph: bytes,
    api_id: bytes,
    *,
    cs: CiphersuiteLike,
    backend: Backend,
    extra_points: Sequence[G1] = (),
    extra_octets: bytes = b"",
) -> int:
    """ProofChallengeCalculate; ``extra_points``/``extra_octets`` extend it for linked statements (module doc)."""
    if len(disclosed_messages) != len(disclosed_indexes):
        raise InvalidParameter("one disclosed message per disclosed index is needed")
    abar, bbar, d, t1, t2, domain = init_res
    parts = [i2osp8(len(disclosed_indexes))]
    for i, m in zip(disclosed_indexes, disclosed_messages, strict=True):
        parts.append(i2osp8(i))
        parts.append(i2osp_scalar(m))
    parts.append(serialize_points((abar, bbar, d, t1, t2, *extra_points), backend))
    parts.append(i2osp_scalar(domain))
    parts.append(i2osp8(len(ph)))
    parts.append(bytes(ph))
    parts.append(bytes(extra_octets))
    return hash_to_scalar(b"".join(parts), h2s_dst(api_id), cs)


# -- 3.7.2 ProofFinalize ----------------------------------------------------------------------------------------------
def proof_finalize(
    init_res: InitResult,
    challenge: int,
    e_value: int,
    random_scalars: Sequence[int],
    undisclosed_messages: Sequence[int],
    *,
    backend: Backend,
) -> bytes:
    """ProofFinalize: responses ``e^, r1^, r3^, m^_j`` and ``proof_to_octets``."""
    u = len(undisclosed_messages)
    if len(random_scalars) != u + 5:
        raise InvalidParameter(f"ProofFinalize needs U + 5 = {u + 5} random scalars, got {len(random_scalars)}")
    r1, r2, e_t, r1_t, r3_t = random_scalars[:5]
    m_t = random_scalars[5:]
    if r2 % R == 0:
        raise InvalidParameter("random scalar r2 must be non-zero")
    r3 = _inverse(r2)
    e_hat = (e_t + e_value * challenge) % R
    r1_hat = (r1_t - r1 * challenge) % R
    r3_hat = (r3_t - r3 * challenge) % R
    m_hat = tuple((mt + m * challenge) % R for mt, m in zip(m_t, undisclosed_messages, strict=True))
    proof = Proof(init_res.Abar, init_res.Bbar, init_res.D, e_hat, r1_hat, r3_hat, m_hat, challenge)
    return proof_to_octets(proof, backend)


# -- 3.7.3 ProofVerifyInit --------------------------------------------------------------------------------------------
def proof_verify_init(
    pk: bytes,
    proof: Proof,
    generators: Sequence[G1],
    header: bytes,
    disclosed_messages: Sequence[int],
    disclosed_indexes: Sequence[int],
    api_id: bytes,
    *,
    cs: CiphersuiteLike,
    backend: Backend,
) -> InitResult:
    """ProofVerifyInit: recompute ``T1 = Bbar*c + Abar*e^ + D*r1^`` and ``T2 = Bv*c + D*r3^ + sum H_j*m^_j``."""
    c = get_ciphersuite(cs)
    u = len(proof.commitments)
    n_r = len(disclosed_indexes)
    n = n_r + u
    if len(disclosed_messages) != n_r:
        raise InvalidParameter("one disclosed message per disclosed index is needed")
    _check_scalars(disclosed_messages, "disclosed messages")
    _validate_indexes(disclosed_indexes, n, strict_order=True)
    _check_generators(generators, n)
    disclosed = set(disclosed_indexes)
    undisclosed = [j for j in range(n) if j not in disclosed]
    h = generators[1:]
    domain = calculate_domain(pk, generators[0], h, header, api_id, cs=c, backend=backend)
    ch = proof.challenge
    t1 = backend.g1_msm([proof.Bbar, proof.Abar, proof.D], [ch, proof.e_hat, proof.r1_hat])
    # T2 = Bv * c + D * r3^ + sum H_j * m^_j with Bv = P1 + Q_1 * domain + sum H_i * msg_i, folded into one MSM.
    t2 = backend.g1_msm(
        [
            p1(c, backend=backend),
            generators[0],
            *(h[i] for i in disclosed_indexes),
            proof.D,
            *(h[j] for j in undisclosed),
        ],
        [ch, domain * ch % R, *(m * ch % R for m in disclosed_messages), proof.r3_hat, *proof.commitments],
    )
    return InitResult(proof.Abar, proof.Bbar, proof.D, t1, t2, domain)


def proof_pairing_check(w: G2, abar: G1, bbar: G1, *, backend: Backend) -> bool:
    """CoreProofVerify step 6: ``h(Abar, W) * h(Bbar, -BP2) == Identity_GT`` (one multi-pairing)."""
    return backend.pairing_check([(abar, w), (bbar, backend.g2_neg(backend.g2_generator()))])


def _validate_indexes(indexes: Sequence[int], n: int, *, strict_order: bool) -> None:
    prev = -1
    seen: set[int] = set()
    for i in indexes:
        if not isinstance(i, int) or isinstance(i, bool):
            raise InvalidIndexes("message indexes must be integers")
        if not 0 <= i < n:
            raise InvalidIndexes(f"message index {i} is outside [0, {n - 1}]")
        if i in seen:
            raise InvalidIndexes(f"message index {i} is repeated")
        if strict_order and i < prev:
            raise InvalidIndexes("disclosed indexes must be in ascending order")
        seen.add(i)
        prev = i


# -- 3.6.3 CoreProofGen -----------------------------------------------------------------------------------------------
def core_proof_gen(
    pk: bytes,
    signature: bytes,
    generators: Sequence[G1],
    header: bytes,
    ph: bytes,
    messages: Sequence[int],
    disclosed_indexes: Sequence[int],
    api_id: bytes,
    *,
    cs: CiphersuiteLike,
    backend: Backend,
    rng: RandomBytes | None = None,
    random_scalars: RandomScalars | None = None,
) -> bytes:
    """CoreProofGen. ``random_scalars(count)`` replaces calculate_random_scalars (fixtures use the mocked one)."""
    c = get_ciphersuite(cs)
    sig = octets_to_signature(signature, backend)
    n = len(messages)
    _validate_indexes(disclosed_indexes, n, strict_order=True)
    disclosed = set(disclosed_indexes)
    undisclosed = [j for j in range(n) if j not in disclosed]
    u = len(undisclosed)
    scalars = list(random_scalars(5 + u)) if random_scalars is not None else calculate_random_scalars(5 + u, rng)
    init_res = proof_init(pk, sig, generators, scalars, header, messages, undisclosed, api_id, cs=c, backend=backend)
    challenge = proof_challenge_calculate(
        init_res, [messages[i] for i in disclosed_indexes], disclosed_indexes, ph, api_id, cs=c, backend=backend
    )
    return proof_finalize(init_res, challenge, sig.e, scalars, [messages[j] for j in undisclosed], backend=backend)


# -- 3.6.4 CoreProofVerify --------------------------------------------------------------------------------------------
def core_proof_verify(
    pk: bytes,
    proof: bytes,
    generators: Sequence[G1],
    header: bytes,
    ph: bytes,
    disclosed_messages: Sequence[int],
    disclosed_indexes: Sequence[int],
    api_id: bytes,
    *,
    cs: CiphersuiteLike,
    backend: Backend,
) -> None:
    """CoreProofVerify; raises InvalidProof (or InvalidPublicKey / InvalidIndexes)."""
    c = get_ciphersuite(cs)
    pr = octets_to_proof(proof, backend)
    w = octets_to_pubkey(pk, backend)
    init_res = proof_verify_init(
        pk, pr, generators, header, disclosed_messages, disclosed_indexes, api_id, cs=c, backend=backend
    )
    challenge = proof_challenge_calculate(
        init_res, disclosed_messages, disclosed_indexes, ph, api_id, cs=c, backend=backend
    )
    if challenge != pr.challenge:
        raise InvalidProof("BBS proof challenge does not match (messages, header or presentation header differ)")
    if not proof_pairing_check(w, pr.Abar, pr.Bbar, backend=backend):
        raise InvalidProof("BBS proof pairing check failed (not derived from a signature under this key)")


# Draft spellings, for readers holding the specification.
CoreSign = core_sign
CoreVerify = core_verify
CoreProofGen = core_proof_gen
CoreProofVerify = core_proof_verify
ProofInit = proof_init
ProofChallengeCalculate = proof_challenge_calculate
ProofFinalize = proof_finalize
ProofVerifyInit = proof_verify_init
