"""The core: compiled transit and street data and the searches over them.

Imports nothing of the project's other packages (numpy/numba/scipy only).
"""

from routing._snap import Snap
from routing.errors import MobilityError, OutOfRegionError, ServiceDateError
from routing.street_router import Isochrone, StreetPath, StreetRouter
from routing.streets import HIGHWAY_CLASSES, MODES, StreetNetwork
from routing.timetable import Timetable

__all__ = ["HIGHWAY_CLASSES", "MODES", "Isochrone", "MobilityError", "OutOfRegionError",
           "ServiceDateError", "Snap", "StreetNetwork", "StreetPath", "StreetRouter",
           "Timetable"]
