"""The ASGI entry point for uvicorn or granian workers: ``uvicorn events_app.asgi:app``."""

from events_app.app import create_app

app = create_app()
