"""``python -m events_app`` is the ``events-app`` command."""

from events_app.cli import main

main()
