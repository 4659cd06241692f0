"""Encoded polylines (the Google/OTP ``legGeometry.points`` format, precision 5)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _encode(lat: np.ndarray, lon: np.ndarray, factor: float) -> np.ndarray:
    """The polyline's characters (as bytes) of coordinates in degrees."""
    out = np.empty(len(lat) * 2 * 7, np.uint8)  # at most 7 chunks of 5 bits per value
    n = 0
    plat = plon = 0
    for k in range(len(lat)):
        ilat = int(np.round(lat[k] * factor))
        ilon = int(np.round(lon[k] * factor))
        for d in (ilat - plat, ilon - plon):
            v = ~(d << 1) if d < 0 else d << 1
            while v >= 0x20:
                out[n] = (0x20 | (v & 0x1F)) + 63
                n += 1
                v >>= 5
            out[n] = v + 63
            n += 1
        plat, plon = ilat, ilon
    return out[:n]


def encode(coords: Iterable[Sequence[float]] | np.ndarray, precision: int = 5) -> str:
    """Encode ``[(lat, lon), ...]`` (or a (k, 2) array); rounding halves to even, as
    Python's ``round`` does."""
    a = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
    return _encode(np.ascontiguousarray(a[:, 0]), np.ascontiguousarray(a[:, 1]),
                   float(10 ** precision)).tobytes().decode("ascii")


def decode(text: str, precision: int = 5) -> list[tuple[float, float]]:
    """Decode into ``[(lat, lon), ...]``."""
    factor = 10 ** precision
    coords: list[tuple[float, float]] = []
    i = lat = lon = 0
    while i < len(text):
        deltas = []
        for _ in range(2):
            shift = result = 0
            while True:
                b = ord(text[i]) - 63
                i += 1
                result |= (b & 0x1F) << shift
                shift += 5
                if b < 0x20:
                    break
            deltas.append(~(result >> 1) if result & 1 else result >> 1)
        lat += deltas[0]
        lon += deltas[1]
        coords.append((lat / factor, lon / factor))
    return coords
