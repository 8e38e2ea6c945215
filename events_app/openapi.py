"""The API's contract as the OpenAPI document states it, where Litestar alone would state it wrongly.

Litestar infers an operation's success response from its handler; what it cannot see is
added here, for every operation at once: who may call it (a public one needs no token) and
the problems it can answer with, each the shared ``Problem`` response in
``application/problem+json``. Two shapes are corrected too: a wall-clock ``time`` (Litestar
calls it a duration) and a Struct sent as an array (Litestar calls it an object).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import TYPE_CHECKING, Any, cast

import msgspec
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import OpenAPIResponse, OpenAPIType, Operation, Reference, Schema
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition

from events_app.accounts.access import declared_access

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator

PROBLEM = Reference(ref="#/components/responses/Problem")
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def refusals(handler: HTTPRouteHandler, path: str) -> set[int]:
    """The problem statuses an operation can answer with."""
    # Any request can be malformed, and any can find the database (or Stripe) away.
    statuses = {400, 503}
    if declared_access(handler) != "public":
        statuses |= {401, 403, 404}  # 404 also for "your partner" or "your station" when the caller has none
    if "{" in path:
        statuses |= {404, 422}  # a thing that is not there, or a signed link that no longer holds
    if handler.http_methods & WRITES:
        statuses |= {404, 409, 422}  # a body names things too
    return statuses


def _operation(handler: HTTPRouteHandler, path: str) -> Callable[..., Operation]:
    statuses = refusals(handler, path)
    public = declared_access(handler) == "public"

    def build(**fields: Any) -> Operation:
        responses: dict[str, OpenAPIResponse | Reference] = dict(fields.pop("responses", None) or {})
        # Litestar's own 400 names its ValidationException body; ours is a problem like the others.
        responses.update({str(status): PROBLEM for status in sorted(statuses)})
        if public:
            fields["security"] = [{}]  # an empty requirement: no token needed
        return Operation(responses=responses, **fields)

    return build


def document_operations(app: Litestar) -> None:
    """Each HTTP operation documents its refusals and whether it needs a token."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if isinstance(handler, HTTPRouteHandler):
                handler.operation_class = cast("type[Operation]", _operation(handler, route.path))


class WallClockTime(OpenAPISchemaPlugin):
    """A ``datetime.time`` travels as ``07:00:00``: a local wall-clock time, not a duration."""

    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:
        return value is time

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        return Schema(
            type=OpenAPIType.STRING,
            description="A local wall-clock time (RFC 3339 partial-time).",
            pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?$",
            examples=["07:00:00"],
        )


class StructAsArray(OpenAPISchemaPlugin):
    """A Struct with ``array_like=True`` travels as an array of its fields, in order."""

    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:
        return isinstance(value, type) and issubclass(value, msgspec.Struct) and value.__struct_config__.array_like

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        struct = cast("type[msgspec.Struct]", field_definition.annotation)
        hints = msgspec.structs.fields(struct)
        items = [schema_creator.for_field_definition(FieldDefinition.from_annotation(f.type)) for f in hints]
        return Schema(
            type=OpenAPIType.ARRAY,
            description=f"An array of, in order: {', '.join(f.name for f in hints)}.",
            prefix_items=items,
            min_items=len(items),
            max_items=len(items),
        )
