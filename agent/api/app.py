"""``create_app(config) -> FastAPI``: the agent's HTTP application (OpenAPI at ``/openapi.json``, docs at ``/docs``).

Routers: the admin API (:mod:`agent.api.admin`, bearer token) and the public status list route; other routers are
mounted when their module exists (``ROUTERS``: module name -> attribute; each module exposes ``router(config)``
returning an ``APIRouter``, or an ``APIRouter`` named ``router``).
"""

from __future__ import annotations

import importlib
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from agent.config import AgentConfig
from did.errors import IiotidError

# (module, factory attribute) — agents B adds its routers here.
ROUTERS: list[tuple[str, str]] = [
    ("agent.api.admin", "build_router"),
    ("agent.api.vc_api", "build_router"),
    ("agent.api.vc_api", "build_resolution_router"),  # GET /1.0/identifiers/{did} (resolver.http)
    ("agent.api.gateway", "build_router"),  # POST /challenges, /presentations/verify
]

STATUS_CODES = {
    "unauthorized": 401,
    "deviceNotFound": 404,
    "notFound": 404,
    "notInitialised": 409,
    "chainConflict": 409,
    "alreadyInitialised": 409,
    "payloadTooLarge": 413,
}


def create_app(config: AgentConfig, *, title: str = "iiotid agent") -> FastAPI:
    app = FastAPI(title=title, version="1")
    app.state.config = config

    @app.exception_handler(IiotidError)
    async def _typed(request: Request, exc: IiotidError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=STATUS_CODES.get(exc.code, 400))

    for module_name, attr in ROUTERS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        factory: Any = getattr(module, attr, None)
        if factory is None:
            continue
        app.include_router(factory(config))
    return app
