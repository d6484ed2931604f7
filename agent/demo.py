"""``iiotid demo``: the whole story on embedded defaults, in one process.

An OEM provisions devices (did:dht identities published on an in-process loopback Mainline DHT, a signed birth
certificate, a BBS-signed attribute attestation, a Bitstring Status List entry), an integrator commissions them,
an operator updates firmware on some and revokes one, and an access gateway admits or refuses each device by policy
from a zero-knowledge presentation (BBS selective disclosure bound to a single-use nonce and the gateway's DID).
Refusals carry their reason: old firmware, revoked, untrusted issuer, replayed challenge. State goes to SQLite files
under the data directory; one device's lifecycle chain is written as an HTML timeline.
"""

from __future__ import annotations

import asyncio
import html
import json
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite

import credentials
from credentials.lifecycle import ChainPolicy, verify_chain
from credentials.status_list import StatusList
from credentials.vocab import birth_certificate, lifecycle_event, payload_digest
from did import did_dht, did_key
from did.dht import LocalSwarm
from did.errors import IiotidError
from did.keys import KeyType, PrivateKey
from resolver import Resolver
from zkp import bbs
from zkp.errors import ZkpError

MIN_FIRMWARE = 142
MIN_SECURITY_LEVEL = 3
# The attestation's BBS messages, in signing order; the gateway sees only the disclosed ones.
ATTRIBUTES = [
    "manufacturer",
    "productType",
    "serialNumber",
    "firmwareVersion",
    "securityLevel",
    "statusIndex",
    "device",
]
DISCLOSED = [0, 3, 4, 5]


@dataclass
class Actor:
    name: str
    key: PrivateKey
    did: str
    vm: str

    @classmethod
    def with_did_key(cls, name: str) -> Actor:
        key = PrivateKey.generate(KeyType.ED25519)
        did = did_key.did_from_public_key(key.public_key)
        return cls(name, key, did, f"{did}#{key.public_key.to_multibase()}")


@dataclass
class BbsIssuer:
    """An issuer of BBS attribute attestations, identified by its BLS12-381 G2 did:key."""

    name: str
    sk: int
    pk: bytes
    did: str

    @classmethod
    def generate(cls, name: str) -> BbsIssuer:
        key = PrivateKey.generate(KeyType.BLS12381_G2)
        sk = int.from_bytes(key.raw, "big")  # did.keys stores the BBS secret scalar big-endian (draft KeyGen)
        return cls(name, sk, key.public_key.raw, did_key.did_from_public_key(key.public_key))

    def attest(self, attrs: dict[str, str]) -> dict[str, Any]:
        messages = [attrs[a].encode() for a in ATTRIBUTES]
        sig = bbs.sign(self.sk, self.pk, self.did.encode(), messages)
        return {"issuer": self.did, "messages": attrs, "signature": sig.hex()}


@dataclass
class Device:
    serial: str
    key: PrivateKey
    did: str
    firmware: int
    security_level: int
    status_index: int
    birth: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    attestation: dict[str, Any] = field(default_factory=dict)

    def present(self, nonce: bytes, gateway_did: str) -> dict[str, Any]:
        """Answer a gateway challenge: a BBS proof disclosing only the policy's attributes, bound to the nonce."""
        att = self.attestation
        messages = [att["messages"][a].encode() for a in ATTRIBUTES]
        issuer_pk = did_key.public_key_from_did(att["issuer"]).raw
        ph = nonce + gateway_did.encode()
        proof = bbs.proof_gen(
            issuer_pk, bytes.fromhex(att["signature"]), att["issuer"].encode(), ph, messages, DISCLOSED
        )
        return {
            "issuer": att["issuer"],
            "nonce": nonce.hex(),
            "disclosed": {str(i): att["messages"][ATTRIBUTES[i]] for i in DISCLOSED},
            "proof": proof.hex(),
        }


@dataclass
class Decision:
    admitted: bool
    reason: str
    detail: str = ""


class Gateway:
    """An access gateway: policy, single-use expiring nonces, BBS presentation check, status check, audit log."""

    def __init__(self, trusted_issuers: set[str], status_bits: StatusList, *, nonce_ttl: float = 30.0) -> None:
        self.actor = Actor.with_did_key("gateway")
        self.trusted = trusted_issuers
        self.status = status_bits
        self.nonce_ttl = nonce_ttl
        self.nonces: dict[bytes, float] = {}
        self.audit: list[dict[str, Any]] = []

    def challenge(self) -> bytes:
        nonce = secrets.token_bytes(16)
        self.nonces[nonce] = time.monotonic() + self.nonce_ttl
        return nonce

    def decide(self, presentation: dict[str, Any]) -> Decision:
        decision = self._decide(presentation)
        self.audit.append(
            {
                "time": datetime.now(UTC).isoformat(),
                "issuer": presentation.get("issuer"),
                "admitted": decision.admitted,
                "reason": decision.reason,
            }
        )
        return decision

    def _decide(self, p: dict[str, Any]) -> Decision:
        try:
            nonce = bytes.fromhex(p["nonce"])
        except (KeyError, ValueError):
            return Decision(False, "malformedPresentation")
        expiry = self.nonces.pop(nonce, None)  # single use: consumed whatever the outcome
        if expiry is None:
            return Decision(False, "replayedChallenge", "nonce unknown or already used")
        if time.monotonic() > expiry:
            return Decision(False, "expiredChallenge")
        if p.get("issuer") not in self.trusted:
            return Decision(False, "untrustedIssuer", str(p.get("issuer")))
        try:
            pk = did_key.public_key_from_did(p["issuer"]).raw
            disclosed = {int(i): v.encode() for i, v in p["disclosed"].items()}
            bbs.proof_verify(
                pk, bytes.fromhex(p["proof"]), p["issuer"].encode(), nonce + self.actor.did.encode(), disclosed
            )
        except (IiotidError, ZkpError, KeyError, ValueError) as exc:
            return Decision(False, "invalidProof", str(exc))
        values = {ATTRIBUTES[int(i)]: v for i, v in p["disclosed"].items()}
        if int(values["securityLevel"]) < MIN_SECURITY_LEVEL:
            return Decision(False, "securityLevelTooLow", values["securityLevel"])
        if int(values["firmwareVersion"]) < MIN_FIRMWARE:
            return Decision(False, "oldFirmware", f"firmware {values['firmwareVersion']} < {MIN_FIRMWARE}")
        if self.status.get(int(values["statusIndex"])):
            return Decision(False, "revoked", f"status list index {values['statusIndex']}")
        return Decision(True, "admitted")


SCHEMA = """
CREATE TABLE IF NOT EXISTS devices (serial TEXT PRIMARY KEY, did TEXT NOT NULL, status_index INTEGER NOT NULL,
                                    firmware INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS credentials (id TEXT PRIMARY KEY, serial TEXT NOT NULL REFERENCES devices(serial),
                                        kind TEXT NOT NULL, sequence INTEGER NOT NULL, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS decisions (serial TEXT NOT NULL, admitted INTEGER NOT NULL, reason TEXT NOT NULL);
"""


async def run_demo(
    *,
    devices: int = 100,
    nodes: int = 30,
    data_dir: Path = Path("demo-data"),
    html_path: Path | None = None,
    console: Any = None,
) -> dict[str, Any]:
    """Run the story; returns a summary (also printed when ``console`` is a rich Console)."""
    from rich.progress import Progress

    started = time.perf_counter()
    data_dir.mkdir(parents=True, exist_ok=True)
    html_path = html_path or data_dir / "timeline.html"
    db_path = data_dir / "oem.sqlite"
    db_path.unlink(missing_ok=True)
    db = await aiosqlite.connect(db_path)
    await db.execute("PRAGMA journal_mode=WAL")
    await db.executescript(SCHEMA)
    summary: dict[str, Any] = {}
    progress = Progress(console=console, transient=True, disable=console is None)
    try:
        with progress:
            boot = progress.add_task("starting the loopback DHT", total=nodes * 2)
            swarm = LocalSwarm(nodes, progress=lambda d, t: progress.update(boot, completed=d))
            await swarm.start()
        try:
            summary = await _story(swarm, db, devices, html_path, progress, console)
        finally:
            await swarm.stop()
    finally:
        await db.close()
    summary["seconds"] = round(time.perf_counter() - started, 2)
    summary["html"] = str(html_path)
    summary["database"] = str(db_path)
    if console is not None:
        _print_summary(console, summary)
    return summary


async def _story(
    swarm: LocalSwarm, db: aiosqlite.Connection, count: int, html_path: Path, progress: Any, console: Any
) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    oem_identity = PrivateKey.generate(KeyType.ED25519)
    oem_did = did_dht.did_from_identity_key(oem_identity.public_key)
    oem_doc = did_dht.create_document(oem_identity)
    await swarm.nodes[0].put_mutable(did_dht.to_bep44(oem_identity, oem_doc), keep_alive=True)
    oem = Actor("ACME OEM", oem_identity, oem_did, f"{oem_did}#0")
    oem_bbs = BbsIssuer.generate("ACME attestation key")
    rogue_bbs = BbsIssuer.generate("rogue factory")
    integrator = Actor.with_did_key("Integrator")
    operator = Actor.with_did_key("Plant operator")
    resolver = Resolver(dht=swarm.client())

    status = StatusList("https://status.acme.example/lists/1", purpose="revocation")
    made: list[Device] = []
    with progress:
        task = progress.add_task(f"provisioning {count} devices", total=count)
        for i in range(count):
            serial = f"ACME-PX{i:05d}"
            key = PrivateKey.generate(KeyType.ED25519)
            doc = did_dht.create_document(
                key, services=[{"id": "gw", "type": "IIoTGateway", "serviceEndpoint": "https://gw.plant4.example"}]
            )
            await swarm.client().put_mutable(did_dht.to_bep44(key, doc))
            did = did_dht.did_from_identity_key(key.public_key)
            entry = status.new_entry()
            index = int(entry["statusListIndex"])
            birth = credentials.issue(
                birth_certificate(
                    oem.did,
                    did,
                    {
                        "manufacturerName": "ACME Industrial",
                        "manufacturerProductType": "PX-400 pressure transmitter",
                        "serialNumber": serial,
                        "hardwareVersion": "C",
                        "firmwareVersion": "120",
                        "dateOfManufacture": (now - timedelta(days=30)).date().isoformat(),
                        "countryOfOrigin": "DE",
                        "securityLevel": 3,
                    },
                    credential_status=entry,
                    valid_from=now - timedelta(days=30),
                ),
                key=oem.key,
                verification_method=oem.vm,
                suite="eddsa-rdfc-2022",
                created=now - timedelta(days=30),
            )
            device = Device(serial, key, did, 120, 3, index, birth)
            issuer = rogue_bbs if i == count - 1 else oem_bbs  # the last one comes from a counterfeit line
            device.attestation = issuer.attest(_attrs(device))
            made.append(device)
            await db.execute("INSERT INTO devices VALUES (?, ?, ?, ?)", (serial, did, index, 120))
            await db.execute(
                "INSERT INTO credentials VALUES (?, ?, 'birth', 0, ?)", (birth["id"], serial, json.dumps(birth))
            )
            await db.commit()
            progress.update(task, advance=1)

        task = progress.add_task("commissioning and firmware updates", total=count)
        for i, device in enumerate(made):
            event = credentials.issue(
                lifecycle_event(
                    integrator.did,
                    device.did,
                    "commissioned",
                    device.birth,
                    event_time=now - timedelta(days=10),
                    actor_role="integrator",
                    site="Plant 4, line 2",
                ),
                key=integrator.key,
                verification_method=integrator.vm,
                suite="eddsa-rdfc-2022",
                created=now - timedelta(days=10),
            )
            device.events.append(event)
            if i % 3 == 0:  # the operator rolls out firmware 142 to a third of the fleet
                fw = b"PX-400 firmware 142"
                update = credentials.issue(
                    lifecycle_event(
                        operator.did,
                        device.did,
                        "firmwareUpdated",
                        event,
                        event_time=now - timedelta(days=1),
                        actor_role="operator",
                        site="Plant 4, line 2",
                        payload_digests=[payload_digest(fw, name="px400-fw-142.bin")],
                    ),
                    key=operator.key,
                    verification_method=operator.vm,
                    suite="eddsa-rdfc-2022",
                    created=now - timedelta(days=1),
                )
                device.events.append(update)
                device.firmware = 142
                if device.attestation["issuer"] == oem_bbs.did:
                    device.attestation = oem_bbs.attest(_attrs(device))  # re-attested after the update
            for seq, ev in enumerate(device.events, start=1):
                await db.execute(
                    "INSERT INTO credentials VALUES (?, ?, 'event', ?, ?)",
                    (ev["id"], device.serial, seq, json.dumps(ev)),
                )
            await db.execute("UPDATE devices SET firmware = ? WHERE serial = ?", (device.firmware, device.serial))
            await db.commit()
            progress.update(task, advance=1)

    revoked = made[0]  # updated but then reported stolen
    status.revoke(revoked.status_index)
    list_credential = credentials.issue(
        status.credential(oem.did), key=oem.key, verification_method=oem.vm, suite="eddsa-rdfc-2022"
    )

    # The gateway: trusts the OEM's attestation key, needs firmware >= 142 and security level >= 3, not revoked.
    gateway = Gateway({oem_bbs.did}, status)
    reasons: Counter[str] = Counter()
    last_presentation: dict[str, Any] | None = None
    admitted_device: Device | None = None
    for device in made:
        presentation = device.present(gateway.challenge(), gateway.actor.did)
        decision = gateway.decide(presentation)
        reasons[decision.reason] += 1
        if decision.admitted:
            last_presentation, admitted_device = presentation, device
        await db.execute(
            "INSERT INTO decisions VALUES (?, ?, ?)", (device.serial, int(decision.admitted), decision.reason)
        )
    if last_presentation is not None:  # an eavesdropper replays an admitted device's presentation
        replay = gateway.decide(last_presentation)
        reasons[replay.reason] += 1
    await db.commit()

    # Anyone can verify a device's history offline: the chain of its birth certificate and events.
    shown = admitted_device or made[1]
    policy = ChainPolicy(
        manufacturers=frozenset({oem.did}),
        roles={"integrator": frozenset({integrator.did}), "operator": frozenset({operator.did})},
        event_issuers={
            "commissioned": ("integrator",),
            "firmwareUpdated": ("operator",),
            "*": ("manufacturer", "owner"),
        },
    )

    async def loader(url: str) -> dict[str, Any]:
        return list_credential

    report = await verify_chain(shown.birth, *shown.events, policy=policy, resolver=resolver, status_loader=loader)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(
        render_timeline(
            shown, report.verified, {oem.did: oem.name, integrator.did: integrator.name, operator.did: operator.name}
        )
    )
    return {
        "devices": len(made),
        "dhtNodes": len(swarm.nodes),
        "oem": oem.did,
        "decisions": dict(reasons),
        "admitted": reasons["admitted"],
        "chainDevice": shown.serial,
        "chainVerified": report.verified,
        "chainIssues": [i.to_dict() if hasattr(i, "to_dict") else str(i) for i in getattr(report, "issues", [])],
    }


def _attrs(device: Device) -> dict[str, str]:
    return {
        "manufacturer": "ACME Industrial",
        "productType": "PX-400 pressure transmitter",
        "serialNumber": device.serial,
        "firmwareVersion": str(device.firmware),
        "securityLevel": str(device.security_level),
        "statusIndex": str(device.status_index),
        "device": device.did,
    }


def render_timeline(device: Device, verified: bool, names: dict[str, str]) -> str:
    """One device's lifecycle chain as a static HTML timeline (no scripts, no external resources)."""
    rows = []
    for cred in [device.birth, *device.events]:
        event = cred["credentialSubject"].get("lifecycleEvent", {})
        kind = "birth certificate" if "DeviceBirthCertificate" in cred["type"] else event.get("eventType", "event")
        when = event.get("eventTime") or cred.get("validFrom") or cred["proof"]["created"]
        issuer = cred["issuer"] if isinstance(cred["issuer"], str) else cred["issuer"]["id"]
        link = event.get("previousEvent", {}).get("digestMultibase", "")
        where = " · ".join(str(event[k]) for k in ("actorRole", "site") if k in event)
        rows.append(
            f'<li class="event" data-type="{html.escape(kind)}"><time>{html.escape(str(when))}</time>'
            f'<h2>{html.escape(kind)}</h2><p class="issuer">{html.escape(names.get(issuer, issuer))}</p>'
            f'<p class="where">{html.escape(where)}</p>'
            f'<p class="link">{"previous: " + html.escape(link) if link else "first record"}</p></li>'
        )
    state = "verified" if verified else "NOT verified"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lifecycle of {html.escape(device.serial)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem}}
ol{{list-style:none;border-left:3px solid #2a6;padding-left:1rem}} li{{margin:0 0 1.2rem}} time{{color:#555}}
h2{{margin:.2rem 0;font-size:1.1rem}} .link{{font-family:monospace;font-size:.8rem}}
</style></head><body>
<h1 id="device">{html.escape(device.serial)}</h1>
<p id="did">{html.escape(device.did)}</p>
<p id="chain-state">Chain {state}: {len(device.events) + 1} credentials, each hash-linked to the one before.</p>
<ol id="timeline">
{chr(10).join(rows)}
</ol></body></html>
"""


def _print_summary(console: Any, summary: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title=f"iiotid demo: {summary['devices']} devices on a {summary['dhtNodes']}-node loopback DHT")
    table.add_column("gateway decision")
    table.add_column("devices", justify="right")
    for reason, n in sorted(summary["decisions"].items(), key=lambda kv: (kv[0] != "admitted", kv[0])):
        table.add_row(reason, str(n))
    console.print(table)
    console.print(f"OEM did:dht: {summary['oem']}")
    console.print(
        f"chain of {summary['chainDevice']}: {'verified' if summary['chainVerified'] else 'NOT verified'}"
        f" -> {summary['html']}"
    )
    console.print(f"state: {summary['database']}  ({summary['seconds']} s)")


def main_sync(**kwargs: Any) -> dict[str, Any]:
    return asyncio.run(run_demo(**kwargs))
