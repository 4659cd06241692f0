"""The core: compiled transit and street data and the searches over them.

Imports nothing of the project's other packages (numpy/numba/scipy only).
"""

from routing.streets import HIGHWAY_CLASSES, MODES, StreetNetwork
from routing.timetable import Timetable

__all__ = ["HIGHWAY_CLASSES", "MODES", "StreetNetwork", "Timetable"]
