"""Notes for the driver: a line a dispatcher adds to a booking ("rings twice", "walker in
the boot"), set when booking for a caller or changed afterwards, shown on the vehicle's
manifest. A note may hold personal data: it is exported with the rider's data and removed
when they are forgotten or the ride's retention period ends (:mod:`api.service.privacy`)."""

from __future__ import annotations

from api.auth import Principal
from api.service import audit
from api.service.context import Context
from api.service.errors import ConflictError, ForbiddenError, not_found
from api.service.views import BookingView
from api.store.models import ANONYMOUS_RIDER
from api.store.repository import ACTIVE, reading, writing

#: a note can change while the ride is still to be driven (the driver reads it)
OPEN = ACTIVE


def checked(who: Principal, note: str | None) -> str | None:
    """A note as stored: surrounding white space dropped, an empty note is none.

    Raises
    ------
    ForbiddenError
        A note from anyone but staff (it is the dispatcher's word to the driver).
    """
    if note is None:
        return None
    if not who.staff:
        raise ForbiddenError(f"only dispatchers write notes for the driver (yours is a "
                             f"{who.role} key): leave out note", field="note")
    return note.strip() or None


def set_note(svc: Context, who: Principal, booking_id: str, note: str | None) -> BookingView:
    """Set (or, with None or an empty text, remove) a booking's note for the driver.

    Raises
    ------
    ForbiddenError
        Not staff.
    NotFoundError
        No such booking.
    ConflictError
        The ride is over (completed, cancelled, no-show): a note reaches no driver.
    """
    if not who.staff:
        raise ForbiddenError(f"only dispatchers write notes for the driver (yours is a "
                             f"{who.role} key)", field="note")
    note = checked(who, note)
    with writing(svc.store) as repo:
        if not repo.set_note(booking_id, note, OPEN, svc.timing.now()):
            b = repo.booking(booking_id)
            if b is None:
                raise not_found("booking", booking_id)
            state = ("anonymised" if b.rider_id == ANONYMOUS_RIDER
                     else b.status.replace("_", " "))
            raise ConflictError(f"booking {booking_id} is {state}: a note for the driver "
                                "can be changed only until the ride is over",
                                field="id", code="ride-finished", title="Ride is over")
        # whether a note is set, never its text (it may hold personal data)
        audit.record(repo, who, "booking.note", "booking", booking_id,
                     {"noteSet": note is not None}, svc.timing.now())
    with reading(svc.store) as repo:
        b = repo.booking(booking_id)
        assert b is not None
        return svc.views(repo, [b])[0]
