"""Who gains access with the on-demand service, at what cost (``mobility access``).

Origins (:mod:`~mobility.access.origins`: homes or a population file on a grid), the
opportunities to reach (:mod:`~mobility.access.opportunities`), walk + scheduled transit
over every departure minute of a window (:mod:`~mobility.access.transit`, range queries of
:mod:`routing.range_raptor`), the on-demand option timed by the planner's simulation
(:mod:`~mobility.access.ondemand`), per-cell figures and weighted summaries
(:mod:`~mobility.access.analysis`), run on a local pool or Ray (:mod:`mobility.engine`,
shared with the simulation's sweeps); written as GeoPackage, JSON and an HTML report
(:mod:`~mobility.access.outputs`, :mod:`~mobility.access.report`).
"""

from mobility.access.errors import AccessError
from mobility.access.run import AccessOptions, AccessResult, parse_window, run_access

__all__ = ["AccessError", "AccessOptions", "AccessResult", "parse_window", "run_access"]
