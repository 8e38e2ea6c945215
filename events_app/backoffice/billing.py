"""The back office's billing profiles: who is paid and how, as every invoice prints it.

The association's profile is at ``/office/billing``; a conference's own (used instead of the
association's on that conference's invoices) at ``/office/c/{slug}/billing``. Organizers only;
each save is audited by payments' ``billing`` service.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, MediaType, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.backoffice.forms import office_page, save_or_refuse, typed_fields
from events_app.backoffice.pages import ORGANIZERS
from events_app.conferences.models import Conference
from events_app.payments import billing
from events_app.payments.models import BillingProfile
from events_app.payments.schemas import BillingProfileIn

FIELDS = tuple(BillingProfileIn.__struct_fields__)
SAVED = "The billing profile is saved; invoices print it from now on, open ones included."


def _form(profile: BillingProfile | None) -> dict[str, str]:
    return {f: getattr(profile, f) if profile else "" for f in FIELDS}


async def _page(
    db: AsyncSession,
    *,
    principal: Principal,
    conference: Conference | None,
    form: dict[str, str] | None = None,
    done: str = "",
    error: str = "",
) -> Template:
    """The profile's page: the form as saved (or as typed, when refused), and for a conference without
    a profile of its own, the association's that its invoices print instead."""
    own = await billing.get_profile(db, conference_id=conference.id if conference else None)
    fallback = None
    if conference is not None and own is None:
        fallback = await billing.get_profile(db, conference_id=None)
    form = _form(own) if form is None else form
    return office_page(
        "billing", principal, conference, error=error, form=form, fallback=fallback, done=SAVED if done else ""
    )


async def _save(
    request: Request[Any, Any, Any], db: AsyncSession, *, principal: Principal, conference: Conference | None
) -> Template | Redirect:
    raw = await request.form()
    typed = typed_fields(raw, FIELDS, longest=1000)

    async def save() -> None:
        data = msgspec.convert(typed, BillingProfileIn)
        conference_id = conference.id if conference else None
        await billing.set_profile(db, conference_id=conference_id, data=data, actor=principal)

    async def refused(error: str, _status: int) -> Template:
        return await _page(db, principal=principal, conference=conference, form=typed, error=error)

    where = f"/office/c/{conference.slug}/billing" if conference else "/office/billing"
    shown = (conference,) if conference is not None else ()
    return await save_or_refuse(db, save, then=f"{where}?done=saved", refused=refused, shown=shown)


class AssociationBilling(Controller):
    path = "/office/billing"
    include_in_schema = False

    @get("/", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-billing")
    async def profile(
        self, db_session: NamedDependency[AsyncSession], actor: NamedDependency[Principal], done: FromQuery[str] = ""
    ) -> Template:
        """The association's profile, printed on the invoices of every conference without one of its own."""
        return await _page(db_session, principal=actor, conference=None, done=done)

    @post("/", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def save(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
    ) -> Template | Redirect:
        return await _save(request, db_session, principal=actor, conference=None)


class ConferenceBilling(Controller):
    path = "/office/c/{slug:str}/billing"
    include_in_schema = False

    @get("/", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-conference-billing")
    async def profile(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
        done: FromQuery[str] = "",
    ) -> Template:
        """The conference's own profile; until it has one, its invoices print the association's."""
        return await _page(db_session, principal=actor, conference=conference, done=done)

    @post("/", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def save(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        conference: NamedDependency[Conference],
    ) -> Template | Redirect:
        return await _save(request, db_session, principal=actor, conference=conference)
