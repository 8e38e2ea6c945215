"""The back office's Partner Program, shared by every conference: tiers, business categories, and
partners with their contacts and points ledger.

Every change goes through ``expo.partners``, which audits it; a refused one shows the page again with
the reason, and taking a contact away is asked about first.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Annotated, Any

import msgspec
from litestar import Controller, MediaType, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts import service as accounts
from events_app.accounts.access import allow
from events_app.accounts.models import Role
from events_app.accounts.service import Principal
from events_app.backoffice.forms import Change, ConfirmForm, office_page, save_or_refuse, whole_number
from events_app.backoffice.people import record_new_user
from events_app.expo import partners
from events_app.expo.dependencies import provide_partner
from events_app.expo.errors import PartnerNotFound
from events_app.expo.models import Partner, PointsReason
from events_app.expo.schemas import CategoryIn, PartnerIn, PartnerPatch, TierIn

ORGANIZERS = allow()
DONE = {
    "tier": "The tier is added.",
    "category": "The category is added.",
    "partner": "The partner is saved.",
    "contact": "They can now sign in and act for this partner.",
    "contact-created": (
        "Their exhibitor account is made and acts for this partner; give them their password in person"
        " or by phone, not by mail."
    ),
    "contact-removed": "They no longer act for this partner.",
    "points": "The ledger line is added.",
}


class TierForm(msgspec.Struct):
    slug: Annotated[str, msgspec.Meta(max_length=80)] = ""
    name: Annotated[str, msgspec.Meta(max_length=100)] = ""
    rank: Annotated[str, msgspec.Meta(max_length=10)] = ""
    points: Annotated[str, msgspec.Meta(max_length=10)] = "0"


class CategoryForm(msgspec.Struct):
    slug: Annotated[str, msgspec.Meta(max_length=80)] = ""
    name: Annotated[str, msgspec.Meta(max_length=100)] = ""
    exclusive: str = ""


class ContactForm(msgspec.Struct):
    email: Annotated[str, msgspec.Meta(max_length=320)] = ""
    # Only for an email no account has yet: the exhibitor's account is made with them.
    name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    password: Annotated[str, msgspec.Meta(max_length=200)] = ""


class PointsForm(msgspec.Struct):
    points: Annotated[str, msgspec.Meta(max_length=10)] = ""
    reason: Annotated[str, msgspec.Meta(max_length=30)] = ""
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


async def _partner_fields(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The partner form as the services take it (categories are ticked boxes, so several of one name)."""
    form = await request.form()
    try:
        categories = [uuid.UUID(value) for value in form.getall("category_id", [])]
        tier_id = uuid.UUID(str(form.get("tier_id", "")))
    except ValueError:
        raise ValueError("Choose the partner's tier (and only categories offered).") from None
    return {
        "name": str(form.get("name", "")).strip(),
        "tier_id": tier_id,
        "website": str(form.get("website", "")).strip(),
        "billing_email": str(form.get("billing_email", "")).strip(),
        "years_exhibited": whole_number(str(form.get("years_exhibited", "0")) or "0", "number of years exhibited"),
        "category_ids": categories,
        "active": form.get("active") == "on",
    }


async def _program_page(db: AsyncSession, *, principal: Principal, done: str = "", error: str = "") -> Template:
    found = await partners.list_partners(db)
    return office_page(
        "expo/partners",
        principal,
        None,
        error=error,
        section="partners",
        tiers=await partners.list_tiers(db),
        categories=await partners.list_categories(db),
        partners=found,
        balances=await partners.points_balances(db, partner_ids=[p.id for p in found]),
        done=DONE.get(done, ""),
    )


async def _partner_page(
    db: AsyncSession, *, principal: Principal, partner: Partner, done: str = "", error: str = ""
) -> Template:
    return office_page(
        "expo/partner",
        principal,
        None,
        error=error,
        section="partners",
        partner=partner,
        tiers=await partners.list_tiers(db),
        categories=await partners.list_categories(db),
        contacts=[user for _contact, user in await partners.list_contacts(db, partner_id=partner.id)],
        ledger=await partners.ledger(db, partner_id=partner.id),
        balance=await partners.points_balance(db, partner_id=partner.id),
        reasons=list(PointsReason),
        done=DONE.get(done, ""),
    )


class PartnerProgramOffice(Controller):
    """The association's Partner Program, shared by every conference."""

    path = "/office/partners"
    include_in_schema = False
    dependencies = {"partner": Provide(provide_partner)}

    @get("/", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-partners")
    async def program(
        self, db_session: NamedDependency[AsyncSession], actor: NamedDependency[Principal], done: FromQuery[str] = ""
    ) -> Template:
        """Tiers, business categories and every partner with its points, each with the form to add one."""
        return await _program_page(db_session, principal=actor, done=done)

    async def _saved(self, db: AsyncSession, actor: Principal, change: Change, done: str) -> Template | Redirect:
        def refused(error: str, _status: int) -> Awaitable[Template]:
            return _program_page(db, principal=actor, error=error)

        return await save_or_refuse(db, change, then=f"/office/partners?done={done}", refused=refused)

    @post("/tiers", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def add_tier(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        data: URLEncodedBody[TierForm],
    ) -> Template | Redirect:
        async def add() -> None:
            fields = {
                "slug": data.slug.strip(),
                "name": data.name.strip(),
                "rank": whole_number(data.rank, "rank"),
                "points": whole_number(data.points or "0", "points"),
            }
            await partners.create_tier(db_session, data=msgspec.convert(fields, TierIn), actor=actor)

        return await self._saved(db_session, actor, add, "tier")

    @post("/categories", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def add_category(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        data: URLEncodedBody[CategoryForm],
    ) -> Template | Redirect:
        fields = {"slug": data.slug.strip(), "name": data.name.strip(), "exclusive": data.exclusive == "on"}

        async def add() -> None:
            await partners.create_category(db_session, data=msgspec.convert(fields, CategoryIn), actor=actor)

        return await self._saved(db_session, actor, add, "category")

    @post("/", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def add_partner(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
    ) -> Template | Redirect:
        """Adds a partner; its ledger opens with its tier's points and ten a year exhibited."""

        async def add() -> None:
            fields = await _partner_fields(request)
            fields.pop("active")
            await partners.create_partner(db_session, data=msgspec.convert(fields, PartnerIn), actor=actor)

        return await self._saved(db_session, actor, add, "partner")

    @get("/{partner_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML, name="office-partner")
    async def partner_detail(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        partner: NamedDependency[Partner],
        done: FromQuery[str] = "",
    ) -> Template:
        return await _partner_page(db_session, principal=actor, partner=partner, done=done)

    async def _changed(
        self, db: AsyncSession, actor: Principal, partner: Partner, change: Change, done: str
    ) -> Template | Redirect:
        def refused(error: str, _status: int) -> Awaitable[Template]:
            return _partner_page(db, principal=actor, partner=partner, error=error)

        then = f"/office/partners/{partner.id}?done={done}"
        return await save_or_refuse(db, change, then=then, refused=refused, shown=(partner,))

    @post("/{partner_id:uuid}", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def save_partner(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        partner: NamedDependency[Partner],
    ) -> Template | Redirect:
        """Saves the partner; a tier or years change writes the points difference to its ledger."""

        async def save() -> None:
            patch = msgspec.convert(await _partner_fields(request), PartnerPatch)
            await partners.update_partner(db_session, partner=partner, data=patch, actor=actor)

        return await self._changed(db_session, actor, partner, save, "partner")

    @post("/{partner_id:uuid}/contacts", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def add_contact(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        partner: NamedDependency[Partner],
        data: URLEncodedBody[ContactForm],
    ) -> Template | Redirect:
        """Lets the exhibitor account with this email sign in and act for this partner; an email no account
        has gets an exhibitor account, with the name and first password typed, in the same step."""
        user = await accounts.user_by_email(db_session, email=data.email)

        async def add() -> None:
            contact = user
            if contact is None:
                if not data.name.strip() or not data.password:
                    raise PartnerNotFound(
                        f"No account has the email {data.email.strip()!r}; give the exhibitor's name and a first"
                        " password to make their account."
                    )
                contact = await accounts.create_user(
                    db_session, email=data.email, name=data.name, password=data.password, role=Role.PARTNER
                )
                await record_new_user(db_session, actor=actor, user=contact)
            await partners.add_contact(db_session, partner=partner, user_id=contact.id, actor=actor)

        return await self._changed(db_session, actor, partner, add, "contact" if user else "contact-created")

    @post(
        "/{partner_id:uuid}/contacts/{user_id:uuid}/remove", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303
    )
    async def remove_contact(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        partner: NamedDependency[Partner],
        user_id: FromPath[uuid.UUID],
        data: URLEncodedBody[ConfirmForm],
    ) -> Template | Redirect:
        """Asks first; then the person no longer acts for this partner (its bookings stay)."""
        if not data.confirmed:
            user = await accounts.get_user(db_session, user_id=user_id)
            return office_page("expo/confirm_contact", actor, None, section="partners", partner=partner, contact=user)

        async def remove() -> None:
            await partners.remove_contact(db_session, partner=partner, user_id=user_id, actor=actor)

        return await self._changed(db_session, actor, partner, remove, "contact-removed")

    @post("/{partner_id:uuid}/points", opt=ORGANIZERS, media_type=MediaType.HTML, status_code=303)
    async def add_points(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        partner: NamedDependency[Partner],
        data: URLEncodedBody[PointsForm],
    ) -> Template | Redirect:
        """A ledger line: a sponsorship, or a correction with negative points; lines are never edited."""

        async def add() -> None:
            try:
                reason = PointsReason(data.reason)
            except ValueError:
                raise ValueError("Choose why the points are given.") from None
            points = whole_number(data.points, "number of points")
            if not -100_000 <= points <= 100_000:
                raise ValueError("Points are between -100,000 and 100,000.")
            await partners.add_points(
                db_session, partner=partner, points=points, reason=reason, note=data.note, actor=actor
            )

        return await self._changed(db_session, actor, partner, add, "points")
