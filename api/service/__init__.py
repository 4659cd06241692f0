"""The booking service: on-demand rides over the store, with domain errors and an
injectable clock; it knows no HTTP (the routes map its errors to problem details)."""

from api.service.booking import RideLegRequest
from api.service.clock import Clock, FixedClock, RunningClock, SystemClock
from api.service.errors import (
    ConflictError,
    ForbiddenError,
    GoneError,
    InvalidRequestError,
    NotFoundError,
    ServiceError,
)
from api.service.service import BookingService

__all__ = ["BookingService", "Clock", "ConflictError", "FixedClock", "ForbiddenError",
           "GoneError", "InvalidRequestError", "NotFoundError", "RideLegRequest", "RunningClock",
           "ServiceError", "SystemClock"]
