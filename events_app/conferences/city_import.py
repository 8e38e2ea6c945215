"""Member cities from a CSV file: all or nothing, each bad row named by its line.

The file has a header row; ``name`` and ``division`` are required columns (as in
``demo_cities.csv``: ``name,county,division``), ``email_domains`` (separated by spaces,
commas or semicolons) and ``in_good_standing`` (yes/no) are optional, other columns such as
``county`` are ignored. A row whose city exists (by name, in any case) updates it; a cell
left empty keeps what the city has. Every row is checked before anything is written, and
one bad row writes nothing: a half-imported member list would give some cities the wrong
rate without anyone noticing.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass, field

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.audit.service import record
from events_app.conferences import service
from events_app.conferences.errors import CityImportFailed, CityImportUnreadable
from events_app.conferences.models import AssociationGroup, CityEmailDomain, GroupKind, MemberCity
from events_app.conferences.schemas import CityPatch, Domain, Name

MAX_ROWS = 5000
REQUIRED = ("name", "division")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}


class CityRow(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    division: Name
    email_domains: list[Domain] | None = None
    in_good_standing: bool | None = None


@dataclass(frozen=True, slots=True)
class RowError:
    line: int  # the line of the file, the header being line 1
    message: str


@dataclass(slots=True)
class CityImport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0


def _rows(data: bytes) -> list[dict[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CityImportUnreadable("The file is not UTF-8 text: save it from the spreadsheet as CSV UTF-8.") from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if missing := [column for column in REQUIRED if column not in header]:
        raise CityImportUnreadable(f"The first line must name the columns; missing: {', '.join(missing)}.")
    reader.fieldnames = header
    rows = [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]
    if len(rows) > MAX_ROWS:
        raise CityImportUnreadable(f"At most {MAX_ROWS} cities in one file.")
    return rows


def _parse(row: dict[str, str]) -> CityRow:
    """One row in the import's shape; ``ValueError`` or ``msgspec.ValidationError`` says what is wrong."""
    values: dict[str, object] = {"name": row.get("name", ""), "division": row.get("division", "")}
    if domains := row.get("email_domains", ""):
        values["email_domains"] = [d.lower() for d in re.split(r"[\s,;]+", domains) if d]
    if standing := row.get("in_good_standing", "").lower():
        if standing not in YES | NO:
            raise ValueError(f"in_good_standing is yes or no, not {standing!r}.")
        values["in_good_standing"] = standing in YES
    return msgspec.convert(values, CityRow)


async def import_cities(db: AsyncSession, *, data: bytes, actor: Principal) -> CityImport:
    """Creates and updates cities from the file; ``CityImportFailed`` lists every bad row and nothing is written."""
    rows = _rows(data)
    divisions = {
        g.name.lower(): g
        for g in await db.scalars(select(AssociationGroup).where(AssociationGroup.kind == GroupKind.DIVISION))
    }
    cities = {c.name.lower(): c for c in await db.scalars(select(MemberCity))}
    owned = await db.execute(select(CityEmailDomain.domain, CityEmailDomain.city_id))
    # A domain's owner: an existing city's id, or the lower-case name of a city this file adds.
    owners: dict[str, uuid.UUID | str] = {domain: city_id for domain, city_id in owned}
    errors: list[RowError] = []
    parsed: list[tuple[CityRow, AssociationGroup]] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(rows, start=2):
        try:
            row = _parse(raw)
        except (ValueError, msgspec.ValidationError) as exc:
            errors.append(RowError(line, str(exc)))
            continue
        key = row.name.lower()
        if key in seen:
            errors.append(RowError(line, f"{row.name} is already on line {seen[key]}."))
            continue
        seen[key] = line
        division = divisions.get(row.division.lower())
        if division is None:
            errors.append(RowError(line, f"{row.division!r} is not one of the association's divisions."))
            continue
        existing = cities.get(key)
        me: uuid.UUID | str = existing.id if existing else key
        for domain in row.email_domains or []:
            owner = owners.get(domain)
            if owner is not None and owner != me:
                errors.append(RowError(line, f"The email domain {domain} belongs to another city."))
            owners[domain] = me
        parsed.append((row, division))
    if errors:
        raise CityImportFailed(
            f"{len(errors)} row(s) of the file are wrong; nothing was imported.",
            errors=[{"line": e.line, "message": e.message} for e in errors],
        )
    result = CityImport()
    for row, division in parsed:
        city = cities.get(row.name.lower())
        if city is None:
            created = MemberCity(
                name=row.name,
                division_id=division.id,
                in_good_standing=True if row.in_good_standing is None else row.in_good_standing,
                email_domains=[CityEmailDomain(domain=d) for d in row.email_domains or []],
            )
            db.add(created)
            result.created.append(row.name)
            continue
        new_domains = row.email_domains
        patch = CityPatch(
            division_id=division.id if division.id != city.division_id else msgspec.UNSET,
            in_good_standing=(
                row.in_good_standing
                if row.in_good_standing is not None and row.in_good_standing != city.in_good_standing
                else msgspec.UNSET
            ),
            email_domains=(
                new_domains
                if new_domains is not None and set(new_domains) != {d.domain for d in city.email_domains}
                else msgspec.UNSET
            ),
        )
        if patch == CityPatch():
            result.unchanged += 1
            continue
        await service.update_city(db, city=city, data=patch)
        result.updated.append(city.name)
    await db.flush()
    await record(
        db,
        actor=actor,
        action="city.imported",
        subject_type="member_city",
        subject_id="import",
        created=len(result.created),
        updated=result.updated[:100],
        unchanged=result.unchanged,
    )
    return result
