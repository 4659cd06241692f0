"""The HTTP API: an app factory over a planner, an on-demand service and a store."""

from api.app import create_app
from api.config import ApiConfig
from api.ondemand import OnDemand
from api.store import Store

__all__ = ["ApiConfig", "OnDemand", "Store", "create_app"]
