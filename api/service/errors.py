"""What the booking service refuses, and why. Each error carries a ``code`` (a short slug
naming the problem), a ``title``, the ``field`` of the request at fault and details; the
HTTP layer turns each kind into one status (``api.problems``), the service knows no HTTP."""

from __future__ import annotations

from typing import Any

from routing.errors import MobilityError


class ServiceError(MobilityError):
    """A request the booking service refuses."""

    code = "invalid-request"
    title = "Invalid request"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None,
                 title: str | None = None, **details: Any) -> None:
        super().__init__(message, field=field)
        self.code = code or type(self).code
        self.title = title or type(self).title
        self.details = details


class InvalidRequestError(ServiceError, ValueError):
    """No rule can serve the request as asked (outside the area or its hours, in the past,
    too far ahead, unknown rider…): change the request."""


class NotFoundError(ServiceError, LookupError):
    """No such quote, booking, vehicle or area — or it is not the caller's to see."""

    code = "not-found"
    title = "Not found"


class ForbiddenError(ServiceError, PermissionError):
    """The caller's role may not do this."""

    code = "forbidden"
    title = "Forbidden"


class ConflictError(ServiceError):
    """The request is valid but the state does not allow it now: no vehicle can take the
    ride, the quote was booked already, the ride has started…"""

    code = "conflict"
    title = "Conflict"


class GoneError(ServiceError):
    """The thing asked for existed but is over (an expired quote)."""

    code = "gone"
    title = "Gone"


def not_found(what: str, ident: str, field: str = "id") -> NotFoundError:
    return NotFoundError(f"no {what} with id {ident!r} (or it is not yours)", field=field,
                    title=f"{what} not found")
