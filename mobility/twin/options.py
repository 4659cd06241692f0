"""A twin run's settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from mobility.twin.demand import Profile
from mobility.twin.sinks import Sinks


@dataclass
class TwinOptions:
    """A run's settings; times in server time (``hours``: seconds after midnight)."""

    url: str
    staff_key: str
    driver_keys: dict[str, str] = field(default_factory=dict)
    hours: tuple[float, float] = (7 * 3600.0, 19 * 3600.0)
    rate: float = 10.0  #: requests per hour (mean over the hours, Poisson)
    standing: int = 5  #: standing orders made at the start
    seed: int = 1
    drop: float = 0.1  #: a driver's request loses its connection with this probability
    speed: float | None = None  #: the server's clock speed (None: measured)
    plan_share: float = 0.2  #: riders planning a journey onwards by bus
    cancel_share: float = 0.08
    no_show_share: float = 0.04
    late_share: float = 0.2  #: legs driven late
    channel_share: float = 0.6  #: riders choosing e-mail and/or SMS besides the app
    eta_share: float = 0.25  #: position reports watched until the rider's estimate shows them
    tolerance_s: float = 120.0  #: a pickup this much after its window is a broken promise
    drain_s: float = 3 * 3600.0  #: after the hours, drivers finish their manifests (at most)
    settle_wall_s: float = 30.0  #: waiting (wall seconds) for the outbox to be sent
    sinks: Sinks | None = None  #: the twin's own mail and SMS receivers the server sends to
    store: str | None = None  #: the server's store (a label for the figures)
    #: every API process's URL (several: each call goes to the next; empty: ``url`` alone)
    urls: list[str] = field(default_factory=list)
    #: the API processes' ids on this machine, for their resident memory (empty: not known)
    pids: list[int] = field(default_factory=list)
    #: a district's demand (its ``[demand]``): then ``rate`` and ``standing`` are its own
    profile: Profile | None = None
