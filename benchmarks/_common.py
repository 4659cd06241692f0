"""Helpers shared by the benchmark scripts (figures, not tests)."""

from __future__ import annotations

import json
import resource
import sys
from collections.abc import Sequence

import numpy as np


def stats_ms(seconds: Sequence[float]) -> tuple[float, float]:
    """(median, p95) in milliseconds."""
    a = np.asarray(seconds) * 1000.0
    return float(np.median(a)), float(np.percentile(a, 95))


def peak_rss_mb() -> float:
    """Peak resident memory of this process and of its finished children, in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024.0


def emit(figures: dict[str, object]) -> None:
    """The last line of every benchmark: one JSON object."""
    sys.stdout.write(json.dumps(figures) + "\n")
