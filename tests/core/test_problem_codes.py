"""Every problem code a client can meet answers with one status, and the API document lists it."""

from __future__ import annotations

import ast
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient

import events_app
from events_app.core.errors import GENERAL_CODES, PROBLEM_CODES

SOURCE = Path(events_app.__file__).parent


async def test_the_api_document_lists_every_code_with_its_one_status(client: AsyncTestClient[Litestar]) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    problem = document["components"]["responses"]["Problem"]["content"]["application/problem+json"]["schema"]
    statuses = {code: int(kind.status) for code, kind in PROBLEM_CODES.items()}
    statuses |= {code: status for code, (status, _) in GENERAL_CODES.items()}
    assert len(statuses) > 100  # every domain's refusals, not a handful
    assert sorted(problem["properties"]["code"]["enum"]) == sorted(statuses)
    for code, status in statuses.items():
        assert f"| `{code}` | {status} |" in problem["description"]


def test_no_refusal_picks_its_code_at_the_raise() -> None:
    """A code is a class; a ``code=`` at a raise could give one code two statuses again."""
    found = []
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            call = node.exc if isinstance(node, ast.Raise) else None
            if isinstance(call, ast.Call) and any(keyword.arg == "code" for keyword in call.keywords):
                found.append(f"{path.relative_to(SOURCE)}:{node.lineno}")
    assert found == []
