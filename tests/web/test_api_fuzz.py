"""Schemathesis against the OpenAPI schema: no server error and no schema violation on any input.

Each operation gets a bounded number of generated requests (valid and invalid), sent in-process
through ASGI with an admin token; the checks are schemathesis' defaults (no 5xx, status codes,
content types, headers and bodies as documented, invalid data rejected).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings

from assistant.settings import Settings
from testkit.accounts import token_for
from web.main import create_app

pytestmark = pytest.mark.serial

EXAMPLES_PER_OPERATION = int(os.environ.get("PLANNER_FUZZ_EXAMPLES", "10"))


def test_api_conforms_to_its_schema(settings: Settings) -> None:
    app = create_app(
        settings.model_copy(update={"rate_limit_chat": "10000/minute", "rate_limit_upload": "10000/minute"})
    )
    headers = {"Authorization": f"Bearer {token_for(app.state.services, 'admin')}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    for operation in operations:

        @given(case=operation.as_strategy())
        @hsettings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case) -> None:
            # Every check but "schema-valid data must be accepted": a well-formed upload whose
            # content is not a parseable document is rightly refused with a 4xx.
            case.call_and_validate(
                headers=headers, excluded_checks=[schemathesis.checks.positive_data_acceptance]
            )

        check()
