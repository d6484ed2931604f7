"""The iiotid vocabulary: bundled context shape, builders, typed claims, link digest."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from pyld import jsonld

from credentials import vocab
from credentials.vocab import (
    CONTEXT,
    CONTEXT_URL,
    DEVICE_ATTRIBUTES,
    EVENT_TYPES,
    VocabularyError,
    birth_certificate,
    canonical_digest,
    idevid_thumbprint,
    lifecycle_event,
    payload_digest,
    sequence_of,
)
from tests.conftest import VECTORS
from tests.credentials.chain_helpers import DEVICE, OEM, T0, fake_sign

ATTRS: dict[str, Any] = {
    "manufacturerName": "ACME Automation GmbH",
    "manufacturerProductDesignation": "Remote I/O coupler",
    "manufacturerProductFamily": "RIO",
    "manufacturerProductType": "RIO-8DI",
    "orderCodeOfManufacturer": "RIO-8DI-24V",
    "serialNumber": "SN-77-0001",
    "yearOfConstruction": 2026,
    "dateOfManufacture": "2026-02-27",
    "hardwareVersion": "B2",
    "firmwareVersion": "4.1.0",
    "softwareVersion": "4.1.0+build.7",
    "countryOfOrigin": "DE",
    "uniqueFacilityIdentifier": "urn:gln:4012345000009",
    "uriOfTheProduct": "https://id.acme.example/01/04012345123456/21/SN-77-0001",
    "securityLevel": 3,
    "idevidThumbprint": idevid_thumbprint(b"fake DER certificate"),
}


def _loader() -> Any:
    index = json.loads((VECTORS / "contexts" / "index.json").read_text())
    docs = {url: json.loads((VECTORS / "contexts" / name).read_text()) for url, name in index.items()}
    docs[CONTEXT_URL] = CONTEXT

    def load(url: str, options: Any = None) -> dict[str, Any]:
        if url not in docs:
            raise jsonld.JsonLdError("not bundled", "jsonld.LoadDocumentError", code="loading document failed")
        return {"contextUrl": None, "documentUrl": url, "document": docs[url]}

    return load


def _nquads(doc: dict[str, Any]) -> str:
    body = {k: v for k, v in doc.items() if k != "proof"}
    return jsonld.normalize(
        body, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": _loader(), "safe": True}
    )


def test_context_is_protected_json_ld_1_1_and_matches_the_file() -> None:
    path = Path(vocab.__file__).parent / "contexts" / "iiot-v1.jsonld"
    assert json.loads(path.read_text()) == CONTEXT
    ctx = CONTEXT["@context"]
    assert ctx["@version"] == 1.1 and ctx["@protected"] is True
    assert ctx["lifecycleEvent"]["@context"]["@protected"] is True
    for term in DEVICE_ATTRIBUTES:
        iri = ctx[term] if isinstance(ctx[term], str) else ctx[term]["@id"]
        assert iri == vocab.VOCAB + term


def test_birth_certificate_expands_with_typed_values_in_safe_mode() -> None:
    vc = birth_certificate(OEM, DEVICE, ATTRS, valid_from=T0)
    assert vc["@context"] == ["https://www.w3.org/ns/credentials/v2", CONTEXT_URL]
    assert vc["type"] == ["VerifiableCredential", "DeviceBirthCertificate"]
    assert vc["validFrom"] == "2026-03-01T08:00:00Z"
    nq = _nquads(vc)
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert f'<{DEVICE}> <{vocab.VOCAB}securityLevel> "3"^^<{xsd}integer> .' in nq
    assert f'<{DEVICE}> <{vocab.VOCAB}yearOfConstruction> "2026"^^<{xsd}integer> .' in nq
    assert f'<{DEVICE}> <{vocab.VOCAB}dateOfManufacture> "2026-02-27"^^<{xsd}date> .' in nq
    assert f'<{DEVICE}> <{vocab.VOCAB}serialNumber> "SN-77-0001" .' in nq


def test_lifecycle_event_expands_and_links() -> None:
    birth = fake_sign(birth_certificate(OEM, DEVICE, ATTRS, id="urn:uuid:b"), OEM)
    fw = b"firmware image 4.2.0"
    ev = lifecycle_event(
        "did:example:integrator", DEVICE, "firmwareUpdated", birth, event_time="2026-03-02T10:00:00Z",
        actor_role="integrator", site="Plant 4 / Line 2",
        payload_digests=[payload_digest(fw, name="rio-4.2.0.bin", media_type="application/octet-stream")],
    )
    event = ev["credentialSubject"]["lifecycleEvent"]
    assert event["sequence"] == 1 and sequence_of(ev) == 1 and sequence_of(birth) == 0
    expected = "z" + _b58(b"\x12\x20" + hashlib.sha256(rfc8785.dumps(birth)).digest())
    assert event["previousEvent"] == {"id": "urn:uuid:b", "digestMultibase": expected, "sequence": 0}
    assert canonical_digest(birth) == expected
    import credentials

    assert credentials.digest_multibase(birth, method="jcs") == expected  # the package's general digest agrees
    assert ev["validFrom"] == "2026-03-02T10:00:00Z"
    nq = _nquads(ev)
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert f'<urn:uuid:b> <{vocab.VOCAB}sequence> "0"^^<{xsd}integer> .' in nq
    assert f'<{vocab.VOCAB}eventTime> "2026-03-02T10:00:00Z"^^<{xsd}dateTime> .' in nq
    assert '<https://w3id.org/security#digestMultibase> "' + expected in nq


def _b58(data: bytes) -> str:
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    n, out = int.from_bytes(data, "big"), ""
    while n:
        n, r = divmod(n, 58)
        out = alphabet[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k not in ("@context", "id", "type"):
                out.append((*prefix, k))
                out.extend(_paths(v, (*prefix, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(_paths(v, (*prefix, i)))
    return out


def _without(doc: Any, path: tuple[Any, ...]) -> Any:
    clone = copy.deepcopy(doc)
    target = clone
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return clone


def _expand(doc: Any) -> Any:
    return jsonld.expand(doc, {"documentLoader": _loader()})


def test_every_builder_term_is_defined() -> None:
    """Removing any JSON key changes the expansion, i.e. no key is silently dropped (what safe mode enforces)."""
    birth = fake_sign(birth_certificate(OEM, DEVICE, ATTRS, id="urn:uuid:b"), OEM)
    event = lifecycle_event(
        OEM, DEVICE, "ownershipTransferred", birth, event_time="2026-03-02T10:00:00Z", actor_role="manufacturer",
        site="x", new_owner="did:example:plant", payload_digests=[payload_digest(b"x", name="a", media_type="b/c")],
    )
    for vc in (birth_certificate(OEM, DEVICE, ATTRS), event):
        full = _expand(vc)
        for path in _paths(vc):
            assert _expand(_without(vc, path)) != full, f"{path} is not defined by the contexts"
    # An unknown term, by contrast, vanishes on expansion: that is why the loader must run in safe mode.
    vc = birth_certificate(OEM, DEVICE, ATTRS)
    assert _expand(vc | {"credentialSubject": vc["credentialSubject"] | {"colour": "red"}}) == _expand(vc)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("securityLevel", 5), ("securityLevel", "3"), ("securityLevel", True), ("countryOfOrigin", "Germany"),
        ("dateOfManufacture", "2026-02-30"), ("dateOfManufacture", "27.02.2026"), ("idevidThumbprint", "abc"),
        ("serialNumber", ""), ("uriOfTheProduct", "not a uri"), ("yearOfConstruction", 26), ("colour", "red"),
    ],
)
def test_bad_attributes_are_typed_errors(name: str, value: Any) -> None:
    with pytest.raises(VocabularyError) as exc:
        birth_certificate(OEM, DEVICE, ATTRS | {name: value})
    assert exc.value.code == "invalidClaim"


def test_builder_argument_errors() -> None:
    with pytest.raises(VocabularyError):
        birth_certificate(OEM, "not-a-did", ATTRS)
    with pytest.raises(VocabularyError):
        birth_certificate(OEM, DEVICE, {"serialNumber": "x"})  # manufacturerName missing
    birth = fake_sign(birth_certificate(OEM, DEVICE, ATTRS), OEM)
    unsigned = birth_certificate(OEM, DEVICE, ATTRS)
    kw: dict[str, Any] = {"event_time": "2026-03-02T10:00:00Z"}
    with pytest.raises(VocabularyError):
        lifecycle_event(OEM, DEVICE, "exploded", birth, **kw)
    with pytest.raises(VocabularyError):
        lifecycle_event(OEM, DEVICE, "calibrated", unsigned, **kw)
    with pytest.raises(VocabularyError):
        lifecycle_event(OEM, "did:example:other", "calibrated", birth, **kw)
    with pytest.raises(VocabularyError):
        lifecycle_event(OEM, DEVICE, "ownershipTransferred", birth, **kw)
    with pytest.raises(VocabularyError):
        lifecycle_event(OEM, DEVICE, "calibrated", birth, new_owner="did:example:x", **kw)
    with pytest.raises(VocabularyError):
        lifecycle_event(OEM, DEVICE, "calibrated", birth, event_time="yesterday")
    with pytest.raises(VocabularyError):
        lifecycle_event(OEM, DEVICE, "calibrated", birth, payload_digests=[{"digestMultibase": "0xdead"}], **kw)
    transfer = lifecycle_event(OEM, DEVICE, "ownershipTransferred", birth, new_owner="did:example:plant", **kw)
    assert transfer["credentialSubject"]["lifecycleEvent"]["newOwner"] == "did:example:plant"
    assert set(EVENT_TYPES) >= {"commissioned", "decommissioned"}


def test_idevid_thumbprint_is_x5t_s256() -> None:
    # RFC 8705 §3.1: base64url(SHA-256(DER)) without padding, 43 characters.
    t = idevid_thumbprint(b"\x30\x82")
    assert len(t) == 43 and "=" not in t


def test_context_is_registered_and_safe_mode_rejects_undefined_terms() -> None:
    from credentials import jsonld as credentials_jsonld
    from credentials.errors import UndefinedTerm

    assert credentials_jsonld.is_registered(CONTEXT_URL)
    birth = fake_sign(birth_certificate(OEM, DEVICE, ATTRS, id="urn:uuid:b"), OEM)
    event = lifecycle_event(OEM, DEVICE, "calibrated", birth, event_time="2026-03-02T10:00:00Z", site="x",
                            payload_digests=[payload_digest(b"report", name="cal.pdf", media_type="application/pdf")])
    for vc in (birth_certificate(OEM, DEVICE, ATTRS), event):
        # The package's canonicaliser (safe mode, offline loader) agrees with plain PyLD over the bundled contexts.
        assert credentials_jsonld.canonicalize(vc) == _nquads(vc)
    bad = birth_certificate(OEM, DEVICE, ATTRS)
    bad["credentialSubject"]["colour"] = "red"
    with pytest.raises(UndefinedTerm):
        credentials_jsonld.canonicalize(bad)
    event["credentialSubject"]["lifecycleEvent"]["technician"] = "Alice"
    with pytest.raises(UndefinedTerm):
        credentials_jsonld.canonicalize(event)
