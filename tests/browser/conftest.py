"""Browser tests live here, whichever domain they walk through; they build their worlds with
the domains' own fixtures, made visible here."""

from tests.proposals.conftest import cfp  # noqa: F401
from tests.registration.conftest import world  # noqa: F401
from tests.sessions.conftest import make_person, program  # noqa: F401
