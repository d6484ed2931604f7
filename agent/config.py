"""Agent configuration: where the data lives and how the admin API is guarded.

``AgentConfig.data_dir`` holds ``agent.sqlite`` (:mod:`agent.storage`).  The passphrase unlocking the key vault comes
from the environment variable named by ``passphrase_env`` (default ``IIOTID_PASSPHRASE``) or a prompt; it is never
written anywhere.  Admin bearer tokens are stored as SHA-256 hashes (:func:`token_hash`) and compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DB_NAME = "agent.sqlite"


@dataclass
class AgentConfig:
    data_dir: Path
    passphrase_env: str = "IIOTID_PASSPHRASE"  # noqa: S105 - the name of a variable, not a secret
    admin_token_hashes: list[str] = field(default_factory=list)
    issuer: Any = None  # a loaded agent.issuer.Issuer (the app serves it)
    extra: dict[str, Any] = field(default_factory=dict)  # for other routers (holder, verifier …)

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_NAME


def new_token() -> str:
    """A fresh admin bearer token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str, hashes: Iterable[str]) -> bool:
    """Constant-time comparison of the token's hash with every stored hash (no early exit)."""
    candidate = token_hash(token)
    ok = False
    for h in hashes:
        ok |= hmac.compare_digest(candidate, h)
    return ok
