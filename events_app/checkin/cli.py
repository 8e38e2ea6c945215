"""``events-app badges pdf``: every badge of a conference as print-ready sheets, with a progress bar.

The command draws a badge print like an app process does (the same row, claimed by this
process), so the print shows on the badge-print page with the others.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import click


@click.group()
def badges() -> None:
    """Badges: print sheets for the whole conference."""


@badges.command("pdf")
@click.argument("slug")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: <slug>-badges.pdf here."
)
@click.option("--registration-type", "registration_type", help="Only this registration type (its name).")
def pdf(slug: str, output: Path | None, registration_type: str | None) -> None:
    """Write 4x3 inch badges, six to a letter page, for every active attendee of conference SLUG."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from sqlalchemy import select

    from events_app.checkin import badge_prints, printing
    from events_app.conferences.service import find_conference
    from events_app.core.errors import DomainError
    from events_app.db import make_engine, make_session_maker
    from events_app.registration.models import RegistrationType
    from events_app.settings import get_settings

    settings = get_settings()
    target = output or Path(f"{slug}-badges.pdf")

    async def run() -> int:
        engine = make_engine(settings.database_url)
        try:
            async with make_session_maker(engine)() as db:
                conference = await find_conference(db, slug=slug)
                type_id = None
                if registration_type:
                    type_id = await db.scalar(
                        select(RegistrationType.id).where(
                            RegistrationType.conference_id == conference.id, RegistrationType.name == registration_type
                        )
                    )
                    if type_id is None:
                        raise click.ClickException(f"{slug} has no registration type named {registration_type!r}.")
                queued = await badge_prints.request_print(
                    db, conference=conference, registration_type_id=type_id, actor=None
                )
                job = await badge_prints.claim(db, print_id=queued.id)
                if job is None:
                    raise click.ClickException("An app process took this print first; download it from the page.")
                columns = (
                    TextColumn("[progress.description]{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeRemainingColumn(),
                )
                with Progress(*columns, transient=False) as progress:
                    drawing = progress.add_task("Drawing badges", total=None)
                    data = await badge_prints.draw(
                        db,
                        settings=settings,
                        job=job,
                        progress=lambda done, total: progress.update(drawing, completed=done, total=total),
                    )
                target.write_bytes(data)
                await db.refresh(job)
                return job.badges_total
        except DomainError as exc:
            raise click.ClickException(exc.detail) from exc
        finally:
            await engine.dispose()

    count = asyncio.run(run())
    pages = (count + printing.PER_PAGE - 1) // printing.PER_PAGE
    click.echo(f"{count} badges on {max(pages, 1)} pages written to {target}.")
