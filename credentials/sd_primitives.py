"""Selective-disclosure primitives shared by the SD cryptosuites (W3C vc-di-ecdsa §3.4 "Selective Disclosure
Functions", used by vc-di-bbs §3.3 ``bbs-2023``): JSON Pointer selection, skolemization, blank-node label maps
(HMAC-based, shuffled), label-replacement canonicalization, grouping of canonical N-Quads by pointers.

Blank nodes are given stable skolem IRIs (``urn:bnid:…``) on the *compact* document before any selection, so that
the N-Quads of a selection name the same blank nodes as the N-Quads of the whole document; they are turned back into
blank nodes (``_:…``) before canonicalization ("deskolemization").  Unlike Digital Bazaar's implementation, which
expands, skolemizes and re-compacts, we add ``@id`` to every node object of the compact document in place: the RDF
dataset is the same and the document keeps its shape, so pointers mean what they mean in the document the user holds.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from credentials import jsonld, rdfc
from credentials.errors import CredentialError
from did.keys import b64url_encode as _b64u

SKOLEM_PREFIX = "urn:bnid:"
_SKOLEM_IRI = re.compile(r"^<urn:bnid:([^>]+)>$")

Quad = tuple[str, str, str, str]
LabelMapFactory = Callable[[dict[str, str]], dict[str, str]]


class SelectionError(CredentialError):
    """A JSON Pointer that is malformed or does not select anything in the document."""

    code = "invalidPointer"


# ------------------------------------------------------------------------------------------------ JSON Pointer
def parse_pointer(pointer: object) -> list[str | int]:
    """RFC 6901 reference tokens (``~1`` -> ``/``, ``~0`` -> ``~``); all-digit tokens become array indexes."""
    if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
        raise SelectionError(f"JSON pointer must be a string starting with '/': {str(pointer)[:64]!r}")
    if len(pointer) > 4096:
        raise SelectionError("JSON pointer is too long")
    tokens: list[str | int] = []
    for raw in pointer.split("/")[1:]:
        if "~" in raw:
            if re.search(r"~[^01]|~$", raw):
                raise SelectionError(f"invalid escape sequence in JSON pointer {pointer[:64]!r}")
            tokens.append(raw.replace("~1", "/").replace("~0", "~"))
        elif raw.isdigit() and raw.isascii():
            tokens.append(int(raw))
        else:
            tokens.append(raw)
    return tokens


def _child(value: Any, token: str | int, pointer: str) -> Any:
    if isinstance(value, list) and isinstance(token, int) and token < len(value):
        return value[token]
    if isinstance(value, dict) and str(token) in value:
        return value[str(token)]
    raise SelectionError(f"JSON pointer {pointer[:120]!r} does not match the document")


def _init_selection(source: Mapping[str, Any], include_types: bool) -> dict[str, Any]:
    # vc-di-ecdsa §3.4.13 "selectJsonLd" step 5: non-blank-node ids and types travel with every selected object
    out: dict[str, Any] = {}
    ident = source.get("id")
    if isinstance(ident, str) and not ident.startswith("_:"):
        out["id"] = ident
    if "@id" in source:
        out["@id"] = source["@id"]
    if include_types and "type" in source:
        out["type"] = copy.deepcopy(source["type"])
    return out


def select_json_ld(
    document: Mapping[str, Any], pointers: Sequence[str], *, include_types: bool = True
) -> dict[str, Any] | None:
    """vc-di-ecdsa §3.4.13 "selectJsonLd": the part of ``document`` the pointers select (with ``@context``, and the
    ``id``/``type`` of every object on the way); ``None`` when there are no pointers."""
    if not isinstance(document, Mapping):
        raise SelectionError("the document must be a JSON object")
    if not pointers:
        return None
    arrays: list[list[Any]] = []
    selection: dict[str, Any] = {"@context": copy.deepcopy(document.get("@context"))}
    selection.update(_init_selection(document, include_types))
    for pointer in pointers:
        paths = parse_pointer(pointer)
        if not paths:
            return copy.deepcopy(dict(document))
        value: Any = document
        selected: Any = selection
        parent_sel: Any = selection
        for token in paths:
            parent_sel = selected
            value = _child(value, token, pointer)
            key = token if isinstance(parent_sel, list) else str(token)
            nxt = _get_sel(parent_sel, key)
            if nxt is None:
                if isinstance(value, list):
                    nxt = []
                    arrays.append(nxt)
                elif isinstance(value, dict):
                    nxt = _init_selection(value, include_types)
                else:
                    nxt = value
                _set_sel(parent_sel, key, nxt)
            selected = nxt
        last = paths[-1]
        key = last if isinstance(parent_sel, list) else str(last)
        if isinstance(value, dict):
            merged = dict(selected) if isinstance(selected, dict) else {}
            merged.update(copy.deepcopy(value))
            _set_sel(parent_sel, key, merged)
        else:
            _set_sel(parent_sel, key, copy.deepcopy(value))
    for array in arrays:  # make sparse arrays dense, keeping order
        array[:] = [v for v in array if v is not _HOLE]
    return selection


_HOLE = object()


def _get_sel(container: Any, key: str | int) -> Any:
    if isinstance(container, list):
        assert isinstance(key, int)
        return container[key] if key < len(container) and container[key] is not _HOLE else None
    return container.get(key)


def _set_sel(container: Any, key: str | int, value: Any) -> None:
    if isinstance(container, list):
        assert isinstance(key, int)
        while len(container) <= key:
            container.append(_HOLE)
        container[key] = value
    else:
        container[key] = value


# ------------------------------------------------------------------------------------------------ skolemization
_NOT_NODE_KEYS = ("@value", "@list", "@set")


_URL_JSON_TERMS: dict[tuple[str, int], frozenset[str]] = {}


def _url_json_terms(url: str) -> frozenset[str]:
    """The ``@json`` terms of a registered context URL (and the contexts it names), memoised per registry state."""
    key = (url, jsonld.generation())
    cached = _URL_JSON_TERMS.get(key)
    if cached is None:
        try:
            document = {"@context": jsonld.get_context(url).get("@context")}
        except CredentialError:
            document = {}  # unknown contexts are refused later, by the JSON-LD processing itself
        if len(_URL_JSON_TERMS) > 256:
            _URL_JSON_TERMS.clear()
        _URL_JSON_TERMS[key] = frozenset()  # a context that names itself terminates
        cached = _URL_JSON_TERMS[key] = _json_literal_terms(document)
    return cached


def _json_literal_terms(document: Mapping[str, Any]) -> frozenset[str]:
    """Terms that any context reachable from ``document`` (bundled URL contexts, inline and scoped ones) coerces to
    ``"@type": "@json"``: their values are JSON literals, not node objects, and must not be skolemized (the
    expanded form that Digital Bazaar skolemizes never looks inside them).  Names are collected across scopes: a
    term that is ``@json`` in one scope and a node elsewhere is left alone everywhere, which only costs an unlabelled
    blank node in that rare case, never a changed literal."""
    found: set[str] = set()
    seen_urls: set[str] = set()
    seen_objects: set[int] = set()

    def context(ctx: Any) -> None:
        if isinstance(ctx, list):
            for c in ctx:
                context(c)
        elif isinstance(ctx, str):
            if ctx not in seen_urls:
                seen_urls.add(ctx)
                found.update(_url_json_terms(ctx))
        elif isinstance(ctx, dict) and id(ctx) not in seen_objects:
            seen_objects.add(id(ctx))
            for term, definition in ctx.items():
                if isinstance(definition, dict):
                    if definition.get("@type") == "@json":
                        found.add(term)
                    if "@context" in definition:
                        context(definition["@context"])

    def walk(value: Any, depth: int = 0) -> None:
        if depth > 64:
            return
        if isinstance(value, list):
            for v in value:
                walk(v, depth + 1)
        elif isinstance(value, dict):
            for k, v in value.items():
                if k == "@context":
                    context(v)
                elif k not in found:
                    walk(v, depth + 1)

    walk(document)
    return frozenset(found)


def skolemize_compact(document: Mapping[str, Any], *, random: str | None = None) -> dict[str, Any]:
    """A copy of the compact ``document`` where every node object has an IRI: blank ones get
    ``urn:bnid:_<random>_<n>``, ``_:x`` ids become ``urn:bnid:x`` (vc-di-ecdsa §3.4.8-3.4.9, on the compact form).
    Value objects and ``@json`` literals are copied untouched."""
    tag = random or os.urandom(12).hex()
    counter = [0]
    json_terms = _json_literal_terms(document)

    def walk(value: Any, is_context: bool = False) -> Any:
        if is_context:
            return copy.deepcopy(value)
        if isinstance(value, list):
            return [walk(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "@value" in value:
            return copy.deepcopy(value)
        if any(k in value for k in _NOT_NODE_KEYS):
            return {k: walk(v, k == "@context") for k, v in value.items()}
        out = {k: walk(v, k == "@context" or k in json_terms) for k, v in value.items()}
        ident = out.get("@id", out.get("id"))
        if isinstance(ident, str) and ident.startswith("_:"):
            out["@id"] = SKOLEM_PREFIX + ident[2:]
            out.pop("id", None)
        elif ident is None:
            out["@id"] = f"{SKOLEM_PREFIX}_{tag}_{counter[0]}"
            counter[0] += 1
        return out

    if not isinstance(document, Mapping):
        raise SelectionError("the document must be a JSON object")
    return walk(dict(document))  # type: ignore[no-any-return]


def _deskolemize_term(term: str) -> str:
    m = _SKOLEM_IRI.match(term)
    return "_:" + m.group(1) if m else term


def to_deskolemized_quads(document: Mapping[str, Any]) -> list[Quad]:
    """vc-di-ecdsa §3.4.10 "toDeskolemizedNQuads": the document's RDF dataset with skolem IRIs back to blank nodes."""
    out = []
    for s, p, o, g in jsonld.to_quads(document):
        out.append((_deskolemize_term(s), p, _deskolemize_term(o), _deskolemize_term(g) if g else g))
    return list(dict.fromkeys(out))


def _relabel_term(term: str, label_map: Mapping[str, str]) -> str:
    if term.startswith("_:"):
        new = label_map.get(term[2:])
        if new is None:
            raise CredentialError(f"blank node {term[:40]} has no label in the label map", code="invalidLabelMap")
        return "_:" + new
    return term


def relabel(quads: Iterable[Quad], label_map: Mapping[str, str]) -> list[str]:
    """vc-di-ecdsa §3.4.4 "relabelBlankNodes", serialized as N-Quads lines (not sorted)."""
    return [
        rdfc.serialize_quad(_relabel_term(s, label_map), p, _relabel_term(o, label_map),
                            _relabel_term(g, label_map) if g else g)
        for s, p, o, g in quads
    ]


# ------------------------------------------------------------------------------------------------ label maps
def hmac_label_map_factory(hmac_key: bytes) -> LabelMapFactory:
    """vc-di-ecdsa §3.4.2 "createHmacIdLabelMapFunction": label = ``u`` + base64url(HMAC-SHA256(key, c14n label))."""

    def factory(canonical_id_map: dict[str, str]) -> dict[str, str]:
        return {
            inp: "u" + _b64u(hmac.new(hmac_key, c14n.encode("utf-8"), hashlib.sha256).digest())
            for inp, c14n in canonical_id_map.items()
        }

    return factory


def shuffled_label_map_factory(hmac_key: bytes) -> LabelMapFactory:
    """vc-di-bbs §3.3.4 "createShuffledIdLabelMapFunction": the HMAC labels sorted, each blank node labelled ``b`` +
    the position of its HMAC label, so labels leak no order of the original document."""
    inner = hmac_label_map_factory(hmac_key)

    def factory(canonical_id_map: dict[str, str]) -> dict[str, str]:
        hmac_ids = inner(canonical_id_map)
        order = {h: i for i, h in enumerate(sorted(hmac_ids.values()))}
        return {inp: f"b{order[h]}" for inp, h in hmac_ids.items()}

    return factory


def fixed_label_map_factory(label_map: Mapping[str, str]) -> LabelMapFactory:
    """vc-di-ecdsa §3.4.3 "createLabelMapFunction": the verifier maps canonical labels with the disclosed map."""

    def factory(canonical_id_map: dict[str, str]) -> dict[str, str]:
        out = {}
        for inp, c14n in canonical_id_map.items():
            if c14n not in label_map:
                raise CredentialError(
                    "the disclosed label map does not cover every blank node of the document", code="invalidLabelMap"
                )
            out[inp] = label_map[c14n]
        return out

    return factory


def _strip(label: str) -> str:
    return label[2:] if label.startswith("_:") else label


def label_replacement_canonicalize(
    quads: list[Quad], factory: LabelMapFactory
) -> tuple[list[str], dict[str, str]]:
    """vc-di-ecdsa §3.4.5 "labelReplacementCanonicalizeNQuads": canonicalize, relabel every blank node with the
    factory's labels, sort.  Returns the N-Quads lines and the label map (input label -> new label)."""
    _, issued = rdfc.canonicalize_with_map(quads)
    canonical_id_map = {_strip(k): _strip(v) for k, v in issued.items()}
    label_map = factory(canonical_id_map)
    lines = sorted(relabel(quads, label_map))
    # an RDF dataset is a set: drop exact duplicates that relabelling cannot create, keep sort order
    return list(dict.fromkeys(lines)), label_map


def canonicalize_document(document: Mapping[str, Any], factory: LabelMapFactory) -> list[str]:
    """vc-di-ecdsa §3.4.6 "labelReplacementCanonicalizeJsonLd"."""
    return label_replacement_canonicalize(list(dict.fromkeys(jsonld.to_quads(document))), factory)[0]


def canonical_id_map(quads: list[Quad]) -> dict[str, str]:
    """Input blank-node label -> canonical label (``c14nN``), without the ``_:`` prefixes."""
    _, issued = rdfc.canonicalize_with_map(quads)
    return {_strip(k): _strip(v) for k, v in issued.items()}


@dataclass
class Group:
    matching: dict[int, str] = field(default_factory=dict)  # index in the canonical N-Quads -> N-Quad
    non_matching: dict[int, str] = field(default_factory=dict)
    deskolemized: list[Quad] = field(default_factory=list)


@dataclass
class Grouped:
    groups: dict[str, Group]
    label_map: dict[str, str]
    nquads: list[str]


def canonicalize_and_group(
    document: Mapping[str, Any], factory: LabelMapFactory, groups: Mapping[str, Sequence[str]]
) -> Grouped:
    """vc-di-ecdsa §3.4.11 "canonicalizeAndGroup"."""
    skolemized = skolemize_compact(document)
    quads = to_deskolemized_quads(skolemized)
    nquads, label_map = label_replacement_canonicalize(quads, factory)
    out: dict[str, Group] = {}
    for name, pointers in groups.items():
        selection = select_json_ld(skolemized, list(pointers))
        group = Group()
        if selection is not None:
            group.deskolemized = to_deskolemized_quads(selection)
            selected = set(relabel(group.deskolemized, label_map))
        else:
            selected = set()
        for i, nq in enumerate(nquads):
            (group.matching if nq in selected else group.non_matching)[i] = nq
        out[name] = group
    return Grouped(out, label_map, nquads)


def hash_mandatory(mandatory: Iterable[str]) -> bytes:
    """vc-di-ecdsa §3.4.17 "hashMandatoryNQuads": SHA-256 over the concatenated mandatory N-Quads."""
    return hashlib.sha256("".join(mandatory).encode("utf-8")).digest()
