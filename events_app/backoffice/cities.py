"""The member-city import in the back office: upload a CSV, see every bad row by its line, or the result.

Organizers only. The file is read whole (member lists are a few hundred rows) and imported by
``conferences.city_import``: all or nothing, audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, MediaType, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.backoffice.pages import ORGANIZERS
from events_app.conferences import city_import
from events_app.conferences.errors import CityImportFailed, CityImportUnreadable

MAX_FILE = 2_000_000  # bytes; the 480-city demo list is 20 kB


class CityImportOffice(Controller):
    path = "/office/cities/import"
    include_in_schema = False

    @get("/", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-city-import")
    async def form(self, actor: NamedDependency[Principal]) -> Template:
        """The upload form and the columns the file needs."""
        return Template("backoffice/city_import.html", context={"principal": actor})

    @post("/", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=200)
    async def upload(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Template:
        """Imports the file; a bad row anywhere writes nothing and the page lists every bad row by its line."""
        upload = data.get("file")
        context: dict[str, Any] = {"principal": actor}
        if not isinstance(upload, UploadFile) or not upload.filename:
            context["error"] = "Choose a CSV file to import."
            return Template("backoffice/city_import.html", context=context, status_code=422)
        content = await upload.read(MAX_FILE + 1)
        try:
            if len(content) > MAX_FILE:
                raise CityImportUnreadable(f"The file is larger than {MAX_FILE // 1_000_000} MB.")
            result = await city_import.import_cities(db_session, data=content, actor=actor)
        except (CityImportFailed, CityImportUnreadable) as exc:
            await db_session.rollback()
            context |= {"error": exc.detail, "rows": exc.extra.get("errors", []), "filename": upload.filename}
            return Template("backoffice/city_import.html", context=context, status_code=422)
        await db_session.commit()
        context |= {"result": result, "filename": upload.filename}
        return Template("backoffice/city_import.html", context=context)
