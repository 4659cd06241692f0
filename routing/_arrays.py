"""Helpers shared by the core's array containers: (de)serialisation to plain dicts of arrays."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")


def to_arrays(obj: Any, prefix: str = "") -> dict[str, np.ndarray]:
    """Flatten a dataclass of numpy arrays (and scalars) into ``{prefix + field: array}``."""
    out: dict[str, np.ndarray] = {}
    for f in dataclasses.fields(obj):
        out[prefix + f.name] = np.asarray(getattr(obj, f.name))
    return out


def from_arrays(cls: type[T], arrays: Any, prefix: str = "") -> T:
    """Rebuild a dataclass written by :func:`to_arrays`; 0-d arrays become Python scalars."""
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        value = arrays[prefix + f.name]
        kwargs[f.name] = value.item() if value.ndim == 0 else value
    return cls(**kwargs)
