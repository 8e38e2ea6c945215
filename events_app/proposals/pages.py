"""The call for proposals in the browser: the call's page and a speaker's pages through their signed link
(the committees' and organizers' pages are in ``office_pages``).

Every action goes through the package's rules; a refusal rolls back whatever the action began and
shows the page again with its reason (status 4xx), so nothing is half-written.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, MediaType, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, MultipartBody, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC
from events_app.accounts.service import Principal
from events_app.conferences import service as conferences
from events_app.conferences.models import Conference
from events_app.core.errors import DomainError
from events_app.db import Base, roll_back
from events_app.proposals import call as calls
from events_app.proposals import decisions, submissions
from events_app.proposals.dependencies import provide_speaker
from events_app.proposals.errors import NotInTheCall, ProposalNotFound
from events_app.proposals.models import ProposalSpeaker, SpeakerResponse
from events_app.proposals.schemas import ProfileIn, ProposalIn, Window
from events_app.sessions.models import SessionType
from events_app.settings import Settings

SPEAKER = "/speaker/{token:str}"
Text = Annotated[str, msgspec.Meta(max_length=20_000)]
Short = Annotated[str, msgspec.Meta(max_length=200)]
Choice = Annotated[str, msgspec.Meta(max_length=30)]
Ident = Annotated[str, msgspec.Meta(max_length=40)]
DONE = {
    "profile": "Your profile is saved.",
    "photo": "Your photo is saved.",
    "saved": "The proposal is saved.",
    "submitted": "The proposal is submitted to its committee.",
    "withdrawn": "The proposal is withdrawn.",
    "invited": "The co-speaker is invited by mail.",
    "confirmed": "Thank you: your session is confirmed. Your registration and badge are on their way by mail.",
    "declined": "You declined the session; thank you for letting us know.",
    "scored": "Your review is saved.",
    "decided": "The decision is saved; the speaker hears of it when decisions are released.",
    "released": "The decisions are released; the speakers are being mailed.",
    "call": "The call is saved.",
    "seated": "The reviewer is seated on the committee.",
    "unseated": "The reviewer is off the committee; the reviews they wrote stay.",
}


def page(name: str, conference: Conference, principal: Principal | None = None, **context: Any) -> Template:
    status = 422 if context.get("error") else 200
    return Template(
        f"proposals/{name}.html", context={"conference": conference, "principal": principal, **context},
        status_code=status,
    )  # fmt: skip


async def attempt(db: AsyncSession, action: Awaitable[object], *shown: Base) -> str:
    """Runs a page's action; a refusal is undone and its reason returned for the page to show
    (with ``shown``, the rows the page shows again, read afresh after the rollback)."""
    try:
        await action
    except (DomainError, ValueError) as exc:
        await roll_back(db, *shown)
        return exc.detail if isinstance(exc, DomainError) else str(exc)
    return ""


class EmailForm(msgspec.Struct):
    email: Annotated[str, msgspec.Meta(max_length=320)] = ""


class ProfileForm(msgspec.Struct):
    name: Short = ""
    title: Short = ""
    organization: Short = ""
    city_id: Ident = ""
    bio: Text = ""
    available_from: Ident = ""
    available_until: Ident = ""


class ProposalForm(msgspec.Struct):
    track_id: Ident = ""
    title: Annotated[str, msgspec.Meta(max_length=300)] = ""
    session_type: Choice = "breakout"
    abstract: Text = ""
    description: Text = ""
    audience: Annotated[str, msgspec.Meta(max_length=500)] = ""
    learning_objectives: Text = ""
    format: Short = ""
    duration_minutes: Choice = "60"


class PhotoForm(msgspec.Struct):
    photo: UploadFile | None = None


def _proposal_in(form: ProposalForm) -> ProposalIn:
    try:
        return msgspec.convert(
            {**msgspec.structs.asdict(form), "duration_minutes": int(form.duration_minutes or 0)}, ProposalIn
        )
    except (ValueError, msgspec.ValidationError) as exc:
        raise NotInTheCall("Choose a track, a session type and a duration the call offers, and give a title.") from exc


def _profile_in(form: ProfileForm) -> ProfileIn:
    windows = []
    if form.available_from and form.available_until:
        windows = [Window(datetime.fromisoformat(form.available_from), datetime.fromisoformat(form.available_until))]
    return ProfileIn(
        name=form.name, title=form.title, organization=form.organization,
        city_id=uuid.UUID(form.city_id) if form.city_id else None, bio=form.bio, availability=windows,
    )  # fmt: skip


class CallPages(Controller):
    """The call's page, and a speaker's pages through their signed link."""

    path = "/c/{slug:str}/cfp"
    opt = PUBLIC
    include_in_schema = False
    dependencies = {"speaker": Provide(provide_speaker)}

    @get("/", media_type=MediaType.HTML, name="cfp-call")
    async def call_page(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> Template:
        call = await calls.find_call(db_session, conference=conference)
        shown = await calls.call_out(db_session, call=call) if call is not None else None
        return page("call", conference, call=shown, sent=False)

    @post("/", media_type=MediaType.HTML, status_code=200)
    async def ask_for_link(
        self, settings: NamedDependency[Settings], db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference], data: URLEncodedBody[EmailForm],
    ) -> Template:  # fmt: skip
        call = await calls.get_call(db_session, conference=conference)
        if "@" in data.email:
            email = data.email.strip()
            await submissions.request_sign_in(db_session, settings=settings, conference=conference, email=email)
        return page("call", conference, call=await calls.call_out(db_session, call=call), sent=True)

    async def _home(
        self, db: AsyncSession, conference: Conference, speaker: ProposalSpeaker, token: str, *,
        error: str = "", done: str = "",
    ) -> Template:  # fmt: skip
        call = await calls.get_call(db, conference=conference)
        mine = await submissions.proposals_out(db, await submissions.proposals_of_speaker(db, speaker=speaker))
        cities = await conferences.list_cities(db, division_id=None, search=None, limit=1000, offset=0)
        return page(
            "speaker", conference, speaker=speaker, token=token, proposals=mine, error=error, done=DONE.get(done, ""),
            call=await calls.call_out(db, call=call), cities=cities.items,
            owned={p.id for p in mine if p.speaker_email == speaker.email},
        )  # fmt: skip

    @get(SPEAKER, media_type=MediaType.HTML, name="cfp-speaker")
    async def speaker_home(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference],
        speaker: NamedDependency[ProposalSpeaker], token: FromPath[str], done: FromQuery[str] = "",
    ) -> Template:  # fmt: skip
        return await self._home(db_session, conference, speaker, token, done=done)

    def _back(self, conference: Conference, token: str, done: str) -> Redirect:
        return Redirect(f"/c/{conference.slug}/cfp/speaker/{token}?done={done}", status_code=303)

    @post(SPEAKER + "/profile", media_type=MediaType.HTML, status_code=303)
    async def save_profile(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference],
        speaker: NamedDependency[ProposalSpeaker], token: FromPath[str], data: URLEncodedBody[ProfileForm],
    ) -> Template | Redirect:  # fmt: skip
        async def save() -> None:
            await submissions.update_profile(db_session, conference=conference, speaker=speaker, data=_profile_in(data))

        if error := await attempt(db_session, save(), conference, speaker):
            return await self._home(db_session, conference, speaker, token, error=error)
        return self._back(conference, token, "profile")

    @post(SPEAKER + "/photo", media_type=MediaType.HTML, status_code=303)
    async def save_photo(
        self, settings: NamedDependency[Settings], db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference], speaker: NamedDependency[ProposalSpeaker], token: FromPath[str],
        data: MultipartBody[PhotoForm],
    ) -> Template | Redirect:  # fmt: skip
        content = await data.photo.read() if data.photo is not None else b""
        action = submissions.set_photo(db_session, settings=settings, speaker=speaker, content=content)
        if error := await attempt(db_session, action, conference, speaker):
            return await self._home(db_session, conference, speaker, token, error=error)
        return self._back(conference, token, "photo")

    async def _form(
        self, db: AsyncSession, conference: Conference, token: str, form: ProposalForm, *,
        proposal_id: uuid.UUID | None = None, error: str = "", co_speakers: list[str] | None = None,
    ) -> Template:  # fmt: skip
        call = await calls.call_out(db, call=await calls.get_call(db, conference=conference))
        return page("proposal_form", conference, token=token, form=form, call=call, proposal_id=proposal_id,
                    error=error, co_speakers=co_speakers or [], types=SessionType)  # fmt: skip

    @get(SPEAKER + "/proposals/new", media_type=MediaType.HTML)
    async def new_form(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference],
        speaker: NamedDependency[ProposalSpeaker], token: FromPath[str],
    ) -> Template:  # fmt: skip
        return await self._form(db_session, conference, token, ProposalForm())

    @post(SPEAKER + "/proposals", media_type=MediaType.HTML, status_code=303)
    async def create(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference],
        speaker: NamedDependency[ProposalSpeaker], token: FromPath[str], data: URLEncodedBody[ProposalForm],
    ) -> Template | Redirect:  # fmt: skip
        async def make() -> None:
            await submissions.create_proposal(
                db_session, conference=conference, speaker=speaker, data=_proposal_in(data)
            )

        if error := await attempt(db_session, make(), conference, speaker):
            return await self._form(db_session, conference, token, data, error=error)
        return self._back(conference, token, "saved")

    @get(SPEAKER + "/proposals/{proposal_id:uuid}", media_type=MediaType.HTML)
    async def edit_form(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference],
        speaker: NamedDependency[ProposalSpeaker], token: FromPath[str], proposal_id: FromPath[uuid.UUID],
    ) -> Template:  # fmt: skip
        proposal = await submissions.speakers_proposal(
            db_session, conference=conference, speaker=speaker, proposal_id=proposal_id, owner=True
        )
        shown = (await submissions.proposals_out(db_session, [proposal]))[0]
        form = ProposalForm(**{f: str(getattr(proposal, f)) for f in ProposalForm.__struct_fields__})
        return await self._form(db_session, conference, token, form, proposal_id=proposal.id,
                                co_speakers=shown.co_speakers)  # fmt: skip

    @post(SPEAKER + "/proposals/{proposal_id:uuid}", media_type=MediaType.HTML, status_code=303)
    async def update(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference],
        speaker: NamedDependency[ProposalSpeaker], token: FromPath[str], proposal_id: FromPath[uuid.UUID],
        data: URLEncodedBody[ProposalForm],
    ) -> Template | Redirect:  # fmt: skip
        async def save() -> None:
            proposal = await submissions.speakers_proposal(
                db_session, conference=conference, speaker=speaker, proposal_id=proposal_id, owner=True
            )
            await submissions.update_proposal(db_session, proposal=proposal, data=_proposal_in(data))

        if error := await attempt(db_session, save(), conference, speaker):
            return await self._form(db_session, conference, token, data, proposal_id=proposal_id, error=error)
        return self._back(conference, token, "saved")

    @post(SPEAKER + "/proposals/{proposal_id:uuid}/{step:str}", media_type=MediaType.HTML, status_code=303)
    async def step(
        self, settings: NamedDependency[Settings], db_session: NamedDependency[AsyncSession],
        conference: NamedDependency[Conference], speaker: NamedDependency[ProposalSpeaker], token: FromPath[str],
        proposal_id: FromPath[uuid.UUID], step: FromPath[str], data: URLEncodedBody[EmailForm],
    ) -> Template | Redirect:  # fmt: skip
        """Submit, withdraw, invite a co-speaker, confirm or decline: one button each on the speaker's page."""

        async def act() -> None:
            proposal = await submissions.speakers_proposal(
                db_session, conference=conference, speaker=speaker, proposal_id=proposal_id, owner=True
            )
            if step == "submit":
                await submissions.submit_proposal(db_session, proposal=proposal, speaker=speaker)
            elif step == "withdraw":
                await submissions.withdraw_proposal(db_session, proposal=proposal)
            elif step == "invite":
                await submissions.invite_co_speaker(
                    db_session, settings=settings, conference=conference, proposal=proposal, owner=speaker,
                    email=data.email,
                )  # fmt: skip
            elif step in ("confirm", "decline"):
                answer = SpeakerResponse.CONFIRMED if step == "confirm" else SpeakerResponse.DECLINED
                await decisions.answer_offer(
                    db_session, settings=settings, conference=conference, speaker=speaker, proposal=proposal,
                    answer=answer,
                )  # fmt: skip
            else:
                raise ProposalNotFound("There is no such step.")

        if error := await attempt(db_session, act(), conference, speaker):
            return await self._home(db_session, conference, speaker, token, error=error)
        done = {"submit": "submitted", "withdraw": "withdrawn", "invite": "invited", "confirm": "confirmed"}
        return self._back(conference, token, done.get(step, "declined"))
