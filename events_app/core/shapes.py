"""The one way to turn a record into a response shape that adds fields the record does not hold.

Where every field is the record's own, convert it directly with
``msgspec.convert(record, XOut, from_attributes=True)``.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

Out = TypeVar("Out", bound=msgspec.Struct)


def shaped(out: type[Out], source: object, **computed: Any) -> Out:
    """``out`` from the attributes of ``source`` that it names, with ``computed`` for the fields it adds."""
    fields = {name: getattr(source, name) for name in out.__struct_fields__ if name not in computed}
    return msgspec.convert(fields | computed, out, from_attributes=True)
