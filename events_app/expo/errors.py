"""The expo's refusals, one class per stable code; ``core.errors`` turns them into problem details.

::

    NotFound (404)
    ├── TierNotFound            tier-not-found
    ├── PartnerNotFound         partner-not-found
    ├── ContactNotFound         contact-not-found        the user is not a contact of this partner
    ├── NotAPartnerContact      not-a-partner-contact    the user acts for no active partner: no "your partner"
    ├── WindowNotFound          window-not-found
    ├── FloorPlanMissing        floor-plan-missing       the conference has no hall yet
    ├── HallNotFound            hall-not-found
    ├── BoothNotFound           booth-not-found
    ├── HoldNotFound            hold-not-found           (another partner's hold looks missing too)
    ├── BookingNotFound         booking-not-found        (another partner's booking looks missing too)
    └── LeadNotFound            lead-not-found
    Invalid (422)
    ├── DuplicateCategory       duplicate-category
    ├── UnknownCategory         category-not-found       category_ids names no category
    ├── NotAPartnerUser         not-a-partner-user       only users of role partner can be contacts
    ├── DuplicateRefundBand     duplicate-refund-band
    ├── RefundBandsIncrease     refund-bands-increase
    ├── WindowTierAndPoints     window-tier-and-points
    ├── FloorPlanVersion        floor-plan-version
    ├── FloorPlanShape          floor-plan-shape
    ├── FloorPlanOutsideHall    floor-plan-outside-hall
    ├── FloorPlanOverlap        floor-plan-overlap
    ├── FloorPlanDuplicateHall  floor-plan-duplicate-hall
    ├── FloorPlanDuplicateBooth floor-plan-duplicate-booth
    ├── FloorPlanUnknownBooth   floor-plan-unknown-booth
    ├── BoothMissing            booth-missing            a hold names no booth
    ├── SameBooth               same-booth
    ├── StaffNameMissing        staff-name-missing
    ├── StaffEmailMissing       staff-email-missing
    ├── BadQuantity             bad-quantity
    ├── NotesTooLong            notes-too-long
    ├── BadRating               bad-rating
    └── WrongConference         wrong-conference         a badge of another conference
    (payments' BadPaymentMethod and CardMissing, check-in's ScanTimeNaive and ScanTimeTooOld are used as they are)
    Conflict (409)
    ├── TierExists              tier-exists
    ├── TierRankTaken           tier-rank-taken
    ├── CategoryExists          category-exists
    ├── PartnerExists           partner-exists
    ├── ContactTaken            contact-taken            the user is another partner's contact
    ├── FloorPlanBoothInUse     floor-plan-booth-in-use  an import would remove a held or booked booth
    ├── BoothTaken              booth-taken              someone else holds or has booked the booth
    ├── HoldLimitReached        hold-limit-reached
    ├── BookingNotOpen          booking-not-open         the partner's booking window has not opened yet
    ├── CompetitorNearby        competitor-nearby        an exclusive-category competitor is too close
    ├── HoldNotLive             hold-not-live            the hold ended before checkout
    ├── BookingEnded            booking-ended            cancelled or lapsed (or, to move it, not live)
    ├── BoothFree               booth-free               nothing to release
    ├── BookingNotStaffable     booking-not-staffable    staff and badges come once the booth is booked
    ├── StaffAlreadyNamed       staff-already-named
    └── BadgesUsedUp            badges-used-up
    NotAllowed (403)
    └── NoBoothHere             no-booth-here            leads are collected at a booked booth

Payments' ``CardPaymentsDisabled`` (422) and ``PaymentInProgress`` (409) answer for the expo's checkouts too.
"""

from __future__ import annotations

from events_app.core.errors import Conflict, Invalid, NotAllowed, NotFound

# Not found.


class TierNotFound(NotFound):
    code = "tier-not-found"


class PartnerNotFound(NotFound):
    code = "partner-not-found"


class ContactNotFound(NotFound):
    code = "contact-not-found"


class NotAPartnerContact(NotFound):
    code = "not-a-partner-contact"

    def __init__(
        self,
        detail: str = "Your account is not linked to an active partner; ask the organizers to add you as its contact.",
    ) -> None:
        super().__init__(detail)


class WindowNotFound(NotFound):
    code = "window-not-found"


class FloorPlanMissing(NotFound):
    code = "floor-plan-missing"


class HallNotFound(NotFound):
    code = "hall-not-found"


class BoothNotFound(NotFound):
    code = "booth-not-found"


class HoldNotFound(NotFound):
    code = "hold-not-found"


class BookingNotFound(NotFound):
    code = "booking-not-found"


class LeadNotFound(NotFound):
    code = "lead-not-found"


# Invalid.


class DuplicateCategory(Invalid):
    code = "duplicate-category"


class UnknownCategory(Invalid):
    code = "category-not-found"


class NotAPartnerUser(Invalid):
    code = "not-a-partner-user"


class DuplicateRefundBand(Invalid):
    code = "duplicate-refund-band"


class RefundBandsIncrease(Invalid):
    code = "refund-bands-increase"


class WindowTierAndPoints(Invalid):
    code = "window-tier-and-points"


class FloorPlanVersion(Invalid):
    code = "floor-plan-version"


class FloorPlanShape(Invalid):
    code = "floor-plan-shape"


class FloorPlanOutsideHall(Invalid):
    code = "floor-plan-outside-hall"


class FloorPlanOverlap(Invalid):
    code = "floor-plan-overlap"


class FloorPlanDuplicateHall(Invalid):
    code = "floor-plan-duplicate-hall"


class FloorPlanDuplicateBooth(Invalid):
    code = "floor-plan-duplicate-booth"


class FloorPlanUnknownBooth(Invalid):
    code = "floor-plan-unknown-booth"


class BoothMissing(Invalid):
    code = "booth-missing"


class SameBooth(Invalid):
    code = "same-booth"


class StaffNameMissing(Invalid):
    code = "staff-name-missing"


class StaffEmailMissing(Invalid):
    code = "staff-email-missing"


class BadQuantity(Invalid):
    code = "bad-quantity"


class NotesTooLong(Invalid):
    code = "notes-too-long"


class BadRating(Invalid):
    code = "bad-rating"


class WrongConference(Invalid):
    code = "wrong-conference"


# Conflict.


class TierExists(Conflict):
    code = "tier-exists"


class TierRankTaken(Conflict):
    code = "tier-rank-taken"


class CategoryExists(Conflict):
    code = "category-exists"


class PartnerExists(Conflict):
    code = "partner-exists"


class ContactTaken(Conflict):
    code = "contact-taken"


class FloorPlanBoothInUse(Conflict):
    code = "floor-plan-booth-in-use"


class BoothTaken(Conflict):
    code = "booth-taken"

    @classmethod
    def of(cls, booth_code: str) -> BoothTaken:
        return cls(f"Booth {booth_code} is held or booked by another partner.", booth=booth_code)


class HoldLimitReached(Conflict):
    code = "hold-limit-reached"

    @classmethod
    def of(cls, held: int, *, limit: int) -> HoldLimitReached:
        return cls(f"You already hold {held} booths, the most allowed at once; book or release one first.", limit=limit)


class BookingNotOpen(Conflict):
    code = "booking-not-open"


class CompetitorNearby(Conflict):
    code = "competitor-nearby"


class HoldNotLive(Conflict):
    code = "hold-not-live"


class BookingEnded(Conflict):
    code = "booking-ended"


class BoothFree(Conflict):
    code = "booth-free"


class BookingNotStaffable(Conflict):
    code = "booking-not-staffable"


class StaffAlreadyNamed(Conflict):
    code = "staff-already-named"


class BadgesUsedUp(Conflict):
    code = "badges-used-up"


# Not allowed.


class NoBoothHere(NotAllowed):
    code = "no-booth-here"
