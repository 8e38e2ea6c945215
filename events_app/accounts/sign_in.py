"""Signing in with a password, throttled per account and per client address.

Wrong passwords are kept for ``WINDOW`` in the database, so every app process counts the same
ones. An account with ``PER_ACCOUNT`` of them, or an address with ``PER_ADDRESS`` (a script
trying many accounts), is refused before any password is checked, until the oldest failure
leaves the window; the refusal says when (``retry_after``). A right password clears the
account's failures, not the address's.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.errors import TooManySignIns
from events_app.accounts.models import SignInFailure, User
from events_app.accounts.service import authenticate, normal_email
from events_app.accounts.web_sessions import forget_expired
from events_app.core.clock import now

WINDOW = timedelta(minutes=15)
PER_ACCOUNT = 5
PER_ADDRESS = 30


async def _oldest_failure_if_over(
    db: AsyncSession, who: ColumnElement[bool], *, limit: int, since: datetime
) -> datetime | None:
    """The oldest failure in the window when ``limit`` or more are in it (so the caller must wait)."""
    query = select(func.count(), func.min(SignInFailure.failed_at)).where(who, SignInFailure.failed_at > since)
    count, oldest = (await db.execute(query)).one()
    return oldest if count >= limit else None


async def _check(db: AsyncSession, *, email: str, address: str, moment: datetime) -> None:
    since = moment - WINDOW
    blocked = [
        oldest
        for who, limit in (
            (SignInFailure.email == email, PER_ACCOUNT),
            (SignInFailure.address == address, PER_ADDRESS),
        )
        if (oldest := await _oldest_failure_if_over(db, who, limit=limit, since=since)) is not None
    ]
    if blocked:
        wait = max(oldest + WINDOW - moment for oldest in blocked)
        retry_after = max(1, math.ceil(wait.total_seconds()))
        raise TooManySignIns(
            f"Too many wrong passwords: try again in {math.ceil(retry_after / 60)} minutes.", retry_after=retry_after
        )


async def sign_in(db: AsyncSession, *, email: str, password: str, address: str) -> User | None:
    """The active user with these credentials, or None (the failure is counted, committed)."""
    email = normal_email(email)[:320]
    address = address[:64]
    await _check(db, email=email, address=address, moment=now())
    user = await authenticate(db, email=email, password=password)
    moment = now()
    if user is None:
        await db.execute(delete(SignInFailure).where(SignInFailure.failed_at <= moment - WINDOW))
        db.add(SignInFailure(email=email, address=address, failed_at=moment))
    else:
        await db.execute(delete(SignInFailure).where(SignInFailure.email == email))
        await forget_expired(db)
    await db.commit()  # a refusal is answered 400, which rolls back: the failure must stay counted
    return user
