"""mobility: on-demand public transport for rural regions, joined to scheduled transit.

This package wires the others together (region compilation and cache, settings, the
configuration files' schema, CLI, the planner's simulation in :mod:`mobility.sim`); nothing
imports it.
"""

from mobility.config import RegionConfig, ServiceAreaSpec, resolve_region
from mobility.errors import CacheError, RegionError
from mobility.region import Region, compile_region, load_region
from mobility.settings import Settings
from routing.errors import MobilityError

__all__ = ["CacheError", "MobilityError", "Region", "RegionConfig", "RegionError",
           "ServiceAreaSpec", "Settings", "compile_region", "load_region", "resolve_region"]
__version__ = "0.1.0"
