"""What the call for proposals mails: sign-in links, co-speaker invitations, decisions, and the
confirmed speaker's registration with their badge. Every message goes through the outbox, so it
leaves only if the change it tells of is committed.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import Conference
from events_app.core.mail import Attachment, queue_mail
from events_app.proposals.models import Decision, Proposal, ProposalSpeaker
from events_app.settings import Settings


async def _mail_speaker(
    db: AsyncSession,
    *,
    settings: Settings,
    speaker: ProposalSpeaker,
    subject: str,
    lines: list[str],
    attachments: Sequence[Attachment] = (),
) -> None:
    """A mail to one speaker, greeted by name when they gave one."""
    greeting = f"Dear {speaker.name}," if speaker.name else "Hello,"
    text = "\n".join([greeting, "", *lines])
    await queue_mail(db, settings=settings, to=[speaker.email], subject=subject, text=text, attachments=attachments)


async def send_sign_in_link(
    db: AsyncSession, *, settings: Settings, conference: Conference, speaker: ProposalSpeaker, url: str
) -> None:
    await _mail_speaker(db, settings=settings, speaker=speaker, subject=f"{conference.name}: your speaker link", lines=[
        f"Here is your link to the call for proposals of {conference.name}: {url}",
        "It lets you draft, submit and follow your proposals; keep it to yourself.",
        "If you did not ask for it, ignore this message.",
    ])  # fmt: skip


async def send_co_speaker_invite(
    db: AsyncSession, *, settings: Settings, conference: Conference, owner: ProposalSpeaker,
    speaker: ProposalSpeaker, proposal: Proposal, url: str,
) -> None:  # fmt: skip
    subject = f"{conference.name}: you are invited to co-present"
    await _mail_speaker(db, settings=settings, speaker=speaker, subject=subject, lines=[
        f"{owner.name or owner.email} named you as a co-speaker on the proposal \"{proposal.title}\" "
        f"for {conference.name}.",
        f"Fill in your speaker profile here: {url}",
    ])  # fmt: skip


DECISION_WORDS = {
    Decision.ACCEPTED: ("accepted", "Please confirm that you will present it, or decline, here: {url}"),
    Decision.REJECTED: ("not accepted", "Thank you for proposing it; we hope to see you at the conference."),
    Decision.WAITLISTED: ("on the waiting list", "We will write again if a place in the program opens."),
}


async def send_decision(
    db: AsyncSession, *, settings: Settings, conference: Conference, speaker: ProposalSpeaker,
    proposal: Proposal, url: str,
) -> None:  # fmt: skip
    word, next_step = DECISION_WORDS[proposal.decision]
    subject = f"{conference.name}: your proposal is {word}"
    await _mail_speaker(db, settings=settings, speaker=speaker, subject=subject, lines=[
        f"Your proposal \"{proposal.title}\" for {conference.name} is {word}.",
        next_step.format(url=url),
    ])  # fmt: skip


async def send_speaker_registered(
    db: AsyncSession, *, settings: Settings, conference: Conference, speaker: ProposalSpeaker,
    proposal: Proposal, badge: Sequence[Attachment],
) -> None:  # fmt: skip
    subject = f"{conference.name}: your speaker registration"
    await _mail_speaker(db, settings=settings, speaker=speaker, subject=subject, attachments=badge, lines=[
        f"Thank you for confirming \"{proposal.title}\". You are registered for {conference.name} as a speaker,",
        "free of charge; your badge is attached. We will tell you the session's time and room once it is scheduled.",
    ])  # fmt: skip
