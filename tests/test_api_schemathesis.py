"""Property-based requests generated from the OpenAPI document (schemathesis): whatever a
client sends to any operation, the API answers without a server error, with a status the
document lists for that operation, in the media type it lists and matching the typed
response model of that status (problem details included). The document's examples (a real
journey on the feed's dates) run too, so successful plans are checked against their
schema as well as refusals."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = 30  # per operation
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]

# thousands of generated requests: not in the fast lane
pytestmark = pytest.mark.slow


def test_no_server_errors(api) -> None:  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    # generated requests carry a dispatcher's key, so they reach past authentication
    headers = api.h("dispatcher")
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 11
    calls = 0
    statuses: dict[str, set[int]] = {}

    def check(label: str, case) -> None:  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        statuses.setdefault(label, set()).add(response.status_code)

    for op in operations:
        for strategy in (op.as_strategy(), *schema.get_strategies_from_examples(op)):

            @given(case=strategy)
            @settings(max_examples=EXAMPLES, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            def run(case) -> None:  # type: ignore[no-untyped-def]
                check(case.operation.label, case)

            run()
    assert calls >= len(operations) * 5
    # the documented examples plan real journeys: their answers met the plan schema
    assert 200 in statuses["GET /api/v1/plan"] and 422 in statuses["GET /api/v1/plan"]

