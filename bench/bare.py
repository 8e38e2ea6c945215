"""The yardstick: a bare Litestar app with one JSON endpoint and nothing else (no database, no middleware)."""

from litestar import Litestar, get


@get("/bare", sync_to_thread=False)
def bare() -> dict[str, str]:
    return {"status": "ok"}


app = Litestar(route_handlers=[bare])
