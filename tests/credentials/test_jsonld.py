"""Bundled contexts, the offline loader, safe mode, and the canonical N-Quads."""

from __future__ import annotations

from typing import Any

import pytest

from credentials import errors, jsonld
from credentials.api import digest_multibase
from tests.conftest import VECTORS, load_vector

V2 = "https://www.w3.org/ns/credentials/v2"


def doc(**subject: Any) -> dict[str, Any]:
    return {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:oem",
        "credentialSubject": {"id": "did:example:device", **subject},
    }


def test_bundled_contexts_are_the_published_bytes() -> None:
    for url, name in [
        (jsonld.CREDENTIALS_V2_URL, "credentials-v2.jsonld"),
        (jsonld.DATA_INTEGRITY_V2_URL, "data-integrity-v2.jsonld"),
        (jsonld.MULTIKEY_V1_URL, "multikey-v1.jsonld"),
        (jsonld.DID_V1_URL, "did-v1.jsonld"),
        (jsonld.ED25519_2020_V1_URL, "ed25519-signature-2020-v1.jsonld"),
    ]:
        import json

        assert jsonld.get_context(url) == json.loads((VECTORS / "contexts" / name).read_text())


def test_loader_refuses_unknown_urls() -> None:
    for url in ["https://example.com/ctx", "http://www.w3.org/ns/credentials/v2", "file:///etc/passwd", ""]:
        with pytest.raises(errors.UnknownContext) as info:
            jsonld.document_loader(url)
        assert info.value.code == "unknownContext"
    remote = jsonld.document_loader(V2)
    assert remote["documentUrl"] == V2 and "@context" in remote["document"]


def test_unknown_context_in_document() -> None:
    d = doc(name="x")
    d["@context"] = [V2, "https://example.com/evil"]
    with pytest.raises(errors.UnknownContext):
        jsonld.canonicalize(d)
    with pytest.raises(errors.UnknownContext):
        jsonld.check_contexts(d)
    nested = doc(name="x")
    nested["credentialSubject"]["@context"] = "https://example.com/evil"
    with pytest.raises(errors.UnknownContext):
        jsonld.check_contexts(nested)


def test_register_context_conflicts_and_idempotence() -> None:
    url = "https://vocab.example/test-registry/v1"
    ctx = {"@context": {"@protected": True, "widget": "https://vocab.example/widget"}}
    jsonld.register_context(url, ctx)
    jsonld.register_context(url, ctx)  # same document: fine
    assert jsonld.is_registered(url)
    with pytest.raises(errors.ContextError) as info:
        jsonld.register_context(url, {"@context": {"widget": "https://attacker.example/widget"}})
    assert info.value.code == "contextConflict"
    with pytest.raises(errors.ContextError):
        jsonld.register_context(url + "x", {"no": "context"})
    d = doc(widget="w")
    d["@context"] = [V2, url]
    assert '<https://vocab.example/widget> "w"' in jsonld.canonicalize(d)


@pytest.mark.parametrize(
    ("subject", "term"),
    [
        ({"serialNumber": "SN-1"}, "serialNumber"),  # property not defined: PyLD alone would drop it
        ({"@type": "Pump"}, "Pump"),  # type not defined: would become a relative IRI
        ({"name": "ok", "nested": {"id": "did:example:x"}}, "nested"),
    ],
)
def test_safe_mode_refuses_undefined_terms(subject: dict[str, Any], term: str) -> None:
    for canonicalize in (jsonld.canonicalize, jsonld.canonicalize_pyld):  # native path and PyLD path
        with pytest.raises(errors.UndefinedTerm) as info:
            canonicalize(doc(**subject))
        assert info.value.term == term and info.value.code == "undefinedTerm"
    with pytest.raises(errors.UndefinedTerm):
        jsonld.expand(doc(**subject))


def test_safe_mode_refuses_issuer_dependent_vocab() -> None:
    """Terms that only expand through @vocab https://www.w3.org/ns/credentials/issuer-dependent# are undefined."""
    import json

    url = "https://www.w3.org/ns/credentials/undefined-terms/v2"
    jsonld.register_context(
        url, json.loads((VECTORS / "contexts" / "credentials-undefined-terms-v2.jsonld").read_text())
    )
    d = doc(serialNumber="SN-1")
    d["@context"] = [V2, url]
    inline = doc(serialNumber="SN-1")
    inline["@context"] = [V2, {"@vocab": jsonld.ISSUER_DEPENDENT_BASE}]
    for canonicalize in (jsonld.canonicalize, jsonld.canonicalize_pyld):
        with pytest.raises(errors.UndefinedTerm) as info:
            canonicalize(d)
        assert info.value.term == "serialNumber"
        with pytest.raises(errors.UndefinedTerm):
            canonicalize(inline)


def test_defined_terms_with_inline_context_and_vocab() -> None:
    d = doc(serialNumber="SN-1")
    d["@context"] = [V2, {"@vocab": "https://vocab.example/iiot#"}]
    assert '<https://vocab.example/iiot#serialNumber> "SN-1"' in jsonld.canonicalize(d)


def test_protected_term_redefinition_is_typed() -> None:
    d = doc(name="x")
    d["@context"] = [V2, {"name": "https://attacker.example/name"}]
    with pytest.raises(errors.InvalidJsonLd):
        jsonld.canonicalize(d)


def test_not_an_object() -> None:
    with pytest.raises(errors.InvalidJsonLd):
        jsonld.canonicalize([1, 2])  # type: ignore[arg-type]


def test_canonical_form_and_digest() -> None:
    d = doc(name="Pump")
    nq = jsonld.canonicalize(d)
    assert nq.endswith("\n") and all(line.endswith(" .") for line in nq.splitlines())
    assert "_:c14n0" in nq or "<did:example:device>" in nq
    reordered = dict(reversed(list(d.items())))
    assert jsonld.canonicalize(reordered) == nq
    assert digest_multibase(d) == digest_multibase(reordered)
    assert digest_multibase(d, method="jcs") == digest_multibase(reordered, method="jcs")
    assert digest_multibase(d).startswith("zQm")
    assert digest_multibase(d) != digest_multibase(d, method="jcs")
    with pytest.raises(errors.CredentialError):
        digest_multibase(d, method="md5")  # type: ignore[arg-type]


def test_blank_nodes_canonicalise_like_the_vectors() -> None:
    signed = load_vector("vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json")
    proof = signed.pop("proof")
    # A credential with an embedded proof: the proof lives in its own named graph with a blank node.
    import json

    jsonld.register_context(
        "https://www.w3.org/ns/credentials/examples/v2",
        json.loads((VECTORS / "contexts" / "credentials-examples-v2.jsonld").read_text()),
    )
    nq = jsonld.canonicalize({**signed, "proof": proof})
    assert "_:c14n" in nq and "https://w3id.org/security#proofValue" in nq


@pytest.mark.parametrize(
    "subject",
    [
        {"id": "device-42", "name": "x"},  # relative subject: every claim about it would vanish from the RDF
        {"id": "did:example:d", "description": {"id": "parts/7", "name": "impeller"}},
        {"id": "#me", "name": "x"},
    ],
)
def test_safe_mode_refuses_relative_iris(subject: dict[str, Any]) -> None:
    d = doc()
    d["credentialSubject"] = subject
    for fn in (jsonld.canonicalize, jsonld.canonicalize_pyld, jsonld.to_quads_pyld, jsonld.expand):
        with pytest.raises(errors.RelativeIri) as info:
            fn(d)
        assert info.value.code == "relativeIri"


def test_relative_iri_claims_cannot_ride_along_unsigned() -> None:
    import credentials
    from tests.credentials.di_helpers import did_key_identity

    key, did, vm = did_key_identity()
    vc = doc(name="ok")
    vc["issuer"] = did
    vc["credentialSubject"]["description"] = {"id": "parts/7", "name": "impeller"}
    with pytest.raises(errors.RelativeIri):
        credentials.issue(vc, key=key, verification_method=vm, suite="eddsa-rdfc-2022")


def test_blank_node_properties_refused_types_allowed() -> None:
    d = doc(**{"_:secret": "x"})
    for fn in (jsonld.canonicalize, jsonld.canonicalize_pyld):
        with pytest.raises(errors.UndefinedTerm):
            fn(d)
    typed = doc(name="x")
    typed["credentialSubject"]["type"] = "_:localType"
    assert jsonld.canonicalize(typed) == jsonld.canonicalize_pyld(typed)
