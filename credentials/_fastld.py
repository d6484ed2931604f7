"""Native JSON-LD 1.1 "Deserialize JSON-LD to RDF" for credentials, feeding :mod:`credentials.rdfc`.

Why: PyLD re-runs type- and property-scoped context processing for every document, which costs far more than the
signature check.  Here processed active contexts are memoised (per parent context and local context), so a
credential costs one walk over its JSON.

Scope: the JSON-LD features the VC 2.0 / Data Integrity / DID / Multikey contexts and typical credentials use:
term definitions with ``@id``, ``@type`` coercion (``@id``, ``@vocab``, datatype IRIs), ``@vocab``, compact IRIs,
protected terms, embedded, type-scoped (non-propagating) and property-scoped contexts, ``@graph`` containers
(``proof``, ``verifiableCredential``), ``@set``, value objects with ``@type``, strings, booleans and integers.
Context processing itself (term definitions, protection, remote contexts) is PyLD's ``_process_context`` with the
offline loader, so both paths read contexts identically.  Anything else (``@list``, ``@reverse``, ``@nest``,
``@language``, ``@json``, index/id/type/language maps, floats, relative IRIs, control characters in literals ...)
raises :class:`Unsupported` and :func:`canonicalize` returns ``None``: the caller then uses PyLD for the document.

Safe mode is the same as the PyLD path's: a key or ``@type`` value that is undefined, expands to nothing, to a
relative IRI or into the ``issuer-dependent`` / ``undefined-term`` vocabularies raises ``UndefinedTerm``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

from pyld import jsonld as _pyld
from pyld.context_resolver import ContextResolver

from credentials import jsonld as _jl
from credentials import rdfc
from credentials.errors import CredentialError, InvalidJsonLd, UndefinedTerm
from did.errors import IiotidError

__all__ = ["Unsupported", "canonicalize", "to_quads"]

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
XSD_BOOLEAN = f"<{XSD}boolean>"
XSD_INTEGER = f"<{XSD}integer>"
_KEYWORD_LIKE = re.compile(r"^@[a-zA-Z]+$")
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
# Characters that N-Quads escaping treats specially beyond \\ and " (PyLD and rdf-canonize differ on some of them):
# documents carrying them go to PyLD so both paths always agree.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_IRI_FORBIDDEN = re.compile(r"[\x00-\x20<>\"{}|^`\\]")
_NODE_KEYWORDS = frozenset({"@id", "@type", "@context"})


class Unsupported(Exception):  # an internal signal, never escapes this module
    """The document uses a JSON-LD feature the fast path does not implement."""


class _Ctx:
    """A PyLD active context plus memo tables (IRI expansion, derived contexts)."""

    __slots__ = ("derived", "iri", "previous", "raw", "vocab_iri")

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.vocab_iri: dict[str, str | None] = {}
        self.iri: dict[str, str | None] = {}
        self.derived: dict[Any, _Ctx] = {}
        prev = raw.get("previousContext")
        self.previous: _Ctx | None = _wrap(prev) if prev is not None else None


_lock = threading.RLock()
_wrappers: dict[int, _Ctx] = {}
_MAX_WRAPPERS = 4096


def _wrap(raw: dict[str, Any]) -> _Ctx:
    ctx = _wrappers.get(id(raw))
    if ctx is None or ctx.raw is not raw:
        if len(_wrappers) > _MAX_WRAPPERS:
            _wrappers.clear()
        ctx = _Ctx(raw)
        _wrappers[id(raw)] = ctx
    return ctx


class _Processor(_pyld.JsonLdProcessor):  # type: ignore[misc]
    pass


_proc = _Processor()
_options: dict[str, Any] = {
    "documentLoader": _jl.document_loader,
    "base": None,
    "processingMode": "json-ld-1.1",
    "contextResolver": ContextResolver(_pyld._resolved_context_cache, _jl.document_loader),
}
_initial: _Ctx | None = None


def _initial_ctx() -> _Ctx:
    global _initial
    if _initial is None:
        _initial = _wrap(_proc._get_initial_context(_options))
    return _initial


def _context_key(local: Any) -> Any:
    if isinstance(local, str):
        return local
    if isinstance(local, list) and all(isinstance(x, str) for x in local):
        return tuple(local)
    import json

    try:
        return json.dumps(local, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise InvalidJsonLd(f"@context is not JSON: {exc}") from None


def _process(ctx: _Ctx, local: Any, *, propagate: bool = True, override_protected: bool = False) -> _Ctx:
    key = (_context_key(local), propagate, override_protected)
    hit = ctx.derived.get(key)
    if hit is not None:
        return hit
    with _lock:
        try:
            raw = _proc._process_context(
                ctx.raw, local, dict(_options), override_protected=override_protected, propagate=propagate
            )
        except IiotidError:
            raise
        except Exception as exc:
            raise _jl._unwrap(exc) or InvalidJsonLd(f"JSON-LD context processing failed: {exc}") from exc
        out = _wrap(raw)
        if len(ctx.derived) > 256:
            ctx.derived.clear()
        ctx.derived[key] = out
    return out


def _term(ctx: _Ctx, key: str) -> dict[str, Any] | None:
    mapping: dict[str, Any] | None = ctx.raw["mappings"].get(key)
    return mapping


def _expand_iri(ctx: _Ctx, value: str, *, vocab: bool) -> str | None:
    """IRI Expansion (JSON-LD 1.1 API §5.2) without document-relative resolution (no base): a relative result is
    returned as is and the caller decides."""
    table = ctx.vocab_iri if vocab else ctx.iri
    if value in table:
        return table[value]
    out = _expand_iri_uncached(ctx, value, vocab)
    table[value] = out
    return out


def _expand_iri_uncached(ctx: _Ctx, value: str, vocab: bool) -> str | None:
    if value.startswith("@"):
        if value in _pyld.KEYWORDS:
            return value
        if _KEYWORD_LIKE.match(value):
            return None
    mappings = ctx.raw["mappings"]
    if vocab and value in mappings:
        m = mappings[value]
        return None if m is None else m["@id"]
    colon = value.find(":")
    if colon > 0:
        prefix, suffix = value[:colon], value[colon + 1 :]
        if prefix == "_" or suffix.startswith("//"):
            return value
        m = mappings.get(prefix)
        if m and m.get("_prefix"):
            return str(m["@id"]) + suffix
        if _ABSOLUTE.match(value):
            return value
    if vocab and "@vocab" in ctx.raw:
        return str(ctx.raw["@vocab"]) + value
    return value  # relative


def _undefined(term: str) -> UndefinedTerm:
    return UndefinedTerm(
        f"term(s) not defined by the document's @context (safe mode refuses them): {term!r}", term=term
    )


def _vocab_term(ctx: _Ctx, term: str) -> str:
    """Expand a key or @type value; safe mode: it must be defined and absolute, outside the undefined vocabs."""
    iri = _expand_iri(ctx, term, vocab=True)
    if iri is None:
        raise _undefined(term)
    if iri.startswith("@"):
        return iri
    if iri.startswith("_:"):
        raise Unsupported("blank node property or type")
    if not _ABSOLUTE.match(iri) or iri.startswith(_jl.UNDEFINED_BASES):
        raise _undefined(term)
    return iri


def _iri_term(iri: str) -> str:
    if _IRI_FORBIDDEN.search(iri):
        raise Unsupported("IRI with characters N-Quads would need to escape")
    return f"<{iri}>"


class _Builder:
    __slots__ = ("bnodes", "counter", "quads")

    def __init__(self) -> None:
        self.quads: list[rdfc.Quad] = []
        self.counter = 0
        self.bnodes: dict[str, str] = {}

    def fresh(self) -> str:
        self.counter += 1
        return f"_:b{self.counter}"

    def label(self, bnode: str) -> str:
        out = self.bnodes.get(bnode)
        if out is None:
            out = self.bnodes[bnode] = f"_:u{len(self.bnodes)}"
        return out

    def node_id(self, ctx: _Ctx, value: Any) -> str:
        if not isinstance(value, str):
            raise InvalidJsonLd("@id must be a string")
        iri = _expand_iri(ctx, value, vocab=False)
        if iri is None or iri.startswith("@"):
            raise Unsupported("@id that is a keyword")
        if iri.startswith("_:"):
            return self.label(iri)
        if not _ABSOLUTE.match(iri):
            raise Unsupported("relative @id")
        return _iri_term(iri)

    # ---------------------------------------------------------------------------------------------------------
    def node(
        self, ctx: _Ctx, element: Mapping[str, Any], graph: str, *, active_property: str | None, term_ctx: _Ctx | None
    ) -> str:
        """Expand one node object (JSON-LD 1.1 API §5.1.2 steps 7-13) and emit its triples into ``graph``;
        return its subject term."""
        # step 7: revert a non-propagated (type-scoped) context when entering a new node object
        if ctx.previous is not None:
            ctx = ctx.previous
        # step 8: property-scoped context of the active property (looked up before reverting)
        if active_property is not None and term_ctx is not None:
            td = _term(term_ctx, active_property)
            if td is not None and "@context" in td:
                ctx = _process(ctx, td["@context"], override_protected=True)
        # step 9: embedded context
        if "@context" in element:
            ctx = _process(ctx, element["@context"])
        type_scoped = ctx
        # step 11: type-scoped contexts, terms in lexicographic order
        keys = sorted(element)
        type_values: list[str] = []
        for key in keys:
            if key == "@context":
                continue
            if _expand_iri(ctx, key, vocab=True) == "@type":
                value = element[key]
                for t in value if isinstance(value, list) else [value]:
                    if not isinstance(t, str):
                        raise InvalidJsonLd("@type values must be strings")
                    type_values.append(t)
        for t in sorted(type_values):
            td = _term(type_scoped, t)
            if td is not None and "@context" in td:
                ctx = _process(ctx, td["@context"], propagate=False)
        subject: str | None = None
        props: list[tuple[str, str, Any]] = []
        for key in keys:
            if key == "@context":
                continue
            value = element[key]
            expanded = _vocab_term(ctx, key)
            if expanded == "@id":
                subject = self.node_id(ctx, value)
            elif expanded == "@type":
                pass
            elif expanded.startswith("@"):
                if expanded == "@value":
                    raise Unsupported("value object in node position")
                raise Unsupported(f"{expanded} in a node object")
            else:
                props.append((key, expanded, value))
        if subject is None:
            subject = self.fresh()
        for t in type_values:
            iri = _expand_iri(type_scoped, t, vocab=True)
            if iri is None or iri.startswith("@"):
                raise _undefined(t)
            if iri.startswith("_:"):
                obj = self.label(iri)
            else:
                if not _ABSOLUTE.match(iri) or iri.startswith(_jl.UNDEFINED_BASES):
                    raise _undefined(t)
                obj = _iri_term(iri)
            self.quads.append((subject, RDF_TYPE, obj, graph))
        for key, iri, value in props:
            predicate = _iri_term(iri)
            td = _term(ctx, key)
            if td is not None and "@context" in td:
                term_ctx_for_key = _process(ctx, td["@context"], override_protected=True)
                td_eff = _term(term_ctx_for_key, key) or td
            else:
                term_ctx_for_key = ctx
                td_eff = td
            container = td_eff.get("@container") if td_eff else None
            is_graph = False
            if container:
                rest = set(container) - {"@set"}
                if rest == {"@graph"}:
                    is_graph = True
                elif rest:
                    raise Unsupported(f"@container {sorted(container)}")
            if td_eff is not None and ("@reverse" in td_eff or "@language" in td_eff or "@direction" in td_eff):
                raise Unsupported("term with @reverse/@language/@direction")
            items = value if isinstance(value, list) else [value]
            for item in items:
                if item is None:
                    continue
                if isinstance(item, list):
                    raise Unsupported("nested array")
                if is_graph:
                    if not isinstance(item, Mapping):
                        raise Unsupported("non-object in @graph container")
                    name = self.fresh()
                    self.node(term_ctx_for_key, item, name, active_property=key, term_ctx=ctx)
                    self.quads.append((subject, predicate, name, graph))
                    continue
                obj = self.value(term_ctx_for_key, key, td_eff, item, graph, ctx)
                self.quads.append((subject, predicate, obj, graph))
        return subject

    def value(
        self, term_ctx: _Ctx, key: str, td: dict[str, Any] | None, item: Any, graph: str, parent_ctx: _Ctx
    ) -> str:
        coercion = td.get("@type") if td else None
        if isinstance(item, Mapping):
            if any(_expand_iri(term_ctx, k, vocab=True) == "@value" for k in item):
                return self.value_object(term_ctx, item)
            if len(item) == 1 and _expand_iri(term_ctx, next(iter(item)), vocab=True) == "@id":
                return self.node_id(term_ctx, next(iter(item.values())))
            if any(_expand_iri(term_ctx, k, vocab=True) in ("@list", "@set", "@graph", "@included") for k in item):
                raise Unsupported("@list/@set/@graph object")
            return self.node(parent_ctx, item, graph, active_property=key, term_ctx=parent_ctx)
        if isinstance(item, str):
            if coercion == "@id":
                return self.node_id(term_ctx, item)
            if coercion == "@vocab":
                iri = _expand_iri(term_ctx, item, vocab=True)
                if iri is None or iri.startswith("@") or not (_ABSOLUTE.match(iri) or iri.startswith("_:")):
                    raise Unsupported("relative @vocab value")
                return self.label(iri) if iri.startswith("_:") else _iri_term(iri)
            if coercion in ("@json", "@none"):
                raise Unsupported(f"{coercion} coercion")
            if "@language" in term_ctx.raw:
                raise Unsupported("default language")
            return _literal(item, coercion)
        if isinstance(item, bool):
            if coercion == "@json":
                raise Unsupported("@json")
            dt = coercion if coercion and not coercion.startswith("@") else None
            return f'"{"true" if item else "false"}"' + (f"^^<{dt}>" if dt else f"^^{XSD_BOOLEAN}")
        if isinstance(item, int):
            if coercion == "@json" or abs(item) >= 10**21:
                raise Unsupported("@json or huge integer")
            dt = coercion if coercion and not coercion.startswith("@") else None
            return f'"{item}"' + (f"^^<{dt}>" if dt else f"^^{XSD_INTEGER}")
        raise Unsupported(f"{type(item).__name__} value")

    def value_object(self, ctx: _Ctx, item: Mapping[str, Any]) -> str:
        value: Any = None
        datatype: str | None = None
        for k, v in item.items():
            e = _expand_iri(ctx, k, vocab=True)
            if e == "@value":
                value = v
            elif e == "@type":
                if not isinstance(v, str):
                    raise InvalidJsonLd("value object @type must be a string")
                dt = _expand_iri(ctx, v, vocab=True)
                if dt is None or not _ABSOLUTE.match(dt) or dt.startswith("_:"):
                    raise Unsupported("value datatype not absolute")
                datatype = dt
            else:
                raise Unsupported(f"value object with {k}")
        if not isinstance(value, str):
            raise Unsupported("non-string @value")
        if datatype == "@json":
            raise Unsupported("@json")
        return _literal(value, datatype)


def _literal(text: str, datatype: str | None) -> str:
    if _CONTROL.search(text):
        raise Unsupported("control characters in a literal")
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    if datatype is None or datatype == XSD_STRING:
        return f'"{escaped}"'
    if datatype.startswith("@"):
        raise Unsupported(f"datatype {datatype}")
    return f'"{escaped}"^^{_iri_term(datatype)}'


def to_quads(document: Mapping[str, Any]) -> list[rdfc.Quad]:
    """The RDF dataset of ``document`` as N-Quads term tuples; raises :class:`Unsupported` when out of scope."""
    builder = _Builder()
    builder.node(_initial_ctx(), document, "", active_property=None, term_ctx=None)
    return builder.quads


def canonicalize(document: Mapping[str, Any]) -> str | None:
    """RDFC-1.0 canonical N-Quads, or ``None`` when the document needs the PyLD path."""
    try:
        quads = to_quads(document)
    except Unsupported:
        return None
    except CredentialError:
        raise
    except RecursionError:
        raise InvalidJsonLd("JSON-LD document nests too deeply") from None
    return rdfc.canonicalize(quads)
