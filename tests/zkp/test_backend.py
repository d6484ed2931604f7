"""BLS12-381 backends: every implementation behind zkp.backend agrees with RFC 9380 and with each other, and
decoding rejects bad encodings with typed errors."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkp.backend import AUTO_ORDER, Backend, available_backends, get_backend
from zkp.backend.hash_to_field import (
    P,
    R,
    expand_message_xmd_sha256,
    expand_message_xof_shake256,
    hash_to_field_fp,
)
from zkp.errors import BackendUnavailable, InvalidPoint, ZkpError

BACKENDS = available_backends()
NATIVE = [n for n in BACKENDS if get_backend(n).native]


@pytest.fixture(params=BACKENDS)
def be(request: pytest.FixtureRequest) -> Backend:
    return get_backend(request.param)


def test_all_backends_installed() -> None:
    assert BACKENDS == list(AUTO_ORDER) == ["hybrid", "arkworks", "blst", "pyecc"]


# RFC 9380 appendix K.1 (expand_message_xmd, SHA-256) and K.6 (expand_message_xof, SHAKE256), msg = "", 32 bytes.
def test_expand_message_rfc9380_vectors() -> None:
    assert (
        expand_message_xmd_sha256(b"", b"QUUX-V01-CS02-with-expander-SHA256-128", 0x20).hex()
        == "68a985b87eb6b46952128911f2a4412bbc302a9d759667f87f7a21d803f07235"
    )
    assert (
        expand_message_xof_shake256(b"", b"QUUX-V01-CS02-with-expander-SHAKE256", 0x20).hex()
        == "2ffc05c48ed32b95d72e807f6eab9f7530dd1c2f013914c8fed38c5ccc15ad76"
    )


def test_expand_message_long_dst_and_lengths() -> None:
    long_dst = b"D" * 300
    # Section 5.3.3: an oversize DST is replaced by H("H2C-OVERSIZE-DST-" || DST).
    short = hashlib.sha256(b"H2C-OVERSIZE-DST-" + long_dst).digest()
    assert expand_message_xmd_sha256(b"m", long_dst, 48) == expand_message_xmd_sha256(b"m", short, 48)
    short_x = hashlib.shake_256(b"H2C-OVERSIZE-DST-" + long_dst).digest(64)
    assert expand_message_xof_shake256(b"m", long_dst, 48) == expand_message_xof_shake256(b"m", short_x, 48)
    with pytest.raises(ZkpError):
        expand_message_xmd_sha256(b"m", b"dst", 255 * 32 + 1)
    with pytest.raises(ZkpError):
        expand_message_xof_shake256(b"m", b"dst", 70000)
    assert len(expand_message_xmd_sha256(b"m", b"dst", 255 * 32)) == 255 * 32
    assert all(0 <= u < P for u in hash_to_field_fp(b"x", 5, b"dst", expand_message_xmd_sha256))


# RFC 9380 appendix J.9.1, BLS12381G1_XMD:SHA-256_SSWU_RO_ (x coordinate, compressed with the sign flag).
RFC9380_G1 = {
    b"": "852926add2207b76ca4fa57a8734416c8dc95e24501772c814278700eed6d1e4e8cf62d9c09db0fac349612b759e79a1",
    b"abc": "83567bc5ef9c690c2ab2ecdf6a96ef1c139cc0b2f284dca0a9a7943388a49a3aee664ba5379a7655d3c68900be2f6903",
    b"abcdef0123456789": (
        "91e0b079dea29a68f0383ee94fed1b940995272407e3bb916bbf268c263ddd57a6a27200a784cbc248e84f357ce82d98"
    ),
}


def test_hash_to_g1_rfc9380(be: Backend) -> None:
    dst = b"QUUX-V01-CS02-with-BLS12381G1_XMD:SHA-256_SSWU_RO_"
    for msg, want in RFC9380_G1.items():
        assert be.g1_to_bytes(be.hash_to_g1(msg, dst, expand_message_xmd_sha256)).hex() == want
        # The generic route (hash_to_field + map_to_curve, as SHAKE-256 uses) gives the same point.
        assert be.g1_to_bytes(Backend.hash_to_g1(be, msg, dst, expand_message_xmd_sha256)).hex() == want


def test_hash_to_g1_shake_agrees_across_backends() -> None:
    dst = b"BBS_BLS12381G1_XOF:SHAKE-256_SSWU_RO_H2G_HM2S_SIG_GENERATOR_DST_"
    outs = {
        n: get_backend(n).g1_to_bytes(get_backend(n).hash_to_g1(b"abc", dst, expand_message_xof_shake256))
        for n in BACKENDS
    }
    assert len(set(outs.values())) == 1, outs


def test_generators_and_identity(be: Backend) -> None:
    g1, g2 = be.g1_generator(), be.g2_generator()
    assert be.g1_to_bytes(g1).hex().startswith("97f1d3a73197d794")
    assert be.g2_to_bytes(g2).hex().startswith("93e02b6052719f60")
    assert be.g1_to_bytes(be.g1_identity()) == bytes([0xC0]) + bytes(47)
    assert be.g2_to_bytes(be.g2_identity()) == bytes([0xC0]) + bytes(95)
    assert be.g1_is_identity(be.g1_mul(g1, R))
    assert be.g2_is_identity(be.g2_mul(g2, R))
    assert be.g1_is_identity(be.g1_add(g1, be.g1_neg(g1)))
    assert be.g1_eq(be.g1_sub(be.g1_mul(g1, 5), be.g1_mul(g1, 3)), be.g1_mul(g1, 2))
    assert be.g2_eq(be.g2_add(be.g2_mul(g2, 5), be.g2_neg(be.g2_mul(g2, 3))), be.g2_mul(g2, 2))
    assert be.g1_is_identity(be.g1_from_bytes(bytes([0xC0]) + bytes(47)))
    with pytest.raises(InvalidPoint) as ei:
        be.g1_from_bytes(bytes([0xC0]) + bytes(47), allow_identity=False)
    assert ei.value.code == "identityPoint"
    with pytest.raises(InvalidPoint):
        be.g2_from_bytes(bytes([0xC0]) + bytes(95), allow_identity=False)


def test_msm_matches_sum_of_products(be: Backend) -> None:
    g = be.g1_generator()
    pts = [be.g1_mul(g, k) for k in (3, 7, 11, 13)]
    ks = [R - 1, 2**200 + 5, 0, 17]
    want = be.g1_identity()
    for p_, k in zip(pts, ks, strict=True):
        want = be.g1_add(want, be.g1_mul(p_, k))
    assert be.g1_eq(be.g1_msm(pts, ks), want)
    assert be.g1_is_identity(be.g1_msm([], []))
    assert be.g1_eq(be.g1_msm(pts[:1], [R + 2]), be.g1_mul(pts[0], 2))  # scalars are reduced mod r
    with pytest.raises(ZkpError):
        be.g1_msm(pts, ks[:2])


def test_large_msm_and_pinned_points(be: Backend) -> None:
    """Sizes above the hybrid backend's variable-base threshold (it hands those to arkworks), with pinned and identity
    inputs."""
    g = be.g1_generator()
    pts = [be.g1_mul(g, 3 * i + 1) for i in range(30)]
    be.pin_g1(pts[0])
    pts[5] = be.g1_identity()
    ks = [(7**i) % R for i in range(30)]
    want = be.g1_identity()
    for p_, k in zip(pts, ks, strict=True):
        want = be.g1_add(want, be.g1_mul(p_, k))
    assert be.g1_eq(be.g1_msm(pts, ks), want)
    assert be.g1_encode(pts[0]) == be.g1_to_bytes(pts[0])
    assert be.g1_encode(pts[1]) == be.g1_to_bytes(pts[1])


def test_pairing_check_bilinear(be: Backend) -> None:
    g1, g2 = be.g1_generator(), be.g2_generator()
    a, b = 0x1234567, 0x7654321
    ok = [(be.g1_mul(g1, a), be.g2_mul(g2, b)), (be.g1_neg(be.g1_mul(g1, a * b)), g2)]
    assert be.pairing_check(ok)
    bad = [(be.g1_mul(g1, a), be.g2_mul(g2, b)), (be.g1_neg(be.g1_mul(g1, a * b + 1)), g2)]
    assert not be.pairing_check(bad)
    assert be.pairing_check([])
    assert be.pairing_check([(be.g1_identity(), g2)])


def _non_subgroup_g1_bytes() -> bytes:
    # The first x with x^3 + 4 a square gives a point of E1; E1 has cofactor h != 1 so it is outside G1 (checked).
    x = 1
    while True:
        x += 1
        if pow((x**3 + 4) % P, (P - 1) // 2, P) == 1:
            break
    enc = bytearray(x.to_bytes(48, "big"))
    enc[0] |= 0x80
    return bytes(enc)


def _off_curve_g1_bytes() -> bytes:
    x = 1
    while True:
        x += 1
        if pow((x**3 + 4) % P, (P - 1) // 2, P) != 1:
            break
    enc = bytearray(x.to_bytes(48, "big"))
    enc[0] |= 0x80
    return bytes(enc)


def _non_subgroup_g2_bytes() -> bytes:
    # x = k + 1*i for the first k where x^3 + 4(1 + i) has a square root in GF(p^2): a point of E2 outside G2.
    from py_ecc.bls.point_compression import modular_squareroot_in_FQ2
    from py_ecc.fields import optimized_bls12_381_FQ2 as FQ2
    from py_ecc.optimized_bls12_381 import b2, is_inf, multiply

    k = 0
    while True:
        k += 1
        x = FQ2([k, 1])
        y = modular_squareroot_in_FQ2(x**3 + b2)
        if y is not None and not is_inf(multiply((x, y, FQ2.one()), R)):
            break
    enc = bytearray((1).to_bytes(48, "big") + k.to_bytes(48, "big"))  # x_1 || x_0, then the compression flag
    enc[0] |= 0x80
    return bytes(enc)


def test_decoding_rejects_bad_points(be: Backend) -> None:
    g = be.g1_to_bytes(be.g1_generator())
    with pytest.raises(InvalidPoint) as ei:
        be.g1_from_bytes(g[:47])
    assert ei.value.code == "invalidPointLength"
    with pytest.raises(InvalidPoint):
        be.g1_from_bytes(g + b"\0")
    with pytest.raises(InvalidPoint):
        be.g1_from_bytes(bytes([g[0] & 0x7F]) + g[1:])  # uncompressed flag on a 48-byte string
    for flags in (0x20, 0x60, 0xE0):
        with pytest.raises(InvalidPoint):
            be.g1_from_bytes(bytes([(g[0] & 0x1F) | flags]) + g[1:])
    with pytest.raises(InvalidPoint):
        be.g1_from_bytes(bytes([0xC0]) + bytes(46) + b"\x01")  # infinity flag with a non-zero body
    big_x = bytearray(P.to_bytes(48, "big"))
    big_x[0] |= 0x80
    with pytest.raises(InvalidPoint):
        be.g1_from_bytes(bytes(big_x))  # x = p is not a canonical field element
    with pytest.raises(InvalidPoint):
        be.g1_from_bytes(_off_curve_g1_bytes())
    with pytest.raises(InvalidPoint) as ei:
        be.g1_from_bytes(_non_subgroup_g1_bytes())
    assert ei.value.code == "pointNotInSubgroup"
    g2 = be.g2_to_bytes(be.g2_generator())
    with pytest.raises(InvalidPoint):
        be.g2_from_bytes(g2[:95])
    with pytest.raises(InvalidPoint):
        be.g2_from_bytes(g)


def test_decoding_rejects_g2_outside_subgroup(be: Backend) -> None:
    with pytest.raises(InvalidPoint) as ei:
        be.g2_from_bytes(_non_subgroup_g2_bytes())
    assert ei.value.code == "pointNotInSubgroup"


def test_points_round_trip_and_agree_across_backends() -> None:
    for k in (1, 2, 0xDEADBEEF, R - 1):
        outs1 = {
            n: get_backend(n).g1_to_bytes(get_backend(n).g1_mul(get_backend(n).g1_generator(), k)) for n in BACKENDS
        }
        outs2 = {
            n: get_backend(n).g2_to_bytes(get_backend(n).g2_mul(get_backend(n).g2_generator(), k)) for n in BACKENDS
        }
        assert len(set(outs1.values())) == 1 and len(set(outs2.values())) == 1
        for n in BACKENDS:
            be = get_backend(n)
            assert be.g1_to_bytes(be.g1_from_bytes(outs1[n])) == outs1[n]
            assert be.g2_to_bytes(be.g2_from_bytes(outs2[n])) == outs2[n]


_EDGE_SCALARS = st.sampled_from(
    [0, 1, 2**64 - 1, 2**64, 2**128 + 1, 2**192 - 1, 2**192, R - 1, R, R + 1, 2**256 - 1, -1]
)


@pytest.mark.parametrize("name", NATIVE)
@settings(max_examples=20, deadline=None)
@given(
    ks=st.lists(st.integers(min_value=0, max_value=2**256 - 1) | _EDGE_SCALARS, min_size=12, max_size=12),
    n_pinned=st.integers(min_value=0, max_value=12),
)
def test_fixed_base_msm_matches_sum_of_products(name: str, ks: list[int], n_pinned: int) -> None:
    """MSMs over pinned points (arkworks/hybrid: 64-bit split fixed-base MSM) mixed with unpinned ones, with
    scalars at every 64-bit limb boundary, >= r and negative, equal the sum of single multiplications."""
    be = get_backend(name)
    g = be.g1_generator()
    pts = [be.g1_mul(g, 0xC0FFEE + 977 * i) for i in range(12)]
    for p_ in pts[:n_pinned]:
        be.pin_g1(p_)
    want = be.g1_identity()
    for p_, k in zip(pts, ks, strict=True):
        want = be.g1_add(want, be.g1_mul(p_, k))
    order = list(range(0, 12, 2)) + list(range(1, 12, 2))  # pinned and unpinned points interleaved
    assert be.g1_eq(be.g1_msm([pts[i] for i in order], [ks[i] for i in order]), want)


@pytest.mark.parametrize("name", NATIVE)
@settings(max_examples=25, deadline=None)
@given(k=st.integers(min_value=1, max_value=R - 1), j=st.integers(min_value=1, max_value=R - 1))
def test_native_round_trip_and_homomorphism(name: str, k: int, j: int) -> None:
    be = get_backend(name)
    g = be.g1_generator()
    p_ = be.g1_mul(g, k)
    assert be.g1_eq(be.g1_from_bytes(be.g1_to_bytes(p_)), p_)
    assert be.g1_eq(be.g1_add(p_, be.g1_mul(g, j)), be.g1_mul(g, (k + j) % R))
    assert be.g1_eq(be.g1_msm([g, p_], [j, 1]), be.g1_mul(g, (k + j) % R))


def test_get_backend_selection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IIOTID_BLS_BACKEND", raising=False)
    assert get_backend().name == AUTO_ORDER[0]
    monkeypatch.setenv("IIOTID_BLS_BACKEND", "pyecc")
    assert get_backend().name == "pyecc"
    monkeypatch.setenv("IIOTID_BLS_BACKEND", "BLST")
    assert get_backend().name == "blst"
    assert get_backend("arkworks").name == "arkworks"  # an explicit name wins over the environment
    with pytest.raises(BackendUnavailable) as ei:
        get_backend("gmp")
    assert ei.value.code == "backendUnavailable"


@settings(max_examples=10, deadline=None)
@given(msg=st.binary(max_size=64), dst=st.binary(min_size=1, max_size=300))
def test_property_hash_to_g1_agrees_across_native_backends(msg: bytes, dst: bytes) -> None:
    for expand in (expand_message_xmd_sha256, expand_message_xof_shake256):
        outs = {n: get_backend(n).g1_to_bytes(get_backend(n).hash_to_g1(msg, dst, expand)) for n in NATIVE}
        assert len(set(outs.values())) == 1, outs
        be = get_backend(NATIVE[0])
        assert not be.g1_is_identity(be.g1_from_bytes(next(iter(outs.values()))))  # decodes: in G1
