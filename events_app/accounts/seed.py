"""Demo sign-ins: one organizer, one on-site staff member and one partner user."""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.models import Role, User
from events_app.accounts.service import create_user

# Shown by `make run`; only ever created by the demo seed.
DEMO_LOGINS = (
    (Role.ORGANIZER, "organizer@demo.events.test", "Olivia Organizer", "demo-organizer-pass"),
    (Role.STAFF, "staff@demo.events.test", "Sam Staff", "demo-staff-pass"),
    (Role.PARTNER, "partner@demo.events.test", "Pat Partner", "demo-partner-pass"),
)


async def seed(db: AsyncSession, *, rng: random.Random) -> None:
    existing = set(await db.scalars(select(User.email)))
    for role, email, name, password in DEMO_LOGINS:
        if email not in existing:
            await create_user(db, email=email, name=name, password=password, role=role)
