"""The floor plan of a conference's expo: halls, booths and non-bookable areas; their versioned JSON
document (import and export), and each booth's availability as a viewer sees it.

A booth keeps its id and code across imports: a booth in the document is matched by ``id``
when given, else by ``code``, and updated in place, so holds and bookings stay attached.
An import is all or nothing: it is checked whole before anything is written, and a booth
someone holds or has booked is never removed by one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.expo import geometry, history
from events_app.expo.claims import claim_is_live
from events_app.expo.errors import (
    BoothNotFound,
    FloorPlanBoothInUse,
    FloorPlanDuplicateBooth,
    FloorPlanDuplicateHall,
    FloorPlanOutsideHall,
    FloorPlanOverlap,
    FloorPlanShape,
    FloorPlanUnknownBooth,
    FloorPlanVersion,
)
from events_app.expo.models import Booth, BoothBooking, BoothKind, FloorArea, Hall, Partner
from events_app.expo.schemas import (
    FLOOR_PLAN_FORMAT,
    FLOOR_PLAN_VERSION,
    AreaDoc,
    BoothDoc,
    BoothStatus,
    FloorPlanDoc,
    FloorPlanImportOut,
    HallDoc,
)


def _shape(item: BoothDoc | AreaDoc, where: str) -> list[list[float]]:
    if (item.rect is None) == (item.polygon is None):
        raise FloorPlanShape(f"{where} needs exactly one of rect or polygon.")
    if item.rect is not None:
        x, y, width, depth = item.rect
        if width <= 0 or depth <= 0:
            raise FloorPlanShape(f"{where} has a rectangle without width or depth.")
        return geometry.rectangle(x, y, width, depth)
    shape = [[float(x), float(y)] for x, y in item.polygon or []]
    if not geometry.is_simple_polygon(shape):
        raise FloorPlanShape(f"{where} is not a simple polygon (its edges cross or it has no area).")
    return shape


def _inside_hall(shape: list[list[float]], hall: HallDoc, where: str) -> None:
    min_x, min_y, max_x, max_y = geometry.bounds(shape)
    if min_x < 0 or min_y < 0 or max_x > hall.width_ft or max_y > hall.depth_ft:
        raise FloorPlanOutsideHall(
            f"{where} lies outside hall {hall.code} ({hall.width_ft:g} x {hall.depth_ft:g} ft).",
        )


def _as_rect(shape: list[list[float]]) -> list[float] | None:
    min_x, min_y, max_x, max_y = geometry.bounds(shape)
    if len(shape) == 4 and sorted(map(tuple, shape)) == sorted(
        map(tuple, geometry.rectangle(min_x, min_y, max_x - min_x, max_y - min_y))
    ):
        return [min_x, min_y, max_x - min_x, max_y - min_y]
    return None


@dataclass(frozen=True, slots=True)
class _CheckedBooth:
    hall_code: str
    doc: BoothDoc
    shape: list[list[float]]


def _check_document(doc: FloorPlanDoc) -> list[_CheckedBooth]:
    if doc.format != FLOOR_PLAN_FORMAT or doc.version != FLOOR_PLAN_VERSION:
        raise FloorPlanVersion(
            f"This service reads floor plans of version {FLOOR_PLAN_VERSION}; the document is version {doc.version}.",
        )
    if len({hall.code for hall in doc.halls}) != len(doc.halls):
        raise FloorPlanDuplicateHall("Two halls share a code.")
    booths: list[_CheckedBooth] = []
    for hall in doc.halls:
        for booth in hall.booths:
            where = f"Booth {booth.code}"
            shape = _shape(booth, where)
            _inside_hall(shape, hall, where)
            booths.append(_CheckedBooth(hall_code=hall.code, doc=booth, shape=shape))
        for n, area in enumerate(hall.areas, start=1):
            where = f"Area {n} ({area.label or area.kind}) of hall {hall.code}"
            _inside_hall(_shape(area, where), hall, where)
    for hall in doc.halls:
        clash = geometry.first_overlap([(b.doc.code, b.shape) for b in booths if b.hall_code == hall.code])
        if clash is not None:
            raise FloorPlanOverlap(f"Booths {clash[0]} and {clash[1]} overlap in hall {hall.code}.")
    codes = [b.doc.code for b in booths]
    if len(set(codes)) != len(codes):
        twice = sorted({c for c in codes if codes.count(c) > 1})
        raise FloorPlanDuplicateBooth(f"Booth codes must be unique; repeated: {', '.join(twice[:10])}.")
    ids = [b.doc.id for b in booths if b.doc.id is not None]
    if len(set(ids)) != len(ids):
        raise FloorPlanDuplicateBooth("Two booths carry the same id.")
    return booths


async def import_floor_plan(
    db: AsyncSession, *, conference: Conference, doc: FloorPlanDoc, currency: str, actor: Principal | None
) -> FloorPlanImportOut:
    """Makes the conference's floor plan match ``doc``, keeping every kept booth's id."""
    checked = _check_document(doc)
    halls = {h.code: h for h in await db.scalars(select(Hall).where(Hall.conference_id == conference.id))}
    existing = list(await db.scalars(select(Booth).where(Booth.conference_id == conference.id)))
    by_id = {b.id: b for b in existing}
    by_code = {b.code: b for b in existing}

    matched: dict[uuid.UUID, _CheckedBooth] = {}
    for item in checked:
        if item.doc.id is not None:
            if item.doc.id not in by_id:
                raise FloorPlanUnknownBooth(
                    f"Booth {item.doc.code} carries an id that is not a booth of this conference.",
                )
            matched[item.doc.id] = item
        elif item.doc.code in by_code:
            matched[by_code[item.doc.code].id] = item
    removed = [b for b in existing if b.id not in matched]
    if removed:
        moment = now()
        in_use = [b.code for b in removed if claim_is_live(b, moment)]
        booked_ever = set(
            await db.scalars(select(BoothBooking.booth_id).where(BoothBooking.booth_id.in_([b.id for b in removed])))
        )
        in_use += [b.code for b in removed if b.id in booked_ever and b.code not in in_use]
        if in_use:
            raise FloorPlanBoothInUse(
                f"The document leaves out booths that are held or booked: {', '.join(sorted(in_use)[:10])}.",
            )

    for hall_doc in doc.halls:
        hall = halls.get(hall_doc.code)
        if hall is None:
            hall = halls[hall_doc.code] = Hall(conference_id=conference.id, code=hall_doc.code)
            db.add(hall)
        hall.name, hall.width_ft, hall.depth_ft = hall_doc.name, hall_doc.width_ft, hall_doc.depth_ft
    await db.flush()

    # Codes move between booths in one import (a renumbering): clear them first so the unique index never trips.
    for gone in removed:
        await db.delete(gone)
    moved = [(by_id[booth_id], item) for booth_id, item in matched.items() if by_id[booth_id].code != item.doc.code]
    for n, (renamed, _item) in enumerate(moved):
        renamed.code = f"~{n}-{uuid.uuid4().hex[:8]}"
    await db.flush()

    added = 0
    booth_for_item = {id(item): by_id[booth_id] for booth_id, item in matched.items()}
    for item in checked:
        found = booth_for_item.get(id(item))
        if found is None:
            booth = Booth(conference_id=conference.id, id=uuid.uuid4())
            db.add(booth)
            added += 1
        else:
            booth = found
        min_x, min_y, max_x, max_y = geometry.bounds(item.shape)
        booth.hall_id = halls[item.hall_code].id
        booth.code = item.doc.code
        booth.shape = item.shape
        booth.width_ft, booth.depth_ft = max_x - min_x, max_y - min_y
        booth.area_sqft = round(geometry.area(item.shape), 2)
        booth.kind = item.doc.kind
        booth.price_cents = item.doc.price_cents
        booth.currency = item.doc.currency or currency
        booth.features = sorted(set(item.doc.features))

    hall_ids = [h.id for h in halls.values()]
    await db.execute(delete(FloorArea).where(FloorArea.hall_id.in_(hall_ids)))
    areas = 0
    for hall_doc in doc.halls:
        for area in hall_doc.areas:
            db.add(
                FloorArea(hall_id=halls[hall_doc.code].id, kind=area.kind, label=area.label, shape=_shape(area, "area"))
            )
            areas += 1
    await db.flush()
    for code, hall in halls.items():
        if code not in {h.code for h in doc.halls}:
            await db.delete(hall)
    await db.flush()
    result = FloorPlanImportOut(
        halls=len(doc.halls), booths_added=added, booths_updated=len(matched), booths_removed=len(removed), areas=areas
    )
    await history.changed(
        db,
        "floor_plan.imported",
        conference,
        actor=actor,
        halls=result.halls,
        booths_added=added,
        booths_updated=result.booths_updated,
        booths_removed=result.booths_removed,
    )
    return result


async def list_halls(db: AsyncSession, *, conference: Conference) -> list[Hall]:
    return list(await db.scalars(select(Hall).where(Hall.conference_id == conference.id).order_by(Hall.code)))


async def list_areas(db: AsyncSession, *, halls: list[Hall]) -> list[FloorArea]:
    """The non-bookable areas of ``halls``, in the order they were imported."""
    query = select(FloorArea).where(FloorArea.hall_id.in_([h.id for h in halls]))
    return list(await db.scalars(query.order_by(FloorArea.created_at, FloorArea.id)))


def _booth_doc(booth: Booth) -> BoothDoc:
    rect = _as_rect(booth.shape)
    return BoothDoc(
        code=booth.code,
        kind=booth.kind,
        price_cents=booth.price_cents,
        id=booth.id,
        currency=booth.currency,
        features=list(booth.features),
        rect=rect,
        polygon=None if rect else booth.shape,
    )


def _area_doc(area: FloorArea) -> AreaDoc:
    rect = _as_rect(area.shape)
    return AreaDoc(kind=area.kind, label=area.label, rect=rect, polygon=None if rect else area.shape)


async def export_floor_plan(db: AsyncSession, *, conference: Conference) -> FloorPlanDoc:
    """The floor plan as a document that ``import_floor_plan`` reads back unchanged."""
    halls = await list_halls(db, conference=conference)
    hall_ids = [h.id for h in halls]
    booths = list(await db.scalars(select(Booth).where(Booth.hall_id.in_(hall_ids)).order_by(Booth.code)))
    areas = await list_areas(db, halls=halls)
    docs = [
        HallDoc(
            code=hall.code,
            name=hall.name,
            width_ft=hall.width_ft,
            depth_ft=hall.depth_ft,
            booths=[_booth_doc(b) for b in booths if b.hall_id == hall.id],
            areas=[_area_doc(a) for a in areas if a.hall_id == hall.id],
        )
        for hall in halls
    ]
    return FloorPlanDoc(format=FLOOR_PLAN_FORMAT, version=FLOOR_PLAN_VERSION, halls=docs)


# Booths as a viewer sees them.


@dataclass(frozen=True, slots=True)
class BoothFacts:
    """A booth as read for display: plain columns, no ORM identity (200 of them load several times faster)."""

    id: uuid.UUID
    code: str
    shape: list[list[float]]
    width_ft: float
    depth_ft: float
    area_sqft: float
    kind: BoothKind
    price_cents: int
    currency: str
    features: list[str]
    occupant_partner_id: uuid.UUID | None
    occupied_until: datetime | None
    booking_id: uuid.UUID | None

    @property
    def size(self) -> str:
        return f"{self.depth_ft:g}x{self.width_ft:g}"


FACT_COLUMNS = tuple(getattr(Booth, f) for f in BoothFacts.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class BoothView:
    booth: BoothFacts
    hall_code: str
    status: BoothStatus
    exhibitor: str | None
    held_until: datetime | None

    def seen_by(self, partner_id: uuid.UUID | None) -> BoothView:
        """The booth as the partner ``partner_id`` sees it: its own hold or booking marked as its own."""
        if partner_id is None or self.booth.occupant_partner_id != partner_id:
            return self
        if self.status == "held":
            return replace(self, status="mine-held", held_until=self.booth.occupied_until)
        if self.status == "booked":
            return replace(self, status="mine-booked")
        return self


def booth_status(booth: BoothFacts, *, at: datetime) -> BoothStatus:
    """Whether anyone has the booth at ``at``, as anyone sees it."""
    if not claim_is_live(booth, at):
        return "available"
    return "held" if booth.booking_id is None else "booked"


async def booth_views(
    db: AsyncSession,
    *,
    conference: Conference,
    viewer: Partner | None = None,
    hall_code: str | None = None,
    booth_id: uuid.UUID | None = None,
) -> list[BoothView]:
    """Every booth with its availability now; booked booths name their exhibitor (the public list), and the
    ``viewer`` partner's own holds and bookings show as its own."""
    query = (
        select(*FACT_COLUMNS, Hall.code, Partner.name)
        .join(Hall, Hall.id == Booth.hall_id)
        .outerjoin(Partner, Partner.id == Booth.occupant_partner_id)
        .where(Booth.conference_id == conference.id)
        .order_by(Hall.code, Booth.code)
    )
    if hall_code is not None:
        query = query.where(Hall.code == hall_code)
    if booth_id is not None:
        query = query.where(Booth.id == booth_id)
    moment = now()
    views = []
    for *columns, code, partner_name in await db.execute(query):
        booth = BoothFacts(*columns)
        status = booth_status(booth, at=moment)
        view = BoothView(
            booth=booth,
            hall_code=code,
            status=status,
            exhibitor=partner_name if status == "booked" else None,
            held_until=None,
        )
        views.append(view.seen_by(viewer.id if viewer else None))
    return views


async def get_booth(db: AsyncSession, *, conference: Conference, booth_id: uuid.UUID) -> Booth:
    booth = await db.get(Booth, booth_id, populate_existing=True)
    if booth is None or booth.conference_id != conference.id:
        raise BoothNotFound("This conference has no booth with this id.")
    return booth


# Built once: a hold names its booth by code, and building the query showed in a hold's profile.
_BY_CODE = (
    select(Booth)
    .where(Booth.conference_id == bindparam("in_conference"), Booth.code == bindparam("code"))
    .execution_options(populate_existing=True)
)


async def booth_by_code(db: AsyncSession, *, conference: Conference, code: str) -> Booth:
    booth = await db.scalar(_BY_CODE, {"in_conference": conference.id, "code": code})
    if booth is None:
        raise BoothNotFound(f"This conference has no booth {code}.")
    return booth
