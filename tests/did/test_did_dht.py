"""did:dht codec: property round trips over arbitrary valid documents, and typed errors for malformed DIDs,
packets, records, signatures and keys."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from did import did_dht
from did.bep44 import MutableItem, check_replaces
from did.did_dht_dns import Record, packet_to_records, records_to_document, records_to_packet
from did.document import DIDDocument, Service, VerificationMethod
from did.errors import (
    EncodingError,
    IiotidError,
    InvalidDid,
    InvalidDidDocument,
    InvalidKey,
    InvalidSignature,
    MethodNotSupported,
    PayloadTooLarge,
    StaleRecord,
)
from did.keys import KeyType, PrivateKey, PublicKey

SEQ = 1_732_000_000


def key(n: int, kt: str = "ed25519") -> PrivateKey:
    return PrivateKey.from_raw(kt, hashlib.sha256(bytes([n]) + kt.encode()).digest())


IDENTITY = key(1)
DID = did_dht.did_from_identity_key(IDENTITY)


def device_document() -> DIDDocument:
    return did_dht.create_document(
        IDENTITY,
        extra_keys=[
            did_dht.AdditionalKey(key(2, "p256"), purposes=("assertionMethod", "authentication"), id="attest"),
            did_dht.AdditionalKey(key(3, "x25519")),
        ],
        services=[
            {"id": "#gw", "type": "IIoTGateway", "serviceEndpoint": "https://gw.plant.example/api"},
            {"id": "#dc", "type": "DIDCommMessaging", "serviceEndpoint": ["https://gw.plant.example/didcomm"]},
        ],
    )


# ---------------------------------------------------------------------------------------------------------------
# Hypothesis: arbitrary valid documents

_TOKEN = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", min_size=1, max_size=10)
# DID URL fragment characters (RFC 3986 pchar / "/" / "?", no pct-encoding) minus did:dht's separators ";" and ",".
_FRAGMENT = st.text("abcXYZ019-._~!$&'()*+=:@/?", min_size=1, max_size=12)
# Free text for service types and property values: any Unicode but the separators and control characters.
_FREE = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters=";,"), min_size=1, max_size=12
)
_RELS = ["authentication", "assertionMethod", "keyAgreement", "capabilityInvocation", "capabilityDelegation"]
_URI = st.builds(
    lambda host, path: f"https://{host}.example/{path}",
    st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12),
    st.text("abcdefghijklmnopqrstuvwxyz0123456789/?=&-._~äöüß€中", max_size=20) | st.just("x" * 300 + "é"),
)
_DID_OTHER = st.builds(
    lambda s: f"did:example:{s}", st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
)
_GATEWAY = st.from_regex(r"gw[0-9]{1,3}\.plant\.example", fullmatch=True)


@st.composite
def documents(draw: st.DrawFn) -> tuple[PrivateKey, DIDDocument, dict[str, Any]]:
    identity = PrivateKey.from_raw("ed25519", draw(st.binary(min_size=32, max_size=32)))
    used: set[str] = {"0"}
    extra = []
    for kt in draw(st.lists(st.sampled_from(["ed25519", "secp256k1", "p256", "x25519"]), max_size=3)):
        secret = hashlib.sha256(draw(st.binary(min_size=1, max_size=8)) + kt.encode()).digest()
        pk = PrivateKey.from_raw(kt, secret).public_key
        frag = draw(st.none() | _FRAGMENT)
        frag = frag if frag is not None else pk.jwk_thumbprint()
        assume(frag not in used)
        used.add(frag)
        extra.append(
            did_dht.AdditionalKey(
                pk,
                purposes=tuple(draw(st.lists(st.sampled_from(_RELS), unique=True, max_size=3))),
                id=frag,
                controller=draw(st.none() | _DID_OTHER),
                alg=draw(st.none() | st.sampled_from(["ES256", "EdDSA", "ECDH-ES+A128KW", "ES256K"])),
            )
        )
    services = []
    for _ in range(draw(st.integers(0, 3))):
        sid = draw(_FRAGMENT)
        assume(sid not in used)
        used.add(sid)
        types = draw(st.lists(_FREE, min_size=1, max_size=2))
        svc: dict[str, Any] = {
            "id": "#" + sid,
            "type": types[0] if len(types) == 1 else types,
            "serviceEndpoint": draw(st.lists(_URI, min_size=1, max_size=3)),
        }
        for prop in draw(st.lists(st.sampled_from(["sig", "enc"]), unique=True)):
            vals = draw(st.lists(_FREE, min_size=1, max_size=2))
            svc[prop] = vals[0] if len(vals) == 1 else vals
        services.append(svc)
    doc = did_dht.create_document(
        identity,
        extra_keys=extra,
        services=services,
        controllers=draw(st.lists(_DID_OTHER, max_size=2)),
        also_known_as=draw(st.lists(_URI | _DID_OTHER, max_size=2)),
    )
    meta = {
        "types": draw(st.lists(st.integers(0, 7), max_size=3)),
        "gateways": draw(st.lists(_GATEWAY, max_size=2, unique=True)),
    }
    return identity, doc, meta


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(documents())
def test_document_packet_document_round_trip(case: tuple[PrivateKey, DIDDocument, dict[str, Any]]) -> None:
    identity, doc, meta = case
    packet = did_dht.to_packet(doc, check_size=False, **meta)
    decoded, content = records_to_document(doc.id, packet_to_records(packet))
    assert decoded == doc
    assert decoded.to_json() == doc.to_json()
    assert content.types == meta["types"] and content.gateways == meta["gateways"]
    if len(packet) > did_dht.MAX_PACKET_SIZE:
        with pytest.raises(PayloadTooLarge, match="1000"):
            did_dht.to_bep44(identity, doc, seq=SEQ, **meta)
        return
    item = did_dht.to_bep44(identity, doc, seq=SEQ, **meta)
    assert item.v == packet
    got, md = did_dht.from_relay_bytes(doc.id, item.to_relay_bytes())
    assert got == doc and md.seq == SEQ and md.types == meta["types"] and md.gateways == meta["gateways"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(documents(), st.data())
def test_corrupted_packets_raise_only_typed_errors(case: tuple[PrivateKey, DIDDocument, dict[str, Any]],
                                                   data: st.DataObject) -> None:
    _, doc, meta = case
    packet = bytearray(did_dht.to_packet(doc, check_size=False, **meta))
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(packet) - 1))
        packet[pos] = data.draw(st.integers(0, 255))
    try:
        got, _ = records_to_document(doc.id, packet_to_records(bytes(packet)))
    except IiotidError:
        return
    assert isinstance(got, DIDDocument)


@given(st.binary(max_size=300))
def test_garbage_packets_raise_typed_errors(blob: bytes) -> None:
    with pytest.raises(IiotidError):
        did_dht.from_packet(DID, blob)


def test_every_truncation_is_refused() -> None:
    packet = did_dht.to_packet(device_document())
    for n in range(len(packet)):
        with pytest.raises(IiotidError):
            did_dht.from_packet(DID, packet[:n])


@given(st.text(max_size=80))
def test_arbitrary_strings_as_dids_raise_typed_errors(text: str) -> None:
    try:
        raw = did_dht.identity_key_from_did(text)
    except IiotidError:
        return
    assert did_dht.did_from_identity_key(raw) == text


# ---------------------------------------------------------------------------------------------------------------
# Identity key <-> DID


@pytest.mark.parametrize(
    ("did", "error", "code"),
    [
        ("invalid-did", InvalidDid, "invalidDid"),
        ("did:dht:", InvalidDid, "invalidDid"),
        (DID + "#0", InvalidDid, "invalidDid"),  # a DID URL, not a DID
        ("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", MethodNotSupported, "methodNotSupported"),
        (DID[:-1] + "v", InvalidKey, "invalidPublicKey"),  # 'v' is not z-base-32
        (DID[:-1], InvalidKey, "invalidPublicKey"),  # 51 characters
        (DID + "y", InvalidKey, "invalidPublicKeyLength"),  # 53 characters: 33 bytes
        ("did:dht:" + "y" * 52, InvalidKey, "invalidPublicKey"),  # all-zero bytes: not a usable Ed25519 point
        (DID.upper().replace("DID:DHT:", "did:dht:"), InvalidKey, "invalidPublicKey"),
    ],
)
def test_malformed_dids(did: str, error: type[IiotidError], code: str) -> None:
    with pytest.raises(error) as exc:
        did_dht.identity_key_from_did(did)
    assert exc.value.code == code


def test_identity_key_forms_and_wrong_types() -> None:
    assert did_dht.did_from_identity_key(IDENTITY) == did_dht.did_from_identity_key(IDENTITY.public_key.raw) == DID
    assert did_dht.identity_public_key(DID) == IDENTITY.public_key
    with pytest.raises(InvalidKey):
        did_dht.did_from_identity_key(key(1, "p256"))
    with pytest.raises(InvalidKey):
        did_dht.did_from_identity_key(b"\x01" * 31)
    with pytest.raises(InvalidKey):
        did_dht.did_from_identity_key("not a key")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------------------
# create_document and the canonical form


def test_create_document_shape() -> None:
    doc = device_document()
    j = doc.to_json()
    assert "@context" not in j
    assert j["verificationMethod"][0] == {
        "id": f"{DID}#0",
        "type": "JsonWebKey",
        "controller": DID,
        "publicKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": IDENTITY.public_key.to_jwk()["x"], "alg": "EdDSA",
                         "kid": "0"},
    }
    for rel in ("authentication", "assertionMethod", "capabilityInvocation", "capabilityDelegation"):
        assert f"{DID}#0" in j[rel]
    x25519 = key(3, "x25519").public_key
    assert j["keyAgreement"] == [f"{DID}#{x25519.jwk_thumbprint()}"]
    assert j["verificationMethod"][2]["publicKeyJwk"]["alg"] == "ECDH-ES+A256KW"
    assert j["service"][0]["serviceEndpoint"] == ["https://gw.plant.example/api"]  # canonical: always a list
    assert did_dht.services_of(doc, "IIoTGateway")[0].id == f"{DID}#gw"


def test_records_written_for_a_device() -> None:
    doc = device_document()
    records = packet_to_records(did_dht.to_packet(doc, types=[0], gateways=["gw1.plant.example"]))
    text = {(r.name, r.type): r.text for r in records}
    assert text[(f"_did.{DID[8:]}.", "TXT")] == "v=0;vm=k0,k1,k2;auth=k0,k1;asm=k0,k1;agm=k2;inv=k0;del=k0;svc=s0,s1"
    assert text[("_k0._did.", "TXT")] == "t=0;k=" + IDENTITY.public_key.to_jwk()["x"]  # id 0 is implied
    assert text[("_k1._did.", "TXT")].startswith("id=attest;t=2;k=")  # P-256, compressed (33 bytes -> 44 chars)
    assert len(text[("_k1._did.", "TXT")].split("k=")[1]) == 44
    assert text[("_k2._did.", "TXT")].startswith("t=3;k=")  # thumbprint id omitted (RECOMMENDED)
    assert text[("_s0._did.", "TXT")] == "id=gw;t=IIoTGateway;se=https://gw.plant.example/api"
    assert text[("_typ._did.", "TXT")] == "id=0"
    assert text[(f"_did.{DID[8:]}.", "NS")] == "gw1.plant.example."
    assert {r.ttl for r in records} == {7200}


def test_long_txt_values_are_split_into_255_byte_strings() -> None:
    long_ep = "https://gw.plant.example/" + "a" * 600
    doc = did_dht.create_document(IDENTITY, services=[{"id": "#gw", "type": "IIoTGateway", "serviceEndpoint": long_ep}])
    records = packet_to_records(did_dht.to_packet(doc))
    (svc,) = [r for r in records if r.name == "_s0._did."]
    assert [len(s) for s in svc.rdata] == [255, 255, len(svc.text) - 510]
    assert did_dht.from_packet(DID, did_dht.to_packet(doc))[0].service[0].endpoints == [long_ep]


def test_non_canonical_inputs_are_normalised() -> None:
    doc = DIDDocument(id=DID, context=None)
    doc.add_verification_method(VerificationMethod.multikey(f"{DID}#0", DID, IDENTITY.public_key),
                                ["authentication", "assertionMethod", "capabilityInvocation", "capabilityDelegation"])
    doc.add_service(Service(f"{DID}#gw", "IIoTGateway", "https://gw.plant.example/"))
    decoded, _ = did_dht.from_packet(DID, did_dht.to_packet(doc))
    assert decoded.verification_method[0].type == "JsonWebKey"
    assert decoded.verification_method[0].jwk_params == {"alg": "EdDSA", "kid": "0"}
    assert decoded.service[0].service_endpoint == ["https://gw.plant.example/"]
    assert did_dht.from_packet(DID, did_dht.to_packet(decoded))[0] == decoded  # fixpoint


# ---------------------------------------------------------------------------------------------------------------
# Documents that cannot be represented


def _with(mutate: Any) -> DIDDocument:
    doc = device_document()
    mutate(doc)
    return doc


@pytest.mark.parametrize(
    ("mutate", "error"),
    [
        (lambda d: setattr(d, "context", ["https://www.w3.org/ns/did/v1"]), EncodingError),
        (lambda d: d.extra.update(foo=1), EncodingError),
        (lambda d: d.service.append(Service(f"{DID}#x", "T", "https://a.example/x;y")), EncodingError),
        (lambda d: d.service.append(Service(f"{DID}#x", "T", ["https://a.example/x,y"])), EncodingError),
        (lambda d: d.service.append(Service(f"{DID}#x", "T", {"uri": "https://a.example"})), EncodingError),
        (lambda d: d.service.append(Service(f"{DID}#x", "T", "https://a.example", {"priority": "1"})), EncodingError),
        (lambda d: d.service.append(Service("did:example:other#x", "T", "https://a.example")), EncodingError),
        (lambda d: d.also_known_as.append("https://a.example/1,2"), EncodingError),
        (lambda d: d.verification_method.append(
            VerificationMethod.multikey(f"{DID}#bbs", DID, PublicKey.from_raw("Bls12381G2", _bls_point()))),
         EncodingError),
        (lambda d: d.verification_method[1].jwk_params.update(kid="other"), EncodingError),
        (lambda d: d.verification_method[1].jwk_params.update(use="sig"), EncodingError),
        (lambda d: d.assertion_method.append(
            VerificationMethod.json_web_key(f"{DID}#emb", DID, key(9).public_key)), EncodingError),
        (lambda d: d.verification_method.reverse(), InvalidDidDocument),
        (lambda d: d.capability_delegation.clear(), InvalidDidDocument),
        (lambda d: d.authentication.append("did:example:other#k"), InvalidDidDocument),
    ],
)
def test_unrepresentable_documents(mutate: Any, error: type[IiotidError]) -> None:
    with pytest.raises(error):
        did_dht.to_packet(_with(mutate))


def _bls_point() -> bytes:
    # The BLS12-381 G2 generator, compressed (draft-irtf-cfrg-pairing-friendly-curves, ZCash serialization).
    return bytes.fromhex(
        "93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"
        "024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"
    )


def test_oversized_document_is_refused_with_a_clear_message() -> None:
    services = [{"id": f"#s{i}", "type": "IIoTGateway", "serviceEndpoint": f"https://gateway-{i}.plant.example/api"}
                for i in range(30)]
    doc = did_dht.create_document(IDENTITY, services=services)
    with pytest.raises(PayloadTooLarge) as exc:
        did_dht.to_bep44(IDENTITY, doc, seq=SEQ)
    assert exc.value.code == "payloadTooLarge" and "1000" in str(exc.value) and "996" in str(exc.value)
    big = did_dht.to_packet(doc, check_size=False)
    with pytest.raises(PayloadTooLarge):
        did_dht.from_packet(DID, big)


# ---------------------------------------------------------------------------------------------------------------
# Malformed records and packets


def _records(**replace: str | None) -> list[Record]:
    out = []
    for r in packet_to_records(did_dht.to_packet(device_document())):
        name = r.name.split(".")[0].lstrip("_") if r.name != f"_did.{DID[8:]}." else "root"
        if name in replace:
            if replace[name] is None:
                continue
            r = Record(r.name, r.type, r.ttl, (str(replace[name]),))
        out.append(r)
    return out


@pytest.mark.parametrize(
    ("replace", "error"),
    [
        ({"root": None}, InvalidDidDocument),
        ({"root": "v=1;vm=k0;auth=k0;asm=k0;inv=k0;del=k0"}, InvalidDidDocument),
        ({"root": "vm=k0;auth=k0;asm=k0;inv=k0;del=k0"}, InvalidDidDocument),
        ({"root": "v=0;vm=k1,k0;auth=k0;asm=k0;inv=k0;del=k0"}, InvalidDidDocument),
        ({"root": "v=0;vm=k0,k0;auth=k0;asm=k0;inv=k0;del=k0"}, InvalidDidDocument),
        ({"root": "v=0;vm=k0;auth=k0;asm=k0;inv=k0;del=k0;svc=s0,s1"}, InvalidDidDocument),  # k1, k2 not listed
        ({"root": "v=0;vm=k0,k1,k2;auth=k0,k7;asm=k0;inv=k0;del=k0;svc=s0,s1"}, InvalidDidDocument),
        ({"root": "v=0;vm=k0,k1,k2;auth=k1;asm=k0;inv=k0;del=k0;svc=s0,s1"}, InvalidDidDocument),  # #0 not in auth
        ({"root": "v=0;vm=k0,k1,k2,k3;auth=k0;asm=k0;inv=k0;del=k0;svc=s0,s1"}, InvalidDidDocument),
        ({"root": "v=0;vm=k0,k1,k2;auth=k0;asm=k0;inv=k0;del=k0;svc=s0"}, InvalidDidDocument),  # s1 not listed
        ({"root": "v=0;vm=k0,k1,k2;;auth=k0"}, InvalidDidDocument),
        ({"root": "v=0;v=0;vm=k0"}, InvalidDidDocument),
        ({"k0": "t=0;k=" + key(5).public_key.to_jwk()["x"]}, InvalidKey),  # not this DID's identity key
        ({"k0": "id=x;t=0;k=" + IDENTITY.public_key.to_jwk()["x"]}, InvalidDidDocument),
        ({"k1": "t=2;k=AAAA"}, InvalidKey),  # 3-byte key
        ({"k1": "t=2;k=" + "A" * 43}, InvalidKey),  # 32 bytes where P-256 needs 33 (compressed)
        ({"k1": "t=9;k=" + "A" * 43}, InvalidKey),  # not in the Key Type Index
        ({"k1": "t=0;k=" + "A" * 43}, InvalidKey),  # all-zero Ed25519 point
        ({"k1": "t=0;k=not base64!"}, EncodingError),
        ({"k1": "t=0"}, InvalidDidDocument),
        ({"k1": "id=0;t=0;k=" + key(6).public_key.to_jwk()["x"]}, InvalidDidDocument),
        ({"k1": "t=0;k=" + key(6).public_key.to_jwk()["x"] + ";c=not-a-did"}, InvalidDidDocument),
        ({"k1": "t=0;k=" + key(6).public_key.to_jwk()["x"] + ";z=1"}, InvalidDidDocument),
        ({"s0": "id=gw;t=IIoTGateway"}, InvalidDidDocument),
        ({"s0": "id=gw;t=IIoTGateway;se=not a uri"}, InvalidDidDocument),
        ({"s0": "id=gw;t=IIoTGateway;se=https://a.example,"}, InvalidDidDocument),
        ({"typ": "id=a"}, InvalidDidDocument),
        ({"prv": "id=did:dht:abc;s=AA"}, InvalidDidDocument),  # 1-byte signature
        ({"prv": "id=did:dht:abc"}, InvalidDidDocument),
    ],
)
def test_malformed_records(replace: dict[str, str | None], error: type[IiotidError]) -> None:
    records = _records(**replace)
    if "prv" in replace or "typ" in replace:
        records.append(Record(f"_{next(iter(replace))}._did.", "TXT", 7200, (str(next(iter(replace.values()))),)))
    with pytest.raises(error):
        did_dht.from_packet(DID, records_to_packet(records))


def test_duplicate_and_foreign_records() -> None:
    recs = _records()
    with pytest.raises(InvalidDidDocument, match="more than one"):
        records_to_document(DID, [*recs, Record("_k1._did.", "TXT", 7200, ("t=3;k=" + "B" * 43,))])
    other = did_dht.did_from_identity_key(key(7))
    with pytest.raises(InvalidDidDocument, match="does not belong"):
        records_to_document(other, recs)
    # Records that are not did:dht's are ignored (a pkarr packet may carry A/NS/TXT records of its own).
    extra = [Record("www.example.", "TXT", 300, ("hello",)), Record("example.", "NS", 300, ("ns1.example.",))]
    assert records_to_document(DID, recs + extra)[0] == device_document()


def test_deactivated_record() -> None:
    item = did_dht.deactivate(IDENTITY, seq=SEQ + 1)
    doc, meta = did_dht.from_bep44(DID, item)
    assert meta.deactivated and doc.verification_method == [] and doc.id == DID
    assert meta.to_json()["deactivated"] is True


# ---------------------------------------------------------------------------------------------------------------
# Signed records


def test_record_sign_verify_and_metadata() -> None:
    doc = device_document()
    item = did_dht.to_bep44(IDENTITY, doc, seq=SEQ, types=[0, 5], gateways=["gw1.plant.example"])
    assert item.public_key == IDENTITY.public_key.raw and item.seq == SEQ and item.salt == b""
    got, meta = did_dht.from_bep44(DID, item)
    assert got == doc
    assert meta.to_json() == {"did": DID, "versionId": str(SEQ), "types": [0, 5], "gateways": ["gw1.plant.example"],
                              "ttl": 7200}
    # arguments in the other order are accepted too (document first)
    assert did_dht.to_bep44(doc, IDENTITY, seq=SEQ) == did_dht.to_bep44(IDENTITY, doc, seq=SEQ)  # type: ignore[arg-type]


def test_seq_defaults_to_the_injected_clock_in_seconds() -> None:
    item = did_dht.to_bep44(IDENTITY, device_document(), clock=lambda: 1_732_000_123.9)
    assert item.seq == 1_732_000_123


def test_bad_signatures_and_wrong_signers() -> None:
    doc = device_document()
    item = did_dht.to_bep44(IDENTITY, doc, seq=SEQ)
    forged = MutableItem(item.public_key, item.seq + 1, item.v, item.signature)  # replayed signature, new seq
    with pytest.raises(InvalidSignature):
        did_dht.from_bep44(DID, forged)
    body = bytearray(item.to_relay_bytes())
    body[-1] ^= 1
    with pytest.raises(InvalidSignature):
        did_dht.from_relay_bytes(DID, bytes(body))
    other = did_dht.to_bep44(key(8), did_dht.create_document(key(8)), seq=SEQ)
    with pytest.raises(InvalidSignature, match="another key"):
        did_dht.from_bep44(DID, other)
    with pytest.raises(InvalidDidDocument):
        did_dht.to_bep44(key(8), doc, seq=SEQ)  # a document for someone else's DID
    with pytest.raises(InvalidKey):
        did_dht.to_bep44(key(2, "p256"), doc, seq=SEQ)
    salted = MutableItem.create(item.public_key, item.v, SEQ, IDENTITY.sign, b"salt")
    with pytest.raises(EncodingError):
        did_dht.from_bep44(DID, salted)


def test_newer_records_replace_older_never_the_reverse() -> None:
    old = did_dht.to_bep44(IDENTITY, device_document(), seq=SEQ)
    new = did_dht.to_bep44(IDENTITY, did_dht.create_document(IDENTITY), seq=SEQ + 7200)
    check_replaces(old, new)
    for stale in (old, did_dht.to_bep44(IDENTITY, device_document(), seq=SEQ + 7200)):
        with pytest.raises(StaleRecord):
            check_replaces(new, stale)


# ---------------------------------------------------------------------------------------------------------------
# Rotation (_prv)


def test_previous_did_proof_round_trip() -> None:
    old, new = key(20), key(21)
    proof = did_dht.previous_did_proof(old, new.public_key)
    assert proof.id == did_dht.did_from_identity_key(old)
    proof.verify(new.public_key)
    new_did = did_dht.did_from_identity_key(new)
    item = did_dht.to_bep44(new, did_dht.create_document(new), seq=SEQ, previous_did=proof)
    _, meta = did_dht.from_bep44(new_did, item)
    assert meta.previous_did is not None and meta.previous_did.verified is True
    assert meta.previous_did.to_json() == {"id": proof.id, "signature": proof.signature_b64url, "verified": True}


def test_forged_previous_did_is_carried_but_not_verified() -> None:
    new = key(21)
    forged = did_dht.previous_did_proof(key(22), new)  # signed by a third key
    item = did_dht.to_bep44(new, did_dht.create_document(new), seq=SEQ,
                            previous_did=(did_dht.did_from_identity_key(key(20)), forged.signature_b64url))
    _, meta = did_dht.from_bep44(did_dht.did_from_identity_key(new), item)
    assert meta.previous_did is not None and meta.previous_did.verified is False
    with pytest.raises(InvalidSignature):
        forged.verify(key(23).public_key)
    with pytest.raises(InvalidKey):
        did_dht.to_packet(did_dht.create_document(new), previous_did=("did:dht:x", forged.signature))
    with pytest.raises(EncodingError):
        did_dht.to_packet(did_dht.create_document(new), previous_did=(forged.id, b"short"))
    with pytest.raises(InvalidDid):
        did_dht.to_packet(did_dht.create_document(new), previous_did=("not a did", forged.signature))


def test_key_types_in_the_index() -> None:
    for kt, t in ((KeyType.ED25519, 0), (KeyType.SECP256K1, 1), (KeyType.P256, 2), (KeyType.X25519, 3)):
        pk = key(30, kt.value).public_key
        doc = did_dht.create_document(IDENTITY, extra_keys=[pk])
        records = packet_to_records(did_dht.to_packet(doc))
        (k1,) = [r for r in records if r.name == "_k1._did."]
        assert k1.text.startswith(f"t={t};")
        assert did_dht.from_packet(DID, did_dht.to_packet(doc))[0].verification_method[1].public_key == pk


@given(st.binary(max_size=400))
def test_garbage_relay_bodies_raise_typed_errors(body: bytes) -> None:
    with pytest.raises(IiotidError):
        did_dht.from_relay_bytes(DID, body)


def test_character_strings_split_inside_utf8_sequences() -> None:
    # 255-byte character-strings cut 4-byte UTF-8 sequences; the value must come back whole (found by hypothesis).
    sig = "00" + "𐀀" * 100
    doc = did_dht.create_document(IDENTITY, services=[
        {"id": "#gw", "type": "IIoTGateway", "serviceEndpoint": "https://gw.plant.example/" + "é" * 120, "sig": sig}
    ])
    records = packet_to_records(did_dht.to_packet(doc))
    (svc,) = [r for r in records if r.name == "_s0._did."]
    assert len(svc.rdata) > 2
    assert did_dht.from_packet(DID, did_dht.to_packet(doc))[0] == doc


def test_fallback_document_is_the_identity_key_alone() -> None:
    doc = did_dht.fallback_document(DID)
    assert doc == did_dht.create_document(IDENTITY.public_key)
    assert [vm.id for vm in doc.verification_method] == [f"{DID}#0"] and not doc.service
    with pytest.raises(InvalidDid):
        did_dht.fallback_document("not-a-did")
