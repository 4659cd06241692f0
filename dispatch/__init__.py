"""On-demand dispatch: the ride model, exact schedules, travel-time providers, and the
OR-Tools dial-a-ride optimiser. Imports only ``routing`` of the project's packages."""

from dispatch.cordeau import CordeauInstance, InstanceError, read_cordeau
from dispatch.model import Break, Request, Route, Solution, Stop, Vehicle
from dispatch.schedule import earliest_schedule
from dispatch.service_area import ServiceArea
from dispatch.solver import Problem, SolverParams, solve
from dispatch.travel import EuclideanTravel, StreetTravel, TravelTimes

__all__ = ["Break", "CordeauInstance", "EuclideanTravel", "InstanceError", "Problem",
           "Request", "Route", "ServiceArea", "Solution", "SolverParams", "Stop", "StreetTravel",
           "TravelTimes", "Vehicle", "earliest_schedule", "read_cordeau", "solve"]
