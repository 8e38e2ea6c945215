"""The OpenAPI document tells a client the truth: who may call what, and the problems each call can answer."""

from __future__ import annotations

from typing import Any

from litestar import Litestar

from events_app.checkin.schemas import OfflineAttendee

PROBLEM = {"$ref": "#/components/responses/Problem"}


def _operations(app: Litestar) -> list[tuple[str, str, dict[str, Any]]]:
    paths = app.openapi_schema.to_schema()["paths"]
    return [(method.upper(), path, op) for path, item in paths.items() for method, op in item.items()]


def test_refusals_are_documented_as_problems(app: Litestar) -> None:
    missing = []
    for method, path, op in _operations(app):
        expected = {"400"}
        if op.get("security") != [{}]:
            expected |= {"401", "403", "404"}
        if "{" in path:
            expected |= {"404"}
        if method in {"POST", "PUT", "PATCH", "DELETE"}:
            expected |= {"404", "409", "422"}
        missing += [f"{method} {path} {status}" for status in expected if op["responses"].get(status) != PROBLEM]
    assert missing == []


def test_public_operations_say_so_and_the_rest_need_a_bearer_token(app: Litestar) -> None:
    document = app.openapi_schema.to_schema()
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert document["security"] == [{"bearer": []}]
    public = {f"{method} {path}" for method, path, op in _operations(app) if op.get("security") == [{}]}
    assert {"GET /health", "POST /api/payments/stripe/webhook", "GET /api/conferences"} <= public
    assert "GET /api/audit" not in public


def test_wall_clock_times_and_offline_rows_are_documented_as_sent(app: Litestar) -> None:
    schemas = app.openapi_schema.to_schema()["components"]["schemas"]
    opens_at = schemas["RoomOut"]["properties"]["opens_at"]["oneOf"][0]
    assert opens_at.get("format") != "duration"
    assert opens_at["pattern"].startswith("^([01]")
    rows = schemas["OfflineBundle"]["properties"]["attendees"]["items"]
    assert rows["type"] == "array"
    assert len(rows["prefixItems"]) == len(OfflineAttendee.__struct_fields__)
