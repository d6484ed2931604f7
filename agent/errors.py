"""Typed errors of the agents (``agent/``): every failure a caller can cause, with a machine-readable ``code``."""

from __future__ import annotations

from did.errors import IiotidError


class AgentError(IiotidError):
    code = "agentError"


class StorageError(AgentError):
    code = "storageError"


class SchemaTooNew(StorageError):
    """The database was written by a newer iiotid (migrations are forward-only)."""

    code = "schemaTooNew"


class WrongPassphrase(AgentError):
    code = "invalidPassphrase"


class KeyRecordCorrupt(AgentError):
    """An encrypted key record failed authentication (tampered, or bound to another key id)."""

    code = "keyRecordCorrupt"


class NotInitialised(AgentError):
    code = "notInitialised"


class DeviceNotFound(AgentError):
    code = "deviceNotFound"


class InvalidRequest(AgentError):
    code = "invalidRequest"


class ProofOfPossessionFailed(AgentError):
    """An imported device public key did not come with a valid signature over the provisioning challenge."""

    code = "proofOfPossessionFailed"


class ChainConflict(AgentError):
    """A lifecycle event does not link to the device's latest chain credential."""

    code = "chainConflict"


class Unauthorized(AgentError):
    code = "unauthorized"
