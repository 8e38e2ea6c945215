"""schemathesis over the whole OpenAPI document, in-process, as an organizer, a partner and a stranger.

Over the demo conference every operation gets a bounded number of generated requests
(derandomized, so a run is repeatable); the contract is: no server error, and every
answer matches what the document says (status, content type, body schema).
"""

from __future__ import annotations

from collections.abc import Iterator

import hypothesis
import pytest
import schemathesis
from litestar import Litestar
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts import service as accounts
from events_app.accounts.models import User
from events_app.demo import seed_demo

# A few per operation keep the run near two minutes per database on a busy two-core machine.
EXAMPLES_PER_OPERATION = 3
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
async def demo_tokens(db: AsyncSession) -> dict[str, str]:
    """The demo conference, and a token for each of its organizer and partner logins."""
    await seed_demo(db)
    tokens = {}
    for who in ("organizer", "partner"):
        user = await db.scalar(select(User).where(User.email == f"{who}@demo.events.test"))
        assert user is not None
        tokens[who] = (await accounts.issue_token(db, user_id=user.id, name="fuzz")).secret
    await db.commit()
    return tokens


@pytest.fixture
def asgi_app(app: Litestar) -> Iterator[Litestar]:
    yield app
    shutdown_lifespans()  # schemathesis keeps an app's lifespan running until told otherwise


def _run(schema: schemathesis.BaseSchema, headers: dict[str, str]) -> list[str]:
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @hypothesis.settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(hypothesis.HealthCheck),
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        )
        @hypothesis.given(case=operation.as_strategy())
        def exercise(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            exercise()
        except (AssertionError, BaseExceptionGroup) as exc:  # collected, so one run shows every operation's
            failures.append(f"{operation.label}: {exc}"[:2000])
    return failures


def test_the_api_keeps_its_contract_under_fuzzing(asgi_app: Litestar, demo_tokens: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", asgi_app)
    failures = []
    for who in ("organizer", "partner", "anonymous"):
        headers = {"Authorization": f"Bearer {demo_tokens[who]}"} if who in demo_tokens else {}
        failures += [f"as {who}: {failure}" for failure in _run(schema, headers)]
    assert failures == [], "\n\n".join(failures)
