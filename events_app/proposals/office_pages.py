"""The call for proposals in the back office: the committees' reviewers' pages, and the organizers' list,
decisions, the call's set-up and the seating of reviewers.

Every action goes through the package's rules; a refusal rolls back whatever the action began and
shows the page again with its reason (status 4xx), so nothing is half-written.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import allow
from events_app.accounts.models import Role
from events_app.accounts.service import Principal
from events_app.conferences import service as conferences
from events_app.conferences.models import Conference
from events_app.core.downloads import CSV, download
from events_app.core.pagination import PAGE_SIZE, Offset, page_links
from events_app.proposals import call as calls
from events_app.proposals import decisions, reviews
from events_app.proposals.errors import CallFormInvalid, ReviewerNotFound
from events_app.proposals.models import Call, Decision, ProposalState
from events_app.proposals.pages import DONE, Choice, Ident, Short, Text, attempt, page
from events_app.proposals.schemas import SORTS, CallIn, CallOut, DecisionIn, ReviewIn
from events_app.sessions import service as program
from events_app.sessions.models import SessionType
from events_app.settings import Settings

ORGANIZERS = allow()
REVIEWERS = allow(Role.REVIEWER)
StateQuery = Annotated[str, QueryParameter(name="state", max_length=20)]
LIST_FILTERS = ("track", "state", "decision", "sort")
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

        if error := await attempt(db_session, save(), conference):
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
        if error := await attempt(db_session, save(), conference):
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

        if error := await attempt(db_session, save(), conference):
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

        if error := await attempt(db_session, save(), conference):
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
