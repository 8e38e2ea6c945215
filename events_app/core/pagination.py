"""The one way to page a list: limit and offset query parameters, answered as ``OffsetPagination``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from litestar.pagination import OffsetPagination
from litestar.params import QueryParameter
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
U = TypeVar("U")

Limit = Annotated[int, QueryParameter(ge=1, le=500, description="How many items to return (1-500).")]
# Bounded so a huge number is a 400, not an overflow in the database driver.
Offset = Annotated[int, QueryParameter(ge=0, le=2**31 - 1, description="How many items to skip.")]


async def paginate(db: AsyncSession, query: Select[T], *, limit: int, offset: int) -> OffsetPagination[T]:
    """Runs ``query`` for one page and counts all of its rows."""
    total = await db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows: list[Any] = list(await db.scalars(query.limit(limit).offset(offset)))
    return OffsetPagination(items=rows, limit=limit, offset=offset, total=total)


def page_of(page: OffsetPagination[T], out: Callable[[T], U]) -> OffsetPagination[U]:
    """The same page with each item shaped by ``out`` for the response."""
    return OffsetPagination(
        items=[out(item) for item in page.items], limit=page.limit, offset=page.offset, total=page.total
    )
