"""What a scan decided, before it is shaped into the answer: shared by the door and session rules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from events_app.checkin.models import ScanResult
from events_app.checkin.people import Holder
from events_app.checkin.schemas import FirstCheckin, SessionRef

MESSAGES = {
    ScanResult.OK: "Welcome.",
    ScanResult.ALREADY_CHECKED_IN: "Already checked in.",
    ScanResult.UNPAID: "The registration is not paid yet.",
    ScanResult.CANCELLED: "This registration was cancelled or refunded.",
    ScanResult.REVOKED: "This badge was replaced by a newer one; ask for the current badge.",
    ScanResult.WRONG_CONFERENCE: "This badge is for another event.",
    ScanResult.INVALID: "This code is not a valid badge.",
    ScanResult.NOT_REGISTERED_FOR_SESSION: "Not registered for this seat-limited session.",
}


@dataclass
class Decision:
    result: ScanResult
    admitted: bool
    message: str
    holder: Holder | None = None
    first: FirstCheckin | None = None
    session: SessionRef | None = None
    session_id: uuid.UUID | None = None
    # The later check-in this (queued, earlier) scan took over; its door is told in the conflict.
    replaced: FirstCheckin | None = None
