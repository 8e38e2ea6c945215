"""The call for proposals' refusals, each with a stable code; ``core.errors`` turns them into problem details::

NotFound (404)
├── CallNotFound               call-not-found            (this conference has no call for proposals)
├── ProposalNotFound           proposal-not-found        (or it is not this speaker's, or not in this reviewer's tracks)
└── ReviewerNotFound           reviewer-not-found        (no such seat on this conference's committees)
Invalid (422)
├── CallClosesBeforeOpen       call-closes-before-open
├── NotInTheCall               not-in-the-call           (a track, session type or duration the call does not take)
├── ProposalIncomplete         proposal-incomplete       (submitting without an abstract or a speaker's name)
├── PhotoNotAnImage            photo-not-an-image        (its bytes are no JPEG, PNG or WebP, whatever it claims)
├── PhotoTooLarge              photo-too-large
├── ScoresNotTheCriteria       scores-not-the-criteria   (one score 1-5 per criterion of the call)
├── AvailabilityOutsideDays    availability-outside-days
├── CallFormInvalid            call-form-invalid         (an unusable time, duration or criterion in the call's form)
└── NotAReviewer               not-a-reviewer            (seating a user whose role is neither reviewer nor organizer)
Conflict (409)
├── CallClosed                 call-closed               (before it opens or after its deadline, by the server's clock)
├── ProposalNotEditable        proposal-not-editable     (withdrawn, or already decided)
├── DecisionReleased           decision-released         (the speaker was told; it no longer changes)
├── NotAnOffer                 not-an-offer              (confirming what was not accepted, or not yet released)
└── AlreadyAnswered            already-answered          (declined, then confirmed; or the other way)
NotAllowed (403)
├── NotYourTrack               not-your-track            (a reviewer reviews only their committees' tracks)
├── ConflictOfInterest         conflict-of-interest      (a reviewer never reviews a speaker of their own city)
└── OwnerOnly                  owner-only                (a co-speaker may read a proposal, only its owner changes it)

Refusals of other domains passed on: accounts' user-not-found (a reviewer named by id), conferences'
city-not-found (a speaker's or a reviewer's city), the program's track-not-found (a call's track), and
the signed links' link-invalid and link-expired.
"""

from __future__ import annotations

from events_app.core.errors import Conflict, Invalid, NotAllowed, NotFound


class CallNotFound(NotFound):
    code = "call-not-found"


class ProposalNotFound(NotFound):
    code = "proposal-not-found"


class ReviewerNotFound(NotFound):
    code = "reviewer-not-found"


class CallClosesBeforeOpen(Invalid):
    code = "call-closes-before-open"


class NotInTheCall(Invalid):
    code = "not-in-the-call"


class ProposalIncomplete(Invalid):
    code = "proposal-incomplete"


class PhotoNotAnImage(Invalid):
    code = "photo-not-an-image"


class PhotoTooLarge(Invalid):
    code = "photo-too-large"


class ScoresNotTheCriteria(Invalid):
    code = "scores-not-the-criteria"


class AvailabilityOutsideDays(Invalid):
    code = "availability-outside-days"


class CallFormInvalid(Invalid):
    code = "call-form-invalid"


class NotAReviewer(Invalid):
    code = "not-a-reviewer"


class CallClosed(Conflict):
    code = "call-closed"


class ProposalNotEditable(Conflict):
    code = "proposal-not-editable"


class DecisionReleased(Conflict):
    code = "decision-released"


class NotAnOffer(Conflict):
    code = "not-an-offer"


class AlreadyAnswered(Conflict):
    code = "already-answered"


class NotYourTrack(NotAllowed):
    code = "not-your-track"


class ConflictOfInterest(NotAllowed):
    code = "conflict-of-interest"


class OwnerOnly(NotAllowed):
    code = "owner-only"
