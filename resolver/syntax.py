"""DID and DID URL syntax (DID Core 1.0 section 3.1 "DID Syntax" and 3.2 "DID URL Syntax"), and record TTLs."""

from __future__ import annotations

import re
from dataclasses import dataclass

import dns.exception
import dns.message

from did.errors import InvalidDid
from resolver.errors import InvalidDidUrl

# DID Core 3.1 ABNF:
#   did                = "did:" method-name ":" method-specific-id
#   method-name        = 1*method-char ; method-char = %x61-7A / DIGIT
#   method-specific-id = *( *idchar ":" ) 1*idchar ; idchar = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded
_IDCHAR = r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})"
DID_RE = re.compile(rf"did:(?P<method>[a-z0-9]+):(?P<msi>(?:{_IDCHAR}*:)*{_IDCHAR}+)")
# DID Core 3.2: did-url = did path-abempty [ "?" query ] [ "#" fragment ] (RFC 3986 pchar sets, simplified to the
# printable ASCII that RFC 3986 allows there).
_URI_CHARS = r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]"
DID_URL_RE = re.compile(
    rf"(?P<did>did:[a-z0-9]+:(?:{_IDCHAR}*:)*{_IDCHAR}+)"
    rf"(?P<path>(?:/{_URI_CHARS.replace('?', '').replace('/', '')}*)*)"
    rf"(?:\?(?P<query>{_URI_CHARS}*))?"
    rf"(?:#(?P<fragment>{_URI_CHARS}*))?"
)
MAX_DID_LENGTH = 2048


@dataclass(frozen=True, slots=True)
class ParsedDid:
    did: str
    method: str
    method_specific_id: str


@dataclass(frozen=True, slots=True)
class ParsedDidUrl:
    did: ParsedDid
    path: str
    query: str | None
    fragment: str | None


def parse_did(did: object) -> ParsedDid:
    """Check ``did`` against the DID Core 3.1 ABNF; raises :class:`InvalidDid`."""
    if not isinstance(did, str):
        raise InvalidDid("a DID must be a string")
    if len(did) > MAX_DID_LENGTH:
        raise InvalidDid(f"DID is longer than {MAX_DID_LENGTH} characters")
    m = DID_RE.fullmatch(did)
    if m is None:
        raise InvalidDid(f"not a DID (DID Core 3.1 syntax: did:<method>:<method-specific-id>): {did[:80]!r}")
    return ParsedDid(did, m["method"], m["msi"])


def parse_did_url(did_url: object) -> ParsedDidUrl:
    """Split a DID URL into DID, path, query and fragment (DID Core 3.2); raises :class:`InvalidDidUrl`."""
    if not isinstance(did_url, str):
        raise InvalidDidUrl("a DID URL must be a string")
    if len(did_url) > MAX_DID_LENGTH:
        raise InvalidDidUrl(f"DID URL is longer than {MAX_DID_LENGTH} characters")
    m = DID_URL_RE.fullmatch(did_url)
    if m is None:
        raise InvalidDidUrl(f"not a DID URL (DID Core 3.2 syntax): {did_url[:80]!r}")
    parsed = parse_did(m["did"])
    return ParsedDidUrl(parsed, m["path"] or "", m["query"], m["fragment"])


def packet_min_ttl(packet: bytes) -> int | None:
    """Smallest TTL among the resource records of a DNS packet (RFC 1035 4.1.3), ``None`` if it has none or does
    not parse. did:dht keeps the DID document's records in the answer section (did:dht spec, "DIDs as DNS
    Records"); other sections are read too so a pkarr packet's TTLs also count."""
    try:
        msg = dns.message.from_wire(packet, ignore_trailing=False)
    except (dns.exception.DNSException, ValueError, IndexError, UnicodeError):
        return None
    ttls = [rrset.ttl for section in (msg.answer, msg.authority, msg.additional) for rrset in section]
    return min(ttls) if ttls else None
