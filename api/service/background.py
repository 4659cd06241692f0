"""A server process's background work: a daemon thread that runs one step, waits, and runs
it again until the app stops — purging the store, looking for late rides, booking standing
orders' dates, sending notifications. A step that fails (the store away for a moment) is
logged and tried again at the next turn; it never stops the loop."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from api.store.faults import log_background_fault


class Loop:
    """Runs :meth:`step` every ``wait_s`` seconds (of the machine's time: a step reads the
    service's clock itself) from a daemon thread named ``name``; does nothing when not
    ``enabled``. Subclasses implement :meth:`step`."""

    #: what the log says when a step fails
    failure = "background work failed; trying again later"

    def __init__(self, name: str, wait_s: float, enabled: bool, log: logging.Logger,
                 join_s: float = 30.0) -> None:
        self.name, self.wait_s, self.enabled, self.log = name, wait_s, enabled, log
        self.join_s = join_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: told each turn's end: (loop name, whether the step succeeded); the metrics'
        self.on_turn: Callable[[str, bool], None] | None = None

    def step(self) -> object:
        """One turn of the work."""
        raise NotImplementedError

    def start(self) -> None:
        if not self.enabled or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.join_s)
            self._thread = None

    def _run(self) -> None:
        while True:
            ok = False
            try:
                self.step()
                ok = True
            except Exception as exc:  # the store is away: next time
                log_background_fault(self.log, self.failure, exc)
            if self.on_turn is not None:
                self.on_turn(self.name, ok)
            if self._stop.wait(self.wait_s):
                return
