"""Node state on disk (aiosqlite, WAL): our node id, the routing table's contacts and the items kept alive.

A restarted node reloads its id (so its neighbours' routing tables stay right), re-contacts the nodes it knew and
resumes republishing, instead of bootstrapping from nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from did.bencode import bdecode, bencode
from did.bep44 import ImmutableItem, MutableItem
from did.dht.krpc import NodeInfo
from did.errors import DidError

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (id BLOB PRIMARY KEY, host TEXT NOT NULL, port INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS kept (target BLOB PRIMARY KEY, kind TEXT NOT NULL, k BLOB, salt BLOB, seq INTEGER,
                                  sig BLOB, v BLOB NOT NULL);
"""


@dataclass(slots=True)
class NodeState:
    node_id: bytes
    nodes: list[NodeInfo]
    kept: list[MutableItem | ImmutableItem]


def _db_path(data_dir: Path) -> Path:
    return data_dir / "dht-node.sqlite"


async def _open(data_dir: Path) -> aiosqlite.Connection:
    data_dir.mkdir(parents=True, exist_ok=True)
    db = await aiosqlite.connect(_db_path(data_dir))
    await db.execute("PRAGMA journal_mode=WAL")
    await db.executescript(SCHEMA)
    return db


async def save_state(
    data_dir: Path, node_id: bytes, nodes: list[NodeInfo], kept: list[MutableItem | ImmutableItem]
) -> None:
    db = await _open(data_dir)
    try:
        await db.execute("BEGIN")
        await db.execute("INSERT OR REPLACE INTO meta VALUES ('node_id', ?)", (node_id,))
        await db.execute("DELETE FROM nodes")
        await db.executemany("INSERT OR REPLACE INTO nodes VALUES (?, ?, ?)", [(n.id, n.host, n.port) for n in nodes])
        await db.execute("DELETE FROM kept")
        rows = []
        for item in kept:
            if isinstance(item, MutableItem):
                rows.append((item.target, "m", item.public_key, item.salt, item.seq, item.signature, item.v_bencoded))
            else:
                rows.append((item.target, "i", None, None, None, None, item.v_bencoded))
        await db.executemany("INSERT INTO kept VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        await db.commit()
    finally:
        await db.close()


async def load_state(data_dir: Path) -> NodeState | None:
    if not _db_path(data_dir).exists():
        return None
    db = await _open(data_dir)
    try:
        async with db.execute("SELECT value FROM meta WHERE key = 'node_id'") as cur:
            row = await cur.fetchone()
        if row is None or len(row[0]) != 20:
            return None
        async with db.execute("SELECT id, host, port FROM nodes") as cur:
            nodes = [NodeInfo(bytes(r[0]), r[1], int(r[2])) async for r in cur if len(r[0]) == 20]
        kept: list[MutableItem | ImmutableItem] = []
        async with db.execute("SELECT kind, k, salt, seq, sig, v FROM kept") as cur:
            async for kind, k, salt, seq, sig, v in cur:
                try:
                    if kind == "m":
                        item = MutableItem(bytes(k), int(seq), bdecode(bytes(v)), bytes(sig), bytes(salt or b""))
                        item.verify()
                        kept.append(item)
                    else:
                        kept.append(ImmutableItem(bdecode(bytes(v))))
                except DidError:
                    continue  # a damaged row is skipped, never trusted
        return NodeState(bytes(row[0]), nodes, kept)
    finally:
        await db.close()


__all__ = ["NodeState", "bencode", "load_state", "save_state"]
