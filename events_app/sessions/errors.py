"""The program's refusals, each with a stable code; ``core.errors`` turns them into problem details::

    NotFound (404)
    ├── RoomNotFound            room-not-found          (in the working copy or the released program)
    ├── TrackNotFound           track-not-found
    ├── SpeakerNotFound         speaker-not-found       (also a speaker id named in a session's body)
    ├── SessionNotFound         session-not-found
    ├── RunNotFound             run-not-found
    ├── ReleaseNotFound         release-not-found
    ├── ProgramNotPublished     program-not-published   (no release yet: nothing public to show)
    ├── FeedNotFound            feed-not-found          (not an .ics name, or its bytes are being rebuilt)
    └── AgendaNotFound          agenda-not-found        (a link that is not one of ours)
    Invalid (422)
    ├── RoomClosesBeforeOpen    room-closes-before-open
    ├── NotATrackGroup          not-a-track-group       (a track belongs to a committee or a department)
    ├── WindowEndsBeforeStart   window-ends-before-start
    ├── DuplicateSpeaker        duplicate-speaker
    ├── RunEndsBeforeStart      run-ends-before-start
    ├── BadCreditHours          bad-credit-hours
    ├── ImportNotUtf8           import-not-utf8
    ├── ImportUnreadable        import-unreadable
    ├── ImportUnknownSection    import-unknown-section
    └── ImportFailed            import-failed           (``errors``: every bad row by section and number)
    Conflict (409)
    ├── RoomNameTaken           room-name-taken
    ├── TrackSlugTaken          track-slug-taken
    ├── RoomInUse               room-in-use             (a run, even a removed one, still names the room)
    ├── SessionCodeTaken        session-code-taken
    ├── RunRemoved              run-removed             (move a run that still stands; add a new one instead)
    ├── RunCancelled            run-cancelled           (a cancelled run cannot go on an agenda)
    ├── NoOffer                 no-offer                (the seat offer ran out or never was)
    ├── ScheduleConflicts       schedule-conflicts      (``conflicts``: the hard warnings blocking a release)
    └── NothingToRelease        nothing-to-release
    NotAllowed (403)
    ├── AgendaLinkRevoked       agenda-link-revoked     (a newer link replaced this one)
    └── RegistrationInactive    registration-inactive   (a cancelled registration holds no seats)

Refusals of other domains the program passes on: ``conferences.errors.CityNotFound`` (a
speaker's city) and registration's ``attendee-not-found`` (through ``registration.service``).
"""

from __future__ import annotations

from events_app.core.errors import Conflict, Invalid, NotAllowed, NotFound


class RoomNotFound(NotFound):
    code = "room-not-found"


class TrackNotFound(NotFound):
    code = "track-not-found"


class SpeakerNotFound(NotFound):
    code = "speaker-not-found"


class SessionNotFound(NotFound):
    code = "session-not-found"


class RunNotFound(NotFound):
    code = "run-not-found"


class ReleaseNotFound(NotFound):
    code = "release-not-found"


class ProgramNotPublished(NotFound):
    code = "program-not-published"


class FeedNotFound(NotFound):
    code = "feed-not-found"


class AgendaNotFound(NotFound):
    code = "agenda-not-found"


class RoomClosesBeforeOpen(Invalid):
    code = "room-closes-before-open"


class NotATrackGroup(Invalid):
    code = "not-a-track-group"


class WindowEndsBeforeStart(Invalid):
    code = "window-ends-before-start"


class DuplicateSpeaker(Invalid):
    code = "duplicate-speaker"


class RunEndsBeforeStart(Invalid):
    code = "run-ends-before-start"


class BadCreditHours(Invalid):
    code = "bad-credit-hours"


class ImportNotUtf8(Invalid):
    code = "import-not-utf8"


class ImportUnreadable(Invalid):
    code = "import-unreadable"


class ImportUnknownSection(Invalid):
    code = "import-unknown-section"


class ImportFailed(Invalid):
    code = "import-failed"


class RoomNameTaken(Conflict):
    code = "room-name-taken"


class TrackSlugTaken(Conflict):
    code = "track-slug-taken"


class RoomInUse(Conflict):
    code = "room-in-use"


class SessionCodeTaken(Conflict):
    code = "session-code-taken"


class RunRemoved(Conflict):
    code = "run-removed"


class RunCancelled(Conflict):
    code = "run-cancelled"


class NoOffer(Conflict):
    code = "no-offer"


class ScheduleConflicts(Conflict):
    code = "schedule-conflicts"


class NothingToRelease(Conflict):
    code = "nothing-to-release"


class AgendaLinkRevoked(NotAllowed):
    code = "agenda-link-revoked"


class RegistrationInactive(NotAllowed):
    code = "registration-inactive"
