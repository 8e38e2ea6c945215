"""The app with the test purpose registered, for ``live_servers(app="tests.payments.purpose_app:app")``."""

from events_app.app import create_app
from tests.payments.purpose import register

register()
app = create_app()
