"""The back office's program speakers: the list with how many sessions each has, and the form to add
or edit one with their availability.

Organizers only. Every change goes through ``sessions.service``, which audits it; a refusal shows the
form again, as typed, with the reason.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from litestar import Controller, MediaType, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.backoffice import program_forms as forms
from events_app.backoffice.forms import save_or_refuse, typed_fields
from events_app.backoffice.program import DONE, ORGANIZERS, Page, program_page, program_url
from events_app.conferences.models import Conference
from events_app.sessions import service as program
from events_app.sessions.dependencies import WORKING_COPY
from events_app.sessions.models import Speaker
from events_app.sessions.schemas import SpeakerIn, SpeakerPatch


class SpeakerOffice(Controller):
    """The speakers of a conference's program, in the browser."""

    path = "/office/c/{slug:str}/program"
    include_in_schema = False
    dependencies = {"speaker": WORKING_COPY["speaker"]}

    @get("/speakers", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-speakers")
    async def speakers(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        done: FromQuery[str] = "",
    ) -> Template:
        """Every speaker with their organization, private email and when they can be scheduled."""
        found = await program.list_speakers(db_session, conference=conference)
        counts = Counter(
            link.speaker_id
            for s in await program.list_sessions(db_session, conference=conference)
            for link in s.speakers
        )
        return program_page("speakers", actor, conference, speakers=found, counts=counts, done=DONE.get(done, ""))

    @get("/speakers/new", opt=ORGANIZERS, media_type=MediaType.HTML)
    async def new_speaker(self, actor: NamedDependency[Principal], conference: NamedDependency[Conference]) -> Template:
        form = forms.speaker_form(None, conference.timezone)
        return program_page("speaker", actor, conference, speaker=None, form=form)

    async def _speaker_saved(
        self,
        db: AsyncSession,
        actor: Principal,
        conference: Conference,
        speaker: Speaker | None,
        request: Request[Any, Any, Any],
    ) -> Page:
        """Adds a speaker, or saves one; the availability lines replace every window they had."""
        typed = typed_fields(await request.form(), forms.SPEAKER_FIELDS)

        async def save() -> None:
            if speaker is None:
                data = forms.read(forms.speaker_values(typed), SpeakerIn)
                await program.create_speaker(db, conference=conference, data=data, actor=actor)
            else:
                patch = forms.read(forms.speaker_values(typed), SpeakerPatch)
                await program.update_speaker(db, conference=conference, speaker=speaker, data=patch, actor=actor)

        async def refused(error: str, status: int) -> Template:
            return program_page("speaker", actor, conference, speaker=speaker, form=typed, error=error, status=status)

        shown = (conference,) if speaker is None else (conference, speaker)
        then = program_url(conference, "speakers", "speaker")
        return await save_or_refuse(db, save, then=then, refused=refused, shown=shown)

    @post("/speakers", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def create_speaker(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> Page:
        return await self._speaker_saved(db_session, actor, conference, None, request)

    @get("/speakers/{speaker_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML)
    async def edit_speaker(
        self,
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        speaker: NamedDependency[Speaker],
    ) -> Template:
        form = forms.speaker_form(speaker, conference.timezone)
        return program_page("speaker", actor, conference, speaker=speaker, form=form)

    @post("/speakers/{speaker_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def save_speaker(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        speaker: NamedDependency[Speaker],
    ) -> Page:
        """Saves the speaker; the availability lines replace every window they had."""
        return await self._speaker_saved(db_session, actor, conference, speaker, request)
