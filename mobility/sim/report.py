"""The simulation report: a self-contained HTML file (plots embedded, opens offline) with the
KPIs, plots and a map, the PNG plots beside it, the KPIs as JSON and every trip as CSV."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no screen
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

from dispatch.kpis import legs  # noqa: E402
from mobility.region import Region  # noqa: E402
from mobility.sim.runner import Run  # noqa: E402
from mobility.sim.trips import write_trips  # noqa: E402
from routing.street_router import StreetRouter  # noqa: E402
from routing.timebase import clock_text  # noqa: E402

BIN_S = 900  # 15-minute bins for the day plots


#: the plots' texts: in the language of the region's planners (the web app shows the plots)
PLOT_TEXT = {
    "en": {"wait_x": "wait after the requested pickup time (min)", "served_trips": "served trips",
           "waits": "Waits", "busy": "vehicles busy", "aboard": "passengers on board",
           "count": "count", "occupancy": "Vehicles busy and passengers on board over the day",
           "served": "served (incl. no-shows)", "rejected": "rejected", "hour": "requested hour",
           "requests": "requests", "by_hour": "Served and rejected requests by hour",
           "pickups": "pickups", "dropoffs": "drop-offs", "rejected_origin": "rejected (origin)",
           "depot": "depot", "map": "Service area {area}: vehicle tracks and trips"},
    "de": {"wait_x": "Wartezeit nach der gewünschten Abholzeit (Min.)",
           "served_trips": "bediente Fahrten", "waits": "Wartezeiten",
           "busy": "Fahrzeuge im Einsatz", "aboard": "Fahrgäste an Bord", "count": "Anzahl",
           "occupancy": "Fahrzeuge im Einsatz und Fahrgäste an Bord über den Tag",
           "served": "bedient (inkl. nicht erschienen)", "rejected": "abgelehnt",
           "hour": "gewünschte Stunde", "requests": "Anfragen",
           "by_hour": "Bediente und abgelehnte Anfragen je Stunde", "pickups": "Abholungen",
           "dropoffs": "Ausstiege", "rejected_origin": "abgelehnt (Start)", "depot": "Depot",
           "map": "Bediengebiet {area}: Fahrzeugwege und Fahrten"},
}


def _clock_axis(ax: Any, start: float, end: float) -> None:
    ticks = np.arange(np.floor(start / 3600), np.ceil(end / 3600) + 1, 2)
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{int(h):02d}:00" for h in ticks])
    ax.set_xlim(start / 3600, end / 3600)


def _waits(run: Run, path: Path, tx: dict[str, str]) -> None:
    waits = [(o.pickup - o.window[0]) / 60 for o in run.result.outcomes.values()
             if o.status == "served"]
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.hist(waits, bins=np.arange(0, max(waits + [15]) + 1.5, 1.0).tolist(), color="#3b7dd8")
    ax.set_xlabel(tx["wait_x"])
    ax.set_ylabel(tx["served_trips"])
    ax.set_title(tx["waits"])
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _occupancy(run: Run, path: Path, tx: dict[str, str]) -> None:
    sc = run.scenario
    start, end = sc.hours[0], max(v.shift[1] for v in sc.vehicles)
    edges = np.arange(start, end + BIN_S, BIN_S)
    busy = np.zeros(len(edges) - 1)
    aboard = np.zeros(len(edges) - 1)
    mids = (edges[:-1] + edges[1:]) / 2
    for vlegs in legs(run.result).values():
        for _, _, dep, arr, load in vlegs:  # busy from one visit to the next
            on = (mids >= dep) & (mids < arr)
            busy += on
            aboard += on * load
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.step(mids / 3600, busy, where="mid", label=tx["busy"], color="#444")
    ax.step(mids / 3600, aboard, where="mid", label=tx["aboard"], color="#e07b24")
    ax.set_ylabel(tx["count"])
    _clock_axis(ax, start, end)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(tx["occupancy"])
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _by_hour(run: Run, path: Path, tx: dict[str, str]) -> None:
    hours = np.arange(24)
    served = np.zeros(24)
    rejected = np.zeros(24)
    for o in run.result.outcomes.values():
        h = int(o.trip.time // 3600) % 24
        if o.status == "rejected":
            rejected[h] += 1
        else:
            served[h] += 1
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.bar(hours, served, color="#2e9c5a", label=tx["served"])
    ax.bar(hours, rejected, bottom=served, color="#c8453b", label=tx["rejected"])
    ax.set_xlabel(tx["hour"])
    ax.set_ylabel(tx["requests"])
    ax.set_xticks(hours[::2])
    ax.legend(fontsize=8)
    ax.set_title(tx["by_hour"])
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _map(region: Region, run: Run, path: Path, tx: dict[str, str]) -> None:
    """The area, its streets, every vehicle's track on the streets, pickups and drop-offs."""
    from shapely.geometry import shape

    geom = shape(run.scenario.area.geometry)
    lon0, lat0, lon1, lat1 = geom.bounds
    net = region.streets["car"]
    fig, ax = plt.subplots(figsize=(7.5, 7.5))
    segs = []
    for e in range(net.n_edges):
        a, b = net.geom_offset[e], net.geom_offset[e + 1]
        lat, lon = net.geom_lat[a:b], net.geom_lon[a:b]
        if lat.max() < lat0 or lat.min() > lat1 or lon.max() < lon0 or lon.min() > lon1:
            continue
        segs.append(np.c_[lon, lat])
    ax.add_collection(LineCollection(segs, colors="#d0d0d0", linewidths=0.4))
    polys = [geom] if geom.geom_type == "Polygon" else list(geom.geoms)
    for p in polys:
        x, y = p.exterior.xy
        ax.plot(x, y, color="#3b7dd8", lw=1.5)
    router = StreetRouter(net)
    colours = plt.cm.tab10(np.arange(len(run.scenario.vehicles)) % 10)
    for (vid, vlegs), c in zip(legs(run.result).items(), colours, strict=True):
        track: list[np.ndarray] = []
        for a, b, _, _, _ in vlegs:
            p = router.route(a, b) if a != b else None
            if p is not None:
                track.append(np.array([(lon, lat) for lat, lon in p.coordinates]))
        if track:
            ax.add_collection(LineCollection(track, colors=[c], linewidths=1.0, alpha=0.7,
                                             label=vid))
    out = run.result.outcomes.values()
    pick = np.array([o.trip.origin for o in out if o.status == "served"]).reshape(-1, 2)
    drop = np.array([o.trip.destination for o in out if o.status == "served"]).reshape(-1, 2)
    rej = np.array([o.trip.origin for o in out if o.status == "rejected"]).reshape(-1, 2)
    ax.scatter(pick[:, 1], pick[:, 0], s=12, c="#2e9c5a", label=tx["pickups"], zorder=3)
    ax.scatter(drop[:, 1], drop[:, 0], s=14, c="#222", marker="x", label=tx["dropoffs"], zorder=3)
    if len(rej):
        ax.scatter(rej[:, 1], rej[:, 0], s=10, facecolors="none", edgecolors="#c8453b",
                   label=tx["rejected_origin"], zorder=3)
    for v in run.scenario.vehicles[:1]:
        ax.scatter([v.start[1]], [v.start[0]], s=80, marker="s", c="#3b7dd8", label=tx["depot"],
                   zorder=4)
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(1 / np.cos(np.radians((lat0 + lat1) / 2)))
    ax.legend(loc="lower left", fontsize=7)
    ax.set_title(tx["map"].format(area=run.scenario.area.name))
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


_LABELS = {"requests": "requests", "served": "served", "no_shows": "no-shows",
           "rejected": "rejected", "served_share": "served share",
           "pickups_outside_window": "pickups outside the promised window",
           "pooling_rate": "pooling rate (shared passenger-km)",
           "mean_occupancy": "mean occupancy (passenger-km per vehicle-km)",
           "seat_occupancy": "seat occupancy (passenger-km per seat-km)",
           "vehicle_km": "vehicle-km", "empty_km": "empty km", "loaded_km": "km with passengers",
           "passenger_km": "passenger-km", "driving_hours": "driving hours",
           "vehicle_hours": "vehicle-hours on shift",
           "passengers_per_vehicle_hour": "passengers per vehicle-hour", "cost": "cost",
           "cost_per_served_trip": "cost per served trip", "co2_kg": "CO₂ (kg)"}


def _kpi_rows(k: dict[str, Any]) -> str:
    rows = []
    for key, name in _LABELS.items():
        rows.append(f"<tr><th>{html.escape(name)}</th><td>{html.escape(str(k[key]))}</td></tr>")
    for key, name in (("wait_min", "wait (min)"), ("in_vehicle_min", "in-vehicle time (min)"),
                      ("detour_factor", "detour factor (ride / direct)")):
        s = k[key]
        rows.append(f"<tr><th>{name}</th><td>mean {s['mean']}, median {s['p50']}, "
                    f"p95 {s['p95']}</td></tr>")
    reasons = ", ".join(f"{r}: {n}" for r, n in k["rejected_by_reason"].items()) or "none"
    rows.append(f"<tr><th>rejected by reason</th><td>{html.escape(reasons)}</td></tr>")
    return "\n".join(rows)


def write_report(region: Region, run: Run, out: Path, language: str = "en") -> Path:
    """Write ``index.html`` (self-contained), the PNG plots (their texts in ``language``,
    "en" or "de"), ``kpis.json`` and ``trips.csv`` into ``out``; returns the HTML file."""
    out.mkdir(parents=True, exist_ok=True)
    tx = PLOT_TEXT.get(language, PLOT_TEXT["en"])
    plots = {"waits.png": _waits, "occupancy.png": _occupancy, "by_hour.png": _by_hour}
    for name, draw in plots.items():
        draw(run, out / name, tx)
    _map(region, run, out / "map.png", tx)
    (out / "kpis.json").write_text(json.dumps(run.kpis, indent=2), encoding="utf-8")
    write_trips(out / "trips.csv", run.result, region.timezone, region.default_date)

    def img(name: str) -> str:
        data = base64.b64encode((out / name).read_bytes()).decode()
        return f'<img alt="{name}" src="data:image/png;base64,{data}">'

    sc = run.scenario
    rules = sc.rules
    k = run.kpis
    doc = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>mobility simulation — {html.escape(region.name)} / {html.escape(sc.area.name)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;color:#222}}
table{{border-collapse:collapse}}th,td{{text-align:left;padding:3px 12px;border-bottom:1px solid
#ddd}}th{{font-weight:600}}img{{max-width:100%;margin:8px 0}}.big{{font-size:1.4em}}</style>
</head><body>
<h1>On-demand service simulation: {html.escape(sc.area.name)} ({html.escape(region.name)})</h1>
<p class="big">{k['served']} of {k['requests']} requests served ({100 * k['served_share']:.1f} %),
p95 wait {k['wait_min']['p95']} min, pooling {100 * k['pooling_rate']:.1f} %,
{k['cost_per_served_trip']} per served trip.</p>
<h2>Scenario</h2>
<p>{len(sc.vehicles)} vehicles ({sc.vehicles[0].seats} seats, {sc.vehicles[0].wheelchair_places}
wheelchair places) from the depot at {sc.vehicles[0].start[0]:.4f}, {sc.vehicles[0].start[1]:.4f},
on shift {clock_text(sc.vehicles[0].shift[0])}–{clock_text(sc.vehicles[0].shift[1])}; requests
{clock_text(sc.hours[0])}–{clock_text(sc.hours[1])} at {sc.rate_per_hour:g}/hour on average
({100 * sc.prebooked_share:.0f} % booked ahead, notice {sc.notice_s / 60:g} min), pickup window
{rules.window_s / 60:g} min, ride at most {rules.alpha:g} × direct + {rules.beta / 60:g} min,
no-show probability {sc.no_show:g}, seed {sc.seed}. Costs: {sc.costs.per_vehicle_hour:g} per
vehicle-hour, {sc.costs.per_km:g} per km, {sc.costs.co2_kg_per_km:g} kg CO₂ per km.
{html.escape(' '.join(run.notes))}</p>
<h2>KPIs</h2><table>{_kpi_rows(k)}</table>
<h2>Map</h2>{img("map.png")}
<h2>Over the day</h2>{img("occupancy.png")}{img("by_hour.png")}
<h2>Waits</h2>{img("waits.png")}
<p>Files beside this page: the plots as PNG, <code>kpis.json</code>, <code>trips.csv</code>.
Street map data © OpenStreetMap contributors.</p>
</body></html>
"""
    page = out / "index.html"
    page.write_text(doc, encoding="utf-8")
    return page
