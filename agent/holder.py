"""The device holder agent: the small wallet a device embeds (specs/m2m-auth.md section 3).

It keeps the device's credentials (birth certificate, lifecycle events, the OEM's BBS attestation), its keys and the
device secret in one file sealed with a passphrase-derived key (Argon2id + XChaCha20-Poly1305, agent.crypto_store;
written atomically, mode 0600), and answers a gateway challenge with ONE zero-knowledge presentation: the attributes
the policy asks to see, range / set predicates on hidden ones, a per-gateway pseudonym and holder binding to the
gateway's nonce and DID (:func:`zkp.schnorr.prove`).  It never discloses the device secret.

Deliberately light: no fastapi, uvicorn, aiosqlite or JSON-LD processing is imported (measured by
``bench/holder_footprint.py``); the challenge and the answer are plain JSON or CBOR.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from agent import attestation as att_mod
from agent.crypto_store import KeyVault
from agent.errors import AgentError, InvalidRequest, KeyRecordCorrupt

FORMAT = "iiotid-holder-v1"
CHALLENGE_TYPE = "IiotidChallenge"
ANSWER_TYPE = "IiotidPresentationAnswer"
REFUSAL_TYPE = "IiotidPresentationRefusal"
_RECORD = "holder-state"


class HolderError(AgentError):
    code = "holderError"


class ChallengeRefused(HolderError):
    """The holder will not (or cannot) answer this challenge; nothing was sent."""

    code = "challengeRefused"


class Holder:
    """``Holder.create(path, passphrase)`` once, then ``Holder.open(path, passphrase)`` on every boot."""

    def __init__(self, path: Path, vault: KeyVault, state: dict[str, Any]) -> None:
        self.path = path
        self._vault = vault
        self._state = state
        self._credential: Any = None  # zkp.schnorr.Credential, built lazily and cached (signature checked once)

    def __repr__(self) -> str:
        return f"Holder({self.path.name}, did={self.did})"

    # ------------------------------------------------------------------------------------------------ storage
    @classmethod
    def create(cls, path: str | Path, passphrase: object, *, ops: int | None = None, mem: int | None = None,
               rng: Callable[[int], bytes] = os.urandom) -> Holder:
        p = Path(path)
        if p.exists():
            raise HolderError(f"{p} already exists; open it instead", code="alreadyExists")
        kwargs = {k: v for k, v in (("ops", ops), ("mem", mem)) if v is not None}
        vault = KeyVault.create(passphrase, rng=rng, **kwargs)
        holder = cls(p, vault, {"did": None, "serial": None, "issuer": None, "keys": {}, "deviceSecret": None,
                                "attestation": None, "credentials": []})
        holder.save()
        return holder

    @classmethod
    def open(cls, path: str | Path, passphrase: object) -> Holder:
        p = Path(path)
        try:
            outer = json.loads(p.read_text(encoding="utf-8"))
        except OSError as exc:
            raise HolderError(f"cannot read {p}: {exc.strerror}", code="notFound") from None
        except ValueError:
            raise KeyRecordCorrupt(f"{p} is not a holder file") from None
        if not isinstance(outer, dict) or outer.get("format") != FORMAT or not isinstance(outer.get("vault"), dict):
            raise KeyRecordCorrupt(f"{p} is not a {FORMAT} file")
        vault = KeyVault.open(passphrase, outer["vault"])
        try:
            blob = base64.b64decode(outer["state"], validate=True)
        except (KeyError, TypeError, ValueError):
            raise KeyRecordCorrupt(f"{p}: sealed state missing") from None
        state = json.loads(vault.open_bytes(_RECORD, blob))
        return cls(p, vault, state)

    def save(self) -> None:
        sealed = self._vault.seal_bytes(_RECORD, json.dumps(self._state, separators=(",", ":")).encode())
        data = json.dumps({"format": FORMAT, "vault": self._vault.params(),
                           "state": base64.b64encode(sealed).decode()}).encode()
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)

    # ------------------------------------------------------------------------------------------------ contents
    @property
    def did(self) -> str | None:
        return self._state.get("did")

    @property
    def issuer(self) -> str | None:
        return self._state.get("issuer")

    @property
    def attestation(self) -> dict[str, Any] | None:
        return self._state.get("attestation")

    def credentials(self) -> list[dict[str, Any]]:
        """Birth certificate and lifecycle events, oldest first."""
        return list(self._state["credentials"])

    def import_bundle(self, bundle: Mapping[str, Any]) -> None:
        """Take the provisioning bundle (:meth:`agent.issuer.Issuer.device_bundle`): checks the BBS attestation
        against the device secret before keeping anything (a bad bundle changes nothing)."""
        if not isinstance(bundle, Mapping):
            raise InvalidRequest("the bundle must be a JSON object")
        try:
            secret = int(str(bundle["deviceSecret"]), 16)
            attestation = dict(bundle["attestation"])
            did, issuer = str(bundle["did"]), str(bundle["issuer"])
        except (KeyError, TypeError, ValueError):
            raise InvalidRequest("the bundle lacks did, issuer, deviceSecret or attestation") from None
        att_mod.verify(attestation, secret)
        if attestation.get("credentialSubject") != did:
            raise InvalidRequest("the attestation is about another device")
        self._state.update(did=did, serial=bundle.get("serial"), issuer=issuer, deviceSecret=format(secret, "064x"),
                           attestation=attestation, keys=dict(bundle.get("keys") or {}))
        birth = bundle.get("birthCertificate")
        self._state["credentials"] = [birth] if isinstance(birth, Mapping) else []
        self._credential = None
        self.save()

    def update_attestation(self, attestation: Mapping[str, Any]) -> None:
        """A re-issued attestation (e.g. after a firmware update), checked against the kept device secret."""
        secret = self._secret()
        att = dict(attestation)
        att_mod.verify(att, secret)
        if att.get("credentialSubject") != self.did:
            raise InvalidRequest("the attestation is about another device")
        self._state["attestation"] = att
        self._credential = None
        self.save()

    def add_credential(self, credential: Mapping[str, Any]) -> None:
        """Keep a lifecycle event credential (the chain is verified by whoever reads it; see credentials.lifecycle)."""
        if not isinstance(credential, Mapping) or "proof" not in credential:
            raise InvalidRequest("a secured credential (with a proof) is expected")
        self._state["credentials"].append(dict(credential))
        self.save()

    def _secret(self) -> int:
        raw = self._state.get("deviceSecret")
        if not raw:
            raise HolderError("no device secret: import a provisioning bundle first", code="notProvisioned")
        return int(raw, 16)

    def _zk_credential(self) -> Any:
        if self._credential is None:
            att = self.attestation
            if att is None:
                raise HolderError("no attestation: import a provisioning bundle first", code="notProvisioned")
            self._credential = att_mod.holder_credential(att, self._secret())
        return self._credential

    # ------------------------------------------------------------------------------------------------ challenges
    def answer(self, challenge: Mapping[str, Any]) -> dict[str, Any]:
        """Answer a gateway challenge (JSON form) with one presentation, or a refusal naming the predicate the
        device cannot satisfy (the gateway learns only that).  Raises :class:`ChallengeRefused` for challenges the
        holder will not answer at all (malformed, or asking for the device secret)."""
        from zkp.errors import ZkpError
        from zkp.schnorr import PresentationRequest, prove
        from zkp.schnorr.range_proof import RangeError

        if not isinstance(challenge, Mapping) or challenge.get("type") != CHALLENGE_TYPE:
            raise ChallengeRefused(f"not an {CHALLENGE_TYPE}")
        try:
            request = PresentationRequest.from_dict(challenge.get("request"))
        except ZkpError as exc:
            raise ChallengeRefused(f"malformed presentation request: {exc}") from None
        if att_mod.DEVICE_SECRET_INDEX in request.disclosed:
            raise ChallengeRefused("the challenge asks for the device secret")
        if request.device_secret_index not in (None, att_mod.DEVICE_SECRET_INDEX):
            raise ChallengeRefused("the challenge names the wrong device-secret slot")
        cred = self._zk_credential()
        att = self.attestation
        assert att is not None
        issuer_pk = att_mod.issuer_public_key(att)
        nonce = challenge.get("nonce")
        try:
            presentation = prove(request, cred, issuer_pk)
        except RangeError as exc:
            idx = getattr(exc, "index", None)
            name = _unsatisfied(request, cred) if idx is None else att_mod.NAMES[idx]
            return {"type": REFUSAL_TYPE, "nonce": nonce, "reason": "predicateNotSatisfied", "attribute": name}
        except ZkpError as exc:
            raise ChallengeRefused(f"cannot prove this request: {exc}") from None
        # disclosed string attributes travel in clear too (the proof carries their hash-to-scalar; the gateway checks)
        clear = {att_mod.NAMES[i]: att["values"][att_mod.NAMES[i]] for i in request.disclosed
                 if att_mod.KINDS[att_mod.NAMES[i]] == "str"}
        return {"type": ANSWER_TYPE, "nonce": nonce, "issuer": self.issuer, "bbsIssuer": att.get("issuer"),
                "clear": clear, "presentation": json.loads(presentation.to_json())}

    def answer_cbor(self, challenge: bytes) -> bytes:
        """The CBOR form for constrained links: the same objects, binary values as byte strings."""
        import cbor2

        from zkp.schnorr import Presentation

        try:
            decoded = cbor2.loads(challenge)
        except Exception:  # cbor2 raises many types on garbage
            raise ChallengeRefused("the challenge is not CBOR") from None
        if not isinstance(decoded, dict) or not isinstance(decoded.get("request"), bytes):
            raise ChallengeRefused("a CBOR challenge carries the request as CBOR bytes")
        from zkp.schnorr import PresentationRequest

        try:
            req = PresentationRequest.from_cbor(decoded["request"])
        except Exception as exc:
            raise ChallengeRefused(f"malformed presentation request: {exc}") from None
        nonce = decoded.get("nonce")
        answer = self.answer({"type": CHALLENGE_TYPE, "nonce": nonce, "request": req.to_dict()})
        if answer["type"] == REFUSAL_TYPE:
            return bytes(cbor2.dumps(answer))
        pres = Presentation.from_json(json.dumps(answer["presentation"]))
        return bytes(cbor2.dumps({**answer, "presentation": pres.to_cbor()}))


def _unsatisfied(request: Any, credential: Any) -> str:
    """Which predicate fails (the device knows its own values); used to name a refusal."""
    from zkp.schnorr.encoding import decode_int

    for p in request.predicates:
        v = credential.messages[p.index]
        if p.op == "in":
            if v not in p.members:
                return att_mod.NAMES[p.index]
            continue
        n = decode_int(v)
        if (p.lower is not None and n < p.lower) or (p.upper is not None and n > p.upper):
            return att_mod.NAMES[p.index]
    return "unknown"
