"""Property-based requests generated from the OpenAPI document (schemathesis): whatever a
client sends to any operation, the API answers without a server error."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

EXAMPLES = 30  # per operation


def test_no_server_errors(api) -> None:  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    # generated requests carry a dispatcher's key, so they reach past authentication
    headers = api.h("dispatcher")
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 11
    calls = 0
    for op in operations:

        @given(case=op.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case) -> None:  # type: ignore[no-untyped-def]
            nonlocal calls
            calls += 1
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        run()
    assert calls >= len(operations) * 5
