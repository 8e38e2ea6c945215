"""The refusals of registration, each with a stable code; ``core.errors`` turns them into problem details::

    NotFound (404)
    ├── OrderNotFound               no order with this id (or this manage link) in this conference
    ├── RegistrationTypeNotFound
    ├── PromoCodeNotFound           by id, as organizers manage codes
    ├── OfferNotFound               a waitlist offer link for an entry that does not exist
    └── PolicyNotFound              the conference has no cancellation policy yet
    Invalid (422)
    ├── the order as sent
    │   ├── RegistrationClosed      outside the conference's registration window
    │   ├── UnknownRegistrationType a type id that is not one of this conference's
    │   ├── MixedCurrencies
    │   ├── OfferMismatch           the waitlist offer is for a type this order does not include
    │   ├── GuestNeedsPrimary       a guest pass names no (or another guest as) the attendee it accompanies
    │   ├── GuestOfNotAGuest
    │   ├── DuplicateAttendee       one person listed twice
    │   ├── PaymentNeeded           something to pay, and payment method "none"
    │   ├── TypeNotForSale          inactive, or exhibitor staff (named by the expo)
    │   ├── CodeRequired            a code-only type without a code that covers it
    │   ├── SaleNotStarted
    │   └── SaleEnded
    ├── promo codes typed by a buyer
    │   ├── PromoCodeInvalid        unknown or inactive
    │   ├── PromoCodeNotYetValid
    │   ├── PromoCodeExpired
    │   └── PromoCodeNotApplicable  covers none of the order's registrations
    ├── cancellation, refunds, substitution
    │   ├── AttendeeNotCancellable  not (or no longer) registered on this order
    │   ├── RefundAmountWithCancel  cancelling everyone refunds all they paid: no amount
    │   ├── AttendeeNotSubstitutable
    │   ├── SubstituteNotSameCity   a substitute is a colleague from the same city (or organization)
    │   └── SubstituteSamePerson
    ├── what organizers set up
    │   ├── NotACompType            a comp is issued only under a speaker or staff comp type
    │   ├── NoteEmpty               a note on an order says something
    │   ├── OneDayNeedsDay / DayOnlyForOneDay / DayOutsideConference
    │   ├── CompNeedsCode / ExhibitorNotPublic   comps and exhibitor staff are never sold publicly
    │   ├── EarlyBirdNeedsDeadline / OnsiteNeedsDate / SaleEndsBeforeStart
    │   ├── FeeOver100Percent / PolicyDatesOrder
    │   └── PercentOutOfRange / CodeWindowBackwards
    └── the waitlist
        ├── NoWaitlist              not an active public type of this conference
        └── SeatsAvailable          there are seats: register instead
    Conflict (409)
    ├── SoldOut                     ``registration_type_id`` and ``seats_left`` in the body
    ├── PromoCodeUsedUp             ``uses_left`` in the body
    ├── OfferExpired                the waitlist offer ran out or was used
    ├── OrderNeedsAttention         staff are settling the order's payment
    ├── OrderNotNeedingAttention
    ├── OrderNotPayable             nothing to pay by card on this order
    ├── NothingToConfirm            no confirmed attendee on the order to send a confirmation to
    ├── TypeNameTaken / PromoCodeTaken
    ├── CapacityBelowTaken          a capacity below the seats already taken
    └── AlreadyWaiting              one place in line per person and type
    NotAllowed (403)
    └── SubstitutionClosed          the policy's substitution deadline has passed

Registration also answers with codes other domains own, raising their classes:
``conferences.errors.CityNotFound`` (an attendee's ``city_id``) and, from payments,
``CardPaymentsDisabled``, ``PaymentInProgress`` and ``RefundTooLarge``.
"""

from __future__ import annotations

from events_app.core.errors import Conflict, Invalid, NotAllowed, NotFound


class AttendeeNotFound(NotFound):
    """No attendee of this conference has the id."""

    code = "attendee-not-found"


class OrderNotFound(NotFound):
    code = "order-not-found"


class RegistrationTypeNotFound(NotFound):
    code = "registration-type-not-found"


class PromoCodeNotFound(NotFound):
    code = "promo-code-not-found"


class OfferNotFound(NotFound):
    code = "offer-not-found"


class PolicyNotFound(NotFound):
    code = "policy-not-found"


class RegistrationClosed(Invalid):
    code = "registration-closed"


class UnknownRegistrationType(Invalid):
    code = "registration-type-unknown"


class MixedCurrencies(Invalid):
    code = "mixed-currencies"


class OfferMismatch(Invalid):
    code = "offer-mismatch"


class GuestNeedsPrimary(Invalid):
    code = "guest-needs-primary"


class GuestOfNotAGuest(Invalid):
    code = "guest-of-not-a-guest"


class DuplicateAttendee(Invalid):
    code = "duplicate-attendee"


class PaymentNeeded(Invalid):
    code = "payment-needed"


class TypeNotForSale(Invalid):
    code = "type-not-for-sale"


class CodeRequired(Invalid):
    code = "code-required"


class SaleNotStarted(Invalid):
    code = "sale-not-started"


class SaleEnded(Invalid):
    code = "sale-ended"


class PromoCodeInvalid(Invalid):
    code = "promo-code-invalid"


class PromoCodeNotYetValid(Invalid):
    code = "promo-code-not-yet-valid"


class PromoCodeExpired(Invalid):
    code = "promo-code-expired"


class PromoCodeNotApplicable(Invalid):
    code = "promo-code-not-applicable"


class AttendeeNotCancellable(Invalid):
    code = "attendee-not-cancellable"


class RefundAmountWithCancel(Invalid):
    code = "refund-amount-with-cancel"


class AttendeeNotSubstitutable(Invalid):
    code = "attendee-not-substitutable"


class NotACompType(Invalid):
    code = "not-a-comp-type"


class NoteEmpty(Invalid):
    code = "note-empty"


class SubstituteNotSameCity(Invalid):
    code = "substitute-not-same-city"


class SubstituteSamePerson(Invalid):
    code = "substitute-same-person"


class OneDayNeedsDay(Invalid):
    code = "one-day-needs-day"


class DayOnlyForOneDay(Invalid):
    code = "day-only-for-one-day"


class DayOutsideConference(Invalid):
    code = "day-outside-conference"


class CompNeedsCode(Invalid):
    code = "comp-needs-code"


class ExhibitorNotPublic(Invalid):
    code = "exhibitor-not-public"


class EarlyBirdNeedsDeadline(Invalid):
    code = "early-bird-needs-deadline"


class OnsiteNeedsDate(Invalid):
    code = "onsite-needs-date"


class SaleEndsBeforeStart(Invalid):
    code = "sale-ends-before-start"


class FeeOver100Percent(Invalid):
    code = "fee-over-100-percent"


class PolicyDatesOrder(Invalid):
    code = "policy-dates-order"


class PercentOutOfRange(Invalid):
    code = "percent-out-of-range"


class CodeWindowBackwards(Invalid):
    code = "code-window-backwards"


class NoWaitlist(Invalid):
    code = "no-waitlist"


class SeatsAvailable(Invalid):
    code = "seats-available"


class SoldOut(Conflict):
    code = "sold-out"


class PromoCodeUsedUp(Conflict):
    code = "promo-code-used-up"


class OfferExpired(Conflict):
    code = "offer-expired"


class OrderNeedsAttention(Conflict):
    code = "order-needs-attention"


class OrderNotNeedingAttention(Conflict):
    code = "order-not-needing-attention"


class OrderNotPayable(Conflict):
    code = "order-not-payable"


class NothingToConfirm(Conflict):
    code = "nothing-to-confirm"


class TypeNameTaken(Conflict):
    code = "type-name-taken"


class PromoCodeTaken(Conflict):
    code = "promo-code-taken"


class CapacityBelowTaken(Conflict):
    code = "capacity-below-taken"


class AlreadyWaiting(Conflict):
    code = "already-waiting"


class SubstitutionClosed(NotAllowed):
    code = "substitution-closed"
