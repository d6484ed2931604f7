"""Range proofs on a Pedersen-committed, BBS-linked integer by binary decomposition with CDS bit proofs.

Statement (``x`` the hidden attribute, ``C = g*x + h*r`` its commitment):

* ``ge a``   : ``x - a = sum_i b_i 2^i`` with every ``b_i`` in {0, 1}, so ``a <= x < a + 2^n``;
* ``le b``   : ``b - x = sum_i b_i 2^i``, so ``b - 2^n < x <= b``;
* ``range``  : both decompositions, so ``a <= x <= b``.

The prover commits to each bit, ``C_i = g*b_i + h*r_i``, choosing the ``r_i`` so that ``sum 2^i C_i`` equals
``C - g*a`` (resp. ``g*b - C``) exactly; the verifier therefore *derives* ``C`` from the bit commitments (Horner's
rule, point additions only) and the linear relation needs no proof of its own.  Each bit carries a CDS 1-of-2 proof
(:mod:`zkp.schnorr.sigma`) that ``C_i`` or ``C_i - g`` is a multiple of ``h``.  The opening of ``C`` is proven with
``T_C = g*m~ + h*r~`` and responses ``(m^, r^)`` where ``m~``/``m^`` are the BBS proof's blinding/response for the
same hidden message, so the committed value *is* the signed attribute.  All commitments go into the BBS challenge.

Soundness: an accepting proof with two challenges yields openings of every ``C_i`` to a bit and of ``C`` (special
soundness), and the relation ``C = g*a + sum 2^i C_i`` then fixes ``x - a`` as the bit sum unless log_g(h) is known
(discrete logarithm in G1); Fiat-Shamir in the random-oracle model.  Integers are scalars mod r; bounds are limited to
``|a|, |b| < 2^128`` and ``n <= 64`` so ``a + 2^n`` never wraps modulo r (~2^255).

Size per decomposition of n bits: n * (48 + 3*32) bytes, plus one 32-byte ``r^`` per predicate:
16-bit bound 2336 B, 32-bit bound 4640 B, 16-bit interval 4640 B.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkp.backend import G1, Backend
from zkp.backend.hash_to_field import R
from zkp.errors import InvalidParameter, InvalidProof
from zkp.schnorr.pedersen import PedersenParams
from zkp.schnorr.sigma import DLogStatement, OrState, or_commit, or_recompute, or_respond, respond
from zkp.schnorr.transcript import RandomBytes, random_scalar

MAX_BITS = 64
MAX_BOUND = 1 << 128
POINT = 48
SCALAR = 32


class RangeError(InvalidParameter):
    """The prover's value does not satisfy the range predicate (it refuses to prove a false statement)."""

    code = "predicateNotSatisfied"


def check_bounds(op: str, lower: int | None, upper: int | None, bits: int) -> None:
    """Validate a range predicate's public parameters (raises InvalidParameter)."""
    if not isinstance(bits, int) or isinstance(bits, bool) or not 1 <= bits <= MAX_BITS:
        raise InvalidParameter(f"range bits must be an integer in [1, {MAX_BITS}]")
    need = {"ge": (True, False), "le": (False, True), "range": (True, True)}.get(op)
    if need is None:
        raise InvalidParameter(f"unknown range operator {op!r}")
    for present, value, name in ((need[0], lower, "lower"), (need[1], upper, "upper")):
        if present:
            if not isinstance(value, int) or isinstance(value, bool) or not -MAX_BOUND < value < MAX_BOUND:
                raise InvalidParameter(f"range {name} bound must be an integer with |bound| < 2^128")
        elif value is not None:
            raise InvalidParameter(f"a {op!r} predicate takes no {name} bound")
    if op == "range" and lower is not None and upper is not None and upper < lower:
        raise InvalidParameter("range upper bound is below the lower bound")


def n_decompositions(op: str) -> int:
    return 2 if op == "range" else 1


def proof_size(op: str, bits: int) -> int:
    return n_decompositions(op) * bits * (POINT + 3 * SCALAR) + SCALAR


def _to_int(x: int) -> int:
    """A scalar back to the signed integer it encodes (values above r/2 are negative)."""
    x %= R
    return x - R if x > R // 2 else x


@dataclass(frozen=True)
class Decomposition:
    commitments: tuple[G1, ...]
    challenges: tuple[int, ...]  # c_0 of each bit's OR proof (c_1 = c - c_0)
    responses0: tuple[int, ...]
    responses1: tuple[int, ...]


@dataclass(frozen=True)
class RangeProof:
    decompositions: tuple[Decomposition, ...]
    r_hat: int


@dataclass(frozen=True)
class RangeProverState:
    bit_states: tuple[tuple[OrState, ...], ...]
    commitments: tuple[tuple[G1, ...], ...]
    r: int
    r_tilde: int


def _bit_statements(params: PedersenParams, ci: G1) -> list[DLogStatement]:
    be = params.backend
    return [DLogStatement((params.h,), (ci,)), DLogStatement((params.h,), (be.g1_sub(ci, params.g),))]


def _weighted_sum(points: Sequence[G1], be: Backend) -> G1:
    """``sum 2^i P_i`` by Horner's rule (doublings and additions, far cheaper than an MSM)."""
    acc = points[-1]
    for p in reversed(points[:-1]):
        acc = be.g1_add(be.g1_add(acc, acc), p)
    return acc


def _commit_bits(
    params: PedersenParams, value: int, bits: int, randomness: Sequence[int], rng: RandomBytes
) -> tuple[list[G1], list[OrState], list[G1]]:
    be = params.backend
    commitments: list[G1] = []
    states: list[OrState] = []
    points: list[G1] = []
    for i in range(bits):
        b = (value >> i) & 1
        ci = params.commit_bit(b, randomness[i])
        commitments.append(ci)
        pts, st = or_commit(_bit_statements(params, ci), b, randomness[i], backend=be, rng=rng)
        states.append(st)
        points.extend(pts)
    return commitments, states, points


def range_commit(
    params: PedersenParams,
    op: str,
    lower: int | None,
    upper: int | None,
    bits: int,
    value: int,
    m_tilde: int,
    rng: RandomBytes,
) -> tuple[list[G1], RangeProverState]:
    """Commit phase. ``value`` is the signed scalar; ``m_tilde`` the BBS blinding of that message.

    Returns the points to hash into the (BBS) challenge: ``T_C`` then, per decomposition, the bit commitments and
    the 2n OR-branch commitments."""
    check_bounds(op, lower, upper, bits)
    x = _to_int(value)
    span = 1 << bits
    if (lower is not None and not 0 <= x - lower < span) or (upper is not None and not 0 <= upper - x < span):
        raise RangeError(f"the attribute value does not satisfy the {op} predicate with {bits} bits; refusing to prove")
    weight_inv_top = pow(1 << (bits - 1), R - 2, R)
    all_points: list[G1] = []
    commitments: list[tuple[G1, ...]] = []
    states: list[tuple[OrState, ...]] = []
    r = 0
    first = True
    for kind in ("lo",) if op == "ge" else ("hi",) if op == "le" else ("lo", "hi"):
        rand = [random_scalar(rng) for _ in range(bits)]
        v = x - lower if kind == "lo" else upper - x  # type: ignore[operator]
        if not first:  # second decomposition of an interval: sum 2^i r'_i must equal -r
            partial = sum(rand[i] << i for i in range(bits - 1))
            rand[-1] = (-r - partial) * weight_inv_top % R
        s = sum(rand[i] << i for i in range(bits)) % R
        if first:
            r = s if kind == "lo" else (-s) % R
        cs, st, pts = _commit_bits(params, v, bits, rand, rng)
        commitments.append(tuple(cs))
        states.append(tuple(st))
        all_points.extend(cs)
        all_points.extend(pts)
        first = False
    r_tilde = random_scalar(rng)
    t_c = params.commit(m_tilde, r_tilde)
    return [t_c, *all_points], RangeProverState(tuple(states), tuple(commitments), r, r_tilde)


def range_respond(state: RangeProverState, challenge: int) -> RangeProof:
    decs = []
    for cs, sts in zip(state.commitments, state.bit_states, strict=True):
        c0s, z0s, z1s = [], [], []
        for st in sts:
            chal, zs = or_respond(st, challenge)
            c0s.append(chal[0])
            z0s.append(zs[0])
            z1s.append(zs[1])
        decs.append(Decomposition(cs, tuple(c0s), tuple(z0s), tuple(z1s)))
    return RangeProof(tuple(decs), respond(state.r_tilde, challenge, state.r))


def range_recompute(
    params: PedersenParams,
    op: str,
    lower: int | None,
    upper: int | None,
    bits: int,
    proof: RangeProof,
    challenge: int,
    m_hat: int,
) -> list[G1]:
    """Verifier: the points the prover must have hashed (compare via the challenge); raises InvalidProof on a
    structural mismatch or a broken linear relation."""
    check_bounds(op, lower, upper, bits)
    be = params.backend
    if len(proof.decompositions) != n_decompositions(op):
        raise InvalidProof("range proof has the wrong number of decompositions")
    points: list[G1] = []
    c_point: G1 | None = None
    for k, dec in enumerate(proof.decompositions):
        if not len(dec.commitments) == len(dec.challenges) == len(dec.responses0) == len(dec.responses1) == bits:
            raise InvalidProof("range proof has the wrong number of bit proofs")
        total = _weighted_sum(dec.commitments, be)
        is_lo = op == "ge" or (op == "range" and k == 0)
        if is_lo:
            derived = be.g1_add(be.g1_mul(params.g, lower % R), total)  # type: ignore[operator]
        else:
            derived = be.g1_sub(be.g1_mul(params.g, upper % R), total)  # type: ignore[operator]
        if c_point is None:
            c_point = derived
        elif not be.g1_eq(c_point, derived):
            raise InvalidProof("range proof decompositions do not commit to the same value")
        points.extend(dec.commitments)
        for ci, c0, z0, z1 in zip(dec.commitments, dec.challenges, dec.responses0, dec.responses1, strict=True):
            points.extend(or_recompute(_bit_statements(params, ci), challenge, [c0], [z0, z1], backend=be))
    assert c_point is not None
    t_c = be.g1_sub(params.commit(m_hat, proof.r_hat), be.g1_mul(c_point, challenge))
    return [t_c, *points]


# -- encoding ---------------------------------------------------------------------------------------------------------
def range_proof_to_bytes(proof: RangeProof, backend: Backend) -> bytes:
    """Per decomposition ``C_0..C_(n-1) || c0_0.. || z0_0.. || z1_0..``, then ``r^`` (all scalars 32-byte BE)."""
    out = bytearray()
    for d in proof.decompositions:
        out += b"".join(backend.g1_to_bytes(p) for p in d.commitments)
        for seq in (d.challenges, d.responses0, d.responses1):
            out += b"".join(s.to_bytes(SCALAR, "big") for s in seq)
    out += proof.r_hat.to_bytes(SCALAR, "big")
    return bytes(out)


def read_scalar(data: bytes, offset: int) -> int:
    s = int.from_bytes(data[offset : offset + SCALAR], "big")
    if s >= R:
        raise InvalidProof("a proof scalar is not below the group order", code="malformedProof")
    return s


def read_point(data: bytes, offset: int, backend: Backend) -> G1:
    from zkp.errors import InvalidPoint

    try:
        return backend.g1_from_bytes(data[offset : offset + POINT], allow_identity=True)
    except InvalidPoint as exc:
        raise InvalidProof(f"a proof point does not decode: {exc}", code="malformedProof") from exc


def range_proof_from_bytes(data: bytes, op: str, bits: int, backend: Backend) -> RangeProof:
    check_bounds(op, 0 if op != "le" else None, 0 if op != "ge" else None, bits)
    if len(data) != proof_size(op, bits):
        raise InvalidProof(
            f"a {bits}-bit {op} range proof is {proof_size(op, bits)} bytes, got {len(data)}", code="malformedProof"
        )
    off = 0
    decs = []
    for _ in range(n_decompositions(op)):
        cs = tuple(read_point(data, off + i * POINT, backend) for i in range(bits))
        off += bits * POINT
        seqs = []
        for _ in range(3):
            seqs.append(tuple(read_scalar(data, off + i * SCALAR) for i in range(bits)))
            off += bits * SCALAR
        decs.append(Decomposition(cs, seqs[0], seqs[1], seqs[2]))
    return RangeProof(tuple(decs), read_scalar(data, off))
