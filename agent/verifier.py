"""The access-gateway verifier (specs/m2m-auth.md section 5): challenges, decisions, session tokens, audit.

``Verifier(policy, resolver=…, status_source=…)``:

* :meth:`Verifier.challenge` issues a single-use nonce (expires after the policy's ``nonceTtlSeconds``) and the
  presentation request built from the policy: disclosures, predicates (relative dates resolved today), holder
  binding (device-secret slot), pseudonym scope = the gateway's DID.  The gateway keeps the request; the answer is
  checked against the gateway's copy, never against anything the device sends.
* :meth:`Verifier.decide` takes the device's answer and returns a :class:`Decision` with machine-readable reasons:
  unknown / replayed / expired challenge, untrusted issuer, invalid proof, a predicate the device declined,
  revoked; on admission a session token (JWT, EdDSA via jwcrypto) whose subject is the per-gateway pseudonym.
* Issuer keys (the OEM's BBS did:key, found in its did:dht document's ``alsoKnownAs``) and status lists are cached;
  when the DHT or the status endpoint is unreachable, decisions use the cached copies (marked in ``warnings``).
"""

from __future__ import annotations

import datetime as _dt
import json
import secrets
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent import attestation as att_mod
from agent.errors import AgentError
from agent.holder import ANSWER_TYPE, CHALLENGE_TYPE, REFUSAL_TYPE
from agent.policy import Policy
from did.errors import IiotidError

StatusSource = Callable[[str], Awaitable[Mapping[str, Any]]]  # issuer DID -> BitstringStatusListCredential
REFUSAL_REASONS = {"firmwareVersion": "oldFirmware", "securityLevel": "securityLevelTooLow",
                   "issuedOn": "credentialTooOld", "dateOfManufacture": "deviceTooOld"}


class VerifierError(AgentError):
    code = "verifierError"


@dataclass
class Reason:
    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass
class Decision:
    admitted: bool
    reasons: list[Reason] = field(default_factory=list)
    pseudonym: str | None = None
    disclosed: dict[str, Any] = field(default_factory=dict)
    issuer: str | None = None
    token: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return self.reasons[0].code if self.reasons else "admitted"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"admitted": self.admitted, "reasons": [r.to_dict() for r in self.reasons],
                               "disclosed": self.disclosed}
        for k in ("pseudonym", "issuer", "token"):
            v = getattr(self, k)
            if v is not None:
                out[k] = v
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out


def _refuse(code: str, message: str, **kw: Any) -> Decision:
    return Decision(False, [Reason(code, message)], **kw)


class _Cached:
    __slots__ = ("fetched", "value")

    def __init__(self, value: Any, fetched: float) -> None:
        self.value, self.fetched = value, fetched


class Verifier:
    def __init__(
        self,
        policy: Policy,
        *,
        resolver: Any = None,
        status_source: StatusSource | None = None,
        signing_key: Any = None,
        audit_path: str | Path | None = None,
        clock: Callable[[], float] = time.time,
        cache_ttl: float = 300.0,
        max_nonces: int = 100_000,
        workers: int = 0,
    ) -> None:
        from did.keys import KeyType, PrivateKey

        self.policy = policy
        self.resolver = resolver
        self.status_source = status_source
        self.clock = clock
        self.cache_ttl = cache_ttl
        self.max_nonces = max_nonces
        self.workers = workers  # > 0: zero-knowledge verification in a process pool (uses every core)
        self._pool: Any = None
        self._key = signing_key or PrivateKey.generate(KeyType.ED25519)
        self._jwk: Any = None
        self._nonces: OrderedDict[bytes, tuple[float, Any]] = OrderedDict()
        self._issuer_keys: dict[str, _Cached] = {}
        self._status: dict[str, _Cached] = {}
        self.audit: list[dict[str, Any]] = []
        self._audit_file = open(audit_path, "a", encoding="utf-8") if audit_path else None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        if self._audit_file is not None:
            self._audit_file.close()
            self._audit_file = None

    # ------------------------------------------------------------------------------------------------ challenges
    def challenge(self) -> dict[str, Any]:
        """A fresh challenge: ``{"type", "nonce", "expires", "request"}`` (JSON form)."""
        from zkp.schnorr import PresentationRequest

        now = self.clock()
        self._expire(now)
        while len(self._nonces) >= self.max_nonces:  # bounded: the oldest outstanding challenge is dropped
            self._nonces.popitem(last=False)
        nonce = secrets.token_bytes(16)
        today = _dt.datetime.fromtimestamp(now, _dt.UTC).date()
        p = self.policy
        request = PresentationRequest(
            nonce=nonce, verifier=p.verifier, disclosed=p.disclosed_indexes, predicates=p.zk_predicates(today),
            device_secret_index=p.device_secret_index, pseudonym_scope=p.verifier if p.pseudonym else None,
        )
        expires = now + p.nonce_ttl
        self._nonces[nonce] = (expires, request)
        return {"type": CHALLENGE_TYPE, "nonce": _b64u(nonce), "expires": _iso(expires), "request": request.to_dict()}

    def challenge_cbor(self) -> bytes:
        import cbor2

        ch = self.challenge()
        _, request = self._nonces[_unb64u(ch["nonce"])]
        return bytes(cbor2.dumps({"type": CHALLENGE_TYPE, "nonce": ch["nonce"], "expires": ch["expires"],
                                  "request": request.to_cbor()}))

    async def consume(self, challenge: str) -> bool:
        """Single-use check of a challenge by its base64url nonce, for W3C presentations whose proof carries it as
        ``challenge`` (VC Data Integrity): True once for an issued, unexpired, unused nonce."""
        try:
            nonce = _unb64u(challenge)
        except VerifierError:
            return False
        entry = self._nonces.pop(nonce, None)
        if entry is None or entry[1] is None:
            return False
        self._nonces[nonce] = (entry[0], None)
        return self.clock() <= entry[0]

    def _expire(self, now: float) -> None:
        while self._nonces:
            _nonce, (expires, _) = next(iter(self._nonces.items()))
            if expires > now - 3600:  # expired nonces are kept an hour to tell "expired" from "unknown"
                break
            self._nonces.popitem(last=False)

    # ------------------------------------------------------------------------------------------------ decisions
    async def decide(self, answer: object) -> Decision:
        try:
            decision = await self._decide(answer)
        except IiotidError as exc:  # anything typed that escaped: a refusal with its code, never a crash
            decision = _refuse(exc.code, exc.message)
        self._log(answer, decision)
        return decision

    async def decide_cbor(self, data: bytes) -> Decision:
        import cbor2

        from zkp.schnorr import Presentation

        try:
            ans = cbor2.loads(data)
            if isinstance(ans, dict) and isinstance(ans.get("presentation"), bytes):
                ans["presentation"] = json.loads(Presentation.from_cbor(ans["presentation"]).to_json())
        except Exception as exc:
            decision = _refuse("malformedPresentation", f"not a CBOR answer: {type(exc).__name__}")
            self._log(None, decision)
            return decision
        return await self.decide(ans)

    async def _decide(self, answer: object) -> Decision:
        from zkp.errors import ZkpError
        from zkp.schnorr import Presentation
        from zkp.schnorr import verify as zk_verify

        if not isinstance(answer, Mapping) or answer.get("type") not in (ANSWER_TYPE, REFUSAL_TYPE):
            return _refuse("malformedPresentation", "not an iiotid presentation answer")
        try:
            nonce = _unb64u(answer.get("nonce"))
        except VerifierError:
            return _refuse("malformedPresentation", "the answer's nonce is not base64url")
        now = self.clock()
        entry = self._nonces.pop(nonce, None)  # single use, whatever the outcome
        if entry is None:
            return _refuse("unknownChallenge", "this gateway never issued that nonce, or it was already used")
        expires, request = entry
        if request is None:
            return _refuse("replayedChallenge", "the challenge was already answered")
        self._nonces[nonce] = (expires, None)  # remember it was used, to name replays
        if now > expires:
            return _refuse("expiredChallenge", f"the challenge expired at {_iso(expires)}")
        if answer["type"] == REFUSAL_TYPE:
            attr = str(answer.get("attribute"))
            code = REFUSAL_REASONS.get(attr, "predicateNotSatisfied")
            return _refuse(code, f"the device cannot prove the policy's {attr} predicate")
        issuer = answer.get("issuer")
        if not isinstance(issuer, str) or issuer not in self.policy.trusted_issuers:
            return _refuse("untrustedIssuer", f"{str(issuer)[:80]} is not a trusted issuer of {self.policy.name}",
                           issuer=issuer if isinstance(issuer, str) else None)
        warnings: list[str] = []
        keys = await self._keys_of(issuer, warnings)
        bbs_issuer = answer.get("bbsIssuer")
        if isinstance(bbs_issuer, str) and bbs_issuer in keys:
            candidates = [keys[bbs_issuer]]
        else:
            candidates = list(keys.values())
        if not candidates:
            return _refuse("untrustedIssuer", f"{issuer} lists no BBS attestation key", issuer=issuer)
        try:
            presentation = Presentation.from_json(json.dumps(answer.get("presentation")))
        except (ZkpError, TypeError, ValueError) as exc:
            return _refuse("malformedPresentation", str(exc), issuer=issuer)
        verified = None
        error: Exception | None = None
        for pk in candidates:
            try:
                if self.workers > 0:
                    verified = await self._in_pool(request, presentation, pk)
                else:
                    verified = zk_verify(request, presentation, pk)
                break
            except ZkpError as exc:
                error = exc
        if verified is None:
            return _refuse("invalidProof", f"the presentation does not verify: {error}", issuer=issuer)
        clear = answer.get("clear") if isinstance(answer.get("clear"), Mapping) else {}
        disclosed = {}
        for i, v in verified.disclosed.items():
            name = att_mod.NAMES[i]
            if att_mod.KINDS[name] == "str":
                text = clear.get(name)
                if not isinstance(text, str) or att_mod.encode_value(name, text) != v:
                    return _refuse("invalidProof", f"the clear value of {name} is not the signed one", issuer=issuer)
                disclosed[name] = text
            else:
                disclosed[name] = _decode(name, v)
        pseudonym = _b64u(verified.pseudonym) if verified.pseudonym else None
        if self.policy.require_status:
            index = disclosed.get("revocationIndex")
            revoked = await self._revoked(issuer, index, warnings)
            if revoked:
                return _refuse("revoked", f"the issuer revoked this device (status index {index})", issuer=issuer,
                               pseudonym=pseudonym, warnings=warnings)
        shown = {k: v for k, v in disclosed.items() if k in self.policy.disclose}
        token = self._token(pseudonym, issuer, now)
        return Decision(True, [], pseudonym=pseudonym, disclosed=shown, issuer=issuer, token=token,
                        warnings=warnings)

    async def _in_pool(self, request: Any, presentation: Any, pk: bytes) -> Any:
        import asyncio
        from concurrent.futures import ProcessPoolExecutor

        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers)
        return await asyncio.get_running_loop().run_in_executor(self._pool, _zk_verify, request, presentation, pk)

    # ------------------------------------------------------------------------------------------------ caches
    async def _keys_of(self, issuer: str, warnings: list[str]) -> dict[str, bytes]:
        """The BBS public keys an issuer vouches for: a did:key itself, or the BLS12-381 did:keys its DID document
        lists in ``alsoKnownAs``.  Cached; a stale copy is used (and said) when resolution fails."""
        from did.did_key import public_key_from_did
        from did.keys import KeyType

        now = self.clock()
        hit = self._issuer_keys.get(issuer)
        if hit is not None and now - hit.fetched < self.cache_ttl:
            return hit.value  # type: ignore[no-any-return]
        keys: dict[str, bytes] = {}
        try:
            if issuer.startswith("did:key:"):
                aliases = [issuer]
            else:
                if self.resolver is None:
                    raise VerifierError("no resolver configured for " + issuer, code="issuerUnresolvable")
                doc = await self.resolver.resolve_document(issuer)
                aliases = [a for a in (doc.also_known_as or []) if a.startswith("did:key:")]
            for alias in aliases:
                pk = public_key_from_did(alias)
                if pk.key_type is KeyType.BLS12381_G2:
                    keys[alias] = pk.raw
        except IiotidError as exc:
            if hit is not None:
                warnings.append(f"issuerKeysFromCache: {exc.code}")
                return hit.value  # type: ignore[no-any-return]
            raise VerifierError(f"cannot resolve issuer {issuer}: {exc.message}", code="issuerUnresolvable") \
                from None
        self._issuer_keys[issuer] = _Cached(keys, now)
        return keys

    async def _revoked(self, issuer: str, index: object, warnings: list[str]) -> bool:
        from credentials.status_list import StatusList

        if not isinstance(index, int):
            raise VerifierError("the presentation does not disclose its revocation index", code="statusUnknown")
        now = self.clock()
        hit = self._status.get(issuer)
        if hit is None or now - hit.fetched >= self.cache_ttl:
            try:
                if self.status_source is None:
                    raise VerifierError("no status source configured", code="statusUnknown")
                vc = await self.status_source(issuer)
                await self._check_status_vc(vc, issuer)
                hit = _Cached(StatusList.from_credential(vc), now)
                self._status[issuer] = hit
            except IiotidError as exc:
                if hit is None:
                    raise VerifierError(f"revocation status unavailable: {exc.message}", code="statusUnknown") \
                        from None
                warnings.append(f"statusFromCache: {exc.code}")
        return bool(hit.value.get(index))

    async def _check_status_vc(self, vc: Mapping[str, Any], issuer: str) -> None:
        import credentials

        issuer_of = vc.get("issuer")
        issuer_id = issuer_of.get("id") if isinstance(issuer_of, Mapping) else issuer_of
        if issuer_id != issuer:
            raise VerifierError("the status list is not the issuer's", code="statusUnknown")
        if self.resolver is None:
            raise VerifierError("no resolver to check the status list's proof", code="statusUnknown")
        result = await credentials.verify(dict(vc), resolver=self.resolver)
        if not result.verified:
            raise VerifierError("the status list credential does not verify", code="statusUnknown")

    # ------------------------------------------------------------------------------------------------ tokens, audit
    def _token(self, pseudonym: str | None, issuer: str, now: float) -> str:
        from jwcrypto import jwk, jwt

        if self._jwk is None:
            self._jwk = jwk.JWK.from_json(json.dumps(self._key.to_jwk()))
        claims = {"iss": self.policy.verifier, "sub": pseudonym or "anonymous", "aud": self.policy.name,
                  "iat": int(now), "exp": int(now + self.policy.session_ttl), "jti": str(uuid.uuid4()),
                  "oem": issuer}
        token = jwt.JWT(header={"alg": "EdDSA", "typ": "JWT"}, claims=claims)
        token.make_signed_token(self._jwk)
        return str(token.serialize())

    def check_token(self, token: str) -> dict[str, Any]:
        """Verify a session token this gateway issued; returns its claims or raises VerifierError."""
        from jwcrypto import jwk, jwt
        from jwcrypto.common import JWException

        if self._jwk is None:
            self._jwk = jwk.JWK.from_json(json.dumps(self._key.to_jwk()))
        try:
            t = jwt.JWT(jwt=token, key=self._jwk, algs=["EdDSA"],
                        check_claims={"iss": self.policy.verifier, "aud": self.policy.name, "exp": None})
            return dict(json.loads(t.claims))
        except (JWException, ValueError) as exc:
            raise VerifierError(f"invalid session token: {exc}", code="invalidToken") from None

    def _log(self, answer: object, decision: Decision) -> None:
        entry = {"time": _iso(self.clock()), "policy": self.policy.name, "admitted": decision.admitted,
                 "reasons": [r.code for r in decision.reasons], "pseudonym": decision.pseudonym,
                 "issuer": decision.issuer}
        self.audit.append(entry)
        if len(self.audit) > 10_000:
            del self.audit[:5_000]
        if self._audit_file is not None:
            self._audit_file.write(json.dumps(entry) + "\n")
            self._audit_file.flush()


def _zk_verify(request: Any, presentation: Any, pk: bytes) -> Any:
    """Process-pool entry point (module level so it pickles)."""
    from zkp.schnorr import verify

    return verify(request, presentation, pk)


def _decode(name: str, scalar: int) -> Any:
    from zkp.schnorr.encoding import decode_int

    kind = att_mod.KINDS[name]
    if kind == "int":
        return decode_int(scalar)
    if kind == "date":
        return (_dt.date(1970, 1, 1) + _dt.timedelta(days=decode_int(scalar))).isoformat()
    return format(scalar, "064x")


def _b64u(data: bytes) -> str:
    from did.keys import b64url_encode

    return b64url_encode(data)


def _unb64u(text: object) -> bytes:
    """Strict base64url (did.keys) of a nonce-sized value; a VerifierError otherwise."""
    from did.keys import b64url_decode

    if not isinstance(text, str) or not 0 < len(text) <= 400:
        raise VerifierError("expected base64url text")
    try:
        return b64url_decode(text, what="nonce")
    except IiotidError:
        raise VerifierError("expected base64url text") from None


def _iso(t: float) -> str:
    return _dt.datetime.fromtimestamp(t, _dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


__all__ = ["Decision", "Reason", "Verifier", "VerifierError"]

