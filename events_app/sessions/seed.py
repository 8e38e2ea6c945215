"""The demo program of the Annual Conference: ~180 sessions in 14 rooms, mobile tours, ~220 speakers.

Release 1 is published and the working copy holds a few changes waiting for release 2
(a move, a room change, a cancellation and a late addition), so the release flow can be
shown at once. Rows are added in bulk (two flushes); the seed takes about a second.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.conferences.models import AssociationGroup, Conference, GroupKind
from events_app.conferences.seed import DEMO_SLUG, cities_with_domain
from events_app.core.text import slugify
from events_app.sessions import releases
from events_app.sessions.models import (
    ProgramSession,
    Room,
    SessionRun,
    SessionSpeaker,
    SessionStatus,
    SessionType,
    Speaker,
    SpeakerRole,
    Track,
)
from events_app.settings import Settings

ON_SITE = (
    # name, capacity, floor
    ("Grand Ballroom", 2400, "Arena level"), ("Exhibit Hall B", 3000, "Hall level"),
    ("Seaside Ballroom", 600, "Seaside level"), ("Promenade 104", 300, "Promenade level"),
    ("Promenade 201", 180, "Promenade level"), ("Promenade 202", 180, "Promenade level"),
    ("Room 101A", 120, "Level 1"), ("Room 101B", 120, "Level 1"), ("Room 102", 100, "Level 1"),
    ("Room 103", 100, "Level 1"), ("Room 104A", 80, "Level 1"), ("Room 104B", 80, "Level 1"),
    ("Room 201A", 60, "Level 2"), ("Room 201B", 60, "Level 2"),
)  # fmt: skip
TOURS = (
    # title, destination, committee, runs on which days (0-based), start hour
    ("Port of Long Beach: Zero-Emission Cargo Terminal", "Port of Long Beach Pier E",
     "Environmental Quality", (0, 1), 13),
    ("Riding the A Line: Transit-Oriented Development", "Metro A Line Downtown Station",
     "Transportation, Communications and Public Works", (1,), 13),
    ("Water Recycling at the Leo J. Vander Lans Facility", "Vander Lans Water Treatment Facility",
     "Environmental Quality", (0,), 13),
    ("Permanent Supportive Housing in Downtown Long Beach", "Downtown Housing Walk (meet at Pine Ave)",
     "Housing, Community and Economic Development", (0, 1), 13),
    ("Long Beach Emergency Communications Center", "Emergency Communications & Operations Center",
     "Public Safety", (1,), 13),
    ("Aquarium of the Pacific: Climate Resilience Lab", "Aquarium of the Pacific",
     "Environmental Quality", (2,), 10),
)  # fmt: skip
COLORS = ("#1f6f8b", "#2e7d32", "#6a1b9a", "#b35c00", "#b71c1c", "#37474f", "#00695c")
TOPICS: dict[str, tuple[str, ...]] = {
    "Community Services": (
        "Parks for Every Neighborhood", "Libraries as Community Hubs", "Youth Employment Programs That Work",
        "Serving an Aging Population", "Homeless Outreach Partnerships", "Arts and Culture on a Budget",
        "Recreation Fees and Equity", "Community Centers After the Pandemic", "Volunteer Programs at Scale",
        "Child Care Deserts and City Action", "Food Security Partnerships", "Senior Transportation Options",
    ),
    "Environmental Quality": (
        "Meeting Organic Waste Recycling Rules", "Urban Heat and Tree Canopy", "Stormwater Capture Projects",
        "Building Decarbonization Codes", "Wildfire Smoke and Clean Air Centers", "Sea Level Rise Planning",
        "Water Conservation Mandates", "Climate Action Plans That Get Funded", "Fleet Electrification",
        "Plastic Reduction Ordinances", "Community Choice Energy", "Drought Contingency Planning",
    ),
    "Governance, Transparency and Labor Relations": (
        "The Brown Act in the Age of Social Media", "Public Records Requests at Scale",
        "Negotiating with Bargaining Units", "Council-Manager Relations", "Ethics Training That Sticks",
        "Recruiting the Next Generation of Staff",
        "Hybrid Meetings and Public Comment", "Pension Costs and Labor Talks", "Districting After the Census",
        "Civility in Public Meetings", "Cybersecurity for City Hall", "AI Tools and Public Records",
    ),
    "Housing, Community and Economic Development": (
        "Housing Element Compliance", "Accessory Dwelling Units at Scale", "Streamlining Permits",
        "Downtown Revitalization After Retail", "Affordable Housing Finance 101", "SB 9 Lot Splits in Practice",
        "Small Business Recovery Programs", "Surplus Land for Housing", "Enhanced Infrastructure Financing Districts",
        "Objective Design Standards", "Homekey Projects: Lessons Learned", "Inclusionary Zoning Today",
    ),
    "Public Safety": (
        "Alternatives to Police Response", "Retail Theft Task Forces", "Fire Prevention in the Wildland Interface",
        "Body Cameras and Public Trust", "Emergency Alerts That Reach Everyone", "Mental Health Crisis Teams",
        "Regional Dispatch Consolidation", "Recruiting and Retaining Officers", "Evacuation Planning for Cities",
        "Community Violence Intervention", "Illegal Fireworks Enforcement", "Disaster Cost Recovery",
    ),
    "Revenue and Taxation": (
        "Sales Tax Measures That Pass", "Cannabis Tax Revenue Trends", "Understanding Property Tax Allocation",
        "Budgeting for Recession", "Fees Under Proposition 26", "Transient Occupancy Taxes and Short-Term Rentals",
        "Reserves Policies for Small Cities", "Long-Term Financial Forecasting", "Grant Writing for Cities",
        "Bond Financing Basics", "Utility User Taxes Revisited", "Audit Findings and How to Avoid Them",
    ),
    "Transportation, Communications and Public Works": (
        "Complete Streets on a Small Budget", "Broadband for Underserved Neighborhoods", "Pavement Management Systems",
        "E-Bikes and Sidewalk Safety", "Vision Zero Progress Reports", "Small Cell Siting Rules",
        "Transit Partnerships for Suburbs", "Active Transportation Grants", "Fleet Maintenance Modernization",
        "Curb Management and Delivery", "Bridge and Culvert Inspections", "Traffic Calming That Neighbors Support",
    ),
}  # fmt: skip
FIRST = (
    "Maria", "James", "Linda", "Robert", "Patricia", "Michael", "Jennifer", "David", "Elizabeth", "William",
    "Susan", "Carlos", "Jessica", "Daniel", "Sarah", "Jose", "Karen", "Anthony", "Nancy", "Mark", "Lisa",
    "Steven", "Angela", "Kevin", "Michelle", "Brian", "Laura", "Juan", "Rebecca", "Eric", "Sharon", "Luis",
    "Cynthia", "Jason", "Kathleen", "Ryan", "Amy", "Gary", "Teresa", "Nicholas", "Anna", "Jorge", "Grace",
    "Tom", "Mei", "Hiroshi", "Priya", "Andre", "Fatima", "Sione",
)  # fmt: skip
LAST = (
    "Garcia", "Nguyen", "Smith", "Martinez", "Johnson", "Lopez", "Williams", "Hernandez", "Brown", "Gonzalez",
    "Kim", "Patel", "Davis", "Rodriguez", "Chen", "Wilson", "Anderson", "Ramirez", "Taylor", "Flores", "Lee",
    "Thomas", "Rivera", "Moore", "Torres", "Jackson", "Wong", "Martin", "Sanchez", "Thompson", "Park", "White",
    "Cruz", "Harris", "Reyes", "Clark", "Tran", "Lewis", "Morales", "Walker", "Ortiz", "Young", "Singh",
    "Allen", "Gutierrez", "King", "Chavez", "Wright", "Vargas", "Okafor",
)  # fmt: skip
OFFICIAL_TITLES = (
    "Mayor", "Mayor Pro Tem", "Council Member", "Council Member", "City Manager", "Assistant City Manager",
    "City Attorney", "City Clerk", "Finance Director", "Police Chief", "Fire Chief", "Public Works Director",
    "Community Development Director", "Parks and Recreation Director", "Housing Manager", "City Engineer",
)  # fmt: skip
EXPERTS = (
    ("Partner", "Best Best & Krieger LLP"), ("Principal", "HdL Companies"), ("Professor", "UC Davis"),
    ("Senior Fellow", "Public Policy Institute of California"), ("Director", "Institute for Local Government"),
    ("Legislative Representative", "the League"), ("Managing Director", "NHA Advisors"),
    ("Executive Director", "California Housing Partnership"), ("Program Manager", "Caltrans"),
)  # fmt: skip
DAYS = (date(2027, 10, 6), date(2027, 10, 7), date(2027, 10, 8))
BREAKOUT_SLOTS = {  # day index -> breakout start times (75 minutes each)
    0: (time(10, 30), time(13, 30), time(15, 0), time(16, 30)),
    1: (time(10, 30), time(13, 30), time(15, 0), time(16, 30)),
    2: (time(10, 30), time(13, 0), time(14, 30)),
}
# 50 minutes: over lunch on day one, before the general session after that.
ROUNDTABLE_SLOTS = {0: time(12, 0), 1: time(7, 45), 2: time(7, 45)}


class _Builder:
    def __init__(self, rng: random.Random, conference: Conference, zone: ZoneInfo) -> None:
        self.rng, self.conference, self.zone = rng, conference, zone
        self.busy: dict[uuid.UUID, list[tuple[datetime, datetime]]] = defaultdict(list)
        self.sessions: list[ProgramSession] = []
        self.counter = 0

    def uid(self) -> uuid.UUID:
        # Fresh ids, like every other seed's: the same data, never the same rows.
        return uuid.uuid4()

    def at(self, day: int, start: time, minutes: int) -> tuple[datetime, datetime]:
        begins = datetime.combine(DAYS[day], start, self.zone)
        return begins, begins + timedelta(minutes=minutes)

    def free(self, speaker: Speaker, begins: datetime, ends: datetime, travel: bool) -> bool:
        # Off-site tours need travel time on both sides: keep the same margin the checks ask for.
        margin = timedelta(minutes=45 if travel else 0)
        return all(ends + margin <= b or e + margin <= begins for b, e in self.busy[speaker.id])

    def pick(
        self, pool: list[Speaker], count: int, begins: datetime, ends: datetime, travel: bool = False
    ) -> list[Speaker]:
        chosen: list[Speaker] = []
        for speaker in self.rng.sample(pool, len(pool)):
            if len(chosen) == count:
                break
            if self.free(speaker, begins, ends, travel):
                chosen.append(speaker)
        for speaker in chosen:
            self.busy[speaker.id].append((begins, ends))
        return chosen

    def add(
        self, *, code: str, title: str, kind: SessionType, runs: list[tuple[Room, datetime, datetime]],
        speakers: list[tuple[Speaker, SpeakerRole]], track: Track | None = None, seat_limit: int | None = None,
        credits: str = "0", description: str = "",
    ) -> ProgramSession:  # fmt: skip
        session = ProgramSession(
            id=self.uid(), conference_id=self.conference.id, code=code, title=title, type=kind,
            description=description, track_id=track.id if track else None, seat_limit=seat_limit,
            credit_hours=Decimal(credits), status=SessionStatus.CONFIRMED, tags=[],
            runs=[SessionRun(id=self.uid(), room_id=room.id, starts_at=b, ends_at=e) for room, b, e in runs],
            speakers=[
                SessionSpeaker(id=self.uid(), speaker_id=s.id, role=role, position=n)
                for n, (s, role) in enumerate(speakers)
            ],
        )  # fmt: skip
        self.sessions.append(session)
        return session


@dataclass(frozen=True, slots=True)
class DemoSpeaker:
    """A made-up speaker: a city official with an address at their city, or an expert from outside city hall."""

    first: str
    last: str
    title: str
    organization: str
    city_id: uuid.UUID | None
    city_email: str | None  # None for an expert: each seed gives them an address of its own

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def demo_speakers(
    rng: random.Random, cities: Sequence[tuple[uuid.UUID, str, str]], *, count: int, expert_every: int
) -> Iterator[DemoSpeaker]:
    """``count`` people with distinct names, every ``expert_every``-th an expert; drawn lazily, so a caller's
    own draws between them (ids) keep their place in ``rng``."""
    names: set[str] = set()
    made = 0
    while made < count:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if f"{first} {last}" in names:
            continue
        names.add(f"{first} {last}")
        if made % expert_every == expert_every - 1:
            title, organization = rng.choice(EXPERTS)
            city_id, city_email = None, None
        else:
            city_id, city, domain = rng.choice(cities)
            title, organization = rng.choice(OFFICIAL_TITLES), f"City of {city}"
            city_email = f"{first[0]}{last}@{domain}".lower()
        made += 1
        yield DemoSpeaker(first, last, title, organization, city_id, city_email)


async def _speakers(db: AsyncSession, b: _Builder) -> list[Speaker]:
    return [
        Speaker(
            id=b.uid(), conference_id=b.conference.id, name=p.name, title=p.title, organization=p.organization,
            city_id=p.city_id,
            email=p.city_email or f"{p.first}.{p.last}@{slugify(p.organization).replace('-', '')}.example".lower(),
            bio=f"{p.name} serves as {p.title} ({p.organization}) and speaks often on local government.",
        )
        for p in demo_speakers(b.rng, await cities_with_domain(db), count=222, expert_every=9)
    ]  # fmt: skip


async def seed(db: AsyncSession, *, rng: random.Random) -> None:
    conference = await db.scalar(select(Conference).where(Conference.slug == DEMO_SLUG))
    if conference is None or await db.scalar(select(Room.id).where(Room.conference_id == conference.id).limit(1)):
        return
    zone = ZoneInfo(conference.timezone)
    b = _Builder(rng, conference, zone)

    rooms = [
        Room(id=b.uid(), conference_id=conference.id, name=name, capacity=cap, floor=floor, position=n,
             opens_at=time(7, 0), closes_at=time(22, 0))
        for n, (name, cap, floor) in enumerate(ON_SITE)
    ]  # fmt: skip
    tour_rooms = {
        dest: Room(id=b.uid(), conference_id=conference.id, name=dest, capacity=rng.choice((40, 45, 50)),
                   floor="Off-site (bus from the West Hall lobby)", off_site=True, position=100 + n)
        for n, (_t, dest, *_rest) in enumerate(TOURS)
    }  # fmt: skip
    committees = {
        g.name: g
        for g in await db.scalars(select(AssociationGroup).where(AssociationGroup.kind == GroupKind.COMMITTEE))
    }
    tracks = {
        name: Track(id=b.uid(), conference_id=conference.id, slug=slugify(name)[:80], name=name, color=COLORS[n],
                    group_id=committees[name].id if name in committees else None)
        for n, name in enumerate(TOPICS)
    }  # fmt: skip
    speakers = await _speakers(db, b)
    officials = [s for s in speakers if s.city_id is not None]
    ballroom, expo, breakout_rooms = rooms[0], rooms[1], rooms[2:]

    for day in range(3):
        begins, ends = b.at(day, time(8, 45) if day else time(9, 0), 75)
        title = ("Opening General Session", "General Session: The State of Our Cities", "Closing General Session")[day]
        keynote = b.pick(speakers, 1, begins, ends)
        b.add(code=f"G{day + 1}", title=title, kind=SessionType.GENERAL_SESSION if day else SessionType.KEYNOTE,
              runs=[(ballroom, begins, ends)], speakers=[(keynote[0], SpeakerRole.KEYNOTE)], credits="1")  # fmt: skip
        if day < 2:
            start, finish = b.at(day, time(11, 45), 105)
            b.add(code=f"X{day + 1}", title="Expo Hall Open (lunch served)", kind=SessionType.EXPO_HOURS,
                  runs=[(expo, start, finish)], speakers=[])  # fmt: skip
    start, finish = b.at(0, time(17, 45), 105)
    b.add(code="N1", title="Welcome Reception in the Expo Hall", kind=SessionType.NETWORKING,
          runs=[(expo, start, finish)], speakers=[])  # fmt: skip
    start, finish = b.at(1, time(18, 30), 120)
    host = b.pick(officials, 1, start, finish)[0]
    b.add(code="A1", title="Helen Putnam Awards for Excellence", kind=SessionType.AWARDS,
          runs=[(ballroom, start, finish)], speakers=[(host, SpeakerRole.PRESENTER)])  # fmt: skip

    for n, (title, dest, committee, days, hour) in enumerate(TOURS, 1):
        runs = [(tour_rooms[dest], *b.at(day, time(hour, 0), 180)) for day in days]
        guides = [s for s in officials if all(b.free(s, r[1], r[2], True) for r in runs)][:40]
        guide = b.rng.choice(guides)
        for _room, start, finish in runs:
            b.busy[guide.id].append((start, finish + timedelta(minutes=45)))
        b.add(code=f"T{n}", title=f"Mobile Tour: {title}", kind=SessionType.MOBILE_TOUR, runs=runs,
              speakers=[(guide, SpeakerRole.PRESENTER)], track=tracks[committee], seat_limit=tour_rooms[dest].capacity,
              credits="2", description="Buses leave from the West Hall lobby 15 minutes before the start.")  # fmt: skip

    topics = [(committee, topic) for committee, items in TOPICS.items() for topic in items]
    rng.shuffle(topics)
    used: set[str] = set()
    count = 0
    # A topic comes back in another shape once every topic has had its turn.
    shapes = {
        SessionType.BREAKOUT: ("{}", "{}: Case Studies from Member Cities", "{}: Ask the Experts"),
        SessionType.WORKSHOP: ("Workshop: {}", "Hands-On Workshop: {}"),
        SessionType.ROUNDTABLE: ("Roundtable: {}", "Peer Roundtable: {}"),
    }

    def next_topic(kind: SessionType) -> tuple[str, str]:
        for shape in shapes[kind]:
            for committee, topic in topics:
                if (title := shape.format(topic)) not in used:
                    used.add(title)
                    return committee, title
        raise RuntimeError("the demo ran out of topics")

    for day, slot_starts in BREAKOUT_SLOTS.items():
        for slot_start in slot_starts:
            # Tours leave at 13:00; a few rooms stay dark then, as at the real conference.
            slot_rooms = breakout_rooms if slot_start.hour != 13 else breakout_rooms[:10]
            for room in slot_rooms:
                count += 1
                kind = rng.choices((SessionType.BREAKOUT, SessionType.WORKSHOP), weights=(5, 1))[0]
                committee, topic = next_topic(kind)
                begins, ends = b.at(day, slot_start, 75)
                people = b.pick(speakers, rng.choice((1, 2, 3, 3, 4)), begins, ends)
                roles = (
                    [(people[0], SpeakerRole.MODERATOR), *((p, SpeakerRole.PANELIST) for p in people[1:])]
                    if len(people) > 1
                    else [(people[0], SpeakerRole.PRESENTER)]
                )
                b.add(
                    code=f"{'W' if kind == SessionType.WORKSHOP else 'B'}{count:03d}",
                    title=topic,
                    kind=kind, runs=[(room, begins, ends)], speakers=roles, track=tracks[committee],
                    seat_limit=min(40, room.capacity or 40) if kind == SessionType.WORKSHOP else None,
                    credits="1.25",
                    description=f"City officials share what worked, and what did not: {topic}.",
                )  # fmt: skip
    for day, roundtable_start in ROUNDTABLE_SLOTS.items():
        for room in breakout_rooms:
            count += 1
            committee, topic = next_topic(SessionType.ROUNDTABLE)
            begins, ends = b.at(day, roundtable_start, 50)
            (table_host,) = b.pick(officials, 1, begins, ends)
            b.add(code=f"R{count:03d}", title=topic, kind=SessionType.ROUNDTABLE,
                  runs=[(room, begins, ends)], speakers=[(table_host, SpeakerRole.MODERATOR)], track=tracks[committee],
                  credits="0.75")  # fmt: skip

    # The unit of work orders rows by relationships, not by foreign keys: the parents go first.
    db.add_all([*rooms, *tour_rooms.values(), *tracks.values(), *speakers])
    await db.flush()
    db.add_all(b.sessions)
    await db.flush()

    # Release 1 is what the public sees; it stores paths, so no address is fixed at seed time.
    settings = Settings()
    await releases.release_schedule(db, conference=conference, settings=settings, actor=None, note="First program")
    await _pending_changes(db, b, rooms)


async def _pending_changes(db: AsyncSession, b: _Builder, rooms: list[Room]) -> None:
    """A few edits in the working copy, waiting for release 2: a move, a room change, a cancellation, an addition."""
    breakouts = [s for s in b.sessions if s.type == SessionType.BREAKOUT]
    moved, re_roomed, cancelled = breakouts[3], breakouts[10], breakouts[20]
    # Friday afternoon is free after the last breakout, so the move collides with nothing.
    run = moved.runs[0]
    run.starts_at, run.ends_at = b.at(2, time(16, 30), 75)
    taken = {
        r.room_id for s in b.sessions for r in s.runs
        if r.starts_at < re_roomed.runs[0].ends_at and re_roomed.runs[0].starts_at < r.ends_at
    }  # fmt: skip
    re_roomed.runs[0].room_id = next(room.id for room in rooms[2:] if room.id not in taken)
    cancelled.status = SessionStatus.CANCELLED
    late = b.add(
        code="L001", title="Late-Breaking: What the New State Budget Means for Cities",
        kind=SessionType.GENERAL_SESSION, runs=[(rooms[2], *b.at(2, time(15, 45), 45))], speakers=[], credits="0.75",
    )  # fmt: skip
    db.add(late)
    await db.flush()
