"""What a request may carry fits where it is stored: every number is bounded, every text no longer than its column.

The limits are walked from the app itself (every handler's body and query parameters), so a
field added tomorrow is covered without anyone remembering this test.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Iterator
from typing import Any

import msgspec
import msgspec.inspect as mi
from litestar import Litestar
from litestar.params import KwargDefinition
from sqlalchemy import String

from events_app.models import Base

INT32 = 2**31 - 1


def _fields(kind: mi.Type, where: str, seen: set[type]) -> Iterator[tuple[str, type | None, str, mi.Type]]:
    """(where, the Struct holding it, field name, type) for every leaf a body can hold."""
    if isinstance(kind, mi.StructType):
        if kind.cls in seen:
            return
        seen.add(kind.cls)
        for field in kind.fields:
            for found in _fields(field.type, f"{kind.cls.__qualname__}.{field.name}", seen):
                yield found if found[1] is not None else (found[0], kind.cls, field.name, found[3])
    elif isinstance(kind, (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType)):
        yield from _fields(kind.item_type, where, seen)
    elif isinstance(kind, mi.TupleType):
        for item in kind.item_types:
            yield from _fields(item, where, seen)
    elif isinstance(kind, mi.DictType):
        yield from _fields(kind.value_type, where, seen)
    elif isinstance(kind, mi.UnionType):
        for item in kind.types:
            yield from _fields(item, where, seen)
    else:
        yield where, None, "", kind


def _bodies(app: Litestar) -> Iterator[tuple[str, type | None, str, mi.Type]]:
    seen: set[type] = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            data = handler.parsed_fn_signature.parameters.get("data")
            if data is not None:
                yield from _fields(mi.type_info(data.annotation), route.path, seen)


def _column_lengths(struct: type) -> dict[str, int]:
    """The ``String`` columns a Struct's fields land in: its model's (``WindowIn`` -> ``BookingWindow``),
    or, for a Struct named for no model, the shortest column of each name in its domain. A form of a
    domain with no tables of its own (the back office) writes other domains' columns: all of them count."""
    domain = struct.__module__.rsplit(".", 1)[0]
    if importlib.util.find_spec(f"{domain}.models") is None:
        models = list(Base.registry.mappers)
    else:
        importlib.import_module(f"{domain}.models")
        models = [m for m in Base.registry.mappers if m.class_.__module__ == f"{domain}.models"]
    stem = re.sub(r"(In|Patch|Doc|Form)$", "", struct.__name__)
    models = [m for m in models if m.class_.__name__.endswith(stem)] or models
    lengths: dict[str, int] = {}
    for mapper in models:
        for column in mapper.columns:
            if isinstance(column.type, String) and column.type.length:
                lengths[column.key] = min(lengths.get(column.key, column.type.length), column.type.length)
    return lengths


def _loose(kind: mi.IntType) -> bool:
    top = kind.le if kind.le is not None else kind.lt
    bottom = kind.ge if kind.ge is not None else kind.gt
    return top is None or bottom is None or top > INT32 or bottom < -INT32


def test_every_number_in_a_body_fits_a_32_bit_column(app: Litestar) -> None:
    unbounded = [where for where, _struct, _name, kind in _bodies(app) if isinstance(kind, mi.IntType) and _loose(kind)]
    assert unbounded == []


def test_every_text_in_a_body_fits_its_column(app: Litestar) -> None:
    too_long = []
    for where, struct, name, kind in _bodies(app):
        if struct is None or not isinstance(kind, mi.StrType) or not issubclass(struct, msgspec.Struct):
            continue
        column = _column_lengths(struct).get(name)
        if column is not None and (kind.max_length is None or kind.max_length > column):
            too_long.append(f"{where}: {kind.max_length} for a column of {column}")
    assert too_long == []


def _query_numbers(app: Litestar) -> Iterator[tuple[str, Any]]:
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for name, parameter in handler.parsed_fn_signature.parameters.items():
                if name != "data" and parameter.annotation is int:
                    yield f"{route.path} {name}", parameter.kwarg_definition


def test_every_number_in_an_address_is_bounded(app: Litestar) -> None:
    unbounded = [
        where
        for where, limits in _query_numbers(app)
        if not isinstance(limits, KwargDefinition) or limits.le is None or limits.le > INT32 or limits.ge is None
    ]
    assert unbounded == []
