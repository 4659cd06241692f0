"""The accessibility report: one self-contained HTML file (plots embedded as PNG) with the
headline figures per fleet size, a map of the cells gaining access and the before/after
distributions of the time to the nearest opportunity, in English or German."""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no screen
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Polygon as Patch  # noqa: E402

from mobility.access.run import AccessResult  # noqa: E402

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Who gains access with the on-demand service",
        "intro": "{region}, {date}: departures every minute {window}; to the nearest of "
                 "{n} opportunities ({names}); reachable means a median time of at most "
                 "{max} minutes. On-demand service: area {area}, timed by the simulated "
                 "day of each fleet size (served share, waits, detours).",
        "method": "Residents are estimated from {source} on a grid of {cell} m. Each "
                  "minute counts the transit-only time with weight 1 − served share and "
                  "the times with the on-demand service (at the measured wait and detour "
                  "quartiles) with the served share.",
        "vehicles": "Vehicles", "served": "Served share", "wait": "Wait p50 (min)",
        "detour": "Detour p50", "gaining": "Residents gaining access",
        "per_vh": "Gaining per vehicle-hour", "cost_per": "Cost per resident gaining",
        "within_before": "Residents within {max} min (transit only)",
        "within_after": "Residents within {max} min (with the service)",
        "median_before": "Median time before (min)", "median_after": "Median time after",
        "map": "Cells gaining access within {max} min with {n} vehicles",
        "map_gain": "gains access", "map_within": "already within {max} min",
        "map_none": "not within {max} min", "area": "service area",
        "dist": "Median time to the nearest opportunity (residents)",
        "minutes": "minutes", "residents": "residents", "before": "transit only",
        "after": "with {n} vehicles", "unreachable": "unreachable", "or": "or", "lon": "longitude",
        "lat": "latitude", "none": "–"},
    "de": {
        "title": "Wer mit dem Rufbus Zugang gewinnt",
        "intro": "{region}, {date}: Abfahrten jede Minute {window}; zur nächsten von {n} "
                 "Gelegenheiten ({names}); erreichbar heißt Median höchstens {max} Minuten. "
                 "Rufbus: Gebiet {area}, bemessen am simulierten Tag jeder Flottengröße "
                 "(Anteil bedient, Wartezeiten, Umwege).",
        "method": "Einwohner geschätzt aus {source} auf einem Raster von {cell} m. Jede "
                  "Minute zählt die Zeit nur mit ÖPNV mit Gewicht 1 − Anteil bedient und die "
                  "Zeiten mit Rufbus (bei den gemessenen Quartilen von Wartezeit und Umweg) "
                  "mit dem Anteil bedient.",
        "vehicles": "Fahrzeuge", "served": "Anteil bedient", "wait": "Wartezeit p50 (min)",
        "detour": "Umwegfaktor p50", "gaining": "Einwohner mit neuem Zugang",
        "per_vh": "Gewinn je Fahrzeugstunde", "cost_per": "Kosten je gewonnenem Einwohner",
        "within_before": "Einwohner in {max} min (nur ÖPNV)",
        "within_after": "Einwohner in {max} min (mit Rufbus)",
        "median_before": "Median vorher (min)", "median_after": "Median nachher",
        "map": "Zellen mit neuem Zugang in {max} min mit {n} Fahrzeugen",
        "map_gain": "gewinnt Zugang", "map_within": "schon in {max} min",
        "map_none": "nicht in {max} min", "area": "Bediengebiet",
        "dist": "Median-Zeit zur nächsten Gelegenheit (Einwohner)",
        "minutes": "Minuten", "residents": "Einwohner", "before": "nur ÖPNV",
        "after": "mit {n} Fahrzeugen", "unreachable": "nicht erreichbar", "or": "oder",
        "lon": "Länge", "lat": "Breite", "none": "–"},
}


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def gain_map(result: AccessResult, vehicles: int, tx: dict[str, str]) -> Figure:
    """The cells coloured: gaining access (green), already within T (grey-blue), not
    within T (light grey); the service area outlined."""
    t = result.options.max_min
    b50 = result.result.before[:, 1]
    gain = result.gain(vehicles)
    fig, ax = plt.subplots(figsize=(7, 7))
    groups = ((~gain & (b50 > t), "#e3e3e3", tx["map_none"].format(max=t)),
              (b50 <= t, "#8fb3d9", tx["map_within"].format(max=t)),
              (gain, "#2e9c5a", tx["map_gain"]))
    for mask, colour, label in groups:
        for i in np.flatnonzero(mask):
            ax.add_patch(Patch(result.cells.polygon(int(i)), closed=True, fc=colour,
                               ec="none"))
        ax.scatter([], [], marker="s", c=colour, label=label)
    if result.area_geometry is not None:
        from shapely.geometry import shape

        geom = shape(result.area_geometry)
        for p in [geom] if geom.geom_type == "Polygon" else list(geom.geoms):
            x, y = p.exterior.xy
            ax.plot(x, y, color="#3b7dd8", lw=1.2, label=tx["area"])
    lat, lon = result.cells.lat, result.cells.lon
    x0, y0, x1, y1 = (float(lon.min()), float(lat.min()), float(lon.max()),
                      float(lat.max()))
    if result.area_geometry is not None:  # the area and its surroundings, not the region
        bx0, by0, bx1, by1 = geom.bounds
        mx, my = 0.25 * (bx1 - bx0), 0.25 * (by1 - by0)
        x0, y0, x1, y1 = max(x0, bx0 - mx), max(y0, by0 - my), min(x1, bx1 + mx), min(
            y1, by1 + my)
    ax.set_xlim(x0 - 0.01, x1 + 0.01)
    ax.set_ylim(y0 - 0.01, y1 + 0.01)
    ax.set_aspect(1 / math.cos(math.radians(float(lat.mean()))))
    ax.scatter(result.opps.lon, result.opps.lat, marker="*", s=90, c="#c8453b", zorder=3)
    ax.legend(loc="lower left", fontsize=7)
    ax.set_title(tx["map"].format(max=t, n=vehicles), fontsize=10)
    ax.set_xlabel(tx["lon"])
    ax.set_ylabel(tx["lat"])
    ax.tick_params(labelsize=7)
    return fig


def distributions(result: AccessResult, tx: dict[str, str]) -> Figure:
    """Residents by their median time to the nearest opportunity, before and with each
    fleet size (unreachable in the last bin)."""
    mx = result.options.max_min
    cap = 2 * mx
    bins = np.arange(0, cap + 10, 5.0).tolist()
    w = result.cells.weight
    fig, ax = plt.subplots(figsize=(7, 3.6))
    series = [(result.result.before[:, 1], tx["before"])]
    series += [(result.result.after[v][:, 1], tx["after"].format(n=v))
               for v in sorted(result.result.after)]
    for x, label in series:
        ax.hist(np.minimum(np.where(np.isfinite(x), x, cap + 5), cap + 5), bins=bins,
                weights=w, histtype="step", lw=1.4, label=label)
    ax.axvline(mx, color="#888", ls="--", lw=1)
    ax.set_xlabel(f"{tx['minutes']} (> {cap} {tx['or']} {tx['unreachable']})")
    ax.set_ylabel(tx["residents"])
    ax.set_title(tx["dist"], fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def write_report(result: AccessResult, out: Path, language: str = "en") -> Path:
    """``out/index.html`` (self-contained) in ``language`` (en or de)."""
    tx = TEXT.get(language, TEXT["en"])
    s = result.to_json()
    mx = result.options.max_min

    def num(x: Any, digits: int = 1) -> str:
        if x is None or (isinstance(x, float) and not math.isfinite(x)):
            return tx["none"]
        text = f"{x:,.{digits}f}"
        return text.replace(",", " ").replace(".", ",") if language == "de" else text

    fleets = s["fleets"]
    head = [tx["vehicles"], tx["served"], tx["wait"], tx["detour"], tx["gaining"],
            tx["within_after"].format(max=mx), tx["per_vh"], tx["cost_per"],
            tx["median_after"]]
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in (
            str(f["vehicles"]), num(100 * f["served_share"], 0) + " %",
            num(f["wait_min"]["p50"]), num(f["detour_factor"]["p50"], 2),
            num(f["residents_gaining"], 0), num(f["residents_within_after"], 0),
            num(f["gaining_per_vehicle_hour"], 1),
            num(f["cost_per_resident_gaining"], 2) + f" {f.get('currency') or ''}",
            num(f["median_min_after"]))) + "</tr>" for f in fleets)
    biggest = max(result.result.after) if result.result.after else None
    maps = ""
    if biggest is not None:
        maps = f'<img alt="map" src="data:image/png;base64,{_png(gain_map(result, biggest, tx))}">'
    dist = _png(distributions(result, tx))
    intro = tx["intro"].format(region=result.region, date=result.date.isoformat(),
                               window=result.options.window, n=len(result.opps),
                               names=", ".join(result.opps.names[:6]), max=mx,
                               area=result.area_name)
    method = tx["method"].format(source=result.cells.source, cell=int(result.cells.size_m))
    before = (f"<p>{html.escape(tx['within_before'].format(max=mx))}: "
              f"<b>{num(s['residents_within_before'], 0)}</b> / {num(s['residents'], 0)} · "
              f"{html.escape(tx['median_before'])}: {num(s['median_min_before'])}</p>")
    page = f"""<!doctype html>
<html lang="{language}"><head><meta charset="utf-8">
<title>{html.escape(tx['title'])}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.25rem .5rem;
text-align:right}}th{{background:#f3f3f3}}img{{max-width:100%}}</style></head><body>
<h1>{html.escape(tx['title'])}</h1>
<p>{html.escape(intro)}</p><p>{html.escape(method)}</p>{before}
<table><tr>{''.join(f'<th>{html.escape(h)}</th>' for h in head)}</tr>{rows}</table>
{maps}
<img alt="distribution" src="data:image/png;base64,{dist}">
</body></html>
"""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
