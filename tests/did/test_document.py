"""did.document: DID syntax, DID Core document validation, JSON round trips, dereferencing, typed errors."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from did.document import (
    DID_CONTEXT_V1,
    DIDDocument,
    Service,
    VerificationMethod,
    parse_did,
    parse_did_url,
)
from did.errors import (
    IiotidError,
    InvalidDid,
    InvalidDidDocument,
    VerificationMethodNotFound,
    VerificationRelationshipError,
)
from did.keys import KeyType, PrivateKey, PublicKey

DID = "did:example:123456789abcdefghi"
ED = PrivateKey.from_raw(KeyType.ED25519, bytes(range(32))).public_key
P256 = PrivateKey.from_raw(KeyType.P256, (7).to_bytes(32, "big")).public_key
X = PrivateKey.from_raw(KeyType.X25519, bytes(range(1, 33))).public_key


def sample() -> dict[str, Any]:
    """Modelled on DID Core 1.0 examples 13 and 20 (verification methods, relationships, services)."""
    return {
        "@context": [DID_CONTEXT_V1, "https://w3id.org/security/multikey/v1"],
        "id": DID,
        "controller": "did:example:bcehfew7h32f32h7af3",
        "alsoKnownAs": ["https://plant.example/devices/42", "did:web:oem.example:42"],
        "verificationMethod": [
            {"id": "#key-1", "type": "Multikey", "controller": DID, "publicKeyMultibase": ED.to_multibase()},
            {"id": f"{DID}#key-2", "type": "JsonWebKey", "controller": DID, "publicKeyJwk": P256.to_jwk()},
        ],
        "authentication": ["#key-1", f"{DID}#key-2"],
        "assertionMethod": ["#key-1"],
        "capabilityInvocation": ["did:example:other#key-9"],
        "keyAgreement": [
            {"id": "#ka", "type": "Multikey", "controller": DID, "publicKeyMultibase": X.to_multibase()}
        ],
        "service": [
            {"id": "#gw", "type": "IIoTGateway", "serviceEndpoint": "https://gw.plant.example/api"},
            {
                "id": f"{DID}#multi",
                "type": ["LinkedDomains", "DIDCommMessaging"],
                "serviceEndpoint": ["https://a.example", {"uri": "https://b.example", "accept": ["didcomm/v2"]}],
                "priority": 1,
            },
        ],
        "created": "2026-01-01T00:00:00Z",
    }


# --------------------------------------------------------------------------------------------------------------
# DID syntax (DID Core 3.1, 3.2)


@pytest.mark.parametrize(
    ("did", "method", "msi"),
    [
        ("did:example:123456789abcdefghi", "example", "123456789abcdefghi"),
        ("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "key",
         "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"),
        ("did:web:example.com%3A8443:user:alice", "web", "example.com%3A8443:user:alice"),
        ("did:dht:i9xkp8ddcbcg8jwq54ox699wuzxyifsqx4jru45zodqu453ksz6y", "dht",
         "i9xkp8ddcbcg8jwq54ox699wuzxyifsqx4jru45zodqu453ksz6y"),
        ("did:a1:b::c", "a1", "b::c"),
    ],
)
def test_parse_did_valid(did: str, method: str, msi: str) -> None:
    assert parse_did(did) == (method, msi)


@pytest.mark.parametrize(
    "did",
    [
        "", "did", "did:", "did:example", "did:example:", "did:Example:1", "did:ex-ample:1", "DID:example:1",
        "did:example:1:", "did:example:a b", "did:example:%zz", "did:example:1#frag", "did:example:1/path",
        "did:example:1?q", "did:example:é", "x" * 10, "did:example:" + "a" * 3000, None, 42,
    ],
)
def test_parse_did_invalid(did: object) -> None:
    with pytest.raises(InvalidDid) as e:
        parse_did(did)
    assert e.value.code == "invalidDid"


def test_parse_did_url() -> None:
    u = parse_did_url("did:example:123/path/to?service=files&relativeRef=/x#key-1")
    assert (u.did, u.method, u.path, u.query, u.fragment) == (
        "did:example:123", "example", "/path/to", "service=files&relativeRef=/x", "key-1"
    )
    assert u.url == "did:example:123/path/to?service=files&relativeRef=/x#key-1"
    assert parse_did_url("#key-1", base="did:example:123").url == "did:example:123#key-1"
    assert parse_did_url("did:example:123").fragment is None
    assert parse_did_url("did:example:123#").fragment == ""
    for bad in ("#key-1", "did:example:123#a b", "did:example:123#a#b", "https://x.example", None):
        with pytest.raises(InvalidDid):
            parse_did_url(bad)


# --------------------------------------------------------------------------------------------------------------
# Documents


def test_sample_parses_resolves_relative_refs_and_round_trips() -> None:
    doc = DIDDocument.from_json(sample())
    assert doc.id == DID
    assert doc.controller == ["did:example:bcehfew7h32f32h7af3"]
    assert [vm.id for vm in doc.verification_method] == [f"{DID}#key-1", f"{DID}#key-2"]
    assert doc.verification_method[0].public_key == ED
    assert doc.verification_method[1].public_key == P256
    assert doc.verification_method[1].encoding == "jwk"
    assert doc.authentication == [f"{DID}#key-1", f"{DID}#key-2"]
    assert isinstance(doc.key_agreement[0], VerificationMethod)
    assert doc.service[0].id == f"{DID}#gw"
    assert doc.service[1].extra == {"priority": 1}
    assert doc.extra == {"created": "2026-01-01T00:00:00Z"}
    out = doc.to_json()
    assert DIDDocument.from_json(out) == doc
    assert DIDDocument.from_json(out).to_json() == out
    assert DIDDocument.from_json(json.dumps(out)) == doc
    assert DIDDocument.from_json(json.dumps(out).encode()) == doc


def test_find_verification_method_and_relationships() -> None:
    doc = DIDDocument.from_json(sample())
    assert doc.find_verification_method("#key-1").public_key == ED
    assert doc.find_verification_method("key-1", "assertionMethod").public_key == ED
    assert doc.find_verification_method(f"{DID}#key-2", "authentication").public_key == P256
    assert doc.find_verification_method("#ka", "keyAgreement").public_key == X
    assert doc.find_verification_method("#ka").public_key == X
    assert doc.relationships_of("#key-1") == ["authentication", "assertionMethod"]
    assert set(doc.relationships()) == {
        "authentication", "assertionMethod", "keyAgreement", "capabilityInvocation", "capabilityDelegation"
    }
    with pytest.raises(VerificationRelationshipError) as e:
        doc.find_verification_method("#key-2", "assertionMethod")
    assert e.value.code == "invalidVerificationRelationship"
    with pytest.raises(VerificationMethodNotFound) as e2:
        doc.find_verification_method("#nope")
    assert e2.value.code == "verificationMethodNotFound"
    with pytest.raises(VerificationMethodNotFound):
        doc.find_verification_method("#nope", "authentication")
    with pytest.raises(VerificationRelationshipError):
        doc.find_verification_method("#key-1", "signing")
    assert doc.find_service("#gw").endpoints == ["https://gw.plant.example/api"]
    assert doc.find_service("#multi").endpoints == ["https://a.example"]


def test_builders() -> None:
    doc = DIDDocument(id=DID)
    vm = VerificationMethod.multikey(f"{DID}#a", DID, ED)
    doc.add_verification_method(vm, ["authentication", "assertion_method"])
    doc.add_service(Service(f"{DID}#s", "X", "https://s.example"))
    with pytest.raises(InvalidDidDocument):
        doc.add_verification_method(VerificationMethod.multikey(f"{DID}#a", DID, P256))
    with pytest.raises(InvalidDidDocument):
        doc.add_service(Service(f"{DID}#s", "X", "https://t.example"))
    assert doc.validate() is doc
    assert doc.assertion_method == [f"{DID}#a"]
    assert DIDDocument.from_json(doc.to_json()) == doc


def test_legacy_verification_method_types_are_read() -> None:
    from did.keys import base58_encode

    d = {
        "id": DID,
        "verificationMethod": [
            {"id": "#a", "type": "Ed25519VerificationKey2018", "controller": DID,
             "publicKeyBase58": base58_encode(ED.raw)},
            {"id": "#b", "type": "Ed25519VerificationKey2020", "controller": DID,
             "publicKeyMultibase": ED.to_multibase()},
            {"id": "#c", "type": "JsonWebKey2020", "controller": DID, "publicKeyJwk": P256.to_jwk()},
        ],
    }
    doc = DIDDocument.from_json(d)
    assert [vm.public_key for vm in doc.verification_method] == [ED, ED, P256]
    assert doc.to_json()["verificationMethod"][0]["publicKeyBase58"] == base58_encode(ED.raw)
    assert DIDDocument.from_json(doc.to_json()) == doc


def _mutate(path: str, value: Any) -> dict[str, Any]:
    d = sample()
    target: Any = d
    keys = path.split(".")
    for k in keys[:-1]:
        target = target[int(k)] if isinstance(target, list) else target[k]
    last = keys[-1]
    if value is _DELETE:
        if isinstance(target, list):
            del target[int(last)]
        else:
            del target[last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return d


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("id", _DELETE, "id"),
        ("id", "did:example:1#x", "id"),
        ("id", 7, "id"),
        ("@context", ["https://example.com/other"], "@context"),
        ("@context", [], "@context"),
        ("controller", ["did:example:ok", "not-a-did"], "controller"),
        ("controller", 5, "controller"),
        ("alsoKnownAs", ["not a uri"], "alsoKnownAs[0]"),
        ("alsoKnownAs", "https://x.example", "alsoKnownAs"),
        ("verificationMethod", {}, "verificationMethod"),
        ("verificationMethod.0", "x", "verificationMethod[0]"),
        ("verificationMethod.0.id", "#key-2", "duplicate"),
        ("verificationMethod.0.id", "key 1", "verificationMethod[0].id"),
        ("verificationMethod.0.type", "", "verificationMethod[0].type"),
        ("verificationMethod.0.controller", _DELETE, "verificationMethod[0].controller"),
        ("verificationMethod.0.controller", "nope", "verificationMethod[0].controller"),
        ("verificationMethod.0.publicKeyMultibase", _DELETE, "verificationMethod[0]"),
        ("verificationMethod.0.publicKeyMultibase", "zzzz", "verificationMethod[0].publicKeyMultibase"),
        ("verificationMethod.0.publicKeyMultibase", "f01", "verificationMethod[0].publicKeyMultibase"),
        ("verificationMethod.0.publicKeyJwk", {"kty": "OKP"}, "publicKeyMultibase and publicKeyJwk"),
        ("verificationMethod.1.publicKeyJwk", {**P256.to_jwk(), "d": "AAAA"}, "private member"),
        ("verificationMethod.1.publicKeyJwk", {"kty": "EC", "crv": "P-256"}, "verificationMethod[1].publicKeyJwk"),
        ("verificationMethod.1.type", "Multikey", "does not use publicKeyJwk"),
        ("authentication", "#key-1", "authentication"),
        ("authentication.0", "#missing", "authentication[0]"),
        ("authentication.0", 5, "authentication[0]"),
        ("authentication.0", "bad ref", "authentication[0]"),
        ("keyAgreement.0.id", "#key-1", "duplicate"),
        ("service", {}, "service"),
        ("service.0.id", _DELETE, "service[0].id"),
        ("service.0.id", "not a uri", "service[0].id"),
        ("service.0.type", [], "service[0].type"),
        ("service.0.type", 3, "service[0].type"),
        ("service.0.serviceEndpoint", _DELETE, "service[0].serviceEndpoint"),
        ("service.0.serviceEndpoint", "no scheme", "service[0].serviceEndpoint"),
        ("service.0.serviceEndpoint", [], "service[0].serviceEndpoint"),
        ("service.0.serviceEndpoint", 12, "service[0].serviceEndpoint"),
        ("service.1.serviceEndpoint", ["https://ok.example", "bad uri"], "service[1].serviceEndpoint[1]"),
        ("service.1.id", "#gw", "duplicate"),
        ("service.0.id", "#key-1", "both a method and a service"),
    ],
)
def test_invalid_documents_name_the_field(path: str, value: Any, field: str) -> None:
    with pytest.raises(InvalidDidDocument) as e:
        DIDDocument.from_json(_mutate(path, value))
    assert e.value.code == "invalidDidDocument"
    assert field in str(e.value)


@pytest.mark.parametrize("data", ["", "{", "[]", "null", b"\xff\xfe", "42", '"did:example:1"'])
def test_not_a_document(data: object) -> None:
    with pytest.raises(InvalidDidDocument):
        DIDDocument.from_json(data)


def test_references_to_other_dids_are_allowed() -> None:
    d = sample()
    d["assertionMethod"] = ["did:example:other#key-1"]
    assert DIDDocument.from_json(d).assertion_method == ["did:example:other#key-1"]


def test_plain_json_representation_without_context() -> None:
    d = sample()
    del d["@context"]
    doc = DIDDocument.from_json(d)
    assert doc.context is None
    assert "@context" not in doc.to_json()
    s = sample()
    s["@context"] = DID_CONTEXT_V1
    assert DIDDocument.from_json(s).to_json()["@context"] == DID_CONTEXT_V1


# --------------------------------------------------------------------------------------------------------------
# Property: generated valid documents round-trip; arbitrary JSON gives typed errors only

KEYS = [
    PrivateKey.from_raw(kt, (i + 3).to_bytes(32, "big")).public_key
    for i, kt in enumerate([KeyType.ED25519, KeyType.P256, KeyType.SECP256K1, KeyType.X25519, KeyType.BLS12381_G2])
]
frag = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=8)
method_name = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=6)
msi = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_", min_size=1, max_size=20)
uri = st.builds(lambda h, p: f"https://{h}.example/{p}", frag, frag)
dids = st.builds(lambda m, i: f"did:{m}:{i}", method_name, msi)


@st.composite
def documents(draw: st.DrawFn) -> DIDDocument:
    did = draw(dids)
    doc = DIDDocument(
        id=did,
        controller=draw(st.lists(dids, max_size=2)),
        also_known_as=draw(st.lists(uri, max_size=2)),
        context=draw(st.sampled_from([None, DID_CONTEXT_V1, [DID_CONTEXT_V1, "https://w3id.org/security/multikey/v1"]])),
    )
    frags = draw(st.lists(frag, min_size=1, max_size=5, unique=True))
    rels = ["authentication", "assertionMethod", "keyAgreement", "capabilityInvocation", "capabilityDelegation"]
    for i, f in enumerate(frags):
        pk = draw(st.sampled_from(KEYS))
        make = VerificationMethod.json_web_key if draw(st.booleans()) else VerificationMethod.multikey
        vm = make(f"{did}#{f}", draw(st.sampled_from([did, *doc.controller])), pk)
        if i == len(frags) - 1 and draw(st.booleans()):
            doc.key_agreement.append(vm)  # embedded method
        else:
            doc.add_verification_method(vm, draw(st.lists(st.sampled_from(rels), unique=True)))
    for j in range(draw(st.integers(0, 3))):
        endpoint = draw(st.one_of(uri, st.lists(uri, min_size=1, max_size=3), st.just({"uri": "https://m.example"})))
        types = draw(st.one_of(frag, st.lists(frag, min_size=1, max_size=2)))
        doc.add_service(Service(f"{did}#svc-{j}", types, endpoint))
    return doc.validate()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_generated_documents_round_trip(doc: DIDDocument) -> None:
    out = doc.to_json()
    text = json.dumps(out)
    back = DIDDocument.from_json(text)
    assert back.to_json() == out
    assert back == DIDDocument.from_json(back.to_json())
    for vm in back.all_verification_methods():
        assert back.find_verification_method(vm.id).public_key == vm.public_key
        for rel in back.relationships_of(vm.id):
            assert back.find_verification_method(vm.id, rel) == vm


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12) | st.sampled_from(["#k", DID, "https://x.y"]),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.sampled_from(["id", "type", "controller",
                                                                          "publicKeyMultibase", "serviceEndpoint"]), c,
                                                         max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["id", "@context", "controller", "alsoKnownAs", "verificationMethod", "authentication",
                         "keyAgreement", "service"]),
        json_values,
    )
)
def test_arbitrary_json_gives_typed_errors(data: dict[str, Any]) -> None:
    try:
        DIDDocument.from_json(copy.deepcopy(data))
    except IiotidError:
        pass


def test_public_key_equality_is_by_value() -> None:
    assert PublicKey.from_multibase(ED.to_multibase()) == ED
    assert hash(PublicKey.from_multibase(ED.to_multibase())) == hash(ED)


def test_jwk_parameters_are_kept_and_private_members_refused() -> None:
    # web5's did:dht documents carry "kid" (RFC 7638 thumbprint) and "alg" in publicKeyJwk.
    jwk = {**ED.to_jwk(), "kid": ED.jwk_thumbprint(), "alg": "EdDSA"}
    d = {
        "id": "did:dht:abc",
        "verificationMethod": [
            {"id": "did:dht:abc#0", "type": "JsonWebKey", "controller": "did:dht:abc", "publicKeyJwk": jwk}
        ],
        "authentication": ["did:dht:abc#0"],
    }
    doc = DIDDocument.from_json(d)
    assert doc.verification_method[0].jwk_params == {"kid": ED.jwk_thumbprint(), "alg": "EdDSA"}
    assert doc.to_json() == d
    built = VerificationMethod.json_web_key("did:dht:abc#0", "did:dht:abc", ED, jwk_params={"alg": "EdDSA"})
    assert built.to_json()["publicKeyJwk"] == {**ED.to_jwk(), "alg": "EdDSA"}
    for bad in ({"k": "AAAA"}, {"p": "AAAA"}, {"alg": 5}):
        d2 = copy.deepcopy(d)
        d2["verificationMethod"][0]["publicKeyJwk"].update(bad)
        with pytest.raises(InvalidDidDocument):
            DIDDocument.from_json(d2)


def test_validate_checks_documents_built_in_code() -> None:
    doc = DIDDocument(id=DID)
    doc.verification_method.append(VerificationMethod.multikey("#relative", DID, ED))
    with pytest.raises(InvalidDidDocument):
        doc.validate()
    doc = DIDDocument(id=DID)
    doc.verification_method.append(VerificationMethod.multikey(f"{DID}#a", "nope", ED))
    with pytest.raises(InvalidDidDocument):
        doc.validate()
    doc = DIDDocument(id=DID, service=[Service("#rel", "X", "https://x.example")])
    with pytest.raises(InvalidDidDocument):
        doc.validate()
    doc = DIDDocument(id=DID, authentication=[f"{DID}#missing"])
    with pytest.raises(InvalidDidDocument):
        doc.validate()
