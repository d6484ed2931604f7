"""The OEM issuer agent: batch provisioning, lifecycle issuance, status changes, chain export.

Provisioning one device (:meth:`Issuer.provision`) makes, in ONE storage transaction per chunk of devices (a device
is always whole or absent):

* its keys: ``#0`` Ed25519 identity and ``#attest`` P-256 (specs/did-dht-iiot.md section 2), generated here and sealed
  in the key vault, **or** imported from the device's secure element (:class:`DeviceRequest` with ``public_key``):
  then the device proves possession by signing :func:`pop_challenge` and supplies its own signed did:dht record;
* its did:dht document (identity + attest key, ``IIoTGateway`` service, ``controller`` = the OEM DID) and the signed
  BEP 44 record (relay bytes kept in storage, so a republish sends identical bytes);
* a ``DeviceBirthCertificate`` (eddsa-rdfc-2022 by the OEM's ``#assert-N`` key) with a revocation and a suspension
  ``BitstringStatusListEntry`` (random indexes, Bitstring Status List section 6.1);
* a BBS attestation (:mod:`agent.attestation`) binding a fresh device secret, for zero-knowledge presentations.

Then the DHT records are published concurrently (bounded by ``concurrency``) and marked ``published`` in a second
transaction.  Idempotent by serial: a serial already stored is reported ``existing`` (and republished if its
publication was never confirmed); a crash anywhere resumes with the next call.

    issuer = await Issuer.initialize(storage, passphrase, IssuerProfile(...), dht=node)   # once
    issuer = await Issuer.load(storage, passphrase, dht=node)
    report = await issuer.provision(["SN1", DeviceRequest("SN2", public_key=..., proof=..., record=...)])
    event = await issuer.issue_event("SN1", "firmwareUpdated", signer=None, firmware_version=142, ...)
    await issuer.append_event("SN1", signed_event_from_an_integrator)
    chain = await issuer.export_chain("SN1")            # [birth, event1, ...] for credentials.lifecycle.verify_chain
    await issuer.set_status("SN1", "revoke"); vc = await issuer.status_list_credential("revocation-1")
    bundle = await issuer.device_bundle("SN1")          # secrets for the device (keys, device secret, attestation)
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import credentials
from agent import attestation
from agent.crypto_store import DEFAULT_MEM, DEFAULT_OPS, KeyVault
from agent.errors import (
    ChainConflict,
    DeviceNotFound,
    InvalidRequest,
    NotInitialised,
    ProofOfPossessionFailed,
)
from agent.storage import CredentialRow, DeviceRow, KeyRow, Storage
from credentials.status_list import StatusList, StatusListFull
from credentials.vocab import birth_certificate, canonical_digest, lifecycle_event, sequence_of
from did import did_dht
from did.bep44 import MutableItem
from did.did_key import did_from_public_key
from did.errors import IiotidError
from did.keys import KeyType, PrivateKey, PublicKey, b64url_decode

SUITE = "eddsa-rdfc-2022"
STATUS_PURPOSES = ("revocation", "suspension")
POP_DOMAIN = b"iiotid-provision-v1"
PUT_ATTEMPTS = 3  # a put that reached no node (timeouts under load) is retried before it is left for republish
POOL_MIN_BATCH = 1000  # smaller batches sign in-process (forking workers costs more than it saves)
PUBLISHING_CHUNKS = 2  # chunks whose DHT puts may be in flight at once


def pop_challenge(issuer_did: str, serial: str, public_multibase: str) -> bytes:
    """What a device signs with its identity key to prove possession: domain, OEM DID, serial, key (NUL-separated)."""
    return b"\x00".join((POP_DOMAIN, issuer_did.encode(), serial.encode(), public_multibase.encode()))


@dataclass(frozen=True)
class IssuerProfile:
    """The OEM and the product line it provisions (defaults for every device's nameplate)."""

    manufacturer: str
    product_type: str
    status_base_url: str  # lists are published at f"{status_base_url}/{list_id}" (admin API GET /status/{id})
    gateway_endpoint: str | None = None  # IIoTGateway service of each device
    hardware_version: str = "A"
    firmware_version: int = 1
    security_level: int = 2
    country: str | None = None
    status_list_size: int = 131072  # Bitstring Status List minimum (herd privacy, section 6.1)

    def __post_init__(self) -> None:
        if not isinstance(self.status_list_size, int) or self.status_list_size < 131072:
            raise InvalidRequest("status lists have at least 131072 entries (Bitstring Status List 6.1; verifiers "
                                 "refuse shorter ones)")
        for name in ("manufacturer", "product_type", "status_base_url"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise InvalidRequest(f"issuer profile {name} must be a non-empty string")
        if not isinstance(self.firmware_version, int) or not isinstance(self.security_level, int):
            raise InvalidRequest("firmware_version and security_level are integers")

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IssuerProfile:
        try:
            return cls(**data)
        except TypeError as exc:
            raise InvalidRequest(f"issuer profile: {exc}") from None


@dataclass(frozen=True)
class DeviceRequest:
    """One device of a batch.  Only ``serial`` for keys generated here; for a key generated in the device's secure
    element: ``public_key`` (Ed25519 multibase), ``proof`` (base64url signature of :func:`pop_challenge`), ``record``
    (hex relay bytes of the device's own signed did:dht record) and optionally ``attest_key`` (P-256 multibase)."""

    serial: str
    public_key: str | None = None
    proof: str | None = None
    record: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)  # firmwareVersion, securityLevel, dateOfManufacture …

    @classmethod
    def parse(cls, value: DeviceRequest | str | Mapping[str, Any]) -> DeviceRequest:
        if isinstance(value, DeviceRequest):
            return value
        if isinstance(value, str):
            return cls(value)
        if isinstance(value, Mapping):
            known = {"serial", "public_key", "proof", "record", "attributes"}
            data = {k.replace("publicKey", "public_key"): v for k, v in value.items()}
            if set(data) - known:
                raise InvalidRequest(f"unknown device request field(s): {', '.join(sorted(set(data) - known))}")
            if not isinstance(data.get("attributes", {}), Mapping):
                raise InvalidRequest("device attributes must be an object")
            return cls(**data)
        raise InvalidRequest("a device request is a serial string or an object with 'serial'")


@dataclass
class DeviceResult:
    serial: str
    status: str  # created | existing | failed
    did: str | None = None
    published: bool = False
    error: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class ProvisionReport:
    results: list[DeviceResult]
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def unpublished(self) -> list[str]:
        return [r.serial for r in self.results if r.status != "failed" and not r.published]

    def to_json(self) -> dict[str, Any]:
        return {
            "created": self.count("created"),
            "existing": self.count("existing"),
            "failed": self.count("failed"),
            "unpublished": len(self.unpublished),
            "seconds": round(self.seconds, 3),
            "devices": [r.to_json() for r in self.results],
        }


@dataclass(frozen=True)
class Signer:
    """Who signs a lifecycle event: an integrator's or operator's key and verification method (any DID method)."""

    key: PrivateKey
    verification_method: str

    @property
    def did(self) -> str:
        return self.verification_method.split("#", 1)[0]


@dataclass
class _Built:
    serial: str
    did: str
    item: MutableItem
    keys: list[KeyRow]
    device: DeviceRow
    creds: list[CredentialRow]
    entries: list[tuple[str, int, str]]


class _DeviceFactory:
    """Builds devices from the issuer's keys: everything :meth:`Issuer.provision` does per device that is pure CPU.
    Runs in the issuer's process, or in forked worker processes for large batches (inherited, never pickled: the
    keys do not leave memory); status indexes are allocated by the issuer beforehand."""

    def __init__(self, did: str, bbs_did: str, verification_method: str, profile: IssuerProfile,
                 assertion: PrivateKey, bbs: PrivateKey, vault: KeyVault, rng: Callable[[int], bytes]) -> None:
        self.did = did
        self.bbs_did = bbs_did
        self.verification_method = verification_method
        self.profile = profile
        self.assertion = assertion
        self.bbs = bbs
        self.vault = vault
        self.rng = rng

    def attributes(self, req: DeviceRequest, now: datetime) -> dict[str, Any]:
        p = self.profile
        attrs: dict[str, Any] = {
            "manufacturerName": p.manufacturer,
            "manufacturerProductType": p.product_type,
            "serialNumber": req.serial,
            "hardwareVersion": p.hardware_version,
            "firmwareVersion": str(p.firmware_version),
            "dateOfManufacture": now.date().isoformat(),
            "securityLevel": p.security_level,
        }
        if p.country:
            attrs["countryOfOrigin"] = p.country
        for k, v in req.attributes.items():
            attrs[k] = str(v) if k == "firmwareVersion" else v
        try:
            int(attrs["firmwareVersion"])
            date.fromisoformat(attrs["dateOfManufacture"])
        except (ValueError, TypeError):
            raise InvalidRequest("firmwareVersion must be an integer and dateOfManufacture an ISO date") from None
        return attrs

    def identity_of(self, req: DeviceRequest) -> tuple[PrivateKey | None, PublicKey, MutableItem | None]:
        if req.public_key is None:
            if req.proof is not None or req.record is not None:
                raise InvalidRequest("proof and record come with an imported public_key")
            key = PrivateKey.generate(KeyType.ED25519, rng=self.rng)
            return key, key.public_key, None
        try:
            pub = PublicKey.from_multibase(req.public_key)
        except IiotidError as exc:
            raise ProofOfPossessionFailed(f"{req.serial}: public key: {exc.message}") from None
        if pub.key_type is not KeyType.ED25519:
            raise ProofOfPossessionFailed(f"{req.serial}: a did:dht identity key is Ed25519")
        try:
            pub.verify(pop_challenge(self.did, req.serial, req.public_key),
                       b64url_decode(req.proof or "", what="proof"))
        except IiotidError:
            raise ProofOfPossessionFailed(
                f"{req.serial}: the proof of possession does not verify for this key, serial and issuer"
            ) from None
        did = did_dht.did_from_identity_key(pub)
        try:
            item = MutableItem.from_relay_bytes(pub.raw, bytes.fromhex(req.record or ""))
            did_dht.from_bep44(did, item)
        except (IiotidError, ValueError) as exc:
            raise ProofOfPossessionFailed(
                f"{req.serial}: the device's signed did:dht record is invalid: {exc}"
            ) from None
        return None, pub, item

    def precheck(self, req: DeviceRequest, now: datetime) -> None:
        """The checks that can refuse a request, before anything is allocated for it."""
        self.attributes(req, now)
        if req.public_key is not None or req.proof is not None or req.record is not None:
            self.identity_of(req)

    def build(self, req: DeviceRequest, now: datetime, seq: int,
              status: Sequence[tuple[str, int, dict[str, Any]]]) -> _Built:
        """Keys, did:dht record, birth certificate (with the allocated ``status`` entries), attestation."""
        from did.did_dht import AdditionalKey

        created = now.isoformat(timespec="seconds").replace("+00:00", "Z")
        ident, pub, item = self.identity_of(req)
        keys: list[KeyRow] = []
        attributes = self.attributes(req, now)
        if ident is not None:
            attest = PrivateKey.generate(KeyType.P256, rng=self.rng)
            services = []
            if self.profile.gateway_endpoint:
                services.append({"id": "gw", "type": "IIoTGateway", "serviceEndpoint": self.profile.gateway_endpoint})
            doc = did_dht.create_document(
                ident,
                extra_keys=[
                    AdditionalKey(attest.public_key, id="attest", purposes=("assertionMethod", "authentication"))
                ],
                services=services,
                controllers=[self.did],
            )
            item = did_dht.to_bep44(ident, doc, seq=seq)
            pub = ident.public_key
            for kid, purpose, key in ((f"dev:{req.serial}:identity", "identity", ident),
                                      (f"dev:{req.serial}:attest", "attest", attest)):
                keys.append(KeyRow(kid, req.serial, purpose, key.key_type.value, fast_multibase(key.public_key),
                                   self.vault.seal_key(kid, key), created))
            origin = "generated"
        else:
            assert item is not None
            doc, _meta = did_dht.from_bep44(did_dht.did_from_identity_key(pub), item)
            origin = "imported"
        did = doc.id
        entries = [(list_id, index, req.serial) for list_id, index, _ in status]
        birth = credentials.issue(
            birth_certificate(self.did, did, attributes, credential_status=[e for _, _, e in status], valid_from=now),
            key=self.assertion,
            verification_method=self.verification_method,
            suite=SUITE,
            created=now,
        )
        secret = attestation.new_device_secret(self.rng)
        secret_id = f"dev:{req.serial}:secret"
        keys.append(KeyRow(secret_id, req.serial, "device-secret", "bbs-scalar", None,
                           self.vault.seal_bytes(secret_id, secret.to_bytes(32, "big")), created))
        att = attestation.sign(
            self.bbs,
            did,
            {
                "manufacturer": self.profile.manufacturer,
                "productType": self.profile.product_type,
                "serialNumber": req.serial,
                "firmwareVersion": int(attributes["firmwareVersion"]),
                "securityLevel": int(attributes["securityLevel"]),
                "dateOfManufacture": attributes["dateOfManufacture"],
                "device": did,
                "revocationIndex": entries[0][1],
            },
            secret,
            issued=created,
            issuer=self.bbs_did,
        )
        creds = [
            CredentialRow(birth["id"], req.serial, "birth", 0, canonical_digest(birth), json.dumps(birth), created),
            CredentialRow(att["id"], req.serial, "attestation", 1, _json_digest(att), json.dumps(att), created),
        ]
        row = DeviceRow(
            serial=req.serial, did=did, public_key=fast_multibase(pub), key_origin=origin,
            identity_key_id=f"dev:{req.serial}:identity" if ident is not None else None, state="active",
            document=json.dumps(doc.to_json()), dht_seq=item.seq, published=0, attributes=json.dumps(attributes),
            created=created, record=item.to_relay_bytes(),
        )
        return _Built(req.serial, did, item, keys, row, creds, entries)



_WORKER_FACTORY: _DeviceFactory | None = None


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _worker_init(factory: _DeviceFactory) -> None:
    global _WORKER_FACTORY
    _WORKER_FACTORY = factory


def _worker_build(
    jobs: Sequence[tuple[DeviceRequest, list[tuple[str, int, dict[str, Any]]]]], now: datetime, seq: int
) -> list[_Built | tuple[str, dict[str, str]]]:
    """Worker process: build a chunk; a request that fails is returned as ``(serial, error)``."""
    factory = _WORKER_FACTORY
    assert factory is not None, "worker not initialised"
    out: list[_Built | tuple[str, dict[str, str]]] = []
    for req, status in jobs:
        try:
            out.append(factory.build(req, now, seq, status))
        except IiotidError as exc:
            out.append((req.serial, exc.to_dict()))
    return out


def _now_iso(clock: Callable[[], float]) -> str:
    return datetime.fromtimestamp(clock(), UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Issuer:
    """See the module docstring.  Construct with :meth:`initialize` or :meth:`load`."""

    def __init__(
        self,
        storage: Storage,
        vault: KeyVault,
        profile: IssuerProfile,
        *,
        identity: PrivateKey,
        assertion: PrivateKey,
        assertion_id: str,
        bbs: PrivateKey,
        lists: dict[str, tuple[str, StatusList]],
        dht: Any = None,
        resolver: Any = None,
        clock: Callable[[], float] = time.time,
        rng: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self.storage = storage
        self._vault = vault
        self.profile = profile
        self._identity = identity
        self._assertion = assertion
        self.assertion_id = assertion_id
        self._bbs = bbs
        self._lists = lists  # purpose -> (list id, StatusList)
        self.dht = dht
        self.resolver = resolver
        self.clock = clock
        self.rng = rng
        self.did = did_dht.did_from_identity_key(identity.public_key)
        self.bbs_did = did_from_public_key(bbs.public_key)
        self._lock = asyncio.Lock()
        self._list_vcs: dict[str, dict[str, Any]] = {}

    def __repr__(self) -> str:
        return f"Issuer({self.did!r})"

    @property
    def verification_method(self) -> str:
        return f"{self.did}#{self.assertion_id}"

    @property
    def signer(self) -> Signer:
        return Signer(self._assertion, self.verification_method)

    # ------------------------------------------------------------------------------------------------- setup
    @classmethod
    async def initialize(
        cls,
        storage: Storage,
        passphrase: str,
        profile: IssuerProfile,
        *,
        dht: Any = None,
        resolver: Any = None,
        kdf_ops: int = DEFAULT_OPS,
        kdf_mem: int = DEFAULT_MEM,
        clock: Callable[[], float] = time.time,
        rng: Callable[[int], bytes] = os.urandom,
        publish: bool = True,
    ) -> Issuer:
        """Create the OEM's keys (identity, assertion ``#assert-1``, BBS), status lists and vault; publish its DID."""
        if await storage.get_meta("issuer") is not None:
            raise InvalidRequest("this data directory already holds an issuer", code="alreadyInitialised")
        vault = KeyVault.create(passphrase, ops=kdf_ops, mem=kdf_mem, rng=rng)
        identity = PrivateKey.generate(KeyType.ED25519, rng=rng)
        assertion = PrivateKey.generate(KeyType.ED25519, rng=rng)
        bbs = PrivateKey.generate(KeyType.BLS12381_G2, rng=rng)
        lists: dict[str, tuple[str, StatusList]] = {}
        for purpose in STATUS_PURPOSES:
            list_id = f"{purpose}-1"
            lists[purpose] = (
                list_id,
                StatusList(f"{profile.status_base_url}/{list_id}", purpose=purpose, size=profile.status_list_size),
            )
        issuer = cls(
            storage, vault, profile, identity=identity, assertion=assertion, assertion_id="assert-1", bbs=bbs,
            lists=lists, dht=dht, resolver=resolver, clock=clock, rng=rng,
        )
        now = _now_iso(clock)
        async with storage.transaction() as tx:
            await storage.put_meta(tx, "vault", vault.params())
            await storage.put_meta(tx, "profile", profile.to_json())
            await storage.put_meta(
                tx, "issuer", {"did": issuer.did, "assertion": "assert-1", "bbsDid": issuer.bbs_did, "dhtSeq": 0}
            )
            for kid, purpose, key in (
                ("issuer:identity", "identity", identity),
                ("issuer:assert-1", "assertion", assertion),
                ("issuer:bbs", "bbs", bbs),
            ):
                await storage.insert_key(
                    tx,
                    KeyRow(kid, "issuer", purpose, key.key_type.value, key.public_key.to_multibase(),
                           vault.seal_key(kid, key), now),
                )
            for purpose, (list_id, sl) in lists.items():
                await storage.put_status_list(tx, list_id, sl.url, purpose, sl.to_dict())
            await storage.audit(tx, "issuer", "initialize", issuer.did, {"bbsDid": issuer.bbs_did})
        if publish and dht is not None:
            await issuer.publish_self()
        return issuer

    @classmethod
    async def load(
        cls,
        storage: Storage,
        passphrase: str,
        *,
        dht: Any = None,
        resolver: Any = None,
        clock: Callable[[], float] = time.time,
        rng: Callable[[int], bytes] = os.urandom,
    ) -> Issuer:
        meta = await storage.get_meta("issuer")
        vault_params = await storage.get_meta("vault")
        if meta is None or vault_params is None:
            raise NotInitialised("no issuer here: run `iiotid agent init` first")
        vault = KeyVault.open(passphrase, vault_params, rng=rng)
        profile = IssuerProfile.from_json(await storage.get_meta("profile"))

        async def key(kid: str) -> PrivateKey:
            row = await storage.get_key(kid)
            if row is None:
                raise NotInitialised(f"issuer key {kid} is missing")
            return vault.open_key(kid, row.sealed)

        lists: dict[str, tuple[str, StatusList]] = {}
        current = await storage.get_meta("currentLists", {})
        for list_id, _url, purpose in await storage.status_lists():
            if current.get(purpose, f"{purpose}-1") == list_id:
                got = await storage.get_status_list(list_id)
                assert got is not None
                lists[purpose] = (list_id, StatusList.from_dict(got[2]))
        return cls(
            storage, vault, profile,
            identity=await key("issuer:identity"),
            assertion=await key(f"issuer:{meta['assertion']}"),
            assertion_id=meta["assertion"],
            bbs=await key("issuer:bbs"),
            lists=lists, dht=dht, resolver=resolver, clock=clock, rng=rng,
        )

    async def document(self) -> did_dht.DIDDocument:
        """The OEM's DID document: identity ``#0``; each assertion key by its policy (``assertionKeys`` meta:
        ``active``/``keep`` -> in assertionMethod, ``demote`` -> listed without a relationship, absent -> removed;
        see :mod:`agent.rotation`); ``alsoKnownAs`` the BBS attestation did:key."""
        from did.did_dht import AdditionalKey

        policy: dict[str, str] = await self.storage.get_meta("assertionKeys", {})
        extra = []
        for row in await self.storage.keys_of("issuer"):
            if row.purpose != "assertion" or row.public_multibase is None:
                continue
            kid = row.id.removeprefix("issuer:")
            state = "active" if kid == self.assertion_id else policy.get(kid)
            if state in ("active", "keep", "demote"):
                purposes = ("assertionMethod",) if state != "demote" else ()
                extra.append(AdditionalKey(PublicKey.from_multibase(row.public_multibase), id=kid, purposes=purposes))
        return did_dht.create_document(self._identity, extra_keys=extra, also_known_as=[self.bbs_did])

    async def publish_self(self) -> MutableItem:
        """Sign and publish the OEM DID document with a higher ``seq`` than any before (BEP 44 replacement rule)."""
        meta = await self.storage.get_meta("issuer")
        seq = max(int(self.clock()), int(meta.get("dhtSeq", 0)) + 1)
        item = did_dht.to_bep44(self._identity, await self.document(), seq=seq)
        async with self.storage.transaction() as tx:
            await self.storage.put_meta(tx, "issuer", {**meta, "dhtSeq": seq})
        if self.dht is not None:
            await self.dht.put_mutable(item, keep_alive=True)
        return item

    # ------------------------------------------------------------------------------------------------- provisioning
    def _status_entry(self, purpose: str) -> tuple[str, int, dict[str, Any]]:
        """Allocate a random index on the current list of ``purpose`` (a new list when it is full)."""
        list_id, sl = self._lists[purpose]
        try:
            index = sl.allocate()
        except StatusListFull:
            n = int(list_id.rsplit("-", 1)[1]) + 1
            list_id = f"{purpose}-{n}"
            sl = StatusList(f"{self.profile.status_base_url}/{list_id}", purpose=purpose,
                            size=self.profile.status_list_size)
            self._lists[purpose] = (list_id, sl)
            index = sl.allocate()
        return list_id, index, sl.entry(index)

    def _factory(self) -> _DeviceFactory:
        return _DeviceFactory(self.did, self.bbs_did, self.verification_method, self.profile, self._assertion,
                              self._bbs, self._vault, self.rng)

    def _build(self, factory: _DeviceFactory, req: DeviceRequest, now: datetime, seq: int) -> _Built:
        """Build one device in this process (checks first, so a bad request allocates no status index)."""
        factory.precheck(req, now)
        return factory.build(req, now, seq, [self._status_entry(p) for p in STATUS_PURPOSES])

    async def provision(
        self,
        batch: Iterable[DeviceRequest | str | Mapping[str, Any]],
        *,
        concurrency: int = 32,  # measured: 64 puts in flight time out on a 2-core loopback swarm
        chunk: int = 100,
        progress: Callable[[int], None] | None = None,
        workers: int | None = None,
    ) -> ProvisionReport:
        """Provision every device of ``batch`` not already stored (see the module docstring).  ``progress(n)`` is
        called with the number of devices just finished.  Bad requests fail per device, never the batch.

        ``workers``: forked processes that sign while this event loop commits and publishes.  Default: one per core
        (best on 2 cores: the loop mostly waits on DHT replies) for batches of at least :data:`POOL_MIN_BATCH` new
        devices on a multi-core machine with the default ``os.urandom`` RNG; else ``0``: sign in this process."""
        started = time.perf_counter()
        reqs = [DeviceRequest.parse(r) for r in batch]
        seen: set[str] = set()
        for r in reqs:
            if not isinstance(r.serial, str) or not r.serial or len(r.serial) > 128 or not r.serial.isprintable():
                raise InvalidRequest(f"invalid serial number {r.serial!r}")
            if r.serial in seen:
                raise InvalidRequest(f"serial {r.serial} appears twice in the batch")
            seen.add(r.serial)
        if workers is not None and (not isinstance(workers, int) or workers < 0):
            raise InvalidRequest("workers is a number of processes (0 = sign in this process)")
        results: dict[str, DeviceResult] = {}
        sem = asyncio.Semaphore(max(1, concurrency))
        async with self._lock:
            existing = await self.storage.existing_serials([r.serial for r in reqs])
            pending = [r for r in reqs if r.serial not in existing]
            # Stored but never confirmed on the DHT (e.g. killed between the two transactions): publish again.
            repub = [r.serial for r in reqs if r.serial in existing and not existing[r.serial]]
            for r in reqs:
                if r.serial in existing:
                    results[r.serial] = DeviceResult(r.serial, "existing", published=existing[r.serial])
            if repub:
                await self._republish(repub, results, sem)
            if progress and existing:
                progress(len(existing))
            n_workers = self._workers_for(len(pending), workers)
            publishing: list[asyncio.Task[None]] = []
            chunks = [pending[i : i + max(1, chunk)] for i in range(0, len(pending), max(1, chunk))]
            if n_workers:
                await self._provision_pooled(chunks, n_workers, results, sem, progress, publishing)
            else:
                factory = self._factory()
                for part in chunks:
                    now = datetime.fromtimestamp(self.clock(), UTC).replace(microsecond=0)
                    built: list[_Built] = []
                    for req in part:
                        try:
                            built.append(self._build(factory, req, now, int(now.timestamp())))
                        except IiotidError as exc:
                            results[req.serial] = DeviceResult(req.serial, "failed", error=exc.to_dict())
                        # signing is CPU work on the event loop: let in-flight DHT queries be answered in between
                        await asyncio.sleep(0)
                    await self._committed(built, len(part), results, sem, progress, publishing)
            if publishing:
                await asyncio.gather(*publishing)
        return ProvisionReport([results[r.serial] for r in reqs], time.perf_counter() - started)

    def _workers_for(self, pending: int, workers: int | None) -> int:
        if workers is not None:
            return workers
        cores = os.cpu_count() or 1
        if pending < POOL_MIN_BATCH or cores < 2 or self.rng is not os.urandom or not _can_fork():
            return 0
        return cores

    async def _committed(
        self,
        built: list[_Built],
        n: int,
        results: dict[str, DeviceResult],
        sem: asyncio.Semaphore,
        progress: Callable[[int], None] | None,
        publishing: list[asyncio.Task[None]],
    ) -> None:
        """Store a built chunk in one transaction, then publish it in the background."""
        await self._commit(built)
        for b in built:
            results[b.serial] = DeviceResult(b.serial, "created", did=b.did)
        publishing.append(asyncio.create_task(self._publish(built, results, sem, progress, n)))
        # keep a bounded number of chunks publishing, so memory stays bounded while DHT puts overlap signing
        while len([t for t in publishing if not t.done()]) > PUBLISHING_CHUNKS:
            await asyncio.wait(publishing, return_when=asyncio.FIRST_COMPLETED)

    async def _provision_pooled(
        self,
        chunks: Sequence[Sequence[DeviceRequest]],
        n_workers: int,
        results: dict[str, DeviceResult],
        sem: asyncio.Semaphore,
        progress: Callable[[int], None] | None,
        publishing: list[asyncio.Task[None]],
    ) -> None:
        """Sign in ``n_workers`` forked processes while this loop commits (in chunk order) and publishes.  Status
        indexes are allocated here before a chunk is sent; a crash loses at most allocated-but-unused indexes."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        loop = asyncio.get_running_loop()
        factory = self._factory()
        ctx = multiprocessing.get_context("fork")
        in_flight: list[tuple[int, asyncio.Future[list[_Built | tuple[str, dict[str, str]]]]]] = []
        with ProcessPoolExecutor(n_workers, mp_context=ctx, initializer=_worker_init, initargs=(factory,)) as pool:
            try:
                for part in chunks:
                    now = datetime.fromtimestamp(self.clock(), UTC).replace(microsecond=0)
                    jobs = []
                    for req in part:
                        try:
                            factory.precheck(req, now)
                        except IiotidError as exc:
                            results[req.serial] = DeviceResult(req.serial, "failed", error=exc.to_dict())
                            continue
                        jobs.append((req, [self._status_entry(p) for p in STATUS_PURPOSES]))
                    fut = loop.run_in_executor(pool, _worker_build, jobs, now, int(now.timestamp()))
                    in_flight.append((len(part), fut))
                    while len(in_flight) > n_workers + 1:
                        await self._collect(in_flight.pop(0), results, sem, progress, publishing)
                while in_flight:
                    await self._collect(in_flight.pop(0), results, sem, progress, publishing)
            except BaseException:
                for _, fut in in_flight:
                    fut.cancel()
                raise

    async def _collect(
        self,
        item: tuple[int, asyncio.Future[list[_Built | tuple[str, dict[str, str]]]]],
        results: dict[str, DeviceResult],
        sem: asyncio.Semaphore,
        progress: Callable[[int], None] | None,
        publishing: list[asyncio.Task[None]],
    ) -> None:
        n, fut = item
        built: list[_Built] = []
        for out in await fut:
            if isinstance(out, _Built):
                built.append(out)
            else:
                results[out[0]] = DeviceResult(out[0], "failed", error=out[1])
        await self._committed(built, n, results, sem, progress, publishing)

    async def _commit(self, built: Sequence[_Built]) -> None:
        st = self.storage
        try:
            async with st.transaction() as tx:
                await st.insert_keys(tx, [k for b in built for k in b.keys])
                await st.insert_devices(tx, [b.device for b in built])
                await st.insert_credentials(tx, [c for b in built for c in b.creds])
                lists_used = {e[0] for b in built for e in b.entries}
                for purpose, (list_id, sl) in self._lists.items():
                    if list_id in lists_used or not built:
                        await st.put_status_list(tx, list_id, sl.url, purpose, sl.to_dict())
                await st.put_meta(tx, "currentLists", {p: lid for p, (lid, _) in self._lists.items()})
                await st.insert_status_entries(tx, [e for b in built for e in b.entries])
                if built:
                    await st.audit(tx, "issuer", "provision", None, {"serials": [b.serial for b in built]})
        except BaseException:
            # the allocations of this chunk were not stored: reload the lists so they are not lost either way
            for purpose, (list_id, _) in list(self._lists.items()):
                got = await st.get_status_list(list_id)
                if got is not None:
                    self._lists[purpose] = (list_id, StatusList.from_dict(got[2]))
            raise

    async def _put(self, item: MutableItem, sem: asyncio.Semaphore) -> bool:
        if self.dht is None:
            return False
        async with sem:
            for _attempt in range(PUT_ATTEMPTS):
                try:
                    await self.dht.put_mutable(item)
                    return True
                except (IiotidError, OSError):
                    continue
            return False

    async def _publish(
        self,
        built: Sequence[_Built],
        results: dict[str, DeviceResult],
        sem: asyncio.Semaphore,
        progress: Callable[[int], None] | None,
        n: int,
    ) -> None:
        oks = await asyncio.gather(*(self._put(b.item, sem) for b in built))
        done = [b.serial for b, ok in zip(built, oks, strict=True) if ok]
        if done:
            async with self.storage.transaction() as tx:
                await self.storage.mark_published(tx, done)
        for s in done:
            results[s].published = True
        if progress:
            progress(n)

    async def _republish(
        self, serials: Sequence[str], results: dict[str, DeviceResult], sem: asyncio.Semaphore
    ) -> None:
        items = []
        for s in serials:
            row = await self.storage.get_device(s)
            if row is not None and row.record:
                pub = PublicKey.from_multibase(row.public_key)
                items.append((s, MutableItem.from_relay_bytes(pub.raw, row.record)))
                results[s].did = row.did
        oks = await asyncio.gather(*(self._put(item, sem) for _, item in items))
        done = [s for (s, _), ok in zip(items, oks, strict=True) if ok]
        if done:
            async with self.storage.transaction() as tx:
                await self.storage.mark_published(tx, done)
        for s in done:
            results[s].published = True

    async def republish_pending(self, *, concurrency: int = 64) -> list[str]:
        """Publish every stored device whose DHT record was never confirmed; returns the serials now published."""
        rows = await self.storage.unpublished_devices()
        results = {r.serial: DeviceResult(r.serial, "existing") for r in rows}
        async with self._lock:
            await self._republish([r.serial for r in rows], results, asyncio.Semaphore(concurrency))
        return [s for s, r in results.items() if r.published]

    # ------------------------------------------------------------------------------------------------- lifecycle
    async def _device(self, serial_or_did: str) -> DeviceRow:
        if not isinstance(serial_or_did, str) or not serial_or_did:
            raise InvalidRequest("a device is named by its serial number or DID")
        if serial_or_did.startswith("did:"):
            row = await self.storage.device_by_did(serial_or_did)
        else:
            row = await self.storage.get_device(serial_or_did)
        if row is None:
            raise DeviceNotFound(f"no device {serial_or_did} here")
        return row

    async def export_chain(self, serial_or_did: str) -> list[dict[str, Any]]:
        """Birth certificate then lifecycle events in chain order (``credentials.lifecycle.verify_chain`` input)."""
        row = await self._device(serial_or_did)
        return [c.credential for c in await self.storage.chain(row.serial)]

    async def attestation(self, serial_or_did: str) -> dict[str, Any]:
        """The device's current BBS attestation (no secret)."""
        row = await self._device(serial_or_did)
        atts = await self.storage.credentials(row.serial, "attestation")
        if not atts:
            raise DeviceNotFound(f"device {row.serial} has no attestation")
        return atts[-1].credential

    async def issue_event(
        self,
        serial_or_did: str,
        event_type: str,
        *,
        signer: Signer | None = None,
        event_time: datetime | None = None,
        actor_role: str | None = None,
        site: str | None = None,
        payload_digests: Iterable[Mapping[str, Any]] = (),
        new_owner: str | None = None,
        firmware_version: int | None = None,
    ) -> dict[str, Any]:
        """Sign an event (by ``signer``, default the OEM) chained to the device's latest credential and store it.
        ``firmware_version`` with ``firmwareUpdated`` also re-issues the BBS attestation with the new version."""
        signer = signer or self.signer
        row = await self._device(serial_or_did)
        async with self._lock:
            latest = await self.storage.latest_chain_credential(row.serial)
            if latest is None:
                raise DeviceNotFound(f"device {row.serial} has no birth certificate")
            now = datetime.fromtimestamp(self.clock(), UTC).replace(microsecond=0)
            unsigned = lifecycle_event(
                signer.did, row.did, event_type, latest.credential,
                event_time=event_time or now, actor_role=actor_role, site=site,
                payload_digests=payload_digests, new_owner=new_owner,
            )
            event = credentials.issue(unsigned, key=signer.key, verification_method=signer.verification_method,
                                      suite=SUITE, created=now)
            await self._store_event(row, event, firmware_version=firmware_version)
            return event

    async def append_event(self, serial_or_did: str, event: Mapping[str, Any], *, verify: bool = True) -> None:
        """Store an event signed elsewhere (an integrator's agent) after checking that it links to the latest
        chain credential and, when a resolver is set and ``verify``, that its proof verifies."""
        row = await self._device(serial_or_did)
        event = dict(event)
        async with self._lock:
            latest = await self.storage.latest_chain_credential(row.serial)
            if latest is None:
                raise DeviceNotFound(f"device {row.serial} has no birth certificate")
            try:
                seq = sequence_of(event)
                prev = event["credentialSubject"]["lifecycleEvent"]["previousEvent"]
                subject = event["credentialSubject"]["id"]
            except (IiotidError, KeyError, TypeError):
                raise InvalidRequest("not a lifecycle event credential") from None
            if subject != row.did:
                raise ChainConflict(f"the event is about {subject}, not {row.did}")
            if (seq != latest.sequence + 1 or not isinstance(prev, Mapping) or prev.get("id") != latest.id
                    or prev.get("digestMultibase") != latest.digest):
                raise ChainConflict(f"the event does not link to the latest credential {latest.id} of {row.serial}")
            if verify and self.resolver is not None:
                result = await credentials.verify(event, resolver=self.resolver)
                if not result.verified:
                    err = result.errors[0] if result.errors else None
                    raise InvalidRequest(f"the event does not verify: {err}", code="invalidProof")
            await self._store_event(row, event)

    async def _store_event(
        self, row: DeviceRow, event: Mapping[str, Any], *, firmware_version: int | None = None
    ) -> None:
        seq = sequence_of(event)
        created = _now_iso(self.clock)
        att_row = None
        if firmware_version is not None:
            att_row = await self._reattest_row(row, {"firmwareVersion": int(firmware_version)}, created)
        async with self.storage.transaction() as tx:
            await self.storage.insert_credential(
                tx, CredentialRow(str(event["id"]), row.serial, "event", seq, canonical_digest(event),
                                  json.dumps(event), created)
            )
            if att_row is not None:
                await self.storage.insert_credential(tx, att_row)
                attrs = json.loads(row.attributes)
                attrs["firmwareVersion"] = str(firmware_version)
                await self.storage.update_device(tx, row.serial, attributes=json.dumps(attrs))
            etype = event.get("credentialSubject", {}).get("lifecycleEvent", {}).get("eventType")
            await self.storage.audit(tx, "issuer", "event", row.serial, {"id": event["id"], "eventType": etype})

    async def _device_secret(self, serial: str) -> int:
        kid = f"dev:{serial}:secret"
        krow = await self.storage.get_key(kid)
        if krow is None:
            raise DeviceNotFound(f"device {serial} has no device secret here")
        return int.from_bytes(self._vault.open_bytes(kid, krow.sealed), "big")

    async def _reattest_row(self, row: DeviceRow, changes: Mapping[str, Any], created: str) -> CredentialRow:
        atts = await self.storage.credentials(row.serial, "attestation")
        if not atts:
            raise DeviceNotFound(f"device {row.serial} has no attestation")
        old = atts[-1].credential
        values = {**old["values"], **changes}
        att = attestation.sign(self._bbs, row.did, values, await self._device_secret(row.serial),
                               issued=created, version=atts[-1].sequence + 1, issuer=self.bbs_did)
        return CredentialRow(att["id"], row.serial, "attestation", atts[-1].sequence + 1, _json_digest(att),
                             json.dumps(att), created)

    async def reattest(self, serial_or_did: str, **changes: Any) -> dict[str, Any]:
        """A new BBS attestation version with changed values (e.g. ``firmwareVersion=142``)."""
        unknown = set(changes) - set(attestation.NAMES) - {"deviceSecret"}
        if unknown or "deviceSecret" in changes:
            raise InvalidRequest(f"cannot change attestation attribute(s) {sorted(unknown) or ['deviceSecret']}")
        row = await self._device(serial_or_did)
        async with self._lock:
            att_row = await self._reattest_row(row, changes, _now_iso(self.clock))
            async with self.storage.transaction() as tx:
                await self.storage.insert_credential(tx, att_row)
                await self.storage.audit(tx, "issuer", "reattest", row.serial, {"changes": sorted(changes)})
        return att_row.credential

    async def device_bundle(self, serial_or_did: str) -> dict[str, Any]:
        """What the device receives once at the end of the line (contains secrets: send it over a secure channel):
        its DID, keys generated here (multibase secrets), device secret (hex), BBS attestation, birth certificate."""
        row = await self._device(serial_or_did)
        out: dict[str, Any] = {"serial": row.serial, "did": row.did, "issuer": self.did, "keys": {}}
        for krow in await self.storage.keys_of(row.serial):
            if krow.purpose in ("identity", "attest") and krow.retired is None:
                out["keys"][krow.purpose] = self._vault.open_key(krow.id, krow.sealed).secret_multibase()
        out["deviceSecret"] = format(await self._device_secret(row.serial), "064x")
        out["attestation"] = await self.attestation(row.serial)
        chain = await self.storage.chain(row.serial)
        out["birthCertificate"] = chain[0].credential if chain else None
        return out

    # ------------------------------------------------------------------------------------------------- status
    async def set_status(self, serial_or_did: str, action: str) -> dict[str, Any]:
        """``revoke`` (irreversible), ``suspend`` or ``unsuspend`` a device's credentials."""
        purposes = {"revoke": "revocation", "suspend": "suspension", "unsuspend": "suspension"}
        if action not in purposes:
            raise InvalidRequest(f"status action must be revoke, suspend or unsuspend, not {action!r}")
        row = await self._device(serial_or_did)
        purpose = purposes[action]
        async with self._lock:
            for list_id, url, p in await self.storage.status_lists():
                if p != purpose:
                    continue
                index = await self.storage.status_index(list_id, row.serial)
                if index is None:
                    continue
                got = await self.storage.get_status_list(list_id)
                assert got is not None
                sl = StatusList.from_dict(got[2])
                getattr(sl, action)(index)
                state = {"revoke": "revoked", "suspend": "suspended", "unsuspend": "active"}[action]
                if row.state == "revoked":
                    state = "revoked"
                async with self.storage.transaction() as tx:
                    await self.storage.put_status_list(tx, list_id, url, p, sl.to_dict())
                    await self.storage.update_device(tx, row.serial, state=state)
                    await self.storage.audit(tx, "issuer", action, row.serial, {"list": list_id, "index": index})
                if self._lists.get(purpose, ("",))[0] == list_id:
                    self._lists[purpose] = (list_id, sl)
                self._list_vcs.pop(list_id, None)
                return {"serial": row.serial, "state": state, "list": list_id, "index": index}
        raise DeviceNotFound(f"device {row.serial} has no {purpose} status entry")

    async def status_list_credential(self, list_id: str) -> dict[str, Any]:
        """The signed ``BitstringStatusListCredential`` of ``list_id`` (cached until the list changes)."""
        if list_id in self._list_vcs:
            return self._list_vcs[list_id]
        got = await self.storage.get_status_list(list_id)
        if got is None:
            raise InvalidRequest(f"no status list {list_id!r}", code="notFound")
        sl = StatusList.from_dict(got[2])
        now = datetime.fromtimestamp(self.clock(), UTC).replace(microsecond=0)
        vc = credentials.issue(sl.credential(self.did, valid_from=now.isoformat().replace("+00:00", "Z")),
                               key=self._assertion, verification_method=self.verification_method, suite=SUITE,
                               created=now)
        self._list_vcs[list_id] = vc
        return vc

    # ------------------------------------------------------------------------------------------------- rotation hooks
    def _replace_assertion(self, key: PrivateKey, key_id: str) -> None:
        self._assertion = key
        self.assertion_id = key_id
        self._list_vcs.clear()

    @property
    def vault(self) -> KeyVault:
        return self._vault

    @property
    def identity_key(self) -> PrivateKey:
        return self._identity


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def fast_multibase(key: PublicKey) -> str:
    """``key.to_multibase()`` (``z`` + base58btc of varint multicodec + raw key, Multikey), without the generic
    multiformats machinery that dominates the per-device cost at batch scale; property-tested equal."""
    code, prefix = key.multicodec, bytearray()
    while True:  # unsigned varint (multiformats unsigned-varint spec)
        byte = code & 0x7F
        code >>= 7
        prefix.append(byte | (0x80 if code else 0))
        if not code:
            break
    data = bytes(prefix) + key.raw
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(_B58[r])
    pad = len(data) - len(data.lstrip(b"\x00"))
    return "z" + "1" * pad + "".join(reversed(out))


def _json_digest(doc: Mapping[str, Any]) -> str:
    return "sha256:" + hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def serials_range(prefix: str, count: int, start: int = 0) -> list[str]:
    """``[prefix00000, prefix00001, ...]``: serials for a batch of ``count`` devices."""
    return [f"{prefix}{i:06d}" for i in range(start, start + count)]


def new_urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"
