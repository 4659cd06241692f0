"""A service day as a digital twin: simulated riders and drivers drive a real server through
its HTTP API at the server's accelerated time, and the day is checked at its end — every
promise kept or the rider told in time, every notification sent once, every driver's event
applied once, and how soon a position report reaches the rider's estimate.

Everything goes through HTTP (:mod:`mobility.twin.api`): the twin runs against any server
it has keys for. :mod:`mobility.twin.local` starts a real one for it (benchmarks, tests,
``mobility simulate --live local``)."""

from mobility.twin.options import TwinOptions
from mobility.twin.run import TwinResult, run_twin

__all__ = ["TwinOptions", "TwinResult", "run_twin"]
