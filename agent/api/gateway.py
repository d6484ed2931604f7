"""The access gateway's HTTP routes (specs/m2m-auth.md): ``POST /challenges`` and ``POST /presentations/verify``.

* ``POST /challenges`` -> 201 a single-use challenge from :class:`agent.verifier.Verifier` (JSON; CBOR when the
  client sends ``Accept: application/cbor``).  Its ``nonce`` doubles as the ``challenge`` of a W3C presentation.
* ``POST /presentations/verify``: a device's zero-knowledge answer (``IiotidPresentationAnswer`` /
  ``IiotidPresentationRefusal``, JSON or ``application/cbor``) -> the decision: 200 when admitted (with the session
  token), 403 when refused (with its reasons); or a VCALM verify-presentation request carrying a W3C presentation
  (:func:`agent.api.vc_api.is_w3c_presentation_request`) -> :func:`agent.api.vc_api.verify_w3c_presentation`, its
  challenge checked against the same single-use store.

The verifier is ``config.extra["verifier"]``; without one the routes answer 409 ``notInitialised``.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from agent.config import AgentConfig
from agent.errors import InvalidRequest, NotInitialised

CBOR = "application/cbor"
MAX_BODY = 256 * 1024


class Challenge(BaseModel):
    type: str = Field("IiotidChallenge")
    nonce: str
    expires: str
    request: dict[str, Any]


class Decision(BaseModel):
    admitted: bool
    reasons: list[dict[str, str]]
    disclosed: dict[str, Any] = Field(default_factory=dict)
    pseudonym: str | None = None
    issuer: str | None = None
    token: str | None = None
    warnings: list[str] = Field(default_factory=list)


def build_router(config: AgentConfig) -> APIRouter:
    router = APIRouter(tags=["gateway"])
    w3c: dict[str, Any] = {}

    def verifier() -> Any:
        v = config.extra.get("verifier")
        if v is None:
            raise NotInitialised("this agent runs no gateway verifier (start it with a policy)")
        config.extra.setdefault("consume_challenge", v.consume)
        # a W3C presentation must name this gateway as its domain: one relayed from another verifier is refused
        config.extra.setdefault("presentation_domain", v.policy.verifier)
        return v

    @router.post("/challenges", status_code=201, response_model=Challenge,
                 responses={201: {"content": {CBOR: {"schema": {"type": "string", "format": "binary"}}}}},
                 summary="A single-use gateway challenge (policy request + nonce)")
    async def challenge(request: Request) -> Response:
        v = verifier()
        if CBOR in (request.headers.get("accept") or ""):
            return Response(v.challenge_cbor(), status_code=201, media_type=CBOR)
        return JSONResponse(v.challenge(), status_code=201)

    @router.post("/presentations/verify", response_model=Decision,
                 responses={403: {"model": Decision, "description": "refused, with reasons"}},
                 openapi_extra={"requestBody": {"required": True, "content": {
                     "application/json": {"schema": {"type": "object"}},
                     CBOR: {"schema": {"type": "string", "format": "binary"}}}}},
                 summary="Decide on a device's answer to a challenge (or verify a W3C presentation)")
    async def presentations_verify(request: Request) -> Response:
        data = await request.body()
        if len(data) > MAX_BODY:
            raise InvalidRequest("request body too large", code="payloadTooLarge")
        if (request.headers.get("content-type") or "").startswith(CBOR):
            decision = await verifier().decide_cbor(data)
            return JSONResponse(decision.to_dict(), status_code=200 if decision.admitted else 403)
        try:
            body = json.loads(data)
        except (ValueError, RecursionError):
            raise InvalidRequest("the body is not JSON", code="malformedPresentation") from None
        from agent.api.vc_api import is_w3c_presentation_request, presentation_verifier

        if is_w3c_presentation_request(body):
            if "verify" not in w3c:
                if config.extra.get("verifier") is not None:
                    verifier()  # registers its single-use challenge store
                w3c["verify"] = presentation_verifier(config)
            return JSONResponse(await w3c["verify"](body))
        decision = await verifier().decide(body)
        return JSONResponse(decision.to_dict(), status_code=200 if decision.admitted else 403)

    return router
