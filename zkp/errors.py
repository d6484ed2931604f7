"""Errors raised by the ``zkp`` package.

Every failure a caller can cause is a subclass of :class:`ZkpError` (itself a :class:`did.errors.IiotidError`), with
a machine-readable ``code`` and a sentence for people.  Signature and public-key failures also subclass the
``did.errors`` types of the same meaning, so generic callers that catch ``did.errors.InvalidSignature`` or
``did.errors.InvalidKey`` see BBS failures too.
"""

from __future__ import annotations

from did.errors import IiotidError
from did.errors import InvalidKey as _DidInvalidKey
from did.errors import InvalidSignature as _DidInvalidSignature


class ZkpError(IiotidError):
    """Base of errors raised by the ``zkp`` package."""

    code = "zkpError"


class InvalidPoint(ZkpError):
    """An octet string is not the canonical compressed encoding of a valid subgroup point (or is the identity where
    the identity is not allowed)."""

    code = "invalidPoint"


class InvalidScalar(ZkpError):
    """A scalar is zero, not below the group order r, or has the wrong length."""

    code = "invalidScalar"


class InvalidPublicKey(InvalidPoint, _DidInvalidKey):
    """A BLS12-381 G2 public key that does not decode, is not in G2 or is the identity."""

    code = "invalidPublicKey"


class InvalidSecretKey(ZkpError):
    code = "invalidPrivateKey"


class InvalidSignature(ZkpError, _DidInvalidSignature):
    """A BBS signature that is malformed or does not verify."""

    code = "invalidSignature"


class InvalidProof(ZkpError):
    """A BBS proof (or a proof built on it) that is malformed or does not verify."""

    code = "invalidProof"


class InvalidIndexes(ZkpError):
    """Disclosed or undisclosed message indexes out of range, repeated, or not matching the messages."""

    code = "invalidIndexes"


class InvalidParameter(ZkpError):
    """A parameter outside what the specification allows (lengths, counts, key material, DST size ...)."""

    code = "invalidParameter"


class UnsupportedCiphersuite(ZkpError):
    code = "unsupportedCiphersuite"


class BackendUnavailable(ZkpError):
    code = "backendUnavailable"
