"""Property tests for did.keys: multibase <-> key <-> JWK round trips for every type; arbitrary bytes and JSON give
only typed errors."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from did.errors import IiotidError, InvalidSignature
from did.keys import KeyType, PrivateKey, PublicKey, b64url_encode, multibase_encode

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ORDERS = {
    KeyType.BLS12381_G2: 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001,
    KeyType.P256: 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    KeyType.SECP256K1: 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
}


@st.composite
def private_keys(draw: st.DrawFn, types: list[KeyType] | None = None) -> PrivateKey:
    kt = draw(st.sampled_from(types or list(KeyType)))
    if kt in ORDERS:
        scalar = draw(st.integers(min_value=1, max_value=ORDERS[kt] - 1))
        return PrivateKey.from_raw(kt, scalar.to_bytes(32, "big"))
    return PrivateKey.from_raw(kt, draw(st.binary(min_size=32, max_size=32)))


@SETTINGS
@given(private_keys())
def test_every_encoding_round_trips(sk: PrivateKey) -> None:
    pk = sk.public_key
    mb = pk.to_multibase()
    assert mb.startswith("z")
    assert PublicKey.from_multibase(mb) == pk
    assert PublicKey.from_jwk(pk.to_jwk()) == pk
    assert PublicKey.from_jwk(json.loads(json.dumps(pk.to_jwk()))) == pk
    assert PrivateKey.from_secret_multibase(sk.secret_multibase(), public_multibase=mb) == sk
    assert PrivateKey.from_jwk(sk.to_jwk()) == sk
    assert PublicKey.from_raw(pk.key_type, pk.raw) == pk
    # multibase -> JWK -> multibase
    assert PublicKey.from_jwk(PublicKey.from_multibase(mb).to_jwk()).to_multibase() == mb
    assert len(pk.jwk_thumbprint()) == 43


@SETTINGS
@given(private_keys([KeyType.ED25519, KeyType.P256, KeyType.SECP256K1]), st.binary(max_size=256), st.binary())
def test_signatures_verify_and_any_other_message_fails(sk: PrivateKey, msg: bytes, other: bytes) -> None:
    sig = sk.sign(msg)
    sk.public_key.verify(msg, sig)
    if other != msg:
        try:
            sk.public_key.verify(other, sig)
        except InvalidSignature:
            pass
        else:
            raise AssertionError("signature verified for a different message")


@SETTINGS
@given(st.sampled_from(list(KeyType)), st.binary(max_size=200))
def test_arbitrary_raw_bytes_give_typed_errors(kt: KeyType, data: bytes) -> None:
    for fn in (lambda: PublicKey.from_raw(kt, data), lambda: PrivateKey.from_raw(kt, data)):
        try:
            fn()
        except IiotidError:
            pass


@SETTINGS
@given(st.binary(max_size=120))
def test_arbitrary_multibase_payloads_give_typed_errors(data: bytes) -> None:
    text = multibase_encode(data) if data else "z"
    for fn in (lambda: PublicKey.from_multibase(text), lambda: PrivateKey.from_secret_multibase(text)):
        try:
            fn()
        except IiotidError:
            pass


@SETTINGS
@given(st.text(max_size=80))
def test_arbitrary_strings_as_multibase_give_typed_errors(text: str) -> None:
    try:
        PublicKey.from_multibase(text)
    except IiotidError:
        pass


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=10,
)


@SETTINGS
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "kty": st.sampled_from(["OKP", "EC", "RSA", 1]),
            "crv": st.sampled_from(["Ed25519", "X25519", "P-256", "secp256k1", "Bls12381G2", "P-384", None]),
            "x": st.binary(max_size=100).map(b64url_encode) | json_values,
            "y": st.binary(max_size=40).map(b64url_encode) | json_values,
            "d": st.binary(max_size=40).map(b64url_encode) | json_values,
        },
    )
)
def test_arbitrary_jwks_give_typed_errors(jwk: dict[str, object]) -> None:
    for fn in (lambda: PublicKey.from_jwk(jwk), lambda: PrivateKey.from_jwk(jwk)):
        try:
            fn()
        except IiotidError:
            pass
