"""aiosqlite persistence of a node: its id, routing table contacts, items kept alive and stored items (WAL mode)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiosqlite

from did.bencode import bdecode, bencode
from did.bep44 import ImmutableItem, MutableItem
from did.errors import DidError, EncodingError
from did.mainline.krpc import Address

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (id BLOB PRIMARY KEY, host TEXT NOT NULL, port INTEGER NOT NULL, last_seen REAL);
CREATE TABLE IF NOT EXISTS items (target BLOB PRIMARY KEY, item BLOB NOT NULL, expires REAL NOT NULL,
                                  keep_alive INTEGER NOT NULL DEFAULT 0);
"""


def item_to_bytes(item: MutableItem | ImmutableItem) -> bytes:
    if isinstance(item, MutableItem):
        return bencode({b"k": item.public_key, b"seq": item.seq, b"sig": item.signature, b"salt": item.salt,
                        b"v": item.v})  # type: ignore[dict-item]
    return bencode({b"v": item.v})  # type: ignore[dict-item]


def item_from_bytes(data: bytes) -> MutableItem | ImmutableItem:
    raw: Any = bdecode(data)
    if not isinstance(raw, dict) or b"v" not in raw:
        raise EncodingError("stored item is not a dictionary with 'v'")
    if b"k" in raw:
        return MutableItem(raw[b"k"], raw[b"seq"], raw[b"v"], raw[b"sig"], raw.get(b"salt", b""))
    return ImmutableItem(raw[b"v"])


class NodeDatabase:
    def __init__(self, data_dir: str | Path) -> None:
        self.path = Path(data_dir) / "mainline.sqlite3"
        self._db: aiosqlite.Connection | None = None

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path)
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.executescript(SCHEMA)
        await self._db.commit()

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise DidError("the node database is not open", code="storageClosed")
        return self._db

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def node_id(self) -> bytes | None:
        async with self.db.execute("SELECT value FROM meta WHERE key = 'node_id'") as cur:
            row = await cur.fetchone()
        return bytes(row[0]) if row and len(row[0]) == 20 else None

    async def set_node_id(self, node_id: bytes) -> None:
        await self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('node_id', ?)", (node_id,))
        await self.db.commit()

    async def save_nodes(self, nodes: list[tuple[bytes, Address, float]]) -> None:
        await self.db.execute("DELETE FROM nodes")
        await self.db.executemany("INSERT OR REPLACE INTO nodes (id, host, port, last_seen) VALUES (?, ?, ?, ?)",
                                  [(nid, host, port, seen) for nid, (host, port), seen in nodes])
        await self.db.commit()

    async def load_nodes(self) -> list[tuple[bytes, Address, float]]:
        async with self.db.execute("SELECT id, host, port, last_seen FROM nodes ORDER BY last_seen") as cur:
            rows = await cur.fetchall()
        return [(bytes(r[0]), (str(r[1]), int(r[2])), float(r[3] or 0)) for r in rows if len(r[0]) == 20]

    async def save_items(self, items: list[tuple[bytes, MutableItem | ImmutableItem, float, bool]]) -> None:
        await self.db.execute("DELETE FROM items")
        await self.db.executemany(
            "INSERT OR REPLACE INTO items (target, item, expires, keep_alive) VALUES (?, ?, ?, ?)",
            [(t, item_to_bytes(i), exp, int(keep)) for t, i, exp, keep in items])
        await self.db.commit()

    async def load_items(self) -> list[tuple[bytes, MutableItem | ImmutableItem, float, bool]]:
        async with self.db.execute("SELECT target, item, expires, keep_alive FROM items") as cur:
            rows = await cur.fetchall()
        out: list[tuple[bytes, MutableItem | ImmutableItem, float, bool]] = []
        for target, blob, expires, keep in rows:
            try:
                item = item_from_bytes(bytes(blob))
            except (DidError, KeyError, TypeError):
                continue  # a damaged row is skipped, not fatal
            out.append((bytes(target), item, float(expires), bool(keep)))
        return out
