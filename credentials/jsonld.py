"""JSON-LD for credentials: bundled contexts, an offline document loader, safe mode, RDFC-1.0 canonical N-Quads.

* The loader serves only contexts registered here (the bundled W3C contexts under ``credentials/contexts/`` and
  whatever :func:`register_context` adds, e.g. the IIoT vocabulary) and refuses every other URL with
  :class:`~credentials.errors.UnknownContext`.  Nothing is ever fetched.
* Safe mode (what Digital Bazaar's ``jsonld.js`` calls ``safe: true``): a property or ``@type`` value the active
  context does not define raises :class:`~credentials.errors.UndefinedTerm` instead of being dropped.  Terms that
  only expand through an ``@vocab`` to ``https://www.w3.org/ns/credentials/issuer-dependent#`` (the early v2
  context) or ``.../undefined-term#`` (the ``undefined-terms/v2`` context) count as undefined too: a signature
  over them would not say what the issuer meant.
* :func:`canonicalize` is "Expand, to RDF, RDFC-1.0" (W3C RDF Dataset Canonicalization §4, JSON-LD 1.1 API §4.5
  "Deserialize JSON-LD to RDF").  A native fast path (:mod:`credentials._fastld`) handles documents whose contexts
  are all registered here; it returns ``None`` for anything it does not implement and PyLD (URDNA2015 == RDFC-1.0)
  does the work instead.  Processed contexts are cached by URL either way.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import sys
import threading
from collections.abc import Mapping
from importlib import resources
from typing import Any

from pyld import jsonld as _pyld

from credentials.errors import (
    ContextError,
    CredentialError,
    InvalidJsonLd,
    RelativeIri,
    UndefinedTerm,
    UnknownContext,
)
from did.errors import IiotidError

__all__ = [
    "CREDENTIALS_V1_URL",
    "CREDENTIALS_V2_URL",
    "DATA_INTEGRITY_V2_URL",
    "DID_V1_URL",
    "ED25519_2020_V1_URL",
    "ISSUER_DEPENDENT_BASE",
    "MULTIKEY_V1_URL",
    "UNDEFINED_TERM_BASE",
    "canonicalize",
    "canonicalize_pyld",
    "check_contexts",
    "check_safe",
    "document_loader",
    "expand",
    "get_context",
    "is_registered",
    "register_context",
    "registered_urls",
    "set_fast_path",
    "to_quads_pyld",
]

CREDENTIALS_V2_URL = "https://www.w3.org/ns/credentials/v2"
CREDENTIALS_V1_URL = "https://www.w3.org/2018/credentials/v1"
DATA_INTEGRITY_V2_URL = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1_URL = "https://w3id.org/security/multikey/v1"
DID_V1_URL = "https://www.w3.org/ns/did/v1"
ED25519_2020_V1_URL = "https://w3id.org/security/suites/ed25519-2020/v1"

# The credentials v2 context's "@vocab": terms that only expand through it are undefined in safe mode.
ISSUER_DEPENDENT_BASE = "https://www.w3.org/ns/credentials/issuer-dependent#"
# ... and the @vocab of https://www.w3.org/ns/credentials/undefined-terms/v2, which replaced it (VC DM 2.0 §5.2).
UNDEFINED_TERM_BASE = "https://www.w3.org/ns/credentials/undefined-term#"
UNDEFINED_BASES = (ISSUER_DEPENDENT_BASE, UNDEFINED_TERM_BASE)

_BUNDLED = {
    CREDENTIALS_V2_URL: "credentials-v2.jsonld",
    DATA_INTEGRITY_V2_URL: "data-integrity-v2.jsonld",
    MULTIKEY_V1_URL: "multikey-v1.jsonld",
    DID_V1_URL: "did-v1.jsonld",
    ED25519_2020_V1_URL: "ed25519-signature-2020-v1.jsonld",
}

_lock = threading.Lock()
_registry: dict[str, dict[str, Any]] = {}
_fingerprints: dict[str, str] = {}
_generation = 0  # bumped on every registration; the fast path keys its caches on it


def _fingerprint(document: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def register_context(url: str, document: Mapping[str, Any]) -> None:
    """Serve ``document`` (a JSON-LD context document, ``{"@context": ...}``) for ``url`` from now on.

    Registering the same document twice is a no-op; registering a *different* document under a URL already
    served raises :class:`ContextError` (``contextConflict``): signatures made under one meaning of a context must
    not silently verify under another, and processed contexts are cached by URL.
    """
    global _generation
    if not isinstance(url, str) or not url or not isinstance(document, Mapping) or "@context" not in document:
        raise ContextError("register_context needs a URL and a context document with an @context member")
    doc = copy.deepcopy(dict(document))
    fp = _fingerprint(doc)
    with _lock:
        old = _fingerprints.get(url)
        if old == fp:
            return
        if old is not None:
            raise ContextError(f"a different context is already registered for {url}", code="contextConflict")
        _registry[url] = doc
        _fingerprints[url] = fp
        _generation += 1


def is_registered(url: str) -> bool:
    return url in _registry


def registered_urls() -> list[str]:
    return sorted(_registry)


def get_context(url: str) -> dict[str, Any]:
    """The registered context document for ``url`` (a deep copy); :class:`UnknownContext` otherwise."""
    try:
        return copy.deepcopy(_registry[url])
    except (KeyError, TypeError):
        raise UnknownContext(str(url)) from None


def generation() -> int:
    return _generation


def _load_bundled() -> None:
    base = resources.files("credentials").joinpath("contexts")
    for url, name in _BUNDLED.items():
        register_context(url, json.loads(base.joinpath(name).read_text(encoding="utf-8")))


_load_bundled()


def document_loader(url: str, options: Any = None) -> dict[str, Any]:
    """PyLD / jsonld.js style loader: a registered context as a RemoteDocument, or :class:`UnknownContext`."""
    doc = _registry.get(url) if isinstance(url, str) else None
    if doc is None:
        raise UnknownContext(str(url))
    # tag "static" lets PyLD keep the processed context in its shared cache across operations.
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(doc), "tag": "static"}


# ------------------------------------------------------------------------------------------------- PyLD path
def _is_absolute_iri(value: str) -> bool:
    colon = value.find(":")
    return colon > 0 and value[:colon].replace("+", "").replace("-", "").replace(".", "").isalnum()


def _called_from_expand_object(frame: Any) -> bool:
    # @type values are expanded inside a list comprehension of _expand_object (its own frame before 3.12)
    if frame.f_code.co_name == "<listcomp>":
        frame = frame.f_back
    return bool(frame is not None and frame.f_code.co_name == "_expand_object")


class _SafeProcessor(_pyld.JsonLdProcessor):  # type: ignore[misc]
    """PyLD processor that records every term or type that safe mode forbids instead of dropping it quietly.

    Every property key and ``@type`` value is expanded by ``_expand_iri(..., vocab=True)`` outside context
    processing (``local_ctx is None``); an expansion to nothing (dropped), to a non-absolute IRI, or into the
    issuer-dependent vocabulary is undefined.
    """

    def __init__(self) -> None:
        super().__init__()
        self.undefined: list[str] = []
        self._probing = 0

    def _prepare_nested_context(self, *args: Any, **kwargs: Any) -> Any:
        # PyLD probes every key against the outer context here to find the type key *before* applying
        # type-scoped contexts; those probes are not the expansion of the key and must not count.
        self._probing += 1
        try:
            return super()._prepare_nested_context(*args, **kwargs)
        finally:
            self._probing -= 1

    def _expand_iri(
        self,
        active_ctx: Any,
        value: Any,
        base: Any = None,
        vocab: bool = False,
        local_ctx: Any = None,
        defined: Any = None,
    ) -> Any:
        rval = super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        # Only the expansion of a key or an @type value inside _expand_object counts: PyLD also re-expands the
        # active property elsewhere, sometimes under a reset (``@context: null``) scoped context.
        if (
            vocab
            and local_ctx is None
            and not self._probing
            and isinstance(value, str)
            and _called_from_expand_object(sys._getframe(1))
        ):
            if rval is None:
                self.undefined.append(value)
            elif isinstance(rval, str) and rval.startswith("_:"):
                # a blank-node *property* is not RDF: its statements would be dropped (a blank-node @type is fine;
                # the key being expanded is _expand_object's loop variable ``key``)
                if sys._getframe(1).f_locals.get("key") == value:
                    self.undefined.append(value)
            elif isinstance(rval, str) and not rval.startswith("@"):
                if not _is_absolute_iri(rval) or rval.startswith(UNDEFINED_BASES):
                    self.undefined.append(value)
        return rval


def _unwrap(exc: BaseException) -> CredentialError | None:
    """Find our own typed error (e.g. UnknownContext raised by the loader) inside PyLD's wrapping."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, CredentialError):
            return e
        stack.extend([getattr(e, "cause", None), e.__cause__, e.__context__])
        details = getattr(e, "details", None)
        if isinstance(details, Mapping):
            c = details.get("cause")
            if isinstance(c, BaseException):
                stack.append(c)
    return None


# Documents have no base IRI.  PyLD would keep a relative IRI relative and then silently drop every statement
# about it when producing RDF; resolving against this reserved (RFC 6761 ".invalid") base instead keeps them, so
# _check_relative can refuse them.
RELATIVE_BASE = "https://relative-iri.invalid/"


def _check_relative(iris: Any, undefined_types: Any = ()) -> None:
    for t in undefined_types:
        if isinstance(t, str) and t.startswith(RELATIVE_BASE):
            _raise_undefined([t[len(RELATIVE_BASE) :]])
    for iri in iris:
        if isinstance(iri, str) and iri.startswith(RELATIVE_BASE):
            raise RelativeIri(
                f"relative IRI {iri[len(RELATIVE_BASE) :][:80]!r}: JSON-LD would drop what it says (use an absolute "
                "URL, a DID or urn:uuid)"
            )


def _options(**extra: Any) -> dict[str, Any]:
    opts: dict[str, Any] = {"documentLoader": document_loader, "base": RELATIVE_BASE}
    opts.update(extra)
    return opts


def _raise_undefined(terms: list[str]) -> None:
    uniq = list(dict.fromkeys(terms))
    shown = ", ".join(repr(t) for t in uniq[:5])
    raise UndefinedTerm(
        f"term(s) not defined by the document's @context (safe mode refuses them): {shown}", term=uniq[0]
    )


def _check_input(document: Any) -> None:
    if not isinstance(document, Mapping):
        raise InvalidJsonLd("a JSON-LD document must be a JSON object")


def expand(document: Mapping[str, Any]) -> list[Any]:
    """JSON-LD 1.1 expansion (with the offline loader and safe mode)."""
    _check_input(document)
    proc = _SafeProcessor()
    try:
        out = proc.expand(copy.deepcopy(dict(document)), _options())
    except IiotidError:
        raise
    except Exception as exc:
        raise _unwrap(exc) or InvalidJsonLd(f"JSON-LD expansion failed: {exc}") from exc
    if proc.undefined:
        _raise_undefined(proc.undefined)
    types: list[str] = []
    iris: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "@type" and "@value" not in node:
                    types.extend(v if isinstance(v, list) else [v])
                elif k == "@id":
                    iris.append(v)
                else:
                    walk(v)
        elif isinstance(node, list):
            for x in node:
                walk(x)

    walk(out)
    _check_relative(iris, types)
    return list(out)


def canonicalize_pyld(document: Mapping[str, Any]) -> str:
    """RDFC-1.0 canonical N-Quads of ``document`` computed by PyLD (the reference path)."""
    _check_input(document)
    proc = _SafeProcessor()
    try:
        out = proc.normalize(
            copy.deepcopy(dict(document)), _options(algorithm="URDNA2015", format="application/n-quads")
        )
    except IiotidError:
        raise
    except Exception as exc:
        raise _unwrap(exc) or InvalidJsonLd(f"JSON-LD canonicalization failed: {exc}") from exc
    if proc.undefined:
        _raise_undefined(proc.undefined)
    text = str(out)
    if RELATIVE_BASE in text:
        _check_relative_quads(_parse_terms(text))
    return text


def to_quads_pyld(document: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """The RDF dataset of ``document`` by PyLD's "Deserialize JSON-LD to RDF" (safe mode), as N-Quads terms."""
    from pyld.nquads import escape

    _check_input(document)
    proc = _SafeProcessor()
    try:
        dataset = proc.to_rdf(copy.deepcopy(dict(document)), _options(produceGeneralizedRdf=False))
    except IiotidError:
        raise
    except Exception as exc:
        raise _unwrap(exc) or InvalidJsonLd(f"JSON-LD to RDF failed: {exc}") from exc
    if proc.undefined:
        _raise_undefined(proc.undefined)

    def term(t: Mapping[str, Any]) -> str:
        if t["type"] == "IRI":
            return f"<{t['value']}>"
        if t["type"] == "blank node":
            return str(t["value"])
        text = '"' + escape(t["value"]) + '"'
        dt = t.get("datatype")
        if dt == _RDF_LANGSTRING:
            return text + ("@" + t["language"] if t.get("language") else "")
        return text if dt in (None, _XSD_STRING) else f"{text}^^<{dt}>"

    quads = []
    for graph, triples in dataset.items():
        g = "" if graph == "@default" else (graph if graph.startswith("_:") else f"<{graph}>")
        for t in triples:
            quads.append((term(t["subject"]), term(t["predicate"]), term(t["object"]), g))
    _check_relative_quads(quads)
    return quads


_RDF_TYPE_TERM = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def _check_relative_quads(quads: list[tuple[str, str, str, str]]) -> None:
    marker = "<" + RELATIVE_BASE
    types = [o[1:-1] for _, p, o, _ in quads if p == _RDF_TYPE_TERM and o.startswith(marker)]
    iris = [t[1:-1] for q in quads for t in q if t.startswith(marker)]
    _check_relative(iris, types)


def _parse_terms(nquads: str) -> list[tuple[str, str, str, str]]:
    """Just enough N-Quads splitting to find IRIs (literals may contain spaces; they are never IRIs here)."""
    out = []
    for line in nquads.splitlines():
        parts = line.rstrip(" .").split(" ")
        s, p = parts[0], parts[1]
        rest = " ".join(parts[2:])
        if rest.startswith("<"):
            o, _, g = rest.partition(" ")
        elif rest.startswith("_:"):
            o, _, g = rest.partition(" ")
        else:
            o, g = rest, ""
            if rest.endswith(">") and " <" in rest and not rest.endswith('"'):
                o, _, g = rest.rpartition(" ")
        out.append((s, p, o, g))
    return out


_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def check_contexts(document: Any) -> None:
    """Raise :class:`UnknownContext` for any ``@context`` URL (at any depth) that is not registered.

    Needed where no JSON-LD processing happens (eddsa-jcs-2022, VC-JOSE): the document must still only use
    contexts we serve, so its JSON-LD reading is the one its issuer meant.
    """
    stack = [document]
    while stack:
        node = stack.pop()
        if type(node) is dict or isinstance(node, Mapping):
            for k, v in node.items():
                if k == "@context":
                    for item in v if type(v) is list else [v]:
                        if type(item) is str:
                            if item not in _registry:
                                raise UnknownContext(item)
                        elif isinstance(item, Mapping):
                            stack.append(item)
                elif type(v) is dict or type(v) is list or isinstance(v, Mapping):
                    stack.append(v)
        elif type(node) is list:
            stack.extend(x for x in node if type(x) is dict or type(x) is list or isinstance(x, Mapping))


def check_safe(document: Mapping[str, Any]) -> None:
    """Safe-mode check without canonicalizing: every context is registered and every term and type is defined.

    For securing mechanisms that sign JSON bytes (eddsa-jcs-2022, VC-JOSE): the signature does not depend on the
    JSON-LD reading, but a credential whose terms are undefined says nothing a verifier can rely on.
    """
    _check_input(document)
    check_contexts(document)
    if _fast_enabled:
        from credentials import _fastld

        try:
            _fastld.to_quads(document)
            return
        except _fastld.Unsupported:
            pass
        except RecursionError:
            raise InvalidJsonLd("JSON-LD document nests too deeply") from None
    expand(document)


_fast_enabled = os.environ.get("IIOTID_JSONLD_FAST", "1") != "0"


def set_fast_path(enabled: bool) -> None:
    """Switch the native JSON-LD -> RDF -> RDFC-1.0 path on or off (off: PyLD does everything)."""
    global _fast_enabled
    _fast_enabled = bool(enabled)


def to_quads(document: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """The RDF dataset of ``document`` (safe mode) as N-Quads term tuples: the native path, else PyLD's."""
    _check_input(document)
    if _fast_enabled:
        from credentials import _fastld

        try:
            return _fastld.to_quads(document)
        except _fastld.Unsupported:
            pass
        except RecursionError:
            raise InvalidJsonLd("JSON-LD document nests too deeply") from None
    return to_quads_pyld(document)


def canonicalize(document: Mapping[str, Any]) -> str:
    """RDFC-1.0 canonical N-Quads (one quad per line, each ending in ``\\n``) of a JSON-LD document.

    Raises :class:`UnknownContext` for a context URL that is not registered, :class:`UndefinedTerm` in safe
    mode, :class:`InvalidJsonLd` for anything else malformed.
    """
    _check_input(document)
    if _fast_enabled:
        from credentials import _fastld

        out = _fastld.canonicalize(document)
        if out is not None:
            return out
    # PyLD expands, our RDFC-1.0 canonicalizes (it agrees with rdf-canonize where PyLD's URDNA2015 does not:
    # a quad naming the same blank node twice).
    from credentials import rdfc

    return rdfc.canonicalize(to_quads_pyld(document))
