"""API of the Partner Program, shared by every conference: tiers, business categories, partners, their
contacts and priority points (organizers), and a partner user's own partner and points."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.access import PUBLIC
from events_app.accounts.service import Principal
from events_app.expo import partners
from events_app.expo.controllers.access import ORGANIZERS, PARTNERS, STAFF
from events_app.expo.dependencies import provide_my_partner, provide_partner, provide_partner_scope
from events_app.expo.models import Partner
from events_app.expo.schemas import (
    CategoryIn,
    CategoryOut,
    ContactIn,
    ContactOut,
    PartnerIn,
    PartnerOut,
    PartnerPatch,
    PointsEntryIn,
    PointsEntryOut,
    PointsLedgerOut,
    TierIn,
    TierOut,
)
from events_app.expo.views import contact_out, ledger_out, partner_out, partners_out


class PartnerProgramController(Controller):
    """Tiers, business categories, partners, their contacts and points: shared by every conference."""

    path = "/api/expo"
    tags = ["Expo: Partner Program"]
    dependencies = {
        "partner": Provide(provide_partner),
        "partner_scope": Provide(provide_partner_scope),
        "my_partner": Provide(provide_my_partner),
    }

    @get("/tiers", opt=PUBLIC, operation_id="listPartnerTiers")
    async def list_tiers(self, db_session: NamedDependency[AsyncSession]) -> list[TierOut]:
        """The Partner Program's tiers, best (rank 1) first."""
        return msgspec.convert(await partners.list_tiers(db_session), list[TierOut], from_attributes=True)

    @post("/tiers", opt=ORGANIZERS, operation_id="createPartnerTier")
    async def create_tier(
        self, db_session: NamedDependency[AsyncSession], actor: NamedDependency[Principal], data: JSONBody[TierIn]
    ) -> TierOut:
        """Adds a tier; its rank orders booking windows and its points go to each partner's ledger."""
        tier = await partners.create_tier(db_session, data=data, actor=actor)
        return msgspec.convert(tier, TierOut, from_attributes=True)

    @get("/categories", opt=PUBLIC, operation_id="listBusinessCategories")
    async def list_categories(self, db_session: NamedDependency[AsyncSession]) -> list[CategoryOut]:
        """Business categories; partners in one exclusive category are kept apart on the floor."""
        categories = await partners.list_categories(db_session)
        return msgspec.convert(categories, list[CategoryOut], from_attributes=True)

    @post("/categories", opt=ORGANIZERS, operation_id="createBusinessCategory")
    async def create_category(
        self, db_session: NamedDependency[AsyncSession], actor: NamedDependency[Principal], data: JSONBody[CategoryIn]
    ) -> CategoryOut:
        """Adds a business category, exclusive or not."""
        category = await partners.create_category(db_session, data=data, actor=actor)
        return msgspec.convert(category, CategoryOut, from_attributes=True)

    @get("/partners", opt=STAFF, operation_id="listPartners")
    async def list_partners(
        self, db_session: NamedDependency[AsyncSession], tier_id: FromQuery[uuid.UUID | None] = None
    ) -> list[PartnerOut]:
        """Every partner by tier, then name, with its points balance."""
        return await partners_out(db_session, await partners.list_partners(db_session, tier_id=tier_id))

    @post("/partners", opt=ORGANIZERS, operation_id="createPartner")
    async def create_partner(
        self, db_session: NamedDependency[AsyncSession], actor: NamedDependency[Principal], data: JSONBody[PartnerIn]
    ) -> PartnerOut:
        """Adds a partner; its ledger opens with its tier's points and ten points per year exhibited."""
        partner = await partners.create_partner(db_session, data=data, actor=actor)
        return await partner_out(db_session, partner)

    @get("/partners/{partner_id:uuid}", opt=STAFF, operation_id="getPartner")
    async def get_partner(
        self, db_session: NamedDependency[AsyncSession], partner: NamedDependency[Partner]
    ) -> PartnerOut:
        """One partner with its tier, categories and points balance."""
        return await partner_out(db_session, partner)

    @patch("/partners/{partner_id:uuid}", opt=ORGANIZERS, operation_id="updatePartner")
    async def update_partner(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        partner: NamedDependency[Partner],
        data: JSONBody[PartnerPatch],
    ) -> PartnerOut:
        """Changes the fields sent; a tier or years change writes the points difference to the ledger."""
        partner = await partners.update_partner(db_session, partner=partner, data=data, actor=actor)
        return await partner_out(db_session, partner)

    @get("/partners/{partner_id:uuid}/contacts", opt=ORGANIZERS, operation_id="listPartnerContacts")
    async def list_contacts(
        self, db_session: NamedDependency[AsyncSession], partner: NamedDependency[Partner]
    ) -> list[ContactOut]:
        """The partner users who act for this partner."""
        rows = await partners.list_contacts(db_session, partner_id=partner.id)
        return [contact_out(user, partner.id) for _contact, user in rows]

    @post("/partners/{partner_id:uuid}/contacts", opt=ORGANIZERS, operation_id="addPartnerContact")
    async def add_contact(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        partner: NamedDependency[Partner],
        data: JSONBody[ContactIn],
    ) -> ContactOut:
        """Lets a user of role partner sign in and act for this partner (one partner per user)."""
        await partners.add_contact(db_session, partner=partner, user_id=data.user_id, actor=actor)
        rows = await partners.list_contacts(db_session, partner_id=partner.id)
        return next(contact_out(user, partner.id) for _contact, user in rows if user.id == data.user_id)

    @delete("/partners/{partner_id:uuid}/contacts/{user_id:uuid}", opt=ORGANIZERS, operation_id="removePartnerContact")
    async def remove_contact(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        partner: NamedDependency[Partner],
        user_id: FromPath[uuid.UUID],
    ) -> None:
        """Stops a user acting for this partner."""
        await partners.remove_contact(db_session, partner=partner, user_id=user_id, actor=actor)

    @get("/partners/{partner_id:uuid}/points", opt=STAFF, operation_id="getPartnerPoints")
    async def get_points(
        self, db_session: NamedDependency[AsyncSession], partner: NamedDependency[Partner]
    ) -> PointsLedgerOut:
        """A partner's priority-points ledger, oldest line first, and its balance."""
        return ledger_out(partner.id, await partners.ledger(db_session, partner_id=partner.id))

    @post("/partners/{partner_id:uuid}/points", opt=ORGANIZERS, operation_id="addPartnerPoints")
    async def add_points(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Principal],
        partner: NamedDependency[Partner],
        data: JSONBody[PointsEntryIn],
    ) -> PointsEntryOut:
        """Adds a ledger line (a sponsorship, or a correction with negative points); lines are never edited."""
        entry = await partners.add_points(
            db_session, partner=partner, points=data.points, reason=data.reason, note=data.note, actor=actor
        )
        return msgspec.convert(entry, PointsEntryOut, from_attributes=True)

    @get("/me", opt=PARTNERS, operation_id="getMyPartner")
    async def my_partner(
        self, db_session: NamedDependency[AsyncSession], my_partner: NamedDependency[Partner]
    ) -> PartnerOut:
        """The partner the signed-in partner user acts for."""
        return await partner_out(db_session, my_partner)

    @get("/me/points", opt=PARTNERS, operation_id="getMyPartnerPoints")
    async def my_points(
        self, db_session: NamedDependency[AsyncSession], my_partner: NamedDependency[Partner]
    ) -> PointsLedgerOut:
        """Your partner's priority-points ledger: where every point came from."""
        return ledger_out(my_partner.id, await partners.ledger(db_session, partner_id=my_partner.id))
