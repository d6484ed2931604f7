"""RDF Dataset Canonicalization RDFC-1.0 (W3C Recommendation, 2024) over N-Quads terms.

A quad is a tuple ``(subject, predicate, object, graph)`` of N-Quads term strings: ``<iri>``, ``_:label`` or a
literal already in its canonical N-Quads form (``"..."``, ``"..."^^<dt>``); ``graph`` is ``""`` for the default
graph.  :func:`canonicalize` returns the canonical N-Quads document: blank nodes relabelled ``_:c14n0`` ...
(§4.4 "Canonicalization Algorithm"), one quad per line in code point order.

The function names follow the specification's section titles.  Blank-node-heavy "poison" graphs are bounded by
``max_ndegree_calls`` (§4.4 note "implementations ... SHOULD provide a means of limiting ... resources").
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from itertools import permutations

from credentials.errors import JsonLdError

__all__ = ["IdentifierIssuer", "Quad", "RdfcError", "canonicalize", "canonicalize_with_map", "serialize_quad"]

Quad = tuple[str, str, str, str]


class RdfcError(JsonLdError):
    """The dataset exceeds the resource limits of canonicalization (a "poison" graph)."""

    code = "canonicalizationLimit"


class IdentifierIssuer:
    """§4.3 "Issue Identifier Algorithm": issues ``prefix + counter`` labels, remembering issue order."""

    __slots__ = ("counter", "issued", "prefix")

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.counter = 0
        self.issued: dict[str, str] = {}  # insertion-ordered: the "issued identifiers list"

    def issue(self, existing: str) -> str:
        label = self.issued.get(existing)
        if label is None:
            label = self.issued[existing] = f"{self.prefix}{self.counter}"
            self.counter += 1
        return label

    def copy(self) -> IdentifierIssuer:
        out = IdentifierIssuer(self.prefix)
        out.counter = self.counter
        out.issued = dict(self.issued)
        return out


def serialize_quad(s: str, p: str, o: str, g: str) -> str:
    return f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _State:
    """§4.2 "Canonicalization State"."""

    def __init__(self, quads: Sequence[Quad], max_ndegree_calls: int, max_permutations: int) -> None:
        self.permutations_left = max_permutations
        self.blank_node_to_quads: dict[str, list[Quad]] = {}
        for quad in quads:
            s, _, o, g = quad
            for term in (s, o, g):
                if term.startswith("_:"):
                    lst = self.blank_node_to_quads.setdefault(term, [])
                    if not lst or lst[-1] is not quad:
                        lst.append(quad)
        self.canonical_issuer = IdentifierIssuer("_:c14n")
        self.first_degree: dict[str, str] = {}
        self.calls_left = max_ndegree_calls

    # §4.6 "Hash First Degree Quads"
    def hash_first_degree_quads(self, reference: str) -> str:
        cached = self.first_degree.get(reference)
        if cached is not None:
            return cached
        nquads = []
        for s, p, o, g in self.blank_node_to_quads[reference]:
            if s.startswith("_:"):
                s = "_:a" if s == reference else "_:z"
            if o.startswith("_:"):
                o = "_:a" if o == reference else "_:z"
            if g.startswith("_:"):
                g = "_:a" if g == reference else "_:z"
            nquads.append(serialize_quad(s, p, o, g))
        nquads.sort()
        out = self.first_degree[reference] = _sha256("".join(nquads))
        return out

    # §4.7 "Hash Related Blank Node"
    def hash_related_blank_node(self, related: str, quad: Quad, issuer: IdentifierIssuer, position: str) -> str:
        identifier = (
            self.canonical_issuer.issued.get(related)
            or issuer.issued.get(related)
            or self.hash_first_degree_quads(related)
        )
        data = position if position == "g" else f"{position}{quad[1]}"
        return _sha256(data + identifier)

    # §4.8 "Hash N-Degree Quads"
    def hash_n_degree_quads(self, identifier: str, issuer: IdentifierIssuer) -> tuple[str, IdentifierIssuer]:
        self.calls_left -= 1
        if self.calls_left < 0:
            raise RdfcError("RDFC-1.0: too many n-degree hash calls (limit reached); refusing a poison graph")
        hash_to_related: dict[str, list[str]] = {}
        for quad in self.blank_node_to_quads[identifier]:
            s, _, o, g = quad
            for term, position in ((s, "s"), (o, "o"), (g, "g")):
                if term.startswith("_:") and term != identifier:
                    h = self.hash_related_blank_node(term, quad, issuer, position)
                    hash_to_related.setdefault(h, []).append(term)
        data_to_hash = []
        for related_hash in sorted(hash_to_related):
            data_to_hash.append(related_hash)
            chosen_path = ""
            chosen_issuer: IdentifierIssuer | None = None
            for permutation in permutations(hash_to_related[related_hash]):
                self.permutations_left -= 1
                if self.permutations_left < 0:
                    raise RdfcError(
                        "RDFC-1.0: too many blank node permutations (limit reached); refusing a poison graph"
                    )
                issuer_copy = issuer.copy()
                path = ""
                recursion_list: list[str] = []
                skip = False
                for related in permutation:
                    canonical = self.canonical_issuer.issued.get(related)
                    if canonical is not None:
                        path += canonical
                    else:
                        if related not in issuer_copy.issued:
                            recursion_list.append(related)
                        path += issuer_copy.issue(related)
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion_list:
                    result_hash, result_issuer = self.hash_n_degree_quads(related, issuer_copy)
                    path += issuer_copy.issue(related)
                    path += f"<{result_hash}>"
                    issuer_copy = result_issuer
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if chosen_issuer is None or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = issuer_copy
            data_to_hash.append(chosen_path)
            assert chosen_issuer is not None
            issuer = chosen_issuer
        return _sha256("".join(data_to_hash)), issuer


def canonicalize(quads: Iterable[Quad], *, max_ndegree_calls: int = 4096, max_permutations: int = 20_000) -> str:
    """§4.4 "Canonicalization Algorithm" followed by canonical N-Quads serialization (§4.4 step 7)."""
    return canonicalize_with_map(quads, max_ndegree_calls=max_ndegree_calls, max_permutations=max_permutations)[0]


def canonicalize_with_map(
    quads: Iterable[Quad], *, max_ndegree_calls: int = 4096, max_permutations: int = 20_000
) -> tuple[str, dict[str, str]]:
    """Canonical N-Quads and the issued identifiers map (input blank node label -> ``_:c14nN``), as
    rdf-canonize's ``canonicalIdMap`` gives it (needed by the selective-disclosure primitives of vc-di-ecdsa/bbs)."""
    unique = list(dict.fromkeys(quads))  # an RDF dataset is a set
    state = _State(unique, max_ndegree_calls, max_permutations)
    # steps 3-4: first-degree hashes; blank nodes with a unique hash get canonical ids in hash order
    hash_to_blank_nodes: dict[str, list[str]] = {}
    for node in state.blank_node_to_quads:
        hash_to_blank_nodes.setdefault(state.hash_first_degree_quads(node), []).append(node)
    for h in sorted(hash_to_blank_nodes):
        nodes = hash_to_blank_nodes[h]
        if len(nodes) == 1:
            state.canonical_issuer.issue(nodes[0])
    # step 5: shared hashes, resolved with the n-degree hash
    for h in sorted(hash_to_blank_nodes):
        nodes = hash_to_blank_nodes[h]
        if len(nodes) == 1:
            continue
        hash_path_list: list[tuple[str, IdentifierIssuer]] = []
        for node in nodes:
            if node in state.canonical_issuer.issued:
                continue
            temporary = IdentifierIssuer("_:b")
            temporary.issue(node)
            hash_path_list.append(state.hash_n_degree_quads(node, temporary))
        for _, issuer in sorted(hash_path_list, key=lambda r: r[0]):
            for existing in issuer.issued:
                state.canonical_issuer.issue(existing)
    # step 6-7: relabel and serialize in code point order
    label = state.canonical_issuer.issued
    lines = []
    for s, p, o, g in unique:
        if s.startswith("_:"):
            s = label[s]
        if o.startswith("_:"):
            o = label[o]
        if g.startswith("_:"):
            g = label[g]
        lines.append(serialize_quad(s, p, o, g))
    lines.sort()
    return "".join(lines), dict(label)
