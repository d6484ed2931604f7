"""Robustness: verifying arbitrarily damaged credentials never raises, it reports typed errors."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import credentials
from credentials import jose
from did.errors import IiotidError
from did.keys import KeyType
from tests.credentials.di_helpers import NOW, DictResolver, credential, did_key_identity

_junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "did:key:z6Mk",
            "https://www.w3.org/ns/credentials/v2",
            "z111",
            "DataIntegrityProof",
            "@id",
            "_:b0",
            "eddsa-rdfc-2022",
            "2026-01-01T00:00:00Z",
        ]
    ),
    lambda c: (
        st.lists(c, max_size=3)
        | st.dictionaries(
            st.text(max_size=8)
            | st.sampled_from(
                ["@context", "@id", "@type", "id", "type", "@value", "@list", "proof", "previousProof", "domain"]
            ),
            c,
            max_size=3,
        )
    ),
    max_leaves=10,
)

_SIGNED: dict[str, dict[str, Any]] = {}


def _signed(suite: str) -> dict[str, Any]:
    if suite not in _SIGNED:
        kt = KeyType.P256 if suite == "ecdsa-rdfc-2019" else KeyType.ED25519
        key, did, vm = did_key_identity(kt)
        vc = credential(did)
        vc["credentialSubject"]["description"] = "x"
        _SIGNED[suite] = credentials.issue(
            vc, key=key, verification_method=vm, suite=suite, created="2026-05-01T00:00:00Z"
        )
    return copy.deepcopy(_SIGNED[suite])


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


def _replace(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return doc


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019"]),
    st.data(),
    _junk,
)
def test_damaged_credentials_fail_with_typed_errors(suite: str, data: st.DataObject, junk: Any) -> None:
    doc = _signed(suite)
    path = data.draw(st.sampled_from(_paths(doc)))
    damaged = _replace(doc, path, junk)
    result = asyncio.run(credentials.verify(damaged, resolver=DictResolver(), now=NOW))
    assert all(isinstance(e, IiotidError) and e.code for e in result.errors)
    if path and junk != _signed(suite) and not result.verified:
        assert result.errors


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60) | st.sampled_from(["a.b.c", "eyJhbGciOiJub25lIn0.e30.", "e30.e30.e30"]))
def test_junk_jwts_fail_typed(token: str) -> None:
    result = asyncio.run(jose.verify_jwt(token, DictResolver(), now=NOW))
    assert not result.verified and all(isinstance(e, IiotidError) for e in result.errors)


@settings(max_examples=60, deadline=None)
@given(_junk)
def test_presentations_with_junk_fail_typed(junk: Any) -> None:
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "VerifiablePresentation",
        "verifiableCredential": junk,
        "proof": junk,
    }
    result = asyncio.run(credentials.verify_presentation(vp, resolver=DictResolver(), challenge="c", now=NOW))
    assert not result.verified and all(isinstance(e, IiotidError) for e in result.errors)


def test_deeply_nested_documents_fail_typed() -> None:
    key, did, vm = did_key_identity()
    node: dict[str, Any] = {"name": "x"}
    cur = node
    for _ in range(5000):
        cur["description"] = {"name": "y"}
        cur = cur["description"]
    for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022"):
        signed = credentials.issue(credential(did), key=key, verification_method=vm, suite=suite)
        signed["credentialSubject"]["description"] = node
        result = credentials.verify_sync(signed, resolver=DictResolver())
        # Which guard trips first depends on the stack depth left in the worker: the expansion depth limit, the
        # RDFC-1.0 n-degree budget (5,000 look-alike blank nodes), or, for JCS (no JSON-LD walk when the nesting fits
        # the stack), the signature over the altered document. Each is a typed refusal; none may be a crash.
        assert not result.verified
        assert len(result.codes) == 1 and result.codes[0] in {
            "invalidJsonLd",
            "canonicalizationLimit",
            "signatureMismatch",
        }
