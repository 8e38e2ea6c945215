"""Decisions and what follows: accept, reject or waitlist; release them in one batch with the mails;
the speaker's confirmation making the program session and comp registrations exactly once."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from events_app.accounts.service import Principal
from events_app.checkin.mail import badge_attachment
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.proposals import mail
from events_app.proposals.call import audit, get_call
from events_app.proposals.errors import (
    AlreadyAnswered,
    DecisionReleased,
    NotAnOffer,
    ProposalIncomplete,
    ProposalNotEditable,
)
from events_app.proposals.models import (
    Decision,
    Proposal,
    ProposalSpeaker,
    ProposalState,
    SpeakerResponse,
)
from events_app.proposals.schemas import (
    DecisionIn,
    ReleaseOut,
)
from events_app.proposals.submissions import get_proposal, shown_name, speaker_url, speakers_of
from events_app.registration import service as registration
from events_app.registration.models import RegistrationType, TypeKind
from events_app.registration.schemas import TypeIn
from events_app.sessions import service as program
from events_app.sessions.models import SessionStatus, SessionType, SpeakerRole
from events_app.sessions.schemas import SessionIn, SpeakerIn, SpeakerLink
from events_app.sessions.schemas import Window as ProgramWindow
from events_app.settings import Settings

SPEAKER_TYPE_NAME = "Speaker"


async def decide(
    db: AsyncSession, *, conference: Conference, proposal_id: uuid.UUID, data: DecisionIn, actor: Principal | None
) -> Proposal:
    """Accepts, rejects or waitlists a submitted proposal; private until released. The same decision twice is one."""
    proposal = await get_proposal(db, conference=conference, proposal_id=proposal_id)
    verdict = Decision(data.decision)
    if proposal.state != ProposalState.SUBMITTED:
        raise ProposalNotEditable("Only a submitted proposal is decided on.")
    changed = await db.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id, Proposal.released_at.is_(None), Proposal.decision != verdict)
        .values(decision=verdict, decided_at=now())
        .execution_options(synchronize_session=False)
    )
    await db.refresh(proposal)
    if changed.rowcount == 0:  # type: ignore[attr-defined]
        if proposal.decision != verdict:
            raise DecisionReleased("The speaker has been told this proposal's decision; it no longer changes.")
        return proposal
    await audit(db, actor, "decided", proposal, decision=verdict.value, title=proposal.title)
    return proposal


def _to_release(conference: Conference) -> tuple[ColumnElement[bool], ...]:
    return (
        Proposal.conference_id == conference.id,
        Proposal.state == ProposalState.SUBMITTED,
        Proposal.decision != Decision.UNDECIDED,
        Proposal.released_at.is_(None),
    )


async def count_to_release(db: AsyncSession, *, conference: Conference) -> int:
    """How many decisions the next release tells their speakers of."""
    return await db.scalar(select(func.count()).select_from(Proposal).where(*_to_release(conference))) or 0


async def release_decisions(
    db: AsyncSession, *, settings: Settings, conference: Conference, actor: Principal | None
) -> ReleaseOut:
    """Tells every decided, not yet told speaker in one batch; each proposal is released (and mailed) once."""
    call = await get_call(db, conference=conference)
    moment = now()
    released = list(
        await db.scalars(
            update(Proposal)
            .where(*_to_release(conference))
            .values(released_at=moment)
            .returning(Proposal)
            .execution_options(synchronize_session=False)
        )
    )
    owners = {
        s.id: s
        for s in await db.scalars(
            select(ProposalSpeaker).where(ProposalSpeaker.id.in_([p.speaker_id for p in released]))
        )
    }
    counts = {d: 0 for d in (Decision.ACCEPTED, Decision.REJECTED, Decision.WAITLISTED)}
    for proposal in released:
        counts[proposal.decision] += 1
        speaker = owners[proposal.speaker_id]
        url = speaker_url(settings, conference=conference, speaker=speaker)
        await mail.send_decision(
            db, settings=settings, conference=conference, speaker=speaker, proposal=proposal, url=url
        )
    call.decisions_released_at = moment
    await db.flush()
    result = ReleaseOut(accepted=counts[Decision.ACCEPTED], rejected=counts[Decision.REJECTED],
                        waitlisted=counts[Decision.WAITLISTED])  # fmt: skip
    await audit(db, actor, "decisions.released", call, **msgspec.structs.asdict(result))
    return result


async def answer_offer(
    db: AsyncSession, *, settings: Settings, conference: Conference, speaker: ProposalSpeaker,
    proposal: Proposal, answer: SpeakerResponse,
) -> Proposal:  # fmt: skip
    """The speaker confirms or declines an accepted proposal. Confirming makes its program session and
    the speakers' comp registrations; the conditional UPDATE lets exactly one of two racing answers do it."""
    offered = proposal.decision == Decision.ACCEPTED and proposal.released_at is not None
    if answer == SpeakerResponse.CONFIRMED and offered and proposal.response == SpeakerResponse.WAITING:
        # The program shows speakers by name: an e-mail address must never stand in for one.
        nameless = [s.email for s in (await speakers_of(db, [proposal.id]))[proposal.id] if not s.name.strip()]
        if nameless:
            raise ProposalIncomplete(
                f"Before confirming, every speaker fills in their profile; missing: {', '.join(nameless)}."
            )
    taken = await db.execute(
        update(Proposal)
        .where(
            Proposal.id == proposal.id,
            Proposal.state == ProposalState.SUBMITTED,
            Proposal.decision == Decision.ACCEPTED,
            Proposal.released_at.is_not(None),
            Proposal.response == SpeakerResponse.WAITING,
        )
        .values(response=answer, responded_at=now())
        .execution_options(synchronize_session=False)
    )
    await db.refresh(proposal)
    if taken.rowcount == 0:  # type: ignore[attr-defined]
        if proposal.response == answer:
            return proposal  # the same answer again (a double click, a second process): already done
        if proposal.response != SpeakerResponse.WAITING:
            raise AlreadyAnswered(f"You have already {proposal.response.value} this session.")
        raise NotAnOffer("This proposal has no accepted offer to answer.")
    if answer == SpeakerResponse.CONFIRMED:
        await _make_session(db, settings=settings, conference=conference, proposal=proposal)
    await audit(db, None, f"speaker.{answer.value}", proposal, speaker=speaker.email, title=proposal.title)
    return proposal


async def _program_speaker(db: AsyncSession, conference: Conference, speaker: ProposalSpeaker) -> uuid.UUID:
    if speaker.program_speaker_id is not None:
        return speaker.program_speaker_id
    windows = [
        ProgramWindow(starts_at=datetime.fromisoformat(w["starts_at"]), ends_at=datetime.fromisoformat(w["ends_at"]))
        for w in speaker.availability
    ]
    made = await program.create_speaker(
        db, conference=conference, actor=None,
        data=SpeakerIn(name=shown_name(speaker), title=speaker.title, organization=speaker.organization,
                       city_id=speaker.city_id, bio=speaker.bio, email=speaker.email, availability=windows),
    )  # fmt: skip
    speaker.program_speaker_id = made.id
    return made.id


async def speaker_type(db: AsyncSession, *, conference: Conference) -> RegistrationType:
    """The conference's speaker comp type, made (free, code-only) the first time a speaker confirms."""
    query = (
        select(RegistrationType)
        .where(RegistrationType.conference_id == conference.id, RegistrationType.kind == TypeKind.SPEAKER_COMP)
        .order_by(RegistrationType.position, RegistrationType.created_at)
        .limit(1)
    )
    if (found := await db.scalar(query)) is not None:
        return found
    try:
        async with db.begin_nested():
            return await registration.create_type(
                db, conference=conference, actor=None,
                data=TypeIn(name=SPEAKER_TYPE_NAME, kind=TypeKind.SPEAKER_COMP, member_price_cents=0,
                            non_member_price_cents=0, description="Speakers of the program, as their thanks."),
            )  # fmt: skip
    except IntegrityError:  # another confirmation made it at the same moment
        return (await db.scalars(query)).one()


async def _comp_registration(
    db: AsyncSession, settings: Settings, conference: Conference, speaker: ProposalSpeaker, proposal: Proposal
) -> None:
    if speaker.attendee_id is not None:
        return  # one registration however many talks
    kind = await speaker_type(db, conference=conference)
    first, _, last = shown_name(speaker).partition(" ")
    attendee = await registration.add_confirmed_attendee(
        db, conference_id=conference.id, registration_type_id=kind.id, first_name=first, last_name=last,
        email=speaker.email, title=speaker.title, organization=speaker.organization, city_id=speaker.city_id,
    )  # fmt: skip
    speaker.attendee_id = attendee.id
    badge = await badge_attachment(db, settings=settings, conference=conference, attendee=attendee)
    await mail.send_speaker_registered(
        db, settings=settings, conference=conference, speaker=speaker, proposal=proposal, badge=badge
    )


async def _make_session(db: AsyncSession, *, settings: Settings, conference: Conference, proposal: Proposal) -> None:
    speakers = (await speakers_of(db, [proposal.id]))[proposal.id]
    links = []
    for position, speaker in enumerate(speakers):
        # Puts this speaker's other confirmations in line behind this one: one program speaker, one comp each.
        await db.execute(
            update(ProposalSpeaker).where(ProposalSpeaker.id == speaker.id)
            .values(link_version=ProposalSpeaker.link_version).execution_options(synchronize_session=False)
        )  # fmt: skip
        await db.refresh(speaker)
        speaker_id = await _program_speaker(db, conference, speaker)
        links.append(
            SpeakerLink(speaker_id=speaker_id, role=SpeakerRole.PRESENTER if position == 0 else SpeakerRole.PANELIST)
        )
        await _comp_registration(db, settings, conference, speaker, proposal)
    description = "\n\n".join(part for part in (proposal.abstract, proposal.description) if part.strip())
    data = SessionIn(
        code=f"CFP-{proposal.id.hex[:8].upper()}",
        title=proposal.title,
        type=SessionType(proposal.session_type),
        description=description,
        track_id=proposal.track_id,
        status=SessionStatus.CONFIRMED,
        speakers=links,
    )
    session = await program.create_session(db, conference=conference, data=data, actor=None)
    proposal.session_id = session.id
    await db.flush()


async def count_proposals(db: AsyncSession, *, conference: Conference) -> int:
    return int(await db.scalar(select(func.count(Proposal.id)).where(Proposal.conference_id == conference.id)) or 0)
