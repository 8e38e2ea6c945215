"""The one way to page a list: limit and offset query parameters, answered as ``OffsetPagination``;
the back office's pages show ``PAGE_SIZE`` rows with links to the previous and next page."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar, TypeVarTuple
from urllib.parse import urlencode

from litestar.pagination import OffsetPagination
from litestar.params import QueryParameter
from sqlalchemy import Row, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
U = TypeVar("U")
Ts = TypeVarTuple("Ts")

Limit = Annotated[int, QueryParameter(ge=1, le=500, description="How many items to return (1-500).")]
# Bounded so a huge number is a 400, not an overflow in the database driver.
Offset = Annotated[int, QueryParameter(ge=0, le=2**31 - 1, description="How many items to skip.")]
PAGE_SIZE = 25


async def count_rows(db: AsyncSession, query: Select[*tuple[Any, ...]]) -> int:
    return await db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


async def paginate(db: AsyncSession, query: Select[T], *, limit: int, offset: int) -> OffsetPagination[T]:
    """Runs ``query`` for one page and counts all of its rows."""
    total = await count_rows(db, query)
    rows: list[Any] = list(await db.scalars(query.limit(limit).offset(offset)))
    return OffsetPagination(items=rows, limit=limit, offset=offset, total=total)


async def paginate_rows(db: AsyncSession, query: Select[*Ts], *, limit: int, offset: int) -> OffsetPagination[Row[*Ts]]:
    """``paginate`` for a query of several columns: each item is the whole row."""
    total = await count_rows(db, query)
    rows = list((await db.execute(query.limit(limit).offset(offset))).all())
    return OffsetPagination(items=rows, limit=limit, offset=offset, total=total)


def page_of(page: OffsetPagination[T], out: Callable[[T], U]) -> OffsetPagination[U]:
    """The same page with each item shaped by ``out`` for the response."""
    return OffsetPagination(
        items=[out(item) for item in page.items], limit=page.limit, offset=page.offset, total=page.total
    )


def page_links(path: str, query: Mapping[str, str], *, total: int, offset: int) -> dict[str, str | None]:
    """The previous and next page's addresses: ``path`` with the filters in ``query`` (a request's query
    parameters), without the notice of an action done, which belongs to the page it was done on."""
    kept = {name: value for name, value in query.items() if name not in ("offset", "done")}

    def at(new_offset: int) -> str:
        return f"{path}?{urlencode({**kept, 'offset': str(new_offset)})}"

    return {
        "previous": at(max(offset - PAGE_SIZE, 0)) if offset > 0 else None,
        "next": at(offset + PAGE_SIZE) if offset + PAGE_SIZE < total else None,
    }
