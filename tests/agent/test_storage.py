"""agent.storage: migrations, atomic steps, constraints; agent.crypto_store: keys sealed at rest."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.crypto_store import MIN_MEM, MIN_OPS, KeyVault
from agent.errors import KeyRecordCorrupt, SchemaTooNew, StorageError, WrongPassphrase
from agent.storage import SCHEMA_VERSION, CredentialRow, DeviceRow, KeyRow, Storage, utcnow
from did.keys import KeyType, PrivateKey


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def _device(serial: str, did: str = "") -> DeviceRow:
    did = did or f"did:dht:{serial}"
    return DeviceRow(serial, did, "z6Mk", "generated", None, "active", "{}", 1, 0, "{}", utcnow())


def test_migrations_apply_once_and_refuse_newer(tmp_path: Path) -> None:
    async def go() -> None:
        st_ = await Storage.open(tmp_path / "a.db")
        assert await st_.schema_version() == SCHEMA_VERSION
        async with st_.transaction() as tx:
            await st_.put_meta(tx, "x", {"a": 1})
        await st_.close()
        st_ = await Storage.open(tmp_path / "a.db")  # reopening does not re-run migrations, data kept
        assert await st_.get_meta("x") == {"a": 1}
        async with st_.transaction() as tx:
            await tx.execute("INSERT INTO schema_version VALUES (?, ?)", (SCHEMA_VERSION + 1, utcnow()))
        await st_.close()
        with pytest.raises(SchemaTooNew):
            await Storage.open(tmp_path / "a.db")

    run(go())


def test_transaction_is_atomic_and_constraints_hold(tmp_path: Path) -> None:
    async def go() -> None:
        async with await Storage.open(tmp_path / "b.db") as s:
            with pytest.raises(RuntimeError):
                async with s.transaction() as tx:
                    await s.insert_device(tx, _device("SN1"))
                    raise RuntimeError("crash mid-step")
            assert await s.get_device("SN1") is None
            async with s.transaction() as tx:
                await s.insert_device(tx, _device("SN1"))
                await s.insert_credential(tx, CredentialRow("urn:1", "SN1", "birth", 0, "zD", "{}", utcnow()))
            with pytest.raises(sqlite3.IntegrityError):  # same serial twice
                async with s.transaction() as tx:
                    await s.insert_device(tx, _device("SN1", "did:dht:other"))
            with pytest.raises(sqlite3.IntegrityError):  # two credentials at the same chain position
                async with s.transaction() as tx:
                    await s.insert_credential(tx, CredentialRow("urn:2", "SN1", "birth", 0, "zD", "{}", utcnow()))
            with pytest.raises(sqlite3.IntegrityError):  # foreign key: credential of an unknown device
                async with s.transaction() as tx:
                    await s.insert_credential(tx, CredentialRow("urn:3", "SN9", "event", 1, "zD", "{}", utcnow()))
            with pytest.raises(StorageError):
                async with s.transaction() as tx:
                    await s.update_device(tx, "SN1", evil="x")
            assert [r.id for r in await s.chain("SN1")] == ["urn:1"]
            assert await s.existing_serials(["SN1", "SN2"]) == {"SN1": False}
            assert (await s.device_by_did("did:dht:SN1")).serial == "SN1"  # type: ignore[union-attr]

    run(go())


VAULT = KeyVault.create("pw", ops=MIN_OPS, mem=MIN_MEM)


@settings(max_examples=10, deadline=None)
@given(st.sampled_from([KeyType.ED25519, KeyType.P256, KeyType.SECP256K1, KeyType.BLS12381_G2]), st.text(min_size=1))
def test_vault_round_trip_binds_key_id(kt: KeyType, key_id: str) -> None:
    key = PrivateKey.generate(kt)
    blob = VAULT.seal_key(key_id, key)
    assert key.raw not in blob
    assert VAULT.open_key(key_id, blob) == key
    with pytest.raises(KeyRecordCorrupt):
        VAULT.open_key(key_id + "x", blob)  # moved to another record
    flipped = bytearray(blob)
    flipped[-1] ^= 1
    with pytest.raises(KeyRecordCorrupt):
        VAULT.open_key(key_id, bytes(flipped))


def test_vault_wrong_passphrase_and_repr() -> None:
    params = VAULT.params()
    assert "pw" not in repr(VAULT) and "pw" not in str(params)
    assert KeyVault.open("pw", params).open_bytes("k", VAULT.seal_bytes("k", b"s")) == b"s"
    with pytest.raises(WrongPassphrase):
        KeyVault.open("wrong", params)
    with pytest.raises(KeyRecordCorrupt):
        KeyVault.open("pw", {"kdf": "argon2id"})
    with pytest.raises(KeyRecordCorrupt):
        VAULT.open_bytes("k", b"short")


def test_sealed_keys_stored(tmp_path: Path) -> None:
    async def go() -> None:
        async with await Storage.open(tmp_path / "c.db") as s:
            key = PrivateKey.generate(KeyType.ED25519)
            async with s.transaction() as tx:
                await s.insert_key(tx, KeyRow("k1", "issuer", "identity", "Ed25519", None, VAULT.seal_key("k1", key),
                                              utcnow()))
            row = await s.get_key("k1")
            assert row is not None and VAULT.open_key("k1", row.sealed) == key
        files = [p for p in tmp_path.iterdir() if p.name.startswith("c.db")]
        assert files and all(key.raw not in p.read_bytes() for p in files)

    run(go())
