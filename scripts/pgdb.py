"""Create or drop the PostgreSQL database of one test run: ``pgdb.py create|drop ADMIN_URL [NAME]``.

``create`` prints the new database's SQLAlchemy URL; ``check`` exits 0 when the server answers.
"""

from __future__ import annotations

import asyncio
import secrets
import sys
from urllib.parse import urlsplit, urlunsplit

import asyncpg


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def _main(action: str, admin_url: str, name: str | None) -> int:
    try:
        connection = await asyncpg.connect(admin_url, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        if action != "check":
            print(f"PostgreSQL at {admin_url} does not answer: {exc}", file=sys.stderr)
        return 1
    try:
        if action == "create":
            name = f"events_test_{secrets.token_hex(4)}"
            await connection.execute(f'CREATE DATABASE "{name}"')
            print(_with_database(admin_url, name).replace("postgresql://", "postgresql+asyncpg://", 1))
        elif action == "drop" and name:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()
    return 0


if __name__ == "__main__":
    action, admin = sys.argv[1], sys.argv[2]
    sys.exit(asyncio.run(_main(action, admin, sys.argv[3] if len(sys.argv) > 3 else None)))
