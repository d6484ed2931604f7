"""BLS12-381 backends behind one interface (:class:`zkp.backend.base.Backend`).

``get_backend()`` picks, in order: the ``name`` argument, the ``IIOTID_BLS_BACKEND`` environment variable, then the
fastest installed native backend (``hybrid`` = blst with arkworks' MSM, then ``arkworks``, then ``blst``), then the
pure-Python py-ecc reference (``pyecc``).  Backends are stateless singletons apart from their pin caches.
"""

from __future__ import annotations

import os

from zkp.backend.base import G1, G2, Backend
from zkp.errors import BackendUnavailable

__all__ = ["AUTO_ORDER", "G1", "G2", "Backend", "available_backends", "get_backend"]

# Measured order (BENCHMARKS.md, "## BBS"): blst multiplies, pairs and decodes faster; arkworks has the MSM.
AUTO_ORDER: tuple[str, ...] = ("hybrid", "arkworks", "blst", "pyecc")
ENV_VAR = "IIOTID_BLS_BACKEND"

_instances: dict[str, Backend] = {}


def _load(name: str) -> Backend:
    if name in _instances:
        return _instances[name]
    try:
        if name == "hybrid":
            from zkp.backend.hybrid import HybridBackend

            inst: Backend = HybridBackend()
        elif name == "arkworks":
            from zkp.backend.arkworks import ArkworksBackend

            inst = ArkworksBackend()
        elif name == "blst":
            from zkp.backend.blst import BlstBackend

            inst = BlstBackend()
        elif name in ("pyecc", "py-ecc", "py_ecc"):
            from zkp.backend.pyecc import PyEccBackend

            inst = PyEccBackend()
            name = "pyecc"
        else:
            raise BackendUnavailable(f"unknown BLS12-381 backend {name!r}; choose one of {', '.join(AUTO_ORDER)}")
    except ImportError as exc:
        raise BackendUnavailable(f"BLS12-381 backend {name!r} is not installed ({exc})") from exc
    _instances[name] = inst
    return inst


def get_backend(name: str | None = None) -> Backend:
    """The backend called ``name`` (or ``$IIOTID_BLS_BACKEND``), else the first installed one of ``AUTO_ORDER``."""
    chosen = name or os.environ.get(ENV_VAR) or None
    if chosen:
        return _load(chosen.strip().lower())
    for candidate in AUTO_ORDER:
        try:
            return _load(candidate)
        except BackendUnavailable:
            continue
    raise BackendUnavailable("no BLS12-381 backend is installed")  # pragma: no cover - py-ecc is a dependency


def available_backends() -> list[str]:
    """Names of the backends that import on this machine, fastest first."""
    out = []
    for candidate in AUTO_ORDER:
        try:
            _load(candidate)
        except BackendUnavailable:
            continue
        out.append(candidate)
    return out
