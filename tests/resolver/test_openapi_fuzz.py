"""Schema-driven fuzzing of the gateway (schemathesis over the app's own OpenAPI): no request makes it fail
server-side, and every response matches the documented statuses."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from resolver import Resolver
from resolver.http import create_app
from resolver.ratelimit import RateLimiter
from tests.resolver.fakes import FakeDht

_dht = FakeDht()
_unlimited = RateLimiter(rate=1e6, burst=10**6)
app = create_app(Resolver(_dht), _dht, rate_limiter=_unlimited, read_rate_limiter=_unlimited)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[checks.not_a_server_error, checks.status_code_conformance])
