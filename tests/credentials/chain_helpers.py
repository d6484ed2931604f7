"""Build signed lifecycle chains for tests.

``FakeSigner`` is a local stand-in for a Data Integrity suite (HMAC over the JCS form, keyed by the issuer DID) so
the chain logic is tested without the suites; ``test_lifecycle_real.py`` runs the same chains with eddsa-jcs-2022.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import rfc8785

from credentials.vocab import birth_certificate, lifecycle_event
from did.errors import IiotidError

OEM = "did:example:oem"
DEVICE = "did:example:device-1"
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
EVENT_CYCLE = ["commissioned", "calibrated", "firmwareUpdated", "repaired", "relocated", "calibrated"]

Signer = Callable[[dict[str, Any], str], dict[str, Any]]


def _mac(doc: Mapping[str, Any], issuer: str) -> str:
    body = {k: v for k, v in doc.items() if k != "proof"}
    return hmac.new(issuer.encode(), rfc8785.dumps(body), hashlib.sha256).hexdigest()


def fake_sign(doc: dict[str, Any], issuer: str) -> dict[str, Any]:
    return doc | {
        "proof": {
            "type": "DataIntegrityProof", "cryptosuite": "test-hmac", "verificationMethod": f"{issuer}#key-1",
            "proofPurpose": "assertionMethod", "proofValue": _mac(doc, issuer),
        }
    }


async def fake_verify(doc: Mapping[str, Any]) -> None:
    proof = doc.get("proof")
    if not isinstance(proof, Mapping) or not isinstance(proof.get("verificationMethod"), str):
        raise IiotidError("no proof", code="invalidProof")
    issuer = proof["verificationMethod"].split("#")[0]
    if not hmac.compare_digest(str(proof.get("proofValue")), _mac(doc, issuer)):
        raise IiotidError("proof value does not match", code="invalidProof")


def build_chain(
    n: int,
    *,
    sign: Signer = fake_sign,
    oem: str = OEM,
    actors: Callable[[int], str] | None = None,
    device: str = DEVICE,
    birth_status: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A birth certificate and ``n`` linked events, one minute apart, issued by ``actors(i)`` (default: the OEM)."""
    birth = sign(
        birth_certificate(
            oem, device,
            {"manufacturerName": "ACME Automation", "serialNumber": "SN-0001", "securityLevel": 2},
            id="urn:uuid:00000000-0000-4000-8000-000000000000", valid_from=T0, credential_status=birth_status,
        ),
        oem,
    )
    events: list[dict[str, Any]] = []
    prev = birth
    for i in range(1, n + 1):
        issuer = actors(i) if actors else oem
        vc = lifecycle_event(
            issuer, device, EVENT_CYCLE[(i - 1) % len(EVENT_CYCLE)], prev,
            event_time=T0 + timedelta(minutes=i), actor_role="manufacturer" if issuer == oem else None,
            site="Plant 4", id=f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
        )
        prev = sign(vc, issuer)
        events.append(prev)
    return birth, events
