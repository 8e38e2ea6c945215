"""One module per scenario, each with ``async def run(db_kind, *, requests, concurrency) -> str`` (Markdown)."""
