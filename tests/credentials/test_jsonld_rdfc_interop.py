"""Our RDFC-1.0 against rdf-canonize 5 (the canonicalizer in Digital Bazaar's stack) on generated blank-node-heavy
datasets, including the self-referencing quads where PyLD 3.3 deviates (see test_jsonld_fastpath.py)."""

from __future__ import annotations

import random

import pytest

from credentials import rdfc
from tests.nodejs import run_node

pytestmark = pytest.mark.interop


def _random_dataset(rnd: random.Random) -> list[rdfc.Quad]:
    n = rnd.randint(1, 6)
    nodes = [f"_:n{i}" for i in range(n)]
    iris = ["<https://e.example/a>", "<https://e.example/b>"]
    preds = ["<https://e.example/p>", "<https://e.example/q>"]
    quads = []
    for _ in range(rnd.randint(1, 12)):
        quads.append(
            (
                rnd.choice([*nodes, iris[0]]),
                rnd.choice(preds),
                rnd.choice([*nodes, *iris, '"v"', '"w"^^<https://e.example/dt>', '"x \\" y"']),
                rnd.choice(["", "", *nodes[:2], "<https://e.example/g>"]),
            )
        )
    return quads


def test_rdfc_matches_rdf_canonize() -> None:
    rnd = random.Random(20261123)
    datasets = [_random_dataset(rnd) for _ in range(300)]
    p = "<https://e.example/p>"
    datasets.append([(f"_:{a}", p, f"_:{b}", "") for a, b in ["ab", "bc", "ca", "de", "ef", "fd"]])
    datasets.append([("_:s", p, "_:s", "_:s"), ("_:s", p, "_:t", "")])
    texts = ["".join(rdfc.serialize_quad(*q) for q in d) for d in datasets]
    theirs = run_node("dbvc_rdfc.mjs", {"datasets": texts})["canonical"]
    for quads, expected in zip(datasets, theirs, strict=True):
        assert rdfc.canonicalize(quads) == expected, quads
