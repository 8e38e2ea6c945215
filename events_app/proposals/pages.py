"""The call for proposals in the browser: the call's page and a speaker's pages through their signed link;
reviewers' and organizers' pages in the back office.

Every action goes through the package's rules; a refusal rolls back whatever the action began and
shows the page again with its reason (status 4xx), so nothing is half-written.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, MultipartBody, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC, allow
from events_app.accounts.models import Role
from events_app.accounts.service import Principal
from events_app.conferences import service as conferences
from events_app.conferences.models import Conference
from events_app.core.downloads import CSV, download
from events_app.core.errors import DomainError
from events_app.core.pagination import PAGE_SIZE, Offset, page_links
from events_app.db import Base
from events_app.proposals import call as calls
from events_app.proposals import decisions, reviews, submissions
from events_app.proposals.dependencies import provide_speaker
from events_app.proposals.errors import CallFormInvalid, NotInTheCall, ProposalNotFound, ReviewerNotFound
from events_app.proposals.models import Call, Decision, ProposalSpeaker, ProposalState, SpeakerResponse
from events_app.proposals.schemas import SORTS, CallIn, CallOut, DecisionIn, ProfileIn, ProposalIn, ReviewIn, Window
from events_app.sessions import service as program
from events_app.sessions.models import SessionType
from events_app.settings import Settings

ORGANIZERS = allow()
REVIEWERS = allow(Role.REVIEWER)
SPEAKER = "/speaker/{token:str}"
Text = Annotated[str, msgspec.Meta(max_length=20_000)]
Short = Annotated[str, msgspec.Meta(max_length=200)]
Choice = Annotated[str, msgspec.Meta(max_length=30)]
Ident = Annotated[str, msgspec.Meta(max_length=40)]
StateQuery = Annotated[str, QueryParameter(name="state", max_length=20)]
LIST_FILTERS = ("track", "state", "decision", "sort")
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
WALL_CLOCK = "%Y-%m-%dT%H:%M"  # what a datetime-local field shows and sends
# Where a refused field of the call's form is named, the sentence the organizer reads.
CALL_FIELDS = {
    "opens_at": "Give the time the call opens.",
    "closes_at": "Give the time the call closes.",
    "track_ids": "Choose at least one track.",
    "session_types": "Choose at least one session type.",
    "durations": "Give one to twenty durations, each 5 to 600 minutes, separated by commas.",
    "criteria": "Give one to ten review criteria, one a line, each at most 100 characters.",
    "description": "The explanation is too long.",
}


def page(name: str, conference: Conference, principal: Principal | None = None, **context: Any) -> Template:
    status = 422 if context.get("error") else 200
    return Template(
        f"proposals/{name}.html", context={"conference": conference, "principal": principal, **context},
        status_code=status,
    )  # fmt: skip


async def _attempt(db: AsyncSession, action: Awaitable[object], *shown: Base) -> str:
    """Runs a page's action; a refusal is undone and its reason returned for the page to show
    (with ``shown``, the rows the page shows again, read afresh after the rollback)."""
    try:
        await action
    except (DomainError, ValueError) as exc:
        await db.rollback()
        for row in shown:
            await db.refresh(row)
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


class ScoreForm(msgspec.Struct):
    comment: Text = ""


class DecisionForm(msgspec.Struct):
    decision: Choice = ""
    back: Annotated[str, msgspec.Meta(max_length=1000)] = ""  # the list's filters and offset, to return to


class SeatForm(msgspec.Struct):
    email: Annotated[str, msgspec.Meta(max_length=320)] = ""
    track_id: Ident = ""
    city_id: Ident = ""
    name: Short = ""
    password: Short = ""


class ConfirmForm(msgspec.Struct):
    confirmed: Choice = ""


def _call_in(form: dict[str, Any]) -> CallIn:
    """The call's form as the service takes it; a refused field is named in the organizer's words."""
    try:
        durations = [int(d) for d in str(form.get("durations", "")).replace(",", " ").split()]
    except ValueError as exc:
        raise CallFormInvalid(CALL_FIELDS["durations"]) from exc
    moments: dict[str, datetime] = {}
    for name in ("opens_at", "closes_at"):
        try:  # a datetime-local field sends no seconds, which RFC 3339 (and so msgspec) requires
            moments[name] = datetime.fromisoformat(str(form.get(name, "")))
        except ValueError as exc:
            raise CallFormInvalid(CALL_FIELDS[name]) from exc
    raw = {
        **moments,
        "track_ids": form["track_ids"], "session_types": form["session_types"], "durations": durations,
        "criteria": [c.strip() for c in str(form.get("criteria", "")).splitlines() if c.strip()],
        "anonymous": bool(form.get("anonymous")), "description": form.get("description", ""),
    }  # fmt: skip
    try:
        return msgspec.convert(raw, CallIn)
    except msgspec.ValidationError as exc:
        field = next((f for f in CALL_FIELDS if f"$.{f}" in str(exc)), "")
        raise CallFormInvalid(CALL_FIELDS.get(field, str(exc))) from exc


def _call_form(call: CallOut, timezone: str) -> dict[str, Any]:
    """The call's form filled in from the call, its times on the conference's wall clock."""
    return {
        "opens_at": call.opens_at.astimezone(ZoneInfo(timezone)).strftime(WALL_CLOCK),
        "closes_at": call.closes_at.astimezone(ZoneInfo(timezone)).strftime(WALL_CLOCK),
        "track_ids": [str(t.id) for t in call.tracks], "session_types": call.session_types,
        "durations": ", ".join(str(d) for d in call.durations), "criteria": "\n".join(call.criteria),
        "anonymous": call.anonymous, "description": call.description,
    }  # fmt: skip


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

        if error := await _attempt(db_session, save(), conference, speaker):
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
        if error := await _attempt(db_session, action, conference, speaker):
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

        if error := await _attempt(db_session, make(), conference, speaker):
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

        if error := await _attempt(db_session, save(), conference, speaker):
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

        if error := await _attempt(db_session, act(), conference, speaker):
            return await self._home(db_session, conference, speaker, token, error=error)
        done = {"submit": "submitted", "withdraw": "withdrawn", "invite": "invited", "confirm": "confirmed"}
        return self._back(conference, token, done.get(step, "declined"))


def _list_place(back: str) -> tuple[dict[str, str], int]:
    """The filters and offset of the organizers' list as a decision form sent them back; nothing else is kept."""
    place = dict(parse_qsl(back))
    offset = place.get("offset", "")
    fits = offset.isascii() and offset.isdigit() and len(offset) < 10  # within what the Offset parameter takes
    return {name: place.get(name, "") for name in LIST_FILTERS}, int(offset) if fits else 0


async def _office_list(
    db: AsyncSession, actor: Principal, conference: Conference, call: Call, filters: dict[str, str], *,
    offset: int = 0, done: str = "", error: str = "",
) -> Template:  # fmt: skip
    """A page of the organizers' list of proposals, filtered and sorted; a filter not offered filters nothing."""
    tracks = await calls.call_tracks(db, call=call)
    state, decision, sort = filters.get("state", ""), filters.get("decision", ""), filters.get("sort", "average")
    shown = reviews.ProposalFilter(
        track_id=next((t.id for t in tracks if str(t.id) == filters.get("track")), None),
        state=ProposalState(state) if state in set(ProposalState) else None,
        decision=Decision(decision) if decision in set(Decision) else None,
        sort=sort if sort in SORTS else "average",  # type: ignore[arg-type]
    )
    found = await reviews.proposal_page(db, conference=conference, shown=shown, limit=PAGE_SIZE, offset=offset)
    links = page_links(f"/office/c/{conference.slug}/cfp/", filters, total=found.total, offset=offset)
    return page(
        "office_list", conference, actor, found=found, links=links, back=urlencode({**filters, "offset": offset}),
        tracks=tracks, filters=filters, states=ProposalState, decisions=Decision, sorts=SORTS,
        to_release=await decisions.count_to_release(db, conference=conference), done=done, error=error,
    )  # fmt: skip


async def _call_page(
    db: AsyncSession, actor: Principal, conference: Conference, form: dict[str, Any] | None = None, *,
    error: str = "",
) -> Template:  # fmt: skip
    """The form that sets the call up, or edits it once there is one."""
    call = await calls.find_call(db, conference=conference)
    shown = await calls.call_out(db, call=call) if call is not None else None
    if form is None:
        form = _call_form(shown, conference.timezone) if shown is not None else {
            "track_ids": [], "session_types": [SessionType.BREAKOUT.value], "durations": "60",
            "criteria": "Relevance\nQuality", "anonymous": True, "description": "", "opens_at": "", "closes_at": "",
        }  # fmt: skip
    tracks = [track for track, _ in await program.list_tracks(db, conference=conference)]
    return page("call_form", conference, actor, call=shown, form=form, tracks=tracks, types=SessionType, error=error)


async def _reviewers_page(
    db: AsyncSession, actor: Principal, conference: Conference, *, form: SeatForm | None = None, error: str = "",
    done: str = "",
) -> Template:  # fmt: skip
    tracks = {track.id: track for track, _ in await program.list_tracks(db, conference=conference)}
    cities = await conferences.list_cities(db, division_id=None, search=None, limit=1000, offset=0)
    return page(
        "reviewers", conference, actor, seats=await reviews.list_reviewers(db, conference=conference),
        tracks=tracks, cities={c.id: c for c in cities.items}, form=form or SeatForm(), error=error, done=done,
    )  # fmt: skip


class ReviewPages(Controller):
    """The committees' reviewers' pages in the back office, and the organizers' list and decisions."""

    path = "/office/c/{slug:str}/cfp"
    include_in_schema = False

    @get("/review", opt=REVIEWERS, media_type=MediaType.HTML, name="cfp-review")
    async def review_list(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal], conference: NamedDependency[Conference], done: FromQuery[str] = "",
        offset: Offset = 0,
    ) -> Template:  # fmt: skip
        call = await calls.find_call(db_session, conference=conference)
        if call is None:
            return page("review_list", conference, actor, queue=None, done="")
        queue = await reviews.review_queue(db_session, call=call, user_id=actor.user_id, limit=PAGE_SIZE, offset=offset)
        return page(
            "review_list", conference, actor, queue=queue, offset=offset, done=DONE.get(done, ""),
            links=page_links(request.url.path, request.query_params, total=queue.total, offset=offset),
        )  # fmt: skip

    @get("/review/{proposal_id:uuid}", opt=REVIEWERS, media_type=MediaType.HTML)
    async def review_one(
        self, db_session: NamedDependency[AsyncSession], actor: NamedDependency[Principal],
        conference: NamedDependency[Conference], proposal_id: FromPath[uuid.UUID],
    ) -> Template:  # fmt: skip
        return await self._review_page(db_session, actor, conference, proposal_id)

    async def _review_page(
        self, db: AsyncSession, actor: Principal, conference: Conference, proposal_id: uuid.UUID, error: str = ""
    ) -> Template:
        call = await calls.get_call(db, conference=conference)
        item = await reviews.review_item(db, call=call, user_id=actor.user_id, proposal_id=proposal_id)
        return page("review_one", conference, actor, item=item, criteria=call.criteria, error=error)

    @post("/review/{proposal_id:uuid}", opt=REVIEWERS, media_type=MediaType.HTML, status_code=303)
    async def score(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal], conference: NamedDependency[Conference], proposal_id: FromPath[uuid.UUID],
    ) -> Template | Redirect:  # fmt: skip
        form = {k: str(v) for k, v in (await request.form()).items()}

        async def save() -> None:
            scores = {k.removeprefix("score:"): int(v) for k, v in form.items() if k.startswith("score:") and v}
            data = msgspec.convert({"scores": scores, "comment": form.get("comment", "")}, ReviewIn)
            await reviews.review_proposal(
                db_session, conference=conference, user_id=actor.user_id, proposal_id=proposal_id, data=data
            )

        if error := await _attempt(db_session, save(), conference):
            return await self._review_page(db_session, actor, conference, proposal_id, error)
        return Redirect(f"/office/c/{conference.slug}/cfp/review?done=scored", status_code=303)

    @get("/", opt=ORGANIZERS, media_type=MediaType.HTML, name="cfp-office")
    async def proposals(
        self, db_session: NamedDependency[AsyncSession], actor: NamedDependency[Principal],
        conference: NamedDependency[Conference], track: FromQuery[str] = "", proposal_state: StateQuery = "",
        decision: FromQuery[str] = "", sort: FromQuery[str] = "average", done: FromQuery[str] = "",
        offset: Offset = 0,
    ) -> Template:  # fmt: skip
        call = await calls.find_call(db_session, conference=conference)
        if call is None:
            return await _call_page(db_session, actor, conference)
        filters = {"track": track, "state": proposal_state, "decision": decision, "sort": sort}
        return await _office_list(db_session, actor, conference, call, filters, offset=offset, done=DONE.get(done, ""))

    @get("/proposals/{proposal_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML)
    async def proposal(
        self, db_session: NamedDependency[AsyncSession], actor: NamedDependency[Principal],
        conference: NamedDependency[Conference], proposal_id: FromPath[uuid.UUID],
    ) -> Template:  # fmt: skip
        detail = await reviews.proposal_detail(db_session, conference=conference, proposal_id=proposal_id)
        return page("office_one", conference, actor, detail=detail)

    @post("/proposals/{proposal_id:uuid}/decision", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def decide(
        self, db_session: NamedDependency[AsyncSession], actor: NamedDependency[Principal],
        conference: NamedDependency[Conference], proposal_id: FromPath[uuid.UUID], data: URLEncodedBody[DecisionForm],
    ) -> Template | Redirect:  # fmt: skip
        """Decides from the organizers' list, and goes back to the same page of it with the same filters."""

        async def save() -> None:
            verdict = msgspec.convert({"decision": data.decision}, DecisionIn)
            await decisions.decide(
                db_session, conference=conference, proposal_id=proposal_id, data=verdict, actor=actor
            )

        filters, offset = _list_place(data.back)
        if error := await _attempt(db_session, save(), conference):
            call = await calls.get_call(db_session, conference=conference)
            return await _office_list(db_session, actor, conference, call, filters, offset=offset, error=error)
        place = urlencode({**filters, "offset": offset, "done": "decided"})
        return Redirect(f"/office/c/{conference.slug}/cfp/?{place}", status_code=303)

    @post("/release", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def release(
        self, settings: NamedDependency[Settings], db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal], conference: NamedDependency[Conference],
    ) -> Redirect:  # fmt: skip
        await decisions.release_decisions(db_session, settings=settings, conference=conference, actor=actor)
        return Redirect(f"/office/c/{conference.slug}/cfp/?done=released", status_code=303)

    @get("/call", opt=ORGANIZERS, media_type=MediaType.HTML, name="cfp-call-form")
    async def call_form(
        self, db_session: NamedDependency[AsyncSession], actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> Template:  # fmt: skip
        """Sets the call up, or edits it: its window on the conference's clock, what it takes, how it is reviewed."""
        return await _call_page(db_session, actor, conference)

    @post("/call", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def save_call(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal], conference: NamedDependency[Conference],
    ) -> Template | Redirect:  # fmt: skip
        raw = await request.form()
        form: dict[str, Any] = {k: str(v) for k, v in raw.items() if k not in ("track_ids", "session_types")}
        form |= {"track_ids": [str(v) for v in raw.getall("track_ids", [])],
                 "session_types": [str(v) for v in raw.getall("session_types", [])]}  # fmt: skip

        async def save() -> None:
            await calls.set_call(db_session, conference=conference, data=_call_in(form), actor=actor)

        if error := await _attempt(db_session, save(), conference):
            return await _call_page(db_session, actor, conference, form, error=error)
        return Redirect(f"/office/c/{conference.slug}/cfp/?done=call", status_code=303)

    @get("/reviewers", opt=ORGANIZERS, media_type=MediaType.HTML, name="cfp-reviewers")
    async def reviewers(
        self, db_session: NamedDependency[AsyncSession], actor: NamedDependency[Principal],
        conference: NamedDependency[Conference], done: FromQuery[str] = "",
    ) -> Template:  # fmt: skip
        """The committees' members, a track each seat, with the city their conflicts of interest come from."""
        return await _reviewers_page(db_session, actor, conference, done=DONE.get(done, ""))

    @post("/reviewers", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def seat(
        self, db_session: NamedDependency[AsyncSession], actor: NamedDependency[Principal],
        conference: NamedDependency[Conference], data: URLEncodedBody[SeatForm],
    ) -> Template | Redirect:  # fmt: skip
        async def save() -> None:
            try:
                track_id = uuid.UUID(data.track_id)
                city_id = uuid.UUID(data.city_id) if data.city_id else None
            except ValueError as exc:
                raise ValueError("Choose a track and, if any, a city from the lists.") from exc
            await reviews.seat_reviewer(
                db_session, conference=conference, email=data.email, track_id=track_id, city_id=city_id,
                actor=actor, name=data.name, password=data.password,
            )  # fmt: skip

        if error := await _attempt(db_session, save(), conference):
            return await _reviewers_page(db_session, actor, conference, form=data, error=error)
        return Redirect(f"/office/c/{conference.slug}/cfp/reviewers?done=seated", status_code=303)

    @post("/reviewers/{reviewer_id:uuid}/unseat", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def unseat(
        self, db_session: NamedDependency[AsyncSession], actor: NamedDependency[Principal],
        conference: NamedDependency[Conference], reviewer_id: FromPath[uuid.UUID], data: URLEncodedBody[ConfirmForm],
    ) -> Template | Redirect:  # fmt: skip
        """Asks first; then the member leaves the track's committee."""
        if not data.confirmed:
            seats = await reviews.list_reviewers(db_session, conference=conference)
            seat = next(((r, u) for r, u in seats if r.id == reviewer_id), None)
            if seat is None:
                raise ReviewerNotFound("This reviewer has no seat on this conference's committees.")
            tracks = {track.id: track for track, _ in await program.list_tracks(db_session, conference=conference)}
            return page("confirm_unseat", conference, actor, seat=seat, tracks=tracks)
        await reviews.unseat_reviewer(db_session, conference=conference, reviewer_id=reviewer_id, actor=actor)
        return Redirect(f"/office/c/{conference.slug}/cfp/reviewers?done=unseated", status_code=303)

    @get("/proposals.csv", opt=ORGANIZERS, media_type=CSV, name="cfp-office-export")
    async def export(
        self, db_session: NamedDependency[AsyncSession], conference: NamedDependency[Conference]
    ) -> Response[str]:
        """Every proposal with its scores, as the API's export gives it, for the organizer signed in."""
        rows = await reviews.proposal_rows(db_session, conference=conference)
        return download(await reviews.proposals_csv(rows), media_type=CSV, filename=f"{conference.slug}-proposals.csv")
