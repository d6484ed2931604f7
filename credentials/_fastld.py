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

import math
import re
import threading
from collections.abc import Mapping
from typing import Any

from pyld import jsonld as _pyld
from pyld.context_resolver import ContextResolver

from credentials import jsonld as _jl
from credentials import rdfc
from credentials.errors import CredentialError, InvalidJsonLd, RelativeIri, UndefinedTerm
from did.errors import IiotidError

__all__ = ["Unsupported", "canonicalize", "to_quads"]

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
XSD_BOOLEAN = f"<{XSD}boolean>"
XSD_INTEGER = f"<{XSD}integer>"
XSD_DOUBLE = f"<{XSD}double>"
_BCP47 = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")
_DOUBLE_TAIL = re.compile(r"(\d)0*E\+?(-)?0*(\d)")


def _canonical_double(value: float) -> str:
    """Canonical xsd:double lexical form used by JSON-LD to RDF: ``1.5E0``, ``1.0E21``, ``-2.5E-7``."""
    return _DOUBLE_TAIL.sub(r"\1E\2\3", f"{value:1.15E}")


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

    __slots__ = ("derived", "iri", "plans", "previous", "raw", "type_terms", "vocab_iri")

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.vocab_iri: dict[str, str | None] = {}
        self.iri: dict[str, str | None] = {}
        self.derived: dict[Any, _Ctx] = {}
        self.plans: dict[str, _Plan] = {}
        self.type_terms: dict[str, str] = {}
        prev = raw.get("previousContext")
        self.previous: _Ctx | None = _wrap(prev) if prev is not None else None


_lock = threading.RLock()
_wrappers: dict[int, _Ctx] = {}
_MAX_WRAPPERS = 4096
_MAX_MEMO = 4096


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


def _process(
    ctx: _Ctx, local: Any, *, propagate: bool = True, override_protected: bool = False, key: Any = None
) -> _Ctx:
    """Context Processing (JSON-LD 1.1 API §4.1) by PyLD, memoised on (parent, local context, flags).  Scoped
    contexts taken from a term definition are keyed by identity (they live as long as the parent context)."""
    key = (_context_key(local) if key is None else key, propagate, override_protected)
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
    if len(table) >= _MAX_MEMO:  # ids and values are unbounded input: keep the memo bounded
        table.clear()
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


def _relative(value: str) -> RelativeIri:
    return RelativeIri(
        f"relative IRI {value[:80]!r}: JSON-LD would drop what it says (use an absolute URL, a DID or urn:uuid)"
    )


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
        raise _undefined(term)  # a blank-node property is not RDF: its statements would be dropped
    if not _ABSOLUTE.match(iri) or iri.startswith(_jl.UNDEFINED_BASES):
        raise _undefined(term)
    return iri


def _iri_term(iri: str) -> str:
    if _IRI_FORBIDDEN.search(iri):
        raise Unsupported("IRI with characters N-Quads would need to escape")
    return f"<{iri}>"


class _Plan:
    """How to expand one key under one active context (memoised per context)."""

    __slots__ = ("datatype", "is_graph", "key", "kind", "literals", "predicate", "string_kind", "td", "term_ctx")

    def __init__(self, key: str) -> None:
        self.key = key
        self.kind = 0  # 0 property, 1 @id, 2 @type
        self.predicate = ""
        self.td: dict[str, Any] | None = None
        self.term_ctx: _Ctx | None = None
        self.is_graph = False
        self.string_kind: str | None = None  # "literal" / "id" for plain strings, None: general path
        self.datatype: str | None = None
        self.literals: dict[str, str] = {}


def _plan(ctx: _Ctx, key: str) -> _Plan:
    plan = _Plan(key)
    expanded = _vocab_term(ctx, key)
    if expanded == "@id":
        plan.kind = 1
        return plan
    if expanded == "@type":
        plan.kind = 2
        return plan
    if expanded.startswith("@"):
        if expanded == "@value":
            raise Unsupported("value object in node position")
        raise Unsupported(f"{expanded} in a node object")
    plan.predicate = _iri_term(expanded)
    td = _term(ctx, key)
    if td is not None and "@context" in td:
        scoped = td["@context"]
        plan.term_ctx = _process(ctx, scoped, override_protected=True, key=("term", id(scoped)))
        plan.td = _term(plan.term_ctx, key) or td
    else:
        plan.term_ctx = ctx
        plan.td = td
    td_eff = plan.td
    container = td_eff.get("@container") if td_eff else None
    if container:
        rest = set(container) - {"@set"}
        if rest == {"@graph"}:
            plan.is_graph = True
        elif rest:
            raise Unsupported(f"@container {sorted(container)}")
    if td_eff is not None and ("@reverse" in td_eff or "@language" in td_eff or "@direction" in td_eff):
        raise Unsupported("term with @reverse/@language/@direction")
    coercion = td_eff.get("@type") if td_eff else None
    if coercion == "@id":
        plan.string_kind = "id"
    elif coercion is None or not str(coercion).startswith("@"):
        if "@language" not in plan.term_ctx.raw:
            plan.string_kind = "literal"
            plan.datatype = coercion
    return plan


def _scoped_context(ctx: _Ctx, term: str) -> Any:
    td = ctx.raw["mappings"].get(term)
    if td is not None and "@context" in td:
        return td["@context"]
    return None


def _type_term(ctx: _Ctx, t: str) -> str:
    iri = _expand_iri(ctx, t, vocab=True)
    if iri is None or iri.startswith("@"):
        raise _undefined(t)
    if iri.startswith("_:"):
        return iri
    if not _ABSOLUTE.match(iri) or iri.startswith(_jl.UNDEFINED_BASES):
        raise _undefined(t)
    return _iri_term(iri)


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
            raise _relative(value)
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
            scoped = _scoped_context(term_ctx, active_property)
            if scoped is not None:
                ctx = _process(ctx, scoped, override_protected=True, key=("term", id(scoped)))
        # step 9: embedded context
        if "@context" in element:
            ctx = _process(ctx, element["@context"])
        type_scoped = ctx
        # step 11: type-scoped contexts, terms in lexicographic order
        type_values: list[str] = []
        for key, value in element.items():
            if key != "@context" and _expand_iri(ctx, key, vocab=True) == "@type":
                for t in value if isinstance(value, list) else [value]:
                    if not isinstance(t, str):
                        raise InvalidJsonLd("@type values must be strings")
                    type_values.append(t)
        if type_values:
            for t in sorted(type_values):
                scoped = _scoped_context(type_scoped, t)
                if scoped is not None:
                    ctx = _process(ctx, scoped, propagate=False, key=("term", id(scoped)))
        subject: str | None = None
        plans = ctx.plans
        props: list[tuple[_Plan, Any]] = []
        for key, value in element.items():
            if key == "@context":
                continue
            plan = plans.get(key)
            if plan is None:
                if len(plans) >= _MAX_MEMO:
                    plans.clear()
                plan = plans[key] = _plan(ctx, key)
            if plan.kind == 0:
                props.append((plan, value))
            elif plan.kind == 1:
                subject = self.node_id(ctx, value)
        if subject is None:
            subject = self.fresh()
        quads = self.quads
        if type_values:
            type_terms = type_scoped.type_terms
            for t in type_values:
                obj = type_terms.get(t)
                if obj is None:
                    if len(type_terms) >= _MAX_MEMO:
                        type_terms.clear()
                    obj = type_terms[t] = _type_term(type_scoped, t)
                if obj.startswith("_:"):
                    obj = self.label(obj)
                quads.append((subject, RDF_TYPE, obj, graph))
        for plan, value in props:
            predicate = plan.predicate
            for item in value if isinstance(value, list) else (value,):
                if item is None:
                    continue
                if isinstance(item, list):
                    raise Unsupported("nested array")
                if plan.is_graph:
                    if type(item) is not dict:
                        raise Unsupported("non-object in @graph container")
                    name = self.fresh()
                    self.node(plan.term_ctx, item, name, active_property=plan.key, term_ctx=ctx)
                    quads.append((subject, predicate, name, graph))
                    continue
                if isinstance(item, str) and plan.string_kind is not None:
                    if plan.string_kind == "literal":
                        lit = plan.literals.get(item)
                        if lit is None:
                            lit = _literal(item, plan.datatype)
                            if len(plan.literals) < 512:
                                plan.literals[item] = lit
                        quads.append((subject, predicate, lit, graph))
                        continue
                    if plan.string_kind == "id":
                        quads.append((subject, predicate, self.node_id(plan.term_ctx, item), graph))
                        continue
                obj = self.value(plan.term_ctx, plan.key, plan.td, item, graph, ctx)
                quads.append((subject, predicate, obj, graph))
        return subject

    def value(
        self, term_ctx: _Ctx, key: str, td: dict[str, Any] | None, item: Any, graph: str, parent_ctx: _Ctx
    ) -> str:
        coercion = td.get("@type") if td else None
        if coercion == "@json":
            raise Unsupported("@json literal")  # JSON literals (JSON-LD 1.1 §4.2.2) go through PyLD
        if type(item) is dict:
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
                if iri is None or iri.startswith("@"):
                    raise Unsupported("keyword as @vocab value")
                if not (_ABSOLUTE.match(iri) or iri.startswith("_:")):
                    raise _relative(item)
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
        if isinstance(item, float):
            # JSON-LD 1.1 API §8.6 "Object to RDF Conversion" step 10-11: a number with a fractional part (or
            # >= 10^21) is an xsd:double in canonical form (%1.15E, trailing zeros and exponent '+'/zeros dropped);
            # otherwise an xsd:integer.
            if coercion == "@json" or not math.isfinite(item):
                raise Unsupported("@json or non-finite number")
            dt = coercion if coercion and not coercion.startswith("@") else None
            if item.is_integer() and abs(item) < 1e21:
                return f'"{int(item)}"' + (f"^^<{dt}>" if dt else f"^^{XSD_INTEGER}")
            return f'"{_canonical_double(item)}"' + (f"^^<{dt}>" if dt else f"^^{XSD_DOUBLE}")
        raise Unsupported(f"{type(item).__name__} value")

    def value_object(self, ctx: _Ctx, item: Mapping[str, Any]) -> str:
        value: Any = None
        datatype: str | None = None
        language: str | None = None
        for k, v in item.items():
            e = _expand_iri(ctx, k, vocab=True)
            if e == "@value":
                value = v
            elif e == "@language":
                if not isinstance(v, str) or not _BCP47.match(v):
                    raise Unsupported("@language that is not a plain BCP 47 tag")
                language = v.lower()  # expansion lower-cases language tags (PyLD and jsonld.js alike)
            elif e == "@type":
                if not isinstance(v, str):
                    raise InvalidJsonLd("value object @type must be a string")
                dt = _expand_iri(ctx, v, vocab=True)
                if dt is None or dt.startswith(("_:", "@")):
                    raise Unsupported("value datatype that is a blank node or keyword")
                if not _ABSOLUTE.match(dt):
                    raise _undefined(v)
                datatype = dt
            else:
                raise Unsupported(f"value object with {k}")
        if not isinstance(value, str):
            raise Unsupported("non-string @value")
        if datatype == "@json":
            raise Unsupported("@json")
        if language is not None:
            if datatype is not None:
                raise Unsupported("@language with @type")
            return _literal(value, None) + "@" + language
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
    if type(document) is not dict:
        document = dict(document)
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
