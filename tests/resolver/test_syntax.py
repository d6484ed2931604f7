"""DID / DID URL syntax (DID Core 3.1, 3.2), Accept negotiation (RFC 9110 12.5.1), record TTLs, rate limiting."""

from __future__ import annotations

import dns.flags
import dns.message
import dns.rrset
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from did.errors import InvalidDid
from resolver.errors import InvalidDidUrl, http_status
from resolver.http import negotiate
from resolver.ratelimit import RateLimitConfigError, RateLimiter
from resolver.syntax import packet_min_ttl, parse_did, parse_did_url


@pytest.mark.parametrize(
    ("did", "method", "msi"),
    [
        ("did:dht:i9xkp8ddcbcg8jwq54ox699wuzxyifsqx4jru45zodqu453ksz6y", "dht", None),
        ("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "key", None),
        ("did:example:a:b:c", "example", "a:b:c"),
        ("did:web:example.com%3A8443", "web", "example.com%3A8443"),
        ("did:x:::a", "x", "::a"),
    ],
)
def test_valid_dids(did: str, method: str, msi: str | None) -> None:
    parsed = parse_did(did)
    assert parsed.method == method
    assert parsed.method_specific_id == (msi or did.split(":", 2)[2])


@pytest.mark.parametrize(
    "did",
    [
        "invalid-did",
        "did:",
        "did:dht",
        "did:dht:",
        "did:DHT:abc",
        "did:dht:abc:",
        "did:dht:a b",
        "did:dht:a%zz",
        "DID:dht:abc",
        "did:dht:abc#frag",
        "did:dht:abc/path",
        "did:dht:é",
        "",
        "did:" + "a" * 3000,
    ],
)
def test_invalid_dids(did: str) -> None:
    with pytest.raises(InvalidDid) as err:
        parse_did(did)
    assert err.value.code == "invalidDid"


def test_non_string_did_is_invalid() -> None:
    with pytest.raises(InvalidDid):
        parse_did(42)


@settings(max_examples=300)
@given(st.text(max_size=80))
def test_arbitrary_text_parses_or_raises_invalid_did(text: str) -> None:
    try:
        parsed = parse_did(text)
    except InvalidDid:
        return
    assert parsed.did == text and text.startswith("did:")


def test_did_url_parts() -> None:
    url = parse_did_url("did:dht:abc/some/path?service=files&x=1#key-1")
    assert url.did.did == "did:dht:abc"
    assert url.path == "/some/path"
    assert url.query == "service=files&x=1"
    assert url.fragment == "key-1"
    bare = parse_did_url("did:key:z6Mk#z6Mk")
    assert (bare.path, bare.query, bare.fragment) == ("", None, "z6Mk")


@pytest.mark.parametrize("url", ["did:dht:abc#a#b", "did:dht:abc#a b", "not-a-did#x", "did:dht:#x"])
def test_invalid_did_urls(url: str) -> None:
    with pytest.raises((InvalidDidUrl, InvalidDid)):
        parse_did_url(url)


@settings(max_examples=200)
@given(st.text(max_size=80))
def test_arbitrary_text_as_did_url_raises_only_typed_errors(text: str) -> None:
    try:
        parse_did_url(text)
    except (InvalidDidUrl, InvalidDid):
        pass


def _packet(*ttls: int) -> bytes:
    msg = dns.message.Message(id=0)
    msg.flags |= dns.flags.QR | dns.flags.AA
    for i, ttl in enumerate(ttls):
        msg.answer.append(dns.rrset.from_text(f"_k{i}._did.", ttl, "IN", "TXT", f'"t=0;k={i}"'))
    return msg.to_wire()


def test_packet_min_ttl() -> None:
    assert packet_min_ttl(_packet(7200, 300, 900)) == 300
    assert packet_min_ttl(_packet()) is None
    assert packet_min_ttl(b"\x00\x01garbage") is None
    assert packet_min_ttl(_packet(7200)[:-3]) is None


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, ("result", "application/did-resolution")),
        ("*/*", ("result", "application/did-resolution")),
        ("application/did+json", ("application/did+json", "application/did+json")),
        ("application/did+ld+json", ("application/did+ld+json", "application/did+ld+json")),
        ("application/did", ("application/did+json", "application/did")),
        (
            'application/ld+json;profile="https://w3id.org/did-resolution"',
            ("result", 'application/ld+json;profile="https://w3id.org/did-resolution"'),
        ),
        ("application/ld+json", ("application/did+ld+json", "application/ld+json")),
        ("application/json", ("result", "application/json")),
        ("application/did+json;q=0.5, application/did-resolution;q=0.9", ("result", "application/did-resolution")),
        ("application/did-resolution;q=0, application/did+json", ("application/did+json", "application/did+json")),
        ("text/html", None),
        ("text/html, application/*;q=0.1", ("result", "application/did-resolution")),
        ("garbage", ("result", "application/did-resolution")),
        ("application/did+json;q=abc", None),
    ],
)
def test_negotiate(accept: str | None, expected: tuple[str, str] | None) -> None:
    assert negotiate(accept) == expected


@pytest.mark.parametrize(
    ("error", "deactivated", "status"),
    [
        (None, False, 200),
        (None, True, 410),
        ("invalidDid", False, 400),
        ("invalidPublicKey", False, 400),
        ("notFound", False, 404),
        ("representationNotSupported", False, 406),
        ("methodNotSupported", False, 501),
        ("internalError", False, 500),
        ("invalidDidDocument", False, 500),
    ],
)
def test_http_status(error: str | None, deactivated: bool, status: int) -> None:
    assert http_status(error, deactivated=deactivated) == status


def test_rate_limiter_bucket_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=2.0, burst=3, clock=lambda: now[0], max_clients=2)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.retry_after("a") == 1
    assert limiter.allow("b")
    now[0] = 0.5
    assert limiter.allow("a") and not limiter.allow("a")
    limiter.allow("c")  # evicts the least recently used client
    assert len(limiter._buckets) == 2


def test_rate_limiter_rejects_bad_configuration() -> None:
    with pytest.raises(RateLimitConfigError):
        RateLimiter(rate=0)
