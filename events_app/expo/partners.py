"""The Partner Program, shared by all of the association's conferences: tiers, business categories,
partners and the users who act for them (contacts), and priority points.

Priority points are a ledger: a partner's balance is the sum of its entries, written when
the partner joins (tier and years exhibited), when its tier changes, and by organizers
(sponsorship, adjustments). The points decide, with the tier, which booking window opens
to a partner first (see ``rules``).
"""

from __future__ import annotations

import uuid

import msgspec
from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from events_app.accounts.models import Role, User
from events_app.accounts.service import Principal, get_user
from events_app.conferences.cache import ConferenceCache, snapshot
from events_app.core.text import slugify
from events_app.expo import history
from events_app.expo.errors import (
    CategoryExists,
    ContactNotFound,
    ContactTaken,
    DuplicateCategory,
    NotAPartnerContact,
    NotAPartnerUser,
    PartnerExists,
    PartnerNotFound,
    TierExists,
    TierNotFound,
    TierRankTaken,
    UnknownCategory,
)
from events_app.expo.models import (
    BusinessCategory,
    Partner,
    PartnerContact,
    PartnerTier,
    PointsEntry,
    PointsReason,
)
from events_app.expo.schemas import (
    CategoryIn,
    PartnerIn,
    PartnerPatch,
    TierIn,
)

POINTS_PER_YEAR_EXHIBITED = 10


# Tiers and categories.


async def list_tiers(db: AsyncSession) -> list[PartnerTier]:
    return list(await db.scalars(select(PartnerTier).order_by(PartnerTier.rank)))


async def create_tier(db: AsyncSession, *, data: TierIn, actor: Principal | None = None) -> PartnerTier:
    """Adds a tier; ranks are unique so the booking order between tiers is never ambiguous."""
    if await db.scalar(select(PartnerTier.id).where(PartnerTier.slug == data.slug)):
        raise TierExists(f"A tier {data.slug!r} already exists.")
    if await db.scalar(select(PartnerTier.id).where(PartnerTier.rank == data.rank)):
        raise TierRankTaken(f"Another tier already has rank {data.rank}.")
    tier = PartnerTier(**msgspec.structs.asdict(data))
    db.add(tier)
    await db.flush()
    await history.changed(db, "tier.created", tier, actor=actor, name=tier.name, rank=tier.rank, points=tier.points)
    return tier


async def get_tier(db: AsyncSession, *, tier_id: uuid.UUID) -> PartnerTier:
    tier = await db.get(PartnerTier, tier_id)
    if tier is None:
        raise TierNotFound("No partner tier has this id.")
    return tier


async def list_categories(db: AsyncSession) -> list[BusinessCategory]:
    return list(await db.scalars(select(BusinessCategory).order_by(BusinessCategory.name)))


async def create_category(db: AsyncSession, *, data: CategoryIn, actor: Principal | None = None) -> BusinessCategory:
    if await db.scalar(select(BusinessCategory.id).where(BusinessCategory.slug == data.slug)):
        raise CategoryExists(f"A category {data.slug!r} already exists.")
    category = BusinessCategory(**msgspec.structs.asdict(data))
    db.add(category)
    await db.flush()
    await history.changed(
        db, "category.created", category, actor=actor, name=category.name, exclusive=category.exclusive
    )
    return category


async def _categories(db: AsyncSession, ids: list[uuid.UUID]) -> list[BusinessCategory]:
    if len(set(ids)) != len(ids):
        raise DuplicateCategory("A category is listed twice.")
    found = list(await db.scalars(select(BusinessCategory).where(BusinessCategory.id.in_(ids))))
    if len(found) != len(ids):
        raise UnknownCategory("category_ids names a category that does not exist.")
    return found


# Partners, contacts and points.


# Built once: a hold reads it wherever a booking window admits by points.
_POINTS = select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
    PointsEntry.partner_id == bindparam("of_partner")
)


async def points_balance(db: AsyncSession, *, partner_id: uuid.UUID) -> int:
    return int(await db.scalar(_POINTS, {"of_partner": partner_id}) or 0)


async def points_balances(db: AsyncSession, *, partner_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    rows = await db.execute(
        select(PointsEntry.partner_id, func.sum(PointsEntry.points))
        .where(PointsEntry.partner_id.in_(partner_ids))
        .group_by(PointsEntry.partner_id)
    )
    balances = {partner_id: 0 for partner_id in partner_ids}
    balances.update({partner_id: int(total) for partner_id, total in rows})
    return balances


async def add_points(
    db: AsyncSession, *, partner: Partner, points: int, reason: PointsReason, note: str, actor: Principal | None
) -> PointsEntry:
    """Writes one ledger line; the ledger is never edited, a correction is another line."""
    entry = PointsEntry(partner_id=partner.id, points=points, reason=reason, note=note.strip())
    db.add(entry)
    await history.changed(
        db, "partner.points_added", partner, actor=actor, points=points, reason=str(reason), note=entry.note
    )
    return entry


async def ledger(db: AsyncSession, *, partner_id: uuid.UUID) -> list[PointsEntry]:
    query = select(PointsEntry).where(PointsEntry.partner_id == partner_id)
    return list(await db.scalars(query.order_by(PointsEntry.created_at, PointsEntry.id)))


async def _free_slug(db: AsyncSession, wanted: str) -> str:
    slug, n = wanted, 1
    while await db.scalar(select(Partner.id).where(Partner.slug == slug)):
        n += 1
        slug = f"{wanted}-{n}"
    return slug


async def create_partner(db: AsyncSession, *, data: PartnerIn, actor: Principal | None) -> Partner:
    """Adds a partner and opens its points ledger with its tier's points and its years exhibited."""
    tier = await get_tier(db, tier_id=data.tier_id)
    categories = await _categories(db, data.category_ids)
    if data.slug is not None and await db.scalar(select(Partner.id).where(Partner.slug == data.slug)):
        raise PartnerExists(f"A partner {data.slug!r} already exists.")
    partner = Partner(
        slug=data.slug or await _free_slug(db, slugify(data.name) or "partner"),
        name=data.name.strip(),
        tier=tier,
        website=data.website.strip(),
        billing_email=data.billing_email.strip().lower(),
        years_exhibited=data.years_exhibited,
        categories=categories,
    )
    db.add(partner)
    await history.changed(db, "partner.created", partner, actor=actor, name=partner.name, tier=tier.slug)
    if tier.points:
        await add_points(
            db, partner=partner, points=tier.points, reason=PointsReason.TIER, note=f"{tier.name} tier", actor=actor
        )
    if data.years_exhibited:
        await add_points(
            db,
            partner=partner,
            points=data.years_exhibited * POINTS_PER_YEAR_EXHIBITED,
            reason=PointsReason.YEARS,
            note=f"{data.years_exhibited} years exhibited",
            actor=actor,
        )
    return partner


async def get_partner(db: AsyncSession, *, partner_id: uuid.UUID) -> Partner:
    partner = await db.get(Partner, partner_id)
    if partner is None:
        raise PartnerNotFound("No partner has this id.")
    return partner


async def list_partners(db: AsyncSession, *, tier_id: uuid.UUID | None = None) -> list[Partner]:
    query = select(Partner).join(PartnerTier).order_by(PartnerTier.rank, Partner.name)
    if tier_id is not None:
        query = query.where(Partner.tier_id == tier_id)
    return list(await db.scalars(query))


async def update_partner(db: AsyncSession, *, partner: Partner, data: PartnerPatch, actor: Principal | None) -> Partner:
    """Changes a partner; a tier change adds the difference in tier points to the ledger."""
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    if "tier_id" in changes and changes["tier_id"] != partner.tier_id:
        old, new = partner.tier, await get_tier(db, tier_id=changes["tier_id"])
        partner.tier = new
        if new.points != old.points:
            await add_points(
                db,
                partner=partner,
                points=new.points - old.points,
                reason=PointsReason.TIER,
                note=f"Tier changed from {old.name} to {new.name}",
                actor=actor,
            )
    if "years_exhibited" in changes and changes["years_exhibited"] != partner.years_exhibited:
        delta = changes["years_exhibited"] - partner.years_exhibited
        partner.years_exhibited = changes["years_exhibited"]
        await add_points(
            db,
            partner=partner,
            points=delta * POINTS_PER_YEAR_EXHIBITED,
            reason=PointsReason.YEARS,
            note=f"Years exhibited now {partner.years_exhibited}",
            actor=actor,
        )
    if "category_ids" in changes:
        partner.categories = await _categories(db, changes["category_ids"])
    for key in ("name", "website", "active"):
        if key in changes:
            setattr(partner, key, changes[key].strip() if isinstance(changes[key], str) else changes[key])
    if "billing_email" in changes:
        partner.billing_email = changes["billing_email"].strip().lower()
    await history.changed(db, "partner.updated", partner, actor=actor, fields=sorted(changes))
    return partner


async def add_contact(
    db: AsyncSession, *, partner: Partner, user_id: uuid.UUID, actor: Principal | None
) -> PartnerContact:
    """Lets a partner user act for this partner; a user acts for one partner at most."""
    user = await get_user(db, user_id=user_id)
    if user.role != Role.PARTNER:
        raise NotAPartnerUser("Only users of role partner can be a partner's contact.")
    existing = await db.scalar(select(PartnerContact).where(PartnerContact.user_id == user_id))
    if existing is not None:
        if existing.partner_id == partner.id:
            return existing
        raise ContactTaken("This user is already the contact of another partner.")
    contact = PartnerContact(user_id=user_id, partner_id=partner.id)
    db.add(contact)
    await history.changed(db, "partner.contact_added", partner, actor=actor, user_id=str(user_id), email=user.email)
    return contact


async def list_contacts(db: AsyncSession, *, partner_id: uuid.UUID) -> list[tuple[PartnerContact, User]]:
    rows = await db.execute(
        select(PartnerContact, User)
        .join(User, User.id == PartnerContact.user_id)
        .where(PartnerContact.partner_id == partner_id)
        .order_by(User.email)
    )
    return [(contact, user) for contact, user in rows]


async def remove_contact(db: AsyncSession, *, partner: Partner, user_id: uuid.UUID, actor: Principal | None) -> None:
    contact = await db.scalar(
        select(PartnerContact).where(PartnerContact.partner_id == partner.id, PartnerContact.user_id == user_id)
    )
    if contact is None:
        raise ContactNotFound("This user is not a contact of this partner.")
    await db.delete(contact)
    await history.changed(db, "partner.contact_removed", partner, actor=actor, user_id=str(user_id))


# Built once: every partner request finds its partner this way.
_BY_CONTACT = (
    select(Partner)
    .join(PartnerContact, PartnerContact.partner_id == Partner.id)
    .where(PartnerContact.user_id == bindparam("contact"))
    .options(joinedload(Partner.categories))
)
# The part of each process's cache keeping the partner each partner user acts for, with its tier and categories:
# a change to a contact, a tier or a category drops it in every process (``wiring`` watches them), and a
# change to a partner drops every kept value.
PARTNER_USERS = "expo_partner_users"


async def partner_for_user(
    db: AsyncSession, *, user_id: uuid.UUID, cache: ConferenceCache | None = None
) -> Partner | None:
    """The partner the user acts for, in ``db``'s session; with a ``cache``, a copy of what the process keeps.

    Every request of a partner's staff (a hold, the booth list, a lead scanned at the booth) starts here.
    """

    async def read() -> Partner | None:
        # Categories in the same statement: a hold checks them against its neighbours' at once.
        return (await db.scalars(_BY_CONTACT, {"contact": user_id})).unique().first()

    if cache is None:
        return await read()

    async def read_to_keep() -> Partner | None:
        found = await read()
        if found is None:
            return None
        kept = snapshot(found)
        set_committed_value(kept, "tier", snapshot(found.tier))
        set_committed_value(kept, "categories", [snapshot(category) for category in found.categories])
        return kept

    kept = await cache.value((PARTNER_USERS, user_id), read_to_keep, part=PARTNER_USERS)
    return None if kept is None else await db.merge(kept, load=False)


async def partner_of(db: AsyncSession, principal: Principal, *, cache: ConferenceCache | None = None) -> Partner:
    """The active partner a partner user acts for; refused for anyone else."""
    partner = await partner_for_user(db, user_id=principal.user_id, cache=cache)
    if partner is None or not partner.active:
        raise NotAPartnerContact()
    return partner
