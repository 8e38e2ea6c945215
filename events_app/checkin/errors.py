"""The refusals of check-in: badges, their keys, stations, scans and the desk's look-up::

    NotFound (404)
    ├── StationNotFound
    ├── ConflictNotFound        no conflict of this conference behind that scan id
    ├── BadgeNotFound           a badge image link of another conference
    ├── BadgePrintNotFound
    └── StaffMemberNotFound     no active on-site staff account with that email
    Invalid (422)
    ├── StationNeedsRoom        a session-room station names no room
    ├── StationRoomNotAllowed   a room given to a station of another kind
    ├── StationRequired         a scan that says no station (and came from no station's device)
    ├── ScanNeedsOneBadge       neither or both of a badge token and an attendee id
    ├── ScanKindNotHere         an exit scan at an entrance, a lead at a door
    ├── ScanTimeNaive           scanned_at without a time zone
    ├── ScanTimeTooOld          scanned_at too long ago to be a queued scan
    ├── LookupTooShort          fewer than two letters to search by
    ├── BadgeInvalid            not a badge, or not signed by any conference's key
    ├── BadgeWrongConference    a badge of another conference
    ├── BadgePrintScope         a print asked for by type and by order (or attendee) at once
    ├── BadgeRevoked            replaced by a newer badge, or handed to someone else
    └── BadgeCancelled          the registration was cancelled or refunded
    NotAllowed (403)
    ├── StationElsewhere        a station's device used at another conference
    ├── StationMismatch         a station's device scanning for another station
    ├── BadgeRevokeNotAllowed   only organizers revoke a badge as lost
    └── StationNotAssigned      staff equipping a station an organizer did not put them at
    Conflict (409)
    ├── StationNameTaken
    ├── StationRetired
    ├── ScanNotRecorded         the nonce was taken, yet no scan holds it: send it again
    ├── BadgeNotActive          no badge to reprint for a cancelled or replaced registration
    ├── BadgePrintNotReady      a print's PDF asked for before it is drawn
    └── ProvisioningLinkUsed    a station set-up link already used (or overtaken by a newer device)
    Unavailable (503)
    ├── BadgeKeyUnreadable      the sealed key does not open with the service's secret
    ├── BadgeKeyMisconfigured   EVENTS_BADGE_PRIVATE_KEYS holds no valid key for the conference
    ├── BadgeKeyMismatch        the configured key is not the published one
    └── BadgeKeyMissing         the key was given in settings and is gone

A door meets the badge's own refusals as a scan's answer (``revoked``, ``cancelled``...),
never as an error; the four ``Badge*`` refusals above are what a caller outside a door
hears (the expo's lead scans), and ``BADGE_REFUSALS`` names the one for each answer.
"""

from __future__ import annotations

from events_app.checkin.models import ScanResult
from events_app.core.errors import Conflict, Invalid, NotAllowed, NotFound, Unavailable


class StationNotFound(NotFound):
    code = "station-not-found"


class ConflictNotFound(NotFound):
    code = "conflict-not-found"


class BadgeNotFound(NotFound):
    code = "badge-not-found"


class StationNeedsRoom(Invalid):
    code = "station-needs-room"


class StationRoomNotAllowed(Invalid):
    code = "station-room-not-allowed"


class StationRequired(Invalid):
    code = "station-required"


class ScanNeedsOneBadge(Invalid):
    code = "scan-needs-one-badge"


class ScanKindNotHere(Invalid):
    code = "scan-kind-not-here"


class ScanTimeNaive(Invalid):
    code = "scan-time-naive"


class ScanTimeTooOld(Invalid):
    code = "scan-time-too-old"


class LookupTooShort(Invalid):
    code = "lookup-too-short"


class BadgeInvalid(Invalid):
    code = "badge-invalid"


class BadgeWrongConference(Invalid):
    code = "badge-wrong_conference"


class BadgeRevoked(Invalid):
    code = "badge-revoked"


class BadgeCancelled(Invalid):
    code = "badge-cancelled"


class StationElsewhere(NotAllowed):
    code = "station-elsewhere"


class StationMismatch(NotAllowed):
    code = "station-mismatch"


class StationNameTaken(Conflict):
    code = "station-name-taken"


class StationRetired(Conflict):
    code = "station-retired"


class ScanNotRecorded(Conflict):
    code = "scan-not-recorded"


class BadgeNotActive(Conflict):
    code = "badge-not-active"


class BadgeKeyUnreadable(Unavailable):
    code = "badge-key-unreadable"


class BadgeKeyMisconfigured(Unavailable):
    code = "badge-key-misconfigured"


class BadgeKeyMismatch(Unavailable):
    code = "badge-key-mismatch"


class BadgeKeyMissing(Unavailable):
    code = "badge-key-missing"


BADGE_REFUSALS: dict[ScanResult, type[Invalid]] = {
    ScanResult.INVALID: BadgeInvalid,
    ScanResult.WRONG_CONFERENCE: BadgeWrongConference,
    ScanResult.REVOKED: BadgeRevoked,
    ScanResult.CANCELLED: BadgeCancelled,
}


class BadgeRevokeNotAllowed(NotAllowed):
    """Revoking a badge as lost stops it at every door: organizers decide that, not the desk."""

    code = "badge-revoke-not-allowed"


class BadgePrintNotFound(NotFound):
    code = "badge-print-not-found"


class BadgePrintNotReady(Conflict):
    """The print is still queued or drawing (or failed): its PDF is not there yet."""

    code = "badge-print-not-ready"


class StaffMemberNotFound(NotFound):
    code = "staff-member-not-found"


class StationNotAssigned(NotAllowed):
    """Staff equip only the stations an organizer put them at; anyone else's device stays as it is."""

    code = "station-not-assigned"


class ProvisioningLinkUsed(Conflict):
    """A set-up link works once: the station got a device from it (or another) since it was shown."""

    code = "provisioning-link-used"


class BadgePrintScope(Invalid):
    code = "badge-print-scope"
