"""``iiotid demo``: the whole story on embedded defaults, in one process, on the real agent classes.

1. An in-process loopback Mainline DHT of a few dozen nodes starts (:class:`did.dht.LocalSwarm`).
2. The OEM (:class:`agent.issuer.Issuer`, SQLite under the data dir) publishes its did:dht document and provisions
   the fleet: per device Ed25519 + P-256 keys, a did:dht record published on the DHT, an eddsa-rdfc-2022 birth
   certificate with status entries and a BBS attestation bound to a device secret.  Each device's holder agent
   (:class:`agent.holder.Holder`, a sealed file) imports its provisioning bundle.
3. An integrator (did:key) commissions every device: a lifecycle event chained to the birth certificate.
4. The plant operator (did:key) rolls out firmware 142 to part of the fleet (an event chained to the commissioning,
   and a re-issued BBS attestation), then reports one updated device stolen: the OEM revokes it (status list).
5. A rogue OEM, with its own did:dht identity, provisions a counterfeit device with firmware 150.
6. The access gateway (:class:`agent.verifier.Verifier`) loads its policy file: trusted issuer = the OEM,
   ``firmwareVersion >= 142`` and ``securityLevel >= 3`` as zero-knowledge range predicates, not revoked, credential
   at most a year old, pseudonym scoped to the gateway.  It challenges every device (single-use nonce); each holder
   answers with one presentation (:meth:`Holder.answer`) and the gateway admits or refuses it with a reason:
   ``oldFirmware`` (the device cannot prove the predicate), ``revoked``, ``untrustedIssuer`` (the counterfeit), and
   ``replayedChallenge`` (an eavesdropper resends an admitted device's answer).
7. The stolen device's lifecycle chain is exported and verified (:func:`credentials.lifecycle.verify_chain`:
   signatures resolved over the DHT, link digests, actors' roles, status) and written as a static HTML timeline.

Times are a story clock injected into the issuers: manufactured 30 days ago, commissioned 10 days ago, firmware
updated yesterday; the gateway decides now.
"""

from __future__ import annotations

import asyncio
import html
import json
import random
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.crypto_store import MIN_MEM, MIN_OPS
from agent.holder import Holder
from agent.issuer import Issuer, IssuerProfile, Signer
from agent.policy import Policy
from agent.storage import Storage
from agent.verifier import Decision, Verifier
from credentials.lifecycle import ChainPolicy, ChainReport, verify_chain
from credentials.vocab import payload_digest
from did import did_key
from did.dht import LocalSwarm
from did.errors import IiotidError
from did.keys import KeyType, PrivateKey
from resolver import Resolver

MIN_FIRMWARE = 142
NEW_FIRMWARE = 142
OLD_FIRMWARE = 120
MIN_SECURITY_LEVEL = 3
FIRMWARE_SHARE = 0.6  # part of the fleet the operator updates
# The demo's stores are throwaway; a real OEM's passphrase and device PINs come from its secret store.
DEMO_PASSPHRASE = "iiotid demo"  # noqa: S105
HOLDER_PIN = "demo-device-pin"
SITE = "Plant 4, line 2"
STATUS_CODES = frozenset({"revoked", "suspended"})
# What the demo owns in a data dir (removed at the start of a run, nothing else is touched).
DEMO_FILES = ("oem.sqlite", "rogue-oem.sqlite", "gateway-policy.json", "gateway-audit.jsonl", "timeline.html",
              "chain.json", "summary.json")

OEM_PROFILE = IssuerProfile(
    manufacturer="ACME Industrial",
    product_type="PX-400 pressure transmitter",
    status_base_url="https://oem.acme.example/status",
    gateway_endpoint="https://gw.plant4.example/api",
    hardware_version="C",
    firmware_version=OLD_FIRMWARE,
    security_level=3,
    country="DE",
)
ROGUE_PROFILE = IssuerProfile(
    manufacturer="ACME Industrial",  # a counterfeit claims the same nameplate; only the signer differs
    product_type="PX-400 pressure transmitter",
    status_base_url="https://status.rogue.example",
    firmware_version=150,
    security_level=4,
)


@dataclass
class Actor:
    """An integrator or operator: an Ed25519 did:key that signs lifecycle events."""

    name: str
    role: str
    signer: Signer

    @classmethod
    def generate(cls, name: str, role: str) -> Actor:
        key = PrivateKey.generate(KeyType.ED25519)
        did = did_key.did_from_public_key(key.public_key)
        return cls(name, role, Signer(key, f"{did}#{key.public_key.to_multibase()}"))

    @property
    def did(self) -> str:
        return self.signer.did


@dataclass
class Timings:
    marks: dict[str, float] = field(default_factory=dict)
    _t: float = field(default_factory=time.perf_counter)

    def mark(self, name: str) -> None:
        now = time.perf_counter()
        self.marks[name] = round(now - self._t, 2)
        self._t = now


class StoryClock:
    """The issuers' injected clock: set to each act's date, then back to now."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def days_ago(self, days: float) -> None:
        self.offset = -days * 86400

    def reset(self) -> None:
        self.offset = 0.0


def gateway_policy(oem_did: str, gateway_did: str) -> dict[str, Any]:
    """The gateway's policy file (agent.policy format)."""
    return {
        "name": "plant4-line2-gateway",
        "verifier": gateway_did,
        "trustedIssuers": [oem_did],
        "disclose": ["manufacturer", "productType"],
        "predicates": [
            {"attribute": "firmwareVersion", "op": "ge", "value": MIN_FIRMWARE},
            {"attribute": "securityLevel", "op": "ge", "value": MIN_SECURITY_LEVEL},
        ],
        "maxCredentialAgeDays": 365,
        "requireStatus": True,
        "pseudonym": True,
        "nonceTtlSeconds": 60,
        "sessionTtlSeconds": 300,
    }


def _clean(data_dir: Path) -> None:
    for name in DEMO_FILES:
        for suffix in ("", "-wal", "-shm", "-journal"):
            (data_dir / f"{name}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(data_dir / "devices", ignore_errors=True)


async def run_demo(
    *,
    devices: int = 100,
    nodes: int = 30,
    data_dir: Path | None = None,
    html_path: Path | None = None,
    seed: int = 7,
    console: Any = None,
) -> dict[str, Any]:
    """Run the story (module docstring); returns the summary (also printed when ``console`` is a rich Console)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    if devices < 3:
        raise IiotidError("the demo needs at least 3 devices (updated, revoked, old firmware)", code="invalidRequest")
    if nodes < 4:
        raise IiotidError("the demo's loopback DHT needs at least 4 nodes", code="invalidRequest")
    started = time.perf_counter()
    data_dir = Path(data_dir) if data_dir is not None else Path(tempfile.mkdtemp(prefix="iiotid-demo-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    _clean(data_dir)
    html_path = html_path or data_dir / "timeline.html"
    progress = Progress(
        TextColumn("{task.description:<42}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True, disable=console is None,
    )
    timings = Timings()
    with progress:
        boot = progress.add_task(f"starting a {nodes}-node loopback DHT", total=nodes * 2)
        swarm = LocalSwarm(nodes, seed=seed, progress=lambda d, t: progress.update(boot, completed=d))
        await swarm.start()
        progress.update(boot, completed=nodes * 2)
        timings.mark("dht")
        try:
            summary = await _story(swarm, data_dir, devices, html_path, random.Random(seed), progress, timings)
        finally:
            await swarm.stop()
    summary["seconds"] = round(time.perf_counter() - started, 2)
    summary["timings"] = timings.marks
    (data_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    if console is not None:
        _print_summary(console, summary)
    return summary


async def _story(
    swarm: LocalSwarm,
    data_dir: Path,
    count: int,
    html_path: Path,
    rand: random.Random,
    progress: Any,
    timings: Timings,
) -> dict[str, Any]:
    clock = StoryClock()
    holders_dir = data_dir / "devices"
    holders_dir.mkdir()
    oem_store = await Storage.open(data_dir / "oem.sqlite")
    rogue_store = await Storage.open(data_dir / "rogue-oem.sqlite")
    resolver = Resolver(dht=swarm.nodes[-1], timeout=5.0)
    verifier: Verifier | None = None
    try:
        # -- act 1: the OEM provisions the fleet (30 days ago) --------------------------------------------------
        clock.days_ago(30)
        oem = await Issuer.initialize(oem_store, DEMO_PASSPHRASE, OEM_PROFILE, dht=swarm.nodes[1], resolver=resolver,
                                      kdf_ops=MIN_OPS, kdf_mem=MIN_MEM, clock=clock)
        serials = [f"ACME-PX{i:05d}" for i in range(count)]
        task = progress.add_task(f"OEM provisions {count} devices", total=count)
        report = await oem.provision(serials, progress=lambda n: progress.advance(task, n))
        if report.count("created") != count:
            failed = [r.to_json() for r in report.results if r.status == "failed"][:3]
            raise IiotidError(f"provisioning failed: {failed}", code="demoFailed")
        if report.unpublished:
            await oem.republish_pending()
        holders: dict[str, Holder] = {}
        task = progress.add_task("devices import their bundles", total=count)
        for serial in serials:
            holder = Holder.create(holders_dir / f"{serial}.holder", HOLDER_PIN, ops=MIN_OPS, mem=MIN_MEM)
            holder.import_bundle(await oem.device_bundle(serial))
            holders[serial] = holder
            progress.advance(task)
        timings.mark("provision")

        # -- act 2: the integrator commissions every device (10 days ago) ---------------------------------------
        integrator = Actor.generate("Integrator (Systemhaus Nord)", "integrator")
        operator = Actor.generate("Plant operator (Plant 4)", "operator")
        clock.days_ago(10)
        task = progress.add_task("integrator commissions the fleet", total=count)
        for serial in serials:
            event = await oem.issue_event(serial, "commissioned", signer=integrator.signer, actor_role="integrator",
                                          site=SITE)
            holders[serial].add_credential(event)
            progress.advance(task)
        timings.mark("commission")

        # -- act 3: firmware 142 on part of the fleet (yesterday), one updated device revoked -------------------
        updated = sorted(rand.sample(serials, max(2, round(count * FIRMWARE_SHARE))))
        clock.days_ago(1)
        firmware = b"PX-400 firmware 142 (signed image)"
        task = progress.add_task(f"operator updates firmware on {len(updated)}", total=len(updated))
        for serial in updated:
            event = await oem.issue_event(
                serial, "firmwareUpdated", signer=operator.signer, actor_role="operator", site=SITE,
                payload_digests=[payload_digest(firmware, name="px400-fw-142.bin")], firmware_version=NEW_FIRMWARE,
            )
            holders[serial].add_credential(event)
            holders[serial].update_attestation(await oem.attestation(serial))
            progress.advance(task)
        clock.reset()
        stolen = rand.choice(updated)
        revocation = await oem.set_status(stolen, "revoke")
        timings.mark("operate")

        # -- act 4: a rogue OEM makes a counterfeit with newer firmware ----------------------------------------
        rogue = await Issuer.initialize(rogue_store, DEMO_PASSPHRASE, ROGUE_PROFILE, dht=swarm.nodes[2],
                                        kdf_ops=MIN_OPS, kdf_mem=MIN_MEM)
        fake_serial = "ACME-PX99999"
        await rogue.provision([fake_serial])
        fake = Holder.create(holders_dir / f"{fake_serial}.holder", HOLDER_PIN, ops=MIN_OPS, mem=MIN_MEM)
        fake.import_bundle(await rogue.device_bundle(fake_serial))
        timings.mark("rogue")

        # -- act 5: the gateway admits or refuses by policy ----------------------------------------------------
        gateway_key = PrivateKey.generate(KeyType.ED25519)
        gateway_did = did_key.did_from_public_key(gateway_key.public_key)
        policy_file = data_dir / "gateway-policy.json"
        policy_file.write_text(json.dumps(gateway_policy(oem.did, gateway_did), indent=2))

        async def status_source(issuer_did: str) -> Mapping[str, Any]:
            if issuer_did != oem.did:
                raise IiotidError(f"no status list known for {issuer_did}", code="statusUnknown")
            return await oem.status_list_credential(revocation["list"])

        verifier = Verifier(Policy.load(policy_file), resolver=resolver, status_source=status_source,
                            signing_key=gateway_key, audit_path=data_dir / "gateway-audit.jsonl")
        fleet: list[tuple[str, Holder]] = [*holders.items(), (fake_serial, fake)]
        decisions: dict[str, Decision] = {}
        reasons: Counter[str] = Counter()
        examples: dict[str, str] = {}
        replayable: dict[str, Any] | None = None
        task = progress.add_task("gateway challenges every device", total=len(fleet) + 1)
        for serial, holder in fleet:
            answer = holder.answer(verifier.challenge())
            decision = await verifier.decide(answer)
            decisions[serial] = decision
            reasons[decision.reason] += 1
            if decision.reasons:
                examples.setdefault(decision.reason, decision.reasons[0].message)
            elif replayable is None:
                replayable = answer
            progress.advance(task)
            await asyncio.sleep(0)
        if replayable is not None:  # an eavesdropper resends an admitted device's answer
            replay = await verifier.decide(replayable)
            reasons[replay.reason] += 1
            if replay.reasons:
                examples.setdefault(replay.reason, replay.reasons[0].message)
        progress.advance(task)
        timings.mark("gateway")

        # -- act 6: anyone can verify the stolen device's history -----------------------------------------------
        chain = await oem.export_chain(stolen)
        (data_dir / "chain.json").write_text(json.dumps(chain, indent=2))  # `iiotid vc chain verify` input
        chain_policy = ChainPolicy(
            manufacturers=frozenset({oem.did}),
            roles={"integrator": frozenset({integrator.did}), "operator": frozenset({operator.did})},
            event_issuers={"commissioned": ("integrator",), "firmwareUpdated": ("operator",),
                           "*": ("manufacturer", "owner")},
        )

        async def status_loader(url: str) -> Mapping[str, Any]:
            list_id = url.rsplit("/", 1)[-1]
            return await oem.status_list_credential(list_id)

        chain_report = await verify_chain(chain[0], *chain[1:], policy=chain_policy, resolver=resolver,
                                          status_loader=status_loader)
        names = {oem.did: f"{OEM_PROFILE.manufacturer} (OEM)", integrator.did: integrator.name,
                 operator.did: operator.name}
        device_row = await oem_store.get_device(stolen)
        assert device_row is not None
        attrs = json.loads(device_row.attributes)
        page = render_timeline(
            serial=stolen, did=device_row.did, chain=chain, report=chain_report, names=names,
            state=device_row.state, firmware=str(attrs.get("firmwareVersion")), revocation=revocation,
            decision=decisions[stolen], gateway=verifier.policy.name,
        )
        html_path.parent.mkdir(parents=True, exist_ok=True)
        html_path.write_text(page, encoding="utf-8")
        timings.mark("chain")
        link_issues = [i for i in chain_report.issues if i.code not in STATUS_CODES]
        return {
            "devices": count,
            "dhtNodes": len(swarm.nodes),
            "dataDir": str(data_dir),
            "oem": oem.did,
            "rogueOem": rogue.did,
            "gateway": gateway_did,
            "policy": str(policy_file),
            "firmwareUpdated": len(updated),
            "revoked": stolen,
            "counterfeit": fake_serial,
            "decisions": dict(reasons),
            "admitted": reasons["admitted"],
            "reasonExamples": examples,
            "chainDevice": stolen,
            "chainLength": len(chain),
            "chainFile": str(data_dir / "chain.json"),
            "chainVerified": not link_issues,
            "chainStatus": "revoked" if "revoked" in chain_report.codes() else "active",
            "chainIssues": [i.to_dict() for i in link_issues],
            "html": str(html_path),
        }
    finally:
        if verifier is not None:
            verifier.close()
        await resolver.aclose()
        await oem_store.close()
        await rogue_store.close()


# ------------------------------------------------------------------------------------------------------- HTML
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:60rem;color:#1d2430}
h1{margin-bottom:.2rem} .did{font-family:ui-monospace,monospace;font-size:.85rem;word-break:break-all;color:#445}
.state{display:flex;gap:.6rem;flex-wrap:wrap;margin:1rem 0}
.badge{border-radius:1rem;padding:.2rem .8rem;font-size:.9rem;background:#e8eef5}
.badge.bad{background:#fde2e1;color:#8a1712} .badge.good{background:#dff3e4;color:#165c2a}
ol{list-style:none;border-left:3px solid #2a6;padding-left:1.2rem;margin-left:.5rem}
li.event{margin:0 0 1.4rem;position:relative}
li.event::before{content:"";position:absolute;left:-1.75rem;top:.35rem;width:.8rem;height:.8rem;border-radius:50%;
 background:#2a6} li.event.failed::before{background:#c33}
time{color:#555;font-size:.9rem} .detail{margin:.15rem 0} h2{margin:.2rem 0;font-size:1.1rem}
.link{font-family:ui-monospace,monospace;font-size:.78rem;color:#556;word-break:break-all}
.check{font-size:.9rem} .check.ok{color:#165c2a} .check.fail{color:#8a1712}
footer{margin-top:2rem;font-size:.8rem;color:#667}
"""


def _issuer_id(cred: Mapping[str, Any]) -> str:
    issuer = cred.get("issuer")
    return str(issuer.get("id") if isinstance(issuer, Mapping) else issuer)


def render_timeline(
    *,
    serial: str,
    did: str,
    chain: Sequence[Mapping[str, Any]],
    report: ChainReport,
    names: Mapping[str, str],
    state: str,
    firmware: str,
    revocation: Mapping[str, Any] | None = None,
    decision: Decision | None = None,
    gateway: str = "gateway",
) -> str:
    """One device's lifecycle chain as a static HTML timeline: inline CSS, no scripts, no external resources.

    Each credential is an ``li.event`` (``data-type``, ``data-seq``, ``data-verified``) with its date, actor, the
    digest link to the one before and its check result from ``report`` (signature, link, actor's role, status)."""
    esc: Callable[[object], str] = lambda v: html.escape(str(v), quote=True)  # noqa: E731
    rows = []
    for seq, cred in enumerate(chain):
        subject = cred.get("credentialSubject", {})
        event = subject.get("lifecycleEvent", {}) if isinstance(subject, Mapping) else {}
        is_birth = seq == 0
        kind = "birth certificate" if is_birth else str(event.get("eventType", "event"))
        when = str(event.get("eventTime") or cred.get("validFrom") or "")
        issuer = _issuer_id(cred)
        role = "manufacturer" if is_birth else str(event.get("actorRole", ""))
        issues = report.at(seq)
        link_issues = [i for i in issues if i.code not in STATUS_CODES]
        status_issues = [i for i in issues if i.code in STATUS_CODES]
        prev = event.get("previousEvent", {}) if isinstance(event, Mapping) else {}
        link = (f'previous: {esc(prev.get("id", ""))} · {esc(prev.get("digestMultibase", ""))}' if not is_birth
                else "first record (no predecessor)")
        if link_issues:
            check = (f'<p class="check fail">✗ not verified: '
                     f'{esc("; ".join(f"{i.code}: {i.message}" for i in link_issues))}</p>')
        else:
            what = "signature verified" + ("" if is_birth else ", hash link verified") + f", {esc(role)} authorised"
            check = f'<p class="check ok">✓ {what}</p>'
        if status_issues:
            check += f'<p class="check status fail">status: {esc(status_issues[0].code)}</p>'
        details = []
        if is_birth:
            claims = subject if isinstance(subject, Mapping) else {}
            for key in ("manufacturerName", "manufacturerProductType", "serialNumber", "firmwareVersion",
                        "securityLevel"):
                if key in claims:
                    details.append(f"{key}: {claims[key]}")
        for d in event.get("payloadDigests", []) or []:
            details.append(f"payload {d.get('name', '')} {d.get('digestMultibase', '')}")
        if event.get("site"):
            details.append(f"site: {event['site']}")
        rows.append(
            f'<li class="event{" failed" if link_issues else ""}" data-type="{esc(kind)}" data-seq="{seq}" '
            f'data-verified="{str(not link_issues).lower()}" data-issuer="{esc(issuer)}">'
            f'<time datetime="{esc(when)}">{esc(when.replace("T", " "))}</time>'
            f'<h2>{esc(kind)}</h2>'
            f'<p class="actor">by <b>{esc(names.get(issuer, issuer))}</b> ({esc(role)})'
            f' <span class="did">{esc(issuer)}</span></p>'
            + "".join(f'<p class="detail">{esc(d)}</p>' for d in details)
            + f'<p class="link">{link}</p>{check}</li>'
        )
    link_ok = not [i for i in report.issues if i.code not in STATUS_CODES]
    revoked = state == "revoked" or "revoked" in report.codes()
    badges = [
        f'<span class="badge {"good" if link_ok else "bad"}" id="chain-state" data-verified="{str(link_ok).lower()}">'
        f'chain {"verified" if link_ok else "NOT verified"}: {len(chain)} credentials, each hash-linked to the one '
        f'before</span>',
        f'<span class="badge {"bad" if revoked else "good"}" id="device-state" data-state="{esc(state)}">'
        f'{"revoked" if revoked else esc(state)}'
        + (f' (status list {esc(revocation.get("list"))}, index {esc(revocation.get("index"))})'
           if revoked and revocation else "") + "</span>",
        f'<span class="badge" id="firmware" data-firmware="{esc(firmware)}">firmware {esc(firmware)}</span>',
    ]
    if decision is not None:
        verdict = "admitted" if decision.admitted else f"refused: {decision.reason}"
        badges.append(f'<span class="badge {"good" if decision.admitted else "bad"}" id="gateway-decision" '
                      f'data-decision="{esc(decision.reason)}">{esc(gateway)}: {esc(verdict)}</span>')
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Lifecycle of {esc(serial)}</title>
<style>{_CSS}</style></head><body>
<h1 id="device">{esc(serial)}</h1>
<p class="did" id="did">{esc(did)}</p>
<div class="state">{"".join(badges)}</div>
<ol id="timeline">
{chr(10).join(rows)}
</ol>
<footer>Generated by iiotid demo. Verified with credentials.lifecycle.verify_chain: eddsa-rdfc-2022 proofs
(issuer DIDs resolved on the loopback DHT), previousEvent digests, sequence numbers, actors' roles, Bitstring Status
List.</footer>
</body></html>
"""


def _print_summary(console: Any, summary: dict[str, Any]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"iiotid demo: {summary['devices']} devices + 1 counterfeit, "
                        f"{summary['dhtNodes']}-node loopback DHT")
    table.add_column("gateway decision")
    table.add_column("devices", justify="right")
    table.add_column("why")
    why = {"admitted": f"firmware >= {MIN_FIRMWARE}, security level >= {MIN_SECURITY_LEVEL}, not revoked "
                       "(proven in zero knowledge; session token bound to a per-gateway pseudonym)"}
    for reason, n in sorted(summary["decisions"].items(), key=lambda kv: (kv[0] != "admitted", kv[0])):
        table.add_row(Text(reason), str(n), Text(why.get(reason) or summary["reasonExamples"].get(reason, "")))
    console.print(table)
    plain = {"markup": False, "emoji": False, "highlight": False}  # DIDs contain ':key:', not an emoji
    console.print(f"OEM        {summary['oem']}", **plain)
    console.print(f"rogue OEM  {summary['rogueOem']}", **plain)
    console.print(f"gateway    {summary['gateway']}  (policy {summary['policy']})", **plain)
    console.print(
        f"chain of {summary['chainDevice']} ({summary['chainLength']} credentials): "
        f"{'verified' if summary['chainVerified'] else 'NOT verified'}, device {summary['chainStatus']}"
        f" -> {summary['html']}",
        **plain,
    )
    console.print(f"state in {summary['dataDir']}  ({summary['seconds']} s)", **plain)


def main_sync(**kwargs: Any) -> dict[str, Any]:
    return asyncio.run(run_demo(**kwargs))
