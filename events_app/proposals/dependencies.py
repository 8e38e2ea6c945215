"""The speaker behind a signed link, and the proposal named in an address, resolved once per request."""

from __future__ import annotations

import uuid

from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference
from events_app.proposals import submissions
from events_app.proposals.models import Proposal, ProposalSpeaker
from events_app.settings import Settings


async def provide_speaker(
    settings: NamedDependency[Settings],
    db_session: NamedDependency[AsyncSession],
    conference: NamedDependency[Conference],
    token: FromPath[str],
) -> ProposalSpeaker:
    """The speaker of this conference behind the sign-in link ``{token}``."""
    return await submissions.speaker_from_token(db_session, settings=settings, conference=conference, token=token)


async def provide_speakers_proposal(
    db_session: NamedDependency[AsyncSession],
    conference: NamedDependency[Conference],
    speaker: NamedDependency[ProposalSpeaker],
    proposal_id: FromPath[uuid.UUID],
) -> Proposal:
    """A proposal the speaker owns or co-presents."""
    return await submissions.speakers_proposal(
        db_session, conference=conference, speaker=speaker, proposal_id=proposal_id, owner=False
    )


async def provide_owned_proposal(
    db_session: NamedDependency[AsyncSession],
    conference: NamedDependency[Conference],
    speaker: NamedDependency[ProposalSpeaker],
    proposal_id: FromPath[uuid.UUID],
) -> Proposal:
    """A proposal the speaker owns: only its owner changes, submits, withdraws or answers it."""
    return await submissions.speakers_proposal(
        db_session, conference=conference, speaker=speaker, proposal_id=proposal_id, owner=True
    )
