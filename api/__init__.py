"""The HTTP API: an app factory over a planner, a booking service and a store."""

from api.app import create_app
from api.config import ApiConfig
from api.service import BookingService
from api.store import Store

__all__ = ["ApiConfig", "BookingService", "Store", "create_app"]
