"""Encoded polylines (the Google/OTP ``legGeometry.points`` format, precision 5)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def _enc(value: int, out: list[str]) -> None:
    v = ~(value << 1) if value < 0 else value << 1
    while v >= 0x20:
        out.append(chr((0x20 | (v & 0x1F)) + 63))
        v >>= 5
    out.append(chr(v + 63))


def encode(coords: Iterable[Sequence[float]], precision: int = 5) -> str:
    """Encode ``[(lat, lon), ...]``."""
    factor = 10 ** precision
    out: list[str] = []
    plat = plon = 0
    for lat, lon in coords:
        ilat, ilon = round(lat * factor), round(lon * factor)
        _enc(ilat - plat, out)
        _enc(ilon - plon, out)
        plat, plon = ilat, ilon
    return "".join(out)


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
