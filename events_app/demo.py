"""The demo conference: every domain's seed, run in order, deterministic and idempotent.

Each domain owns a ``seed.py`` with ``async def seed(db, *, rng)`` that adds its part of
the demo only when it is missing; later domains append theirs to ``SEEDS``.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts import seed as accounts_seed
from events_app.checkin import seed as checkin_seed
from events_app.conferences import seed as conferences_seed
from events_app.expo import seed as expo_seed
from events_app.proposals import seed as proposals_seed
from events_app.registration import seed as registration_seed
from events_app.sessions import seed as sessions_seed

Seed = Callable[..., Awaitable[None]]

SEEDS: list[Seed] = [
    conferences_seed.seed,
    accounts_seed.seed,
    registration_seed.seed,
    sessions_seed.seed,
    checkin_seed.seed,  # after the program: session-room doors stand in its rooms
    expo_seed.seed,
    proposals_seed.seed,  # after the program: its committees' tracks are the call's
]
RANDOM_SEED = 2027


async def seed_demo(db: AsyncSession) -> None:
    """Adds whatever part of the demo is missing; running it twice changes nothing."""
    for seed in SEEDS:
        # Each part gets its own generator so adding a part never changes another's data.
        await seed(db, rng=random.Random(f"{RANDOM_SEED}:{seed.__module__}"))
        await db.flush()
