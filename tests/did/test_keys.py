"""did.keys: published vectors (RFC 8032, RFC 7748, RFC 6979, RFC 8037, BBS KeyGen, did:key), encodings, errors."""

from __future__ import annotations

import base64
import hashlib
import json
import pickle

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from jwcrypto import jwk as jwcrypto_jwk

from did.errors import EncodingError, IiotidError, InvalidKey, InvalidSignature
from did.keys import KeyType, PrivateKey, PublicKey, b64url_decode, b64url_encode, multibase_encode
from tests.conftest import load_vector

ALL_TYPES = list(KeyType)
SIGNING_TYPES = [KeyType.ED25519, KeyType.P256, KeyType.SECP256K1]


def _seeded(seed: int):
    counter = [seed]

    def rng(n: int) -> bytes:
        counter[0] += 1
        return hashlib.sha512(counter[0].to_bytes(8, "big")).digest()[:n]

    return rng


def _key(kt: KeyType, seed: int = 1) -> PrivateKey:
    if kt is KeyType.BLS12381_G2:
        # BLS generation belongs to zkp.bbs; a fixed valid scalar is enough to test the encodings here.
        return PrivateKey.from_raw(kt, (seed + 12345).to_bytes(32, "big"))
    return PrivateKey.generate(kt, rng=_seeded(seed))


# --------------------------------------------------------------------------------------------------------------
# Published vectors


def test_rfc8032_test1_ed25519() -> None:
    # RFC 8032 section 7.1, TEST 1 (empty message).
    sk = PrivateKey.from_raw(
        KeyType.ED25519, bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    )
    assert sk.public_key.raw.hex() == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    sig = sk.sign(b"")
    assert sig.hex() == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f"
        "0595bbe24655141438e7a100b"
    )
    sk.public_key.verify(b"", sig)


def test_rfc8037_appendix_a_jwk_thumbprint_and_jws() -> None:
    # RFC 8037 A.1 (private key), A.2 (public key), A.3 (thumbprint), A.4 (Ed25519 JWS signature).
    private_jwk = {
        "kty": "OKP",
        "crv": "Ed25519",
        "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
        "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
    }
    sk = PrivateKey.from_jwk(private_jwk)
    assert sk.public_key.to_jwk() == {"kty": "OKP", "crv": "Ed25519", "x": private_jwk["x"]}
    assert sk.public_key.jwk_thumbprint() == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    signing_input = b"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
    sig = sk.sign(signing_input)
    assert b64url_encode(sig) == (
        "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
    )
    sk.public_key.verify(signing_input, sig)


def test_rfc7748_x25519_key_agreement() -> None:
    # RFC 7748 section 6.1.
    alice = PrivateKey.from_raw(
        KeyType.X25519, bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    )
    bob = PrivateKey.from_raw(
        KeyType.X25519, bytes.fromhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
    )
    assert alice.public_key.raw.hex() == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
    assert bob.public_key.raw.hex() == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
    shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
    assert alice.exchange(bob.public_key).hex() == shared
    assert bob.exchange(alice.public_key).hex() == shared


def test_rfc6979_p256_sha256_deterministic_signature() -> None:
    # RFC 6979 appendix A.2.5, P-256 with SHA-256, message "sample".
    sk = PrivateKey.from_raw(
        KeyType.P256, bytes.fromhex("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721")
    )
    assert sk.public_key.uncompressed().hex().upper() == (
        "04" "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"
        "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299"
    )
    sig = sk.sign(b"sample")
    assert sig.hex().upper() == (
        "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
        "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"
    )
    sk.public_key.verify(b"sample", sig)


def test_bbs_keygen_vector_public_key_from_secret() -> None:
    # draft-irtf-cfrg-bbs-signatures fixture keypair.json: SkToPk(SK) = SK * P2, compressed G2.
    for suite in ("bls12-381-sha-256", "bls12-381-shake-256"):
        v = load_vector(f"bbs/{suite}/keypair.json")["keyPair"]
        sk = PrivateKey.from_raw(KeyType.BLS12381_G2, bytes.fromhex(v["secretKey"]))
        assert sk.public_key.raw.hex() == v["publicKey"]
        assert PublicKey.from_raw(KeyType.BLS12381_G2, bytes.fromhex(v["publicKey"])) == sk.public_key
        again = PrivateKey.from_secret_multibase(sk.secret_multibase(), public_multibase=sk.public_key.to_multibase())
        assert again == sk


def test_multikey_prefixes_match_the_registry() -> None:
    # Controlled Identifiers 1.0 section 2.2.2 / multicodec table: the well-known leading characters.
    expected = {
        KeyType.ED25519: ("z6Mk", "z3u2"),
        KeyType.P256: ("zDna", "z42t"),
        KeyType.SECP256K1: ("zQ3s", "z3vL"),
        KeyType.X25519: ("z6LS", "z3we"),
        KeyType.BLS12381_G2: ("zUC7", "z488"),
    }
    for kt, (pub_prefix, sec_prefix) in expected.items():
        sk = _key(kt)
        assert sk.public_key.to_multibase().startswith(pub_prefix), kt
        assert sk.secret_multibase().startswith(sec_prefix), kt


def test_multicodec_values() -> None:
    codes = {kt: _key(kt).public_key.multicodec for kt in ALL_TYPES}
    assert codes == {
        KeyType.ED25519: 0xED,
        KeyType.SECP256K1: 0xE7,
        KeyType.P256: 0x1200,
        KeyType.X25519: 0xEC,
        KeyType.BLS12381_G2: 0xEB,
    }
    priv = {kt: _key(kt).multicodec for kt in ALL_TYPES}
    assert priv == {
        KeyType.ED25519: 0x1300,
        KeyType.SECP256K1: 0x1301,
        KeyType.P256: 0x1306,
        KeyType.X25519: 0x1302,
        KeyType.BLS12381_G2: 0x130A,
    }


# --------------------------------------------------------------------------------------------------------------
# Behaviour per type


@pytest.mark.parametrize("kt", ALL_TYPES)
def test_round_trips(kt: KeyType) -> None:
    sk = _key(kt)
    pk = sk.public_key
    assert PublicKey.from_multibase(pk.to_multibase()) == pk
    assert PublicKey.from_jwk(pk.to_jwk()) == pk
    assert PublicKey.from_jwk(json.dumps(pk.to_jwk())) == pk
    assert PublicKey.from_raw(kt, pk.raw) == pk
    assert PrivateKey.from_secret_multibase(sk.secret_multibase()) == sk
    assert PrivateKey.from_jwk(sk.to_jwk()) == sk
    assert "d" not in sk.to_jwk(include_private=False)
    assert PrivateKey.from_raw(kt, sk.raw).public_key == pk


@pytest.mark.parametrize("kt", SIGNING_TYPES)
def test_sign_verify_and_rejections(kt: KeyType) -> None:
    sk = _key(kt)
    sig = sk.sign(b"message")
    assert len(sig) == 64
    sk.public_key.verify(b"message", sig)
    with pytest.raises(InvalidSignature):
        sk.public_key.verify(b"messagE", sig)
    with pytest.raises(InvalidSignature):
        sk.public_key.verify(b"message", sig[:-1] + bytes([sig[-1] ^ 1]))
    with pytest.raises(InvalidSignature):
        sk.public_key.verify(b"message", sig[:63])
    with pytest.raises(InvalidSignature):
        _key(kt, seed=99).public_key.verify(b"message", sig)
    with pytest.raises(InvalidSignature):
        sk.public_key.verify(b"message", b"\x00" * 64)


@pytest.mark.parametrize("kt", [KeyType.P256, KeyType.SECP256K1])
def test_ecdsa_signature_matches_cryptography_and_is_deterministic(kt: KeyType) -> None:
    sk = _key(kt)
    sig = sk.sign(b"abc")
    assert sig == sk.sign(b"abc")  # RFC 6979
    curve = ec.SECP256R1() if kt is KeyType.P256 else ec.SECP256K1()
    pub = ec.EllipticCurvePublicKey.from_encoded_point(curve, sk.public_key.raw)
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    pub.verify(encode_dss_signature(r, s), b"abc", ec.ECDSA(hashes.SHA256()))


def test_secp256k1_signatures_are_low_s_and_high_s_still_verifies() -> None:
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    for seed in range(20):
        sk = _key(KeyType.SECP256K1, seed)
        sig = sk.sign(b"low-s %d" % seed)
        s = int.from_bytes(sig[32:], "big")
        assert s <= n // 2
        high = sig[:32] + (n - s).to_bytes(32, "big")
        sk.public_key.verify(b"low-s %d" % seed, high)  # JOSE ES256K does not require low-S on input


def test_x25519_and_bls_cannot_sign_or_verify() -> None:
    for kt in (KeyType.X25519, KeyType.BLS12381_G2):
        sk = _key(kt)
        with pytest.raises(InvalidKey) as e:
            sk.sign(b"x")
        assert e.value.code == "invalidKeyUse"
        with pytest.raises(InvalidKey):
            sk.public_key.verify(b"x", b"\x00" * 64)
    with pytest.raises(InvalidKey, match=r"zkp\.bbs"):
        _key(KeyType.BLS12381_G2).public_key.verify(b"x", b"y")


def test_ed25519_to_x25519_public_and_private_agree() -> None:
    a, b = _key(KeyType.ED25519, 1), _key(KeyType.ED25519, 2)
    ax, bx = a.to_x25519(), b.to_x25519()
    assert ax.public_key == a.public_key.to_x25519()
    assert ax.exchange(b.public_key.to_x25519()) == bx.exchange(a.public_key.to_x25519())


def test_uncompressed_ec_input_is_compressed() -> None:
    sk = _key(KeyType.P256)
    unc = sk.public_key.uncompressed()
    assert len(unc) == 65
    assert PublicKey.from_raw(KeyType.P256, unc) == sk.public_key
    assert len(PublicKey.from_raw(KeyType.P256, unc).raw) == 33


def test_bls_uncompressed_input_is_compressed() -> None:
    import py_arkworks_bls12381 as ark

    pk = _key(KeyType.BLS12381_G2).public_key
    xy = bytes(ark.G2Point.from_compressed_bytes(pk.raw).to_xy_bytes_be())
    assert PublicKey.from_raw(KeyType.BLS12381_G2, xy) == pk


def test_jwk_thumbprints_agree_with_jwcrypto() -> None:
    for kt in (KeyType.ED25519, KeyType.X25519, KeyType.P256, KeyType.SECP256K1):
        pk = _key(kt).public_key
        assert jwcrypto_jwk.JWK(**pk.to_jwk()).thumbprint() == pk.jwk_thumbprint()


def test_jwk_ec_form_agrees_with_jwcrypto_export() -> None:
    for crv in ("P-256", "secp256k1"):
        k = jwcrypto_jwk.JWK.generate(kty="EC", crv=crv)
        theirs = json.loads(k.export_private())
        ours = PrivateKey.from_jwk(theirs)
        assert ours.to_jwk() == {m: theirs[m] for m in ("kty", "crv", "x", "y", "d")}


def test_keytype_parse_aliases() -> None:
    assert KeyType.parse("ed25519") is KeyType.ED25519
    assert KeyType.parse("p256") is KeyType.P256
    assert KeyType.parse("P-256") is KeyType.P256
    assert KeyType.parse("bls12381g2") is KeyType.BLS12381_G2
    assert KeyType.parse("secp256k1") is KeyType.SECP256K1
    assert KeyType.parse("X25519") is KeyType.X25519
    with pytest.raises(InvalidKey) as e:
        KeyType.parse("rsa")
    assert e.value.code == "unsupportedKeyType"


def test_private_key_never_shows_its_secret() -> None:
    for kt in ALL_TYPES:
        sk = _key(kt)
        text = repr(sk) + str(sk)
        assert sk.raw.hex() not in text
        assert sk.secret_multibase() not in text
        assert b64url_encode(sk.raw) not in text
        assert base64.b64encode(sk.raw).decode() not in text
    with pytest.raises(TypeError):
        pickle.dumps(_key(KeyType.ED25519))
    with pytest.raises(AttributeError):
        _key(KeyType.ED25519)._secret = b"x"  # type: ignore[misc]


def test_bls_generate_without_zkp_is_a_clear_typed_error_or_works() -> None:
    try:
        sk = PrivateKey.generate(KeyType.BLS12381_G2)
    except InvalidKey as exc:
        assert "zkp.bbs" in str(exc)
    else:
        assert len(sk.public_key.raw) == 96


# --------------------------------------------------------------------------------------------------------------
# Malformed input -> typed errors


def _mb(code: int, payload: bytes) -> str:
    from did.keys import _varint_encode

    return multibase_encode(_varint_encode(code) + payload)


@pytest.mark.parametrize(
    ("value", "error", "code"),
    [
        ("", EncodingError, "invalidEncoding"),
        ("z", EncodingError, "invalidEncoding"),
        ("u7QE", EncodingError, "invalidEncoding"),  # base64url multibase is not Multikey
        ("z0OIl", EncodingError, "invalidEncoding"),  # characters outside base58btc
        (None, EncodingError, "invalidEncoding"),
        (_mb(0x1201, b"\x02" * 49), InvalidKey, "unsupportedPublicKeyType"),  # P-384
        (_mb(0xED, b"\x01" * 31), InvalidKey, "invalidPublicKeyLength"),
        (_mb(0xED, b"\x01" * 33), InvalidKey, "invalidPublicKeyLength"),
        (_mb(0x1200, b"\x02" + b"\xff" * 32), InvalidKey, "invalidPublicKey"),  # x >= p: not on the curve
        (_mb(0x1200, b"\x05" + b"\x01" * 32), InvalidKey, "invalidPublicKey"),  # bad SEC1 tag
        (_mb(0xE7, b"\x04" + b"\x01" * 64), InvalidKey, "invalidPublicKeyLength"),  # uncompressed not in Multikey
        (_mb(0xEB, b"\x00" * 96), InvalidKey, "invalidPublicKey"),
        (_mb(0xEB, b"\xc0" + b"\x00" * 95), InvalidKey, "invalidPublicKey"),  # the identity point
        (_mb(0xEB, b"\x01" * 95), InvalidKey, "invalidPublicKeyLength"),
        (multibase_encode(b"\xed"), EncodingError, "invalidEncoding"),  # truncated varint
        (multibase_encode(b"\xed\x81\x00" + b"\x01" * 32), EncodingError, "invalidEncoding"),  # non-minimal varint
    ],
)
def test_bad_public_multibase(value: object, error: type[IiotidError], code: str) -> None:
    with pytest.raises(error) as e:
        PublicKey.from_multibase(value)
    assert e.value.code == code


def test_ed25519_small_order_point_is_rejected() -> None:
    # The identity point (y = 1) has order 1: RFC 8032 decoding accepts it, but it is never an honest key.
    with pytest.raises(InvalidKey):
        PublicKey.from_raw(KeyType.ED25519, b"\x01" + b"\x00" * 31)


def test_bls_point_not_in_subgroup_or_not_on_curve_is_rejected() -> None:
    pk = _key(KeyType.BLS12381_G2).public_key.raw
    tampered = pk[:-1] + bytes([pk[-1] ^ 1])
    with pytest.raises(InvalidKey):
        PublicKey.from_raw(KeyType.BLS12381_G2, tampered)


@pytest.mark.parametrize(
    "jwk",
    [
        None,
        [],
        "not json",
        {},
        {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
        {"kty": "OKP", "crv": "Ed448", "x": "AAAA"},
        {"kty": "EC", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
        {"kty": "OKP", "crv": "Ed25519"},
        {"kty": "OKP", "crv": "Ed25519", "x": 5},
        {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo="},
        {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS+7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
        {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUR"},
        {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "y": "AA"},
        {"kty": "EC", "crv": "P-256", "x": "AAAA"},
        {"kty": "EC", "crv": "P-256", "x": b64url_encode(b"\x01" * 32), "y": b64url_encode(b"\x01" * 32)},
        {"kty": "EC", "crv": "P-256", "x": b64url_encode(b"\x01" * 31), "y": b64url_encode(b"\x01" * 32)},
    ],
)
def test_bad_jwk(jwk: object) -> None:
    with pytest.raises(InvalidKey):
        PublicKey.from_jwk(jwk)


def test_bad_private_keys() -> None:
    n256 = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    cases = [
        (KeyType.P256, b"\x00" * 32),
        (KeyType.P256, n256.to_bytes(32, "big")),
        (KeyType.SECP256K1, b"\xff" * 32),
        (KeyType.ED25519, b"\x01" * 31),
        (KeyType.X25519, b"\x01" * 33),
        (KeyType.BLS12381_G2, b"\x00" * 32),
        (KeyType.BLS12381_G2, b"\xff" * 32),
    ]
    for kt, raw in cases:
        with pytest.raises(InvalidKey) as e:
            PrivateKey.from_raw(kt, raw)
        assert e.value.code == "invalidPrivateKey", (kt, raw)
    ed = _key(KeyType.ED25519)
    other = _key(KeyType.ED25519, 7)
    with pytest.raises(InvalidKey):  # 64-byte libsodium form with a mismatching public half
        PrivateKey.from_raw(KeyType.ED25519, ed.raw + other.public_key.raw)
    assert PrivateKey.from_raw(KeyType.ED25519, ed.raw + ed.public_key.raw) == ed
    with pytest.raises(InvalidKey):
        PrivateKey.from_secret_multibase(ed.secret_multibase(), public_multibase=other.public_key.to_multibase())
    with pytest.raises(InvalidKey):
        PrivateKey.from_secret_multibase(
            ed.secret_multibase(), public_multibase=_key(KeyType.P256).public_key.to_multibase()
        )
    with pytest.raises(InvalidKey):  # a public key where a secret is expected
        PrivateKey.from_secret_multibase(ed.public_key.to_multibase())
    with pytest.raises(InvalidKey):
        PrivateKey.from_jwk({**ed.to_jwk(), "x": other.public_key.to_jwk()["x"]})
    with pytest.raises(InvalidKey):
        PrivateKey.from_jwk(ed.public_key.to_jwk())  # no "d"


def test_b64url_strictness() -> None:
    assert b64url_decode("AQAB") == b"\x01\x00\x01"
    for bad in ("AQAB=", "A", "AQ+B", "AR", None):
        with pytest.raises(EncodingError):
            b64url_decode(bad)
