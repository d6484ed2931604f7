"""Gateway access policies (specs/m2m-auth.md section 4): what a device must prove to be admitted.

A policy file is JSON (or TOML) like::

    {"name": "line-3-plc", "verifier": "did:dht:…gateway",            # the gateway's DID (bound into every proof)
     "trustedIssuers": ["did:dht:…oem"],                               # OEM DIDs (their did:dht lists the BBS did:key
                                                                        # in alsoKnownAs) or BBS did:keys directly
     "disclose": ["manufacturer"],                                     # attributes revealed in clear
     "predicates": [{"attribute": "firmwareVersion", "op": "ge", "value": 142},
                    {"attribute": "securityLevel", "op": "ge", "value": 3},
                    {"attribute": "dateOfManufacture", "op": "ge", "withinYears": 5},
                    {"attribute": "manufacturer", "op": "in", "values": ["ACME", "Globex"]}],
     "maxCredentialAgeDays": 365,                                      # signed issuedOn, proven by a range predicate
     "requireStatus": true,                                            # revocation list checked (index disclosed)
     "pseudonym": true,                                                # per-gateway pseudonym (scope = verifier)
     "nonceTtlSeconds": 60, "sessionTtlSeconds": 300}

Attribute names are those of the device attestation (:data:`agent.attestation.ATTRIBUTES`); values are checked
against the attribute's kind when the policy loads, so a bad policy fails at start-up with the field named, never
at the first device.
"""

from __future__ import annotations

import datetime as _dt
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.attestation import DEVICE_SECRET_INDEX, INDEX, KINDS, encode_value
from agent.errors import AgentError

OPS = ("ge", "le", "range", "in")
_KEYS = {"name", "verifier", "trustedIssuers", "disclose", "predicates", "maxCredentialAgeDays", "requireStatus",
         "pseudonym", "nonceTtlSeconds", "sessionTtlSeconds"}


class PolicyError(AgentError):
    """The policy file is malformed; the message names the field."""

    code = "invalidPolicy"


@dataclass(frozen=True)
class PolicyPredicate:
    attribute: str
    op: str
    value: Any = None  # ge / le bound (int, or ISO date for dates)
    upper: Any = None  # range upper bound
    values: tuple[Any, ...] = ()  # "in"
    within_years: int | None = None  # dates: value = today - N years, computed per challenge
    bits: int = 16

    def bounds(self, today: _dt.date) -> tuple[int | None, int | None]:
        """(lower, upper) as message scalars' integer domain (dates: days since 1970-01-01)."""
        lo: Any = self.value
        if self.within_years is not None:
            try:
                lo = today.replace(year=today.year - self.within_years).isoformat()
            except ValueError:  # 29 February
                lo = (today.replace(day=28, year=today.year - self.within_years)).isoformat()
        if self.op == "ge":
            return _plain(self.attribute, lo), None
        if self.op == "le":
            return None, _plain(self.attribute, lo)
        return _plain(self.attribute, lo), _plain(self.attribute, self.upper)


def _plain(attribute: str, value: Any) -> int:
    """The integer a range predicate compares: ints as they are, dates as days since the epoch."""
    if KINDS[attribute] == "date":
        return (_dt.date.fromisoformat(value) - _dt.date(1970, 1, 1)).days
    return int(value)


@dataclass(frozen=True)
class Policy:
    name: str
    verifier: str
    trusted_issuers: tuple[str, ...]
    disclose: tuple[str, ...] = ()
    predicates: tuple[PolicyPredicate, ...] = ()
    max_credential_age_days: int | None = None
    require_status: bool = True
    pseudonym: bool = True
    nonce_ttl: float = 60.0
    session_ttl: float = 300.0
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def disclosed_indexes(self) -> tuple[int, ...]:
        names = set(self.disclose) | ({"revocationIndex"} if self.require_status else set())
        return tuple(sorted(INDEX[n] for n in names))

    @property
    def device_secret_index(self) -> int:
        return DEVICE_SECRET_INDEX

    def zk_predicates(self, today: _dt.date) -> tuple[Any, ...]:
        """The policy's predicates as :class:`zkp.schnorr.Predicate` objects for a request made on ``today``
        (relative dates resolved; the credential age becomes ``issuedOn >= today - maxCredentialAgeDays``)."""
        from zkp.schnorr import Predicate

        out = []
        for p in self.predicates:
            index = INDEX[p.attribute]
            if p.op == "in":
                out.append(Predicate(index=index, op="in", members=tuple(policy_members(p))))
                continue
            lo, hi = p.bounds(today)
            out.append(Predicate(index=index, op=p.op, lower=lo, upper=hi, bits=p.bits))
        if self.max_credential_age_days is not None:
            oldest = (today - _dt.timedelta(days=self.max_credential_age_days) - _dt.date(1970, 1, 1)).days
            out.append(Predicate(index=INDEX["issuedOn"], op="ge", lower=oldest, bits=16))
        return tuple(out)

    # ------------------------------------------------------------------------------------------------ loading
    @classmethod
    def load(cls, path: str | Path) -> Policy:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise PolicyError(f"cannot read policy file {p}: {exc.strerror}") from None
        try:
            data = tomllib.loads(text) if p.suffix == ".toml" else json.loads(text)
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            raise PolicyError(f"{p}: not valid {'TOML' if p.suffix == '.toml' else 'JSON'}: {exc}") from None
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, d: object) -> Policy:
        if not isinstance(d, Mapping):
            raise PolicyError("a policy is a JSON object")
        unknown = set(d) - _KEYS
        if unknown:
            raise PolicyError(f"unknown policy field(s): {', '.join(sorted(map(str, unknown)))}")
        verifier = d.get("verifier")
        if not isinstance(verifier, str) or not verifier.startswith("did:"):
            raise PolicyError("verifier: the gateway's DID is required")
        trusted = _str_list(d.get("trustedIssuers"), "trustedIssuers")
        if not trusted or not all(t.startswith("did:") for t in trusted):
            raise PolicyError("trustedIssuers: at least one issuer DID is required")
        disclose = tuple(_str_list(d.get("disclose", []), "disclose"))
        for i, name in enumerate(disclose):
            if name not in INDEX or name == "deviceSecret":
                raise PolicyError(f"disclose[{i}]: {name!r} is not a disclosable attribute")
        raw_preds = d.get("predicates", [])
        if not isinstance(raw_preds, list):
            raise PolicyError("predicates must be a list")
        preds = tuple(_predicate(p, f"predicates[{i}]") for i, p in enumerate(raw_preds))
        for p in preds:
            if p.attribute in disclose:
                raise PolicyError(f"{p.attribute} is both disclosed and the subject of a predicate")
        age = d.get("maxCredentialAgeDays")
        if age is not None and (not isinstance(age, int) or isinstance(age, bool) or not 0 < age < 36500):
            raise PolicyError("maxCredentialAgeDays must be a positive number of days")
        flags = {}
        for key in ("requireStatus", "pseudonym"):
            v = d.get(key, True)
            if not isinstance(v, bool):
                raise PolicyError(f"{key} must be true or false")
            flags[key] = v
        ttls = {}
        for key, default in (("nonceTtlSeconds", 60.0), ("sessionTtlSeconds", 300.0)):
            v = d.get(key, default)
            if not isinstance(v, int | float) or isinstance(v, bool) or not 0 < v <= 86400:
                raise PolicyError(f"{key} must be a number of seconds in (0, 86400]")
            ttls[key] = float(v)
        name = d.get("name", "policy")
        if not isinstance(name, str):
            raise PolicyError("name must be a string")
        return cls(name=name, verifier=verifier, trusted_issuers=tuple(trusted), disclose=disclose,
                   predicates=preds, max_credential_age_days=age, require_status=flags["requireStatus"],
                   pseudonym=flags["pseudonym"], nonce_ttl=ttls["nonceTtlSeconds"],
                   session_ttl=ttls["sessionTtlSeconds"])

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "verifier": self.verifier,
                               "trustedIssuers": list(self.trusted_issuers), "disclose": list(self.disclose),
                               "predicates": [], "requireStatus": self.require_status, "pseudonym": self.pseudonym,
                               "nonceTtlSeconds": self.nonce_ttl, "sessionTtlSeconds": self.session_ttl}
        for p in self.predicates:
            item: dict[str, Any] = {"attribute": p.attribute, "op": p.op}
            if p.op == "in":
                item["values"] = list(p.values)
            elif p.within_years is not None:
                item["withinYears"] = p.within_years
            else:
                item["value"] = p.value
            if p.op == "range":
                item["upper"] = p.upper
            out["predicates"].append(item)
        if self.max_credential_age_days is not None:
            out["maxCredentialAgeDays"] = self.max_credential_age_days
        return out


def _str_list(v: object, what: str) -> list[str]:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise PolicyError(f"{what} must be a list of strings")
    return list(v)


def _predicate(p: object, where: str) -> PolicyPredicate:
    if not isinstance(p, Mapping):
        raise PolicyError(f"{where}: a predicate is an object")
    unknown = set(p) - {"attribute", "op", "value", "upper", "values", "withinYears", "bits"}
    if unknown:
        raise PolicyError(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    attr, op = p.get("attribute"), p.get("op")
    if attr not in KINDS or attr == "deviceSecret":
        raise PolicyError(f"{where}.attribute: {attr!r} is not an attestation attribute")
    if op not in OPS:
        raise PolicyError(f"{where}.op must be one of {', '.join(OPS)}")
    kind = KINDS[attr]
    bits = p.get("bits", 16)
    if bits not in (8, 16, 32):
        raise PolicyError(f"{where}.bits must be 8, 16 or 32")
    if op == "in":
        values = p.get("values")
        if not isinstance(values, list) or not values:
            raise PolicyError(f"{where}.values: a non-empty list is required for 'in'")
        for i, v in enumerate(values):
            _check_value(attr, v, f"{where}.values[{i}]")
        return PolicyPredicate(attr, op, values=tuple(values), bits=bits)
    if kind == "str":
        raise PolicyError(f"{where}: {attr} is a string; only 'in' applies to it")
    years = p.get("withinYears")
    if years is not None:
        if kind != "date" or op != "ge" or not isinstance(years, int) or isinstance(years, bool) or not 0 < years < 200:
            raise PolicyError(f"{where}.withinYears: a positive number of years, for 'ge' on a date")
        return PolicyPredicate(attr, op, within_years=years, bits=bits)
    _check_value(attr, p.get("value"), f"{where}.value")
    upper = p.get("upper")
    if op == "range":
        _check_value(attr, upper, f"{where}.upper")
        if _plain(attr, upper) < _plain(attr, p.get("value")):
            raise PolicyError(f"{where}: upper is below value")
    elif upper is not None:
        raise PolicyError(f"{where}.upper applies to 'range' only")
    lo = _plain(attr, p.get("value"))
    if not 0 <= lo < (1 << bits) or (upper is not None and _plain(attr, upper) >= (1 << bits)):
        raise PolicyError(f"{where}: bounds must fit in {bits} bits")
    return PolicyPredicate(attr, op, value=p.get("value"), upper=upper, bits=bits)


def _check_value(attr: str, v: object, where: str) -> None:
    try:
        encode_value(attr, v)
    except AgentError as exc:
        raise PolicyError(f"{where}: {exc.message}") from None


def policy_members(pred: PolicyPredicate) -> Sequence[int]:
    """The message scalars of an 'in' predicate's values."""
    return [encode_value(pred.attribute, v) for v in pred.values]
