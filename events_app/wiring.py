"""How the domains plug into each other, in one place, when the app or a command starts.

Payments knows nothing of what is bought: each seller registers its purpose's handler
here. Registration's confirmation mail carries the check-in badge through the attachment
hook registered here, and attendees' mails and the manage page link to their agenda and
badge. The background rounds every app process runs (mail, sweeps, badge prints) are listed here too.
Nothing is wired by importing a module for its side effects.
"""

from __future__ import annotations

from functools import partial

from sqlalchemy.ext.asyncio import AsyncEngine

from events_app.accounts.models import ApiToken, User
from events_app.accounts.service import TOKEN_USES_SECONDS, TOKENS, TokenUses
from events_app.checkin import badge_prints
from events_app.checkin.mail import badge_attachment, badge_page_link
from events_app.checkin.models import Station
from events_app.conferences.cache import watch_writes_to
from events_app.core.mail import deliver_outbox
from events_app.core.rounds import SWEEP_SECONDS, Round
from events_app.expo.billing import BOOTH_PURPOSE, BoothPayments
from events_app.expo.models import (
    BookingWindow,
    Booth,
    BusinessCategory,
    ExpoSettings,
    FloorArea,
    Hall,
    Partner,
    PartnerCategory,
    PartnerContact,
    PartnerTier,
)
from events_app.expo.partners import PARTNER_USERS
from events_app.expo.rules import EXPO_RULES
from events_app.expo.staff import BADGES_PURPOSE, BadgePayments
from events_app.payments import service as payments
from events_app.registration.checkout import PURPOSE as ORDER_PURPOSE
from events_app.registration.mail import attendee_links, confirmation_attachments
from events_app.registration.payment_events import RegistrationPayments
from events_app.registration.waitlist import sweep_once as registration_sweep
from events_app.sessions.agenda_links import agenda_page_link
from events_app.sessions.models import ScheduleRelease
from events_app.sessions.seats import sweep_once as program_seat_sweep
from events_app.settings import Settings


def connect_domains() -> None:
    """Registers every cross-domain hook; calling it again changes nothing."""
    payments.register_handler(ORDER_PURPOSE, RegistrationPayments())
    payments.register_handler(BOOTH_PURPOSE, BoothPayments())
    payments.register_handler(BADGES_PURPOSE, BadgePayments())
    confirmation_attachments.add(badge_attachment)
    attendee_links.add(agenda_page_link)
    attendee_links.add(badge_page_link)
    # A door's station is kept per process beside its conference (scans read it on every badge), and so is
    # the program's latest release (calendar polls need its number), and the expo's booth list and drawings
    # (their booths, halls, areas and exhibitors' names; claims on booths note their own writes).
    watch_writes_to(Station, ScheduleRelease, Booth, Hall, FloorArea, Partner)
    # Every API request's token is kept with its user (``accounts.TOKENS``).
    watch_writes_to(ApiToken, User, part=TOKENS)
    # Every hold checks its conference's booking windows and expo rules (``expo.rules.EXPO_RULES``), and every
    # request of a partner's staff finds its partner (``expo.partners.PARTNER_USERS``).
    watch_writes_to(BookingWindow, ExpoSettings, part=EXPO_RULES)
    watch_writes_to(PartnerContact, PartnerTier, BusinessCategory, PartnerCategory, part=PARTNER_USERS)


def background_rounds(engine: AsyncEngine, settings: Settings, token_uses: TokenUses) -> list[Round]:
    """The rounds each app process runs; a round of 0 seconds is off."""
    # The other rounds follow the courier's switch: tests turn all background work off at once.
    on = settings.outbox_interval_seconds > 0
    sweep_seconds = SWEEP_SECONDS if on else 0
    print_seconds = badge_prints.POLL_SECONDS if on else 0
    token_uses_seconds = TOKEN_USES_SECONDS if on else 0
    reconcile_seconds = settings.payments_reconcile_interval_seconds if payments.card_payments_enabled(settings) else 0
    return [
        Round("mail-courier", partial(deliver_outbox, engine, settings), settings.outbox_interval_seconds),
        Round("registration-sweep", partial(registration_sweep, engine, settings), sweep_seconds),
        Round("program-seat-sweep", partial(program_seat_sweep, engine, settings), sweep_seconds),
        Round("badge-printer", partial(badge_prints.print_next, engine, settings), print_seconds),
        Round("payments-reconcile", partial(payments.reconcile, engine, settings), reconcile_seconds, wait_first=True),
        Round("token-uses", partial(token_uses.write_down, engine), token_uses_seconds, last_at_stop=True),
    ]
