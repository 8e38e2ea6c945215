"""``events-app import program FILE``: a bulk import of rooms, speakers and sessions with a progress bar."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import get_args

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.sessions.importer import Section


@click.command("program")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--conference", "slug", required=True, help="The conference's slug, e.g. annual-2027.")
@click.option(
    "--kind",
    type=click.Choice(get_args(Section)),
    help="What a CSV file holds (default: guessed from its name, e.g. speakers.csv).",
)
def import_program_command(file: Path, slug: str, kind: Section | None) -> None:
    """Import rooms, speakers and sessions from a JSON document or a CSV file: all rows or none."""
    from events_app.cli import _in_session
    from events_app.conferences.service import find_conference
    from events_app.core.errors import DomainError
    from events_app.sessions.importer import import_program, read_document

    console = Console(stderr=True)
    data = file.read_bytes()
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console, transient=False
    ) as progress:
        try:
            program_file = read_document(data, filename=file.name, kind=kind)
        except DomainError as exc:
            raise click.ClickException(exc.detail) from exc
        document = program_file.document
        tasks = {
            section: progress.add_task(section.capitalize(), total=len(getattr(document, section)))
            for section in get_args(Section)
            if getattr(document, section)
        }
        # Sessions are counted per code, not per run row: the bar fills as sessions are written.
        if "sessions" in tasks:
            codes = {row.get("code") for row in document.sessions}
            progress.update(tasks["sessions"], total=len(codes))

        def advance(section: str, count: int) -> None:
            progress.update(tasks[section], completed=count)

        async def work(db: AsyncSession) -> str:
            conference = await find_conference(db, slug=slug)
            result = await import_program(
                db, conference=conference, document=document, actor=None, csv_rows=program_file.csv_rows,
                progress=advance,
            )  # fmt: skip
            return (
                f"Imported {result.rooms} rooms, {result.speakers} speakers, "
                f"{result.sessions} sessions with {result.runs} runs."
            )

        try:
            summary = _in_session(work)
        except DomainError as exc:
            progress.stop()
            click.echo(f"Error: {exc.detail}", err=True)
            for error in exc.extra.get("errors", []):
                click.echo(f"  {error['section']} row {error['row']}: {error['message']}", err=True)
            sys.exit(1)
    click.echo(summary)
