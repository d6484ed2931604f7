"""The OEM / operator agent's SQLite store (aiosqlite): devices, encrypted keys, credentials, status lists, audit.

* Versioned, forward-only migrations (:data:`MIGRATIONS`; ``schema_version`` table); a database newer than this
  code raises :class:`~agent.errors.SchemaTooNew`.  WAL journal, ``foreign_keys=ON``, ``synchronous=NORMAL``
  (WAL + NORMAL is durable against process crashes such as kill -9; only an OS crash may lose the last commits).
* Every logical step runs in ONE transaction (:meth:`Storage.transaction`, ``BEGIN IMMEDIATE``): a device row, its
  keys, its credentials and its status-list allocation commit together or not at all, so a crash never leaves half a
  device or a dangling chain link.  ``UNIQUE`` constraints make the same serial, DID, status index or chain position
  impossible twice.
* Private keys and device secrets are stored only as :class:`~agent.crypto_store.KeyVault` records.

API (all ``async``)::

    st = await Storage.open(path)                  # creates / migrates; st.close()
    async with st.transaction() as tx:             # tx is the aiosqlite connection; statements below take it
        await st.put_meta(tx, "name", value)
        await st.insert_key(tx, KeyRow(...)); await st.insert_device(tx, DeviceRow(...))
        await st.insert_credential(tx, CredentialRow(...)); await st.put_status_list(tx, id, url, purpose, state)
        await st.audit(tx, actor, action, subject, detail)
    await st.get_meta(name); await st.get_key(key_id); await st.get_device(serial); await st.device_by_did(did)
    await st.list_devices(state=None, limit=100, offset=0); await st.count_devices()
    await st.credentials(serial, kind=None); await st.latest_chain_credential(serial)
    await st.get_status_list(id); await st.status_lists(); await st.audit_log(limit)
"""

# SQL text is built only from the constant column names of the row dataclasses below; values are always bound.
# ruff: noqa: S608
from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from agent.errors import SchemaTooNew, StorageError

# Forward-only: never edit a shipped migration, append a new one.
MIGRATIONS: list[str] = [
    # 1: initial schema
    """
    CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE keys (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,               -- 'issuer' or a device serial
        purpose TEXT NOT NULL,             -- identity | assertion | bbs | device-secret | admin
        key_type TEXT NOT NULL,
        public_multibase TEXT,
        sealed BLOB NOT NULL,              -- KeyVault record: nonce || XChaCha20-Poly1305 ciphertext
        created TEXT NOT NULL,
        retired TEXT
    );
    CREATE TABLE devices (
        serial TEXT PRIMARY KEY,
        did TEXT NOT NULL UNIQUE,
        public_key TEXT NOT NULL,          -- identity key, multibase
        key_origin TEXT NOT NULL CHECK (key_origin IN ('generated', 'imported')),
        identity_key_id TEXT REFERENCES keys(id),
        state TEXT NOT NULL CHECK (state IN ('active', 'suspended', 'revoked', 'rotated')),
        document TEXT NOT NULL,            -- the DID document JSON
        dht_seq INTEGER NOT NULL,
        published INTEGER NOT NULL DEFAULT 0,
        attributes TEXT NOT NULL,          -- JSON nameplate data
        created TEXT NOT NULL,
        successor_did TEXT
    );
    CREATE TABLE status_lists (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        purpose TEXT NOT NULL,
        state TEXT NOT NULL,               -- credentials.status_list.StatusList.to_dict() (bits + allocator)
        updated TEXT NOT NULL
    );
    CREATE TABLE status_entries (
        list_id TEXT NOT NULL REFERENCES status_lists(id),
        idx INTEGER NOT NULL,
        serial TEXT NOT NULL REFERENCES devices(serial),
        PRIMARY KEY (list_id, idx),
        UNIQUE (list_id, serial)
    );
    CREATE TABLE credentials (
        id TEXT PRIMARY KEY,
        serial TEXT NOT NULL REFERENCES devices(serial),
        kind TEXT NOT NULL CHECK (kind IN ('birth', 'event', 'attestation')),
        sequence INTEGER NOT NULL,         -- chain position (birth 0, events 1..); attestation version
        digest TEXT NOT NULL,              -- credentials.vocab.canonical_digest
        json TEXT NOT NULL,
        created TEXT NOT NULL,
        UNIQUE (serial, kind, sequence)
    );
    CREATE INDEX credentials_serial ON credentials(serial, kind, sequence);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    """,
    # 2: DID history (rotation to a new DID) and admin tokens
    """
    CREATE TABLE did_history (
        did TEXT PRIMARY KEY,
        serial TEXT NOT NULL REFERENCES devices(serial),
        previous_did TEXT,
        created TEXT NOT NULL
    );
    CREATE TABLE admin_tokens (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL,                -- SHA-256 of the bearer token, hex
        created TEXT NOT NULL
    );
    """,
    # 3: the signed did:dht record of each device, so a republish after a crash sends identical bytes
    """
    ALTER TABLE devices ADD COLUMN record BLOB;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class KeyRow:
    id: str
    owner: str
    purpose: str
    key_type: str
    public_multibase: str | None
    sealed: bytes
    created: str
    retired: str | None = None


@dataclass
class DeviceRow:
    serial: str
    did: str
    public_key: str
    key_origin: str
    identity_key_id: str | None
    state: str
    document: str
    dht_seq: int
    published: int
    attributes: str
    created: str
    successor_did: str | None = None
    record: bytes | None = None  # relay bytes of the signed BEP 44 record (republished as is)

    def to_json(self) -> dict[str, Any]:
        return {
            "serial": self.serial,
            "did": self.did,
            "publicKeyMultibase": self.public_key,
            "keyOrigin": self.key_origin,
            "state": self.state,
            "published": bool(self.published),
            "dhtSeq": self.dht_seq,
            "attributes": json.loads(self.attributes),
            "created": self.created,
            "successorDid": self.successor_did,
        }


@dataclass
class CredentialRow:
    id: str
    serial: str
    kind: str
    sequence: int
    digest: str
    json: str
    created: str

    @property
    def credential(self) -> dict[str, Any]:
        out: dict[str, Any] = json.loads(self.json)
        return out


def _cols(cls: type) -> list[str]:
    return [f.name for f in fields(cls)]


def _insert_sql(table: str, cls: type) -> str:
    cols = _cols(cls)
    return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"


def _values(row: Any) -> tuple[Any, ...]:
    return tuple(getattr(row, c) for c in _cols(type(row)))


class Storage:
    """See the module docstring."""

    def __init__(self, db: aiosqlite.Connection, path: Path | str) -> None:
        self.db = db
        self.path = path
        self._tx_lock = asyncio.Lock()  # one connection: concurrent tasks take turns for whole transactions

    def __repr__(self) -> str:
        return f"Storage({str(self.path)!r})"

    @classmethod
    async def open(cls, path: Path | str) -> Storage:
        if isinstance(path, Path):
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = await aiosqlite.connect(str(path), isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the agent database {path}: {exc}") from None
        store = cls(db, path)
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA foreign_keys=ON")
            await db.execute("PRAGMA busy_timeout=5000")
            await store._migrate()
        except BaseException:
            await db.close()
            raise
        return store

    async def close(self) -> None:
        await self.db.close()

    async def __aenter__(self) -> Storage:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def schema_version(self) -> int:
        async with self.db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='schema_version'"
        ) as cur:
            if await cur.fetchone() is None:
                return 0
        async with self.db.execute("SELECT MAX(version) FROM schema_version") as cur:
            row = await cur.fetchone()
        return int(row[0] or 0) if row else 0

    async def _migrate(self) -> None:
        await self.db.execute("BEGIN IMMEDIATE")
        try:
            await self.db.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied TEXT NOT NULL)"
            )
            current = await self.schema_version()
            if current > SCHEMA_VERSION:
                raise SchemaTooNew(
                    f"the database has schema version {current}; this iiotid knows up to {SCHEMA_VERSION}"
                )
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in _statements(MIGRATIONS[version - 1]):
                    await self.db.execute(statement)
                await self.db.execute("INSERT INTO schema_version VALUES (?, ?)", (version, utcnow()))
            await self.db.execute("COMMIT")
        except BaseException:
            await self.db.execute("ROLLBACK")
            raise

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One atomic step: ``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on any exception).  Tasks sharing this
        Storage are serialised, so each step sees only its own writes in progress."""
        async with self._tx_lock:
            await self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
            else:
                await self.db.execute("COMMIT")

    # -- writes (inside a transaction)
    async def put_meta(self, tx: aiosqlite.Connection, name: str, value: Any) -> None:
        await tx.execute(
            "INSERT INTO meta VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            (name, json.dumps(value)),
        )

    async def insert_key(self, tx: aiosqlite.Connection, row: KeyRow) -> None:
        await tx.execute(_insert_sql("keys", KeyRow), _values(row))

    async def insert_keys(self, tx: aiosqlite.Connection, rows: Sequence[KeyRow]) -> None:
        await tx.executemany(_insert_sql("keys", KeyRow), [_values(r) for r in rows])

    async def retire_key(self, tx: aiosqlite.Connection, key_id: str) -> None:
        await tx.execute("UPDATE keys SET retired = ? WHERE id = ?", (utcnow(), key_id))

    async def insert_device(self, tx: aiosqlite.Connection, row: DeviceRow) -> None:
        await tx.execute(_insert_sql("devices", DeviceRow), _values(row))

    async def insert_devices(self, tx: aiosqlite.Connection, rows: Sequence[DeviceRow]) -> None:
        await tx.executemany(_insert_sql("devices", DeviceRow), [_values(r) for r in rows])

    async def update_device(self, tx: aiosqlite.Connection, serial: str, **changes: Any) -> None:
        allowed = set(_cols(DeviceRow)) - {"serial"}
        bad = set(changes) - allowed
        if bad or not changes:
            raise StorageError(f"cannot update device columns {sorted(bad) or '(none)'}", code="invalidArgument")
        sets = ", ".join(f"{c} = ?" for c in changes)
        await tx.execute(f"UPDATE devices SET {sets} WHERE serial = ?", (*changes.values(), serial))

    async def mark_published(self, tx: aiosqlite.Connection, serials: Sequence[str]) -> None:
        await tx.executemany("UPDATE devices SET published = 1 WHERE serial = ?", [(s,) for s in serials])

    async def insert_credential(self, tx: aiosqlite.Connection, row: CredentialRow) -> None:
        await tx.execute(_insert_sql("credentials", CredentialRow), _values(row))

    async def insert_credentials(self, tx: aiosqlite.Connection, rows: Sequence[CredentialRow]) -> None:
        await tx.executemany(_insert_sql("credentials", CredentialRow), [_values(r) for r in rows])

    async def put_status_list(
        self, tx: aiosqlite.Connection, list_id: str, url: str, purpose: str, state: dict[str, Any]
    ) -> None:
        await tx.execute(
            "INSERT INTO status_lists VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET state = excluded.state, "
            "updated = excluded.updated",
            (list_id, url, purpose, json.dumps(state), utcnow()),
        )

    async def insert_status_entries(self, tx: aiosqlite.Connection, rows: Sequence[tuple[str, int, str]]) -> None:
        await tx.executemany("INSERT INTO status_entries VALUES (?, ?, ?)", rows)

    async def audit(
        self,
        tx: aiosqlite.Connection,
        actor: str,
        action: str,
        subject: str | None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append an audit line (never put secrets in ``detail``)."""
        await tx.execute(
            "INSERT INTO audit (time, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
            (utcnow(), actor, action, subject, json.dumps(detail or {})),
        )

    async def insert_did_history(self, tx: aiosqlite.Connection, did: str, serial: str, previous: str | None) -> None:
        await tx.execute("INSERT INTO did_history VALUES (?, ?, ?, ?)", (did, serial, previous, utcnow()))

    async def put_admin_token(self, tx: aiosqlite.Connection, token_id: str, token_hash: str) -> None:
        await tx.execute(
            "INSERT INTO admin_tokens VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET hash = excluded.hash",
            (token_id, token_hash, utcnow()),
        )

    # -- reads
    async def _one(self, sql: str, args: Sequence[Any] = ()) -> Any:
        async with self.db.execute(sql, args) as cur:
            return await cur.fetchone()

    async def _all(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        async with self.db.execute(sql, args) as cur:
            return list(await cur.fetchall())

    async def get_meta(self, name: str, default: Any = None) -> Any:
        row = await self._one("SELECT value FROM meta WHERE name = ?", (name,))
        return json.loads(row[0]) if row else default

    async def get_key(self, key_id: str) -> KeyRow | None:
        row = await self._one(f"SELECT {', '.join(_cols(KeyRow))} FROM keys WHERE id = ?", (key_id,))
        return KeyRow(*row) if row else None

    async def keys_of(self, owner: str) -> list[KeyRow]:
        sql = f"SELECT {', '.join(_cols(KeyRow))} FROM keys WHERE owner = ? ORDER BY created"
        rows = await self._all(sql, (owner,))
        return [KeyRow(*r) for r in rows]

    async def get_device(self, serial: str) -> DeviceRow | None:
        row = await self._one(f"SELECT {', '.join(_cols(DeviceRow))} FROM devices WHERE serial = ?", (serial,))
        return DeviceRow(*row) if row else None

    async def device_by_did(self, did: str) -> DeviceRow | None:
        row = await self._one(f"SELECT {', '.join(_cols(DeviceRow))} FROM devices WHERE did = ?", (did,))
        if row is None:  # a DID the device had before a rotation
            hist = await self._one("SELECT serial FROM did_history WHERE did = ?", (did,))
            return await self.get_device(hist[0]) if hist else None
        return DeviceRow(*row)

    async def existing_serials(self, serials: Sequence[str]) -> dict[str, bool]:
        """``{serial: published}`` for the serials already stored."""
        out: dict[str, bool] = {}
        for start in range(0, len(serials), 500):
            part = list(serials[start : start + 500])
            rows = await self._all(
                f"SELECT serial, published FROM devices WHERE serial IN ({', '.join('?' * len(part))})", part
            )
            out.update({r[0]: bool(r[1]) for r in rows})
        return out

    async def list_devices(self, *, state: str | None = None, limit: int = 100, offset: int = 0) -> list[DeviceRow]:
        where, args = ("WHERE state = ?", [state]) if state else ("", [])
        rows = await self._all(
            f"SELECT {', '.join(_cols(DeviceRow))} FROM devices {where} ORDER BY serial LIMIT ? OFFSET ?",
            [*args, limit, offset],
        )
        return [DeviceRow(*r) for r in rows]

    async def unpublished_devices(self) -> list[DeviceRow]:
        rows = await self._all(f"SELECT {', '.join(_cols(DeviceRow))} FROM devices WHERE published = 0")
        return [DeviceRow(*r) for r in rows]

    async def count_devices(self, *, state: str | None = None) -> int:
        row = await self._one(
            "SELECT COUNT(*) FROM devices" + (" WHERE state = ?" if state else ""), (state,) if state else ()
        )
        return int(row[0])

    async def credentials(self, serial: str, kind: str | None = None) -> list[CredentialRow]:
        sql = f"SELECT {', '.join(_cols(CredentialRow))} FROM credentials WHERE serial = ?"
        args: list[Any] = [serial]
        if kind is not None:
            sql += " AND kind = ?"
            args.append(kind)
        rows = await self._all(sql + " ORDER BY kind, sequence", args)
        return [CredentialRow(*r) for r in rows]

    async def chain(self, serial: str) -> list[CredentialRow]:
        """Birth certificate then events, by chain position."""
        rows = await self._all(
            f"SELECT {', '.join(_cols(CredentialRow))} FROM credentials WHERE serial = ? "
            "AND kind IN ('birth', 'event') ORDER BY sequence",
            (serial,),
        )
        return [CredentialRow(*r) for r in rows]

    async def latest_chain_credential(self, serial: str) -> CredentialRow | None:
        rows = await self._all(
            f"SELECT {', '.join(_cols(CredentialRow))} FROM credentials WHERE serial = ? "
            "AND kind IN ('birth', 'event') ORDER BY sequence DESC LIMIT 1",
            (serial,),
        )
        return CredentialRow(*rows[0]) if rows else None

    async def get_status_list(self, list_id: str) -> tuple[str, str, dict[str, Any]] | None:
        row = await self._one("SELECT url, purpose, state FROM status_lists WHERE id = ?", (list_id,))
        return (row[0], row[1], json.loads(row[2])) if row else None

    async def status_lists(self) -> list[tuple[str, str, str]]:
        return [tuple(r) for r in await self._all("SELECT id, url, purpose FROM status_lists ORDER BY id")]

    async def status_index(self, list_id: str, serial: str) -> int | None:
        row = await self._one("SELECT idx FROM status_entries WHERE list_id = ? AND serial = ?", (list_id, serial))
        return int(row[0]) if row else None

    async def admin_token_hashes(self) -> list[str]:
        return [r[0] for r in await self._all("SELECT hash FROM admin_tokens")]

    async def audit_log(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = await self._all("SELECT id, time, actor, action, subject, detail FROM audit ORDER BY id DESC LIMIT ?",
                               (limit,))
        return [
            {"id": r[0], "time": r[1], "actor": r[2], "action": r[3], "subject": r[4], "detail": json.loads(r[5])}
            for r in rows
        ]


def _statements(script: str) -> list[str]:
    """Split a migration script on ``;`` (our migrations contain no ``;`` inside literals); drop comments."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
