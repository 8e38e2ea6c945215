"""Speakers and their proposals: sign-in by mailed link, profile and photo, drafts, submission,
co-speakers, withdrawal. Everything a speaker changes waits on the call being open by the server's clock."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, time
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec
from anyio import to_thread
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.errors import CityNotFound
from events_app.conferences.models import Conference, MemberCity
from events_app.core import signing
from events_app.core.clock import now
from events_app.core.shapes import shaped
from events_app.core.signing import LinkInvalid
from events_app.proposals import mail
from events_app.proposals.call import get_call, is_open, require_open
from events_app.proposals.errors import (
    AvailabilityOutsideDays,
    CallNotFound,
    NotInTheCall,
    OwnerOnly,
    PhotoNotAnImage,
    PhotoTooLarge,
    ProposalIncomplete,
    ProposalNotEditable,
    ProposalNotFound,
)
from events_app.proposals.models import (
    Call,
    CoSpeaker,
    Decision,
    Proposal,
    ProposalSpeaker,
    ProposalState,
    SpeakerResponse,
)
from events_app.proposals.schemas import (
    ProfileIn,
    ProfileOut,
    ProposalIn,
    ProposalOut,
    Window,
)
from events_app.sessions import service as program
from events_app.sessions.models import SessionType
from events_app.settings import Settings

SPEAKER_LINK_PURPOSE = "proposals.speaker"
SPEAKER_LINK_DAYS = 60
PHOTO_MAX_BYTES = 2 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000
# Pillow's name for each format a profile photo may have, and the extension it is stored under.
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
PHOTO_MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def speaker_token(settings: Settings, speaker: ProposalSpeaker) -> str:
    return signing.sign(
        settings.secret_key, purpose=SPEAKER_LINK_PURPOSE, payload=f"{speaker.id}.{speaker.link_version}",
        expires_in=SPEAKER_LINK_DAYS * 86400,
    )  # fmt: skip


def speaker_url(settings: Settings, *, conference: Conference, speaker: ProposalSpeaker) -> str:
    return f"{settings.base_url}/c/{conference.slug}/cfp/speaker/{speaker_token(settings, speaker)}"


async def speaker_from_token(
    db: AsyncSession, *, settings: Settings, conference: Conference, token: str
) -> ProposalSpeaker:
    """The speaker a mailed link stands for, in this conference."""
    payload = signing.unsign(settings.secret_key, purpose=SPEAKER_LINK_PURPOSE, token=token)
    speaker_id, _, version = payload.partition(".")
    speaker = await db.get(ProposalSpeaker, uuid.UUID(speaker_id))
    if speaker is None or str(speaker.link_version) != version or speaker.conference_id != conference.id:
        raise LinkInvalid("This speaker link is no longer valid here.")
    return speaker


async def _speaker_for(db: AsyncSession, *, conference: Conference, email: str) -> ProposalSpeaker:
    """The speaker with this e-mail address, created the first time it is named (two at once: one row)."""
    email = email.strip().lower()
    query = select(ProposalSpeaker).where(
        ProposalSpeaker.conference_id == conference.id, ProposalSpeaker.email == email
    )
    if (found := await db.scalar(query)) is not None:
        return found
    try:
        async with db.begin_nested():
            speaker = ProposalSpeaker(conference_id=conference.id, email=email)
            db.add(speaker)
    except IntegrityError:
        return (await db.scalars(query)).one()
    return speaker


async def request_sign_in(db: AsyncSession, *, settings: Settings, conference: Conference, email: str) -> None:
    """Mails a speaker's sign-in link; the answer is the same whether or not the address was known."""
    call = await get_call(db, conference=conference)
    speaker = await _speaker_for(db, conference=conference, email=email)
    if not is_open(call) and speaker.created_at >= call.closes_at:
        return  # after the deadline only those who already proposed need their link
    url = speaker_url(settings, conference=conference, speaker=speaker)
    await mail.send_sign_in_link(db, settings=settings, conference=conference, speaker=speaker, url=url)


def _conference_day_bounds(conference: Conference) -> tuple[datetime, datetime]:
    zone = ZoneInfo(conference.timezone)
    first = datetime.combine(conference.starts_on, time.min, tzinfo=zone)
    last = datetime.combine(conference.ends_on, time.max, tzinfo=zone)
    return first, last


async def update_profile(
    db: AsyncSession, *, conference: Conference, speaker: ProposalSpeaker, data: ProfileIn
) -> ProposalSpeaker:
    """Name, title, city or organization, bio and the windows the speaker can present in."""
    if data.city_id is not None and await db.get(MemberCity, data.city_id) is None:
        raise CityNotFound("city_id is not the id of a member city.")
    first, last = _conference_day_bounds(conference)
    windows = []
    for window in data.availability:
        starts = program.to_utc(window.starts_at, conference.timezone)
        ends = program.to_utc(window.ends_at, conference.timezone)
        if not first <= starts < ends <= last:
            raise AvailabilityOutsideDays(
                "Each availability window lies within the conference's days and ends after it starts."
            )
        windows.append({"starts_at": starts.isoformat(), "ends_at": ends.isoformat()})
    for key in ("name", "title", "organization", "city_id", "bio"):
        value = getattr(data, key)
        setattr(speaker, key, value.strip() if isinstance(value, str) else value)
    speaker.availability = windows
    await db.flush()
    return speaker


def _checked_photo(content: bytes) -> tuple[bytes, str]:
    """The photo re-encoded (no metadata, nothing but pixels) and its extension, if its bytes are an image."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(BytesIO(content)) as probe:
            probe.verify()  # a truncated or forged file fails here, whatever its name or content type
        with Image.open(BytesIO(content)) as image:
            kind = image.format or ""
            if kind not in PHOTO_FORMATS or image.width * image.height > PHOTO_MAX_PIXELS:
                raise PhotoNotAnImage("A photo is a JPEG, PNG or WebP image of at most 40 megapixels.")
            image.load()
            out = BytesIO()
            clean = image.convert("RGB") if kind == "JPEG" else image
            clean.save(out, format=kind)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise PhotoNotAnImage("This file is not a JPEG, PNG or WebP image.") from exc
    return out.getvalue(), PHOTO_FORMATS[kind]


def _store_photo(path: Path, image: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(image)


def photo_dir(settings: Settings) -> Path:
    return settings.var_dir / "speaker-photos"


async def set_photo(
    db: AsyncSession, *, settings: Settings, speaker: ProposalSpeaker, content: bytes
) -> ProposalSpeaker:
    """Stores the speaker's photo under a name of ours, after checking its bytes are an image and small enough."""
    if len(content) > PHOTO_MAX_BYTES:
        raise PhotoTooLarge(f"A photo is at most {PHOTO_MAX_BYTES // (1024 * 1024)} MB.", max_bytes=PHOTO_MAX_BYTES)
    image, ext = await to_thread.run_sync(_checked_photo, content)
    name = f"{uuid.uuid4().hex}.{ext}"
    await to_thread.run_sync(_store_photo, photo_dir(settings) / name, image)
    speaker.photo = name
    await db.flush()
    return speaker


async def photo_of(settings: Settings, speaker: ProposalSpeaker) -> tuple[bytes, str] | None:
    if not speaker.photo:
        return None
    path = photo_dir(settings) / speaker.photo
    data = await to_thread.run_sync(path.read_bytes)
    return data, PHOTO_MEDIA_TYPES[speaker.photo.rsplit(".", 1)[1]]


def _check_fits_call(call: Call, data: ProposalIn) -> None:
    if str(data.track_id) not in call.track_ids:
        raise NotInTheCall("The call does not take proposals for this track.")
    if data.session_type.value not in call.session_types:
        raise NotInTheCall(f"The call takes only {', '.join(call.session_types)} sessions.")
    if data.duration_minutes not in call.durations:
        raise NotInTheCall(f"Sessions last {', '.join(map(str, call.durations))} minutes.")


async def create_proposal(
    db: AsyncSession, *, conference: Conference, speaker: ProposalSpeaker, data: ProposalIn
) -> Proposal:
    """A draft the speaker can edit until the deadline; only submitted proposals are reviewed."""
    call = await get_call(db, conference=conference)
    require_open(call)
    _check_fits_call(call, data)
    fields = msgspec.structs.asdict(data)
    fields["session_type"] = data.session_type.value
    proposal = Proposal(conference_id=conference.id, speaker_id=speaker.id, **fields)
    db.add(proposal)
    await db.flush()
    return proposal


async def get_proposal(db: AsyncSession, *, conference: Conference, proposal_id: uuid.UUID) -> Proposal:
    proposal = await db.get(Proposal, proposal_id)
    if proposal is None or proposal.conference_id != conference.id:
        raise ProposalNotFound("This conference has no proposal with this id.")
    return proposal


async def _co_presents(db: AsyncSession, proposal: Proposal, speaker: ProposalSpeaker) -> bool:
    found = await db.scalar(
        select(CoSpeaker.id).where(CoSpeaker.proposal_id == proposal.id, CoSpeaker.speaker_id == speaker.id)
    )
    return found is not None


async def speakers_proposal(
    db: AsyncSession, *, conference: Conference, speaker: ProposalSpeaker, proposal_id: uuid.UUID, owner: bool
) -> Proposal:
    """A proposal the speaker owns (``owner``) or co-presents; anyone else's is not found."""
    proposal = await get_proposal(db, conference=conference, proposal_id=proposal_id)
    if proposal.speaker_id == speaker.id:
        return proposal
    if not await _co_presents(db, proposal, speaker):
        raise ProposalNotFound("You have no proposal with this id.")
    if owner:
        raise OwnerOnly("Only the speaker who proposed it can change this proposal.")
    return proposal


async def _editable(db: AsyncSession, proposal: Proposal) -> Call:
    call = await db.scalar(select(Call).where(Call.conference_id == proposal.conference_id))
    if call is None:
        raise CallNotFound("This conference has no call for proposals.")
    require_open(call)
    if proposal.state == ProposalState.WITHDRAWN:
        raise ProposalNotEditable("This proposal was withdrawn.")
    if proposal.decision != Decision.UNDECIDED:
        raise ProposalNotEditable("This proposal has been decided on.")
    return call


async def update_proposal(db: AsyncSession, *, proposal: Proposal, data: ProposalIn) -> Proposal:
    call = await _editable(db, proposal)
    _check_fits_call(call, data)
    for key, value in msgspec.structs.asdict(data).items():
        setattr(proposal, key, value.value if isinstance(value, SessionType) else value)
    await db.flush()
    return proposal


async def submit_proposal(db: AsyncSession, *, proposal: Proposal, speaker: ProposalSpeaker) -> Proposal:
    """Puts a draft before its committee; it stays editable until the deadline."""
    await _editable(db, proposal)
    missing = [
        what for what, value in (("an abstract", proposal.abstract), ("your name", speaker.name)) if not value.strip()
    ]
    if missing:
        raise ProposalIncomplete(f"Before submitting, add {' and '.join(missing)}.")
    if proposal.state == ProposalState.DRAFT:
        proposal.state = ProposalState.SUBMITTED
        proposal.submitted_at = now()
        await db.flush()
    return proposal


async def withdraw_proposal(db: AsyncSession, *, proposal: Proposal) -> Proposal:
    """Takes the proposal back, at any time before its speaker confirmed; reviews stay for the record."""
    if proposal.response == SpeakerResponse.CONFIRMED:
        raise ProposalNotEditable("This session is confirmed; ask the organizers to cancel it.")
    proposal.state = ProposalState.WITHDRAWN
    await db.flush()
    return proposal


async def invite_co_speaker(
    db: AsyncSession,
    *,
    settings: Settings,
    conference: Conference,
    proposal: Proposal,
    owner: ProposalSpeaker,
    email: str,
) -> ProposalSpeaker:
    """Names a co-speaker by e-mail and sends them their own link; naming them twice changes nothing."""
    await _editable(db, proposal)
    invited = await _speaker_for(db, conference=conference, email=email)
    if invited.id == owner.id:
        return invited
    if not await _co_presents(db, proposal, invited):
        db.add(CoSpeaker(proposal_id=proposal.id, speaker_id=invited.id))
        await db.flush()
        url = speaker_url(settings, conference=conference, speaker=invited)
        await mail.send_co_speaker_invite(
            db, settings=settings, conference=conference, owner=owner, speaker=invited, proposal=proposal, url=url
        )
    return invited


async def speakers_of(db: AsyncSession, proposal_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ProposalSpeaker]]:
    """Each proposal's speakers, its owner first."""
    found: dict[uuid.UUID, list[ProposalSpeaker]] = defaultdict(list)
    if not proposal_ids:
        return found
    owners = await db.execute(
        select(Proposal.id, ProposalSpeaker).join(ProposalSpeaker, ProposalSpeaker.id == Proposal.speaker_id)
        .where(Proposal.id.in_(proposal_ids))
    )  # fmt: skip
    for proposal_id, speaker in owners:
        found[proposal_id].append(speaker)
    co = await db.execute(
        select(CoSpeaker.proposal_id, ProposalSpeaker).join(ProposalSpeaker, ProposalSpeaker.id == CoSpeaker.speaker_id)
        .where(CoSpeaker.proposal_id.in_(proposal_ids)).order_by(CoSpeaker.created_at)
    )  # fmt: skip
    for proposal_id, speaker in co:
        found[proposal_id].append(speaker)
    return found


async def proposals_of_speaker(db: AsyncSession, *, speaker: ProposalSpeaker) -> list[Proposal]:
    co = select(CoSpeaker.proposal_id).where(CoSpeaker.speaker_id == speaker.id)
    query = (
        select(Proposal)
        .where(or_(Proposal.speaker_id == speaker.id, Proposal.id.in_(co)))
        .order_by(Proposal.created_at)
    )
    return list(await db.scalars(query))


def told_decision(proposal: Proposal) -> Decision:
    """The decision as its speaker may know it: nothing until the organizers release it."""
    return proposal.decision if proposal.released_at is not None else Decision.UNDECIDED


def shown_name(speaker: ProposalSpeaker) -> str:
    return speaker.name or speaker.email


def profile_out(speaker: ProposalSpeaker) -> ProfileOut:
    availability = [msgspec.convert(w, Window) for w in speaker.availability]
    return shaped(ProfileOut, speaker, has_photo=bool(speaker.photo), availability=availability)


async def proposals_out(db: AsyncSession, proposals: Sequence[Proposal]) -> list[ProposalOut]:
    """Proposals as their speakers see them: the decision only once it is released."""
    speakers = await speakers_of(db, [p.id for p in proposals])
    shown = []
    for proposal in proposals:
        owner, *co = speakers[proposal.id]
        shown.append(
            shaped(
                ProposalOut, proposal, speaker_name=owner.name, speaker_email=owner.email,
                co_speakers=[shown_name(s) for s in co], decision=told_decision(proposal),
            )
        )  # fmt: skip
    return shown
