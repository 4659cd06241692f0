"""The simulation report: a self-contained HTML file (plots embedded, opens offline) with the
served and refused requests first, the KPIs each explained, plots with labelled axes and a
map, all in the reader's language (English or German); the PNG plots beside it, the KPIs
with their currency as JSON and every trip as CSV."""

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
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator, ScalarFormatter  # noqa: E402

from dispatch.kpis import legs  # noqa: E402
from dispatch.scenario import Scenario  # noqa: E402
from mobility.region import Region  # noqa: E402
from mobility.sim.runner import Run  # noqa: E402
from mobility.sim.texts import (  # noqa: E402
    PLOT,
    REPORT,
    factor,
    headline,
    kpi_texts,
    language_of,
    money,
    number,
    percent,
)
from mobility.sim.trips import write_trips  # noqa: E402
from routing.street_router import StreetRouter  # noqa: E402
from routing.timebase import clock_text  # noqa: E402

BIN_S = 900  # 15-minute bins for the day plots


#: the plots' texts by language (the interface's language when the web app starts a run)
PLOT_TEXT = PLOT


def _clock_axis(ax: Any, start: float, end: float, step_h: int = 2) -> None:
    ticks = np.arange(np.floor(start / 3600), np.ceil(end / 3600) + 1, step_h)
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{int(h):02d}:00" for h in ticks])
    ax.set_xlim(start / 3600, end / 3600)


def _waits(run: Run, tx: dict[str, str]) -> Figure:
    waits = [(o.pickup - o.window[0]) / 60 for o in run.result.outcomes.values()
             if o.status == "served"]
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.hist(waits, bins=np.arange(0, max(waits + [15]) + 1.5, 1.0).tolist(), color="#3b7dd8")
    ax.set_xlim(left=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(tx["wait_x"])
    ax.set_ylabel(tx["served_trips"])
    ax.set_title(tx["waits"])
    return fig


def _occupancy(run: Run, tx: dict[str, str]) -> Figure:
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
    ax.set_xlabel(tx["clock"])
    ax.set_ylabel(tx["count"])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _clock_axis(ax, start, end)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(tx["occupancy"])
    return fig


def _by_hour(run: Run, tx: dict[str, str]) -> Figure:
    sc = run.scenario
    first, last = int(sc.hours[0] // 3600), int(np.ceil(sc.hours[1] / 3600))
    hours = np.arange(min(first, 23), max(last, first + 1))
    served = np.zeros(len(hours))
    rejected = np.zeros(len(hours))
    for o in run.result.outcomes.values():
        h = int(o.trip.time // 3600)
        if not hours[0] <= h <= hours[-1]:
            continue  # (requests outside the hours are refused and counted in the KPIs)
        if o.status == "rejected":
            rejected[h - hours[0]] += 1
        else:
            served[h - hours[0]] += 1
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.bar(hours + 0.5, served, width=0.9, color="#2e9c5a", label=tx["served"])
    ax.bar(hours + 0.5, rejected, width=0.9, bottom=served, color="#c8453b",
           label=tx["rejected"])
    ax.set_xlabel(tx["hour"])
    ax.set_ylabel(tx["requests"])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _clock_axis(ax, hours[0] * 3600.0, (hours[-1] + 1) * 3600.0)
    ax.legend(fontsize=8)
    ax.set_title(tx["by_hour"])
    return fig


def _map(region: Region, run: Run, tx: dict[str, str]) -> Figure:
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
    ax.set_xlabel(tx["lon"])
    ax.set_ylabel(tx["lat"])
    ax.tick_params(labelsize=7)
    return fig


def figures(region: Region, run: Run, language: str = "en") -> dict[str, Figure]:
    """The report's plots (file name → figure), their texts in ``language``; the caller
    closes them."""
    tx = PLOT[language_of(language)]
    out = {"map.png": _map(region, run, tx), "occupancy.png": _occupancy(run, tx),
           "by_hour.png": _by_hour(run, tx), "waits.png": _waits(run, tx)}
    if language_of(language) == "de":  # decimal commas on the numbered axes
        for fig in out.values():
            for ax in fig.axes:
                for axis in (ax.xaxis, ax.yaxis):
                    if isinstance(axis.get_major_formatter(), ScalarFormatter):
                        axis.set_major_formatter(FuncFormatter(_de_tick))
    return out


def _de_tick(x: float, _: int) -> str:
    return f"{x:g}".replace(".", ",").replace("-", "−")


def figure_texts(fig: Figure) -> dict[str, list[str]]:
    """What a figure says: per axes its title, axis labels, tick labels and legend entries
    (drawn first, so that the tick labels are those of the saved file)."""
    fig.canvas.draw()
    out: dict[str, list[str]] = {"title": [], "xlabel": [], "ylabel": [], "xticks": [],
                                 "yticks": [], "legend": []}
    for ax in fig.axes:
        out["title"].append(ax.get_title())
        out["xlabel"].append(ax.get_xlabel())
        out["ylabel"].append(ax.get_ylabel())
        out["xticks"] += [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        out["yticks"] += [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
        leg = ax.get_legend()
        if leg is not None:
            out["legend"] += [t.get_text() for t in leg.get_texts()]
    return out


def _stats(s: dict[str, float | None], language: str, unit: str = "") -> str:
    def n(x: float | None) -> str:
        return number(x, 2, language) + unit if x is not None else "–"

    return REPORT[language]["mean_median_p95"].format(mean=n(s["mean"]), p50=n(s["p50"]),
                                                     p95=n(s["p95"]))


def _kpi_rows(k: dict[str, Any], language: str) -> str:
    """The KPI table's rows: name, value, explanation."""
    cur = k.get("currency", "")
    names = kpi_texts(language, cur)
    h = headline(k, language)
    w, d, lang = k["wait_min"], k["detour_factor"], language

    def share(x: float) -> str:
        return percent(x, lang)

    km = k["vehicle_km"]
    values = {
        "requests": number(k["requests"], 0, lang),
        "served": f"{h['served']} ({share(h['served_share'])})",
        "refused": f"{h['refused']} ({share(h['refused_share'])})",
        "no_shows": number(k["no_shows"], 0, lang),
        "wait": (f"{number(w['p50'], 1, lang)} / {number(w['p95'], 1, lang)} "
                 f"{REPORT[lang]['min']}"
                 if w["p50"] is not None else "–"),
        "detour": factor(d["p50"], lang),
        "in_vehicle": _stats(k["in_vehicle_min"], lang),
        "late_pickups": number(k["pickups_outside_window"], 0, lang),
        "pooling": share(k["pooling_rate"]),
        "mean_occupancy": number(k["mean_occupancy"], 2, lang),
        "seat_occupancy": share(k["seat_occupancy"]),
        "occupancy": number(k["passengers_per_vehicle_hour"], 2, lang),
        "km": f"{number(km, 0, lang)} ({share(k['empty_km'] / km if km else 0.0)})",
        "passenger_km": number(k["passenger_km"], 0, lang),
        "vehicle_hours": number(k["vehicle_hours"], 1, lang),
        "driving_hours": number(k["driving_hours"], 1, lang),
        "cost": money(k["cost_per_served_trip"], cur, lang),
        "cost_total": money(k["cost"], cur, lang),
        "co2": f"{number(k['co2_kg'], 0, lang)} kg",
    }
    rows = []
    for key, value in values.items():
        name, explanation = names[key]
        rows.append(f'<tr data-kpi="{key}"><th scope="row">{html.escape(name)}</th>'
                    f"<td>{html.escape(value)}</td><td>{html.escape(explanation)}</td></tr>")
    return "\n".join(rows)


def _shift_text(sc: Scenario, language: str) -> str:
    tx = REPORT[language]
    start, end = sc.vehicles[0].shift
    area = sc.area.hours
    if area is None:
        return tx["shift_free"].format(start=clock_text(start), end=clock_text(end))
    if (start, end) == tuple(area):
        return tx["shift_area"].format(start=clock_text(start), end=clock_text(end))
    return tx["shift_own"].format(start=clock_text(start), end=clock_text(end),
                                  area_start=clock_text(area[0]), area_end=clock_text(area[1]))


def write_report(region: Region, run: Run, out: Path, language: str = "en") -> Path:
    """Write ``index.html`` (self-contained), the PNG plots, ``kpis.json`` (with the
    ``currency`` of its money figures) and ``trips.csv`` into ``out``, the page and the
    plots in ``language`` ("en" or "de"); returns the HTML file."""
    out.mkdir(parents=True, exist_ok=True)
    lang = language_of(language)
    for name, fig in figures(region, run, lang).items():
        fig.tight_layout()
        fig.savefig(out / name, dpi=110)
        plt.close(fig)
    k = {**run.kpis, "currency": run.kpis.get("currency", run.scenario.costs.currency)}
    (out / "kpis.json").write_text(json.dumps(k, indent=2), encoding="utf-8")
    write_trips(out / "trips.csv", run.result, region.timezone, region.default_date)

    page = out / "index.html"
    page.write_text(_page(region, run, k, lang, out), encoding="utf-8")
    return page


def _page(region: Region, run: Run, k: dict[str, Any], lang: str, run_dir: Path) -> str:
    """The report's HTML: headline, scenario, the KPIs explained, the plots inline."""
    tx, sc, rules = REPORT[lang], run.scenario, run.scenario.rules
    cur = k["currency"]
    h = headline(k, lang)
    e = html.escape

    def img(name: str) -> str:
        data = base64.b64encode((run_dir / name).read_bytes()).decode()
        alt = e(tx["alt_" + name.removesuffix(".png")])
        return f'<img alt="{alt}" src="data:image/png;base64,{data}">'

    reasons = ("".join(f"<li>{e(why)}: {n}</li>" for why, n in h["reasons"])
               if h["reasons"] else "")
    v0 = sc.vehicles[0]
    costs = sc.costs

    def num(x: float, digits: int = 2) -> str:
        return number(x, digits, lang)

    scenario = " ".join([
        tx["fleet"].format(n=len(sc.vehicles), seats=v0.seats, wheelchair=v0.wheelchair_places,
                           lat=f"{v0.start[0]:.4f}", lon=f"{v0.start[1]:.4f}"),
        _shift_text(sc, lang),
        tx["demand"].format(start=clock_text(sc.hours[0]), end=clock_text(sc.hours[1]),
                            rate=num(sc.rate_per_hour), prebooked=percent(sc.prebooked_share,
                                                                           lang),
                            notice=num(sc.notice_s / 60), seed=sc.seed),
        kpi_texts(lang)["seed"][1],
        tx["rules"].format(window=num(rules.window_s / 60), alpha=num(rules.alpha),
                           beta=num(rules.beta / 60), no_show=num(sc.no_show, 3)),
        tx["costs"].format(per_hour=money(costs.per_vehicle_hour, cur, lang),
                           per_km=money(costs.per_km, cur, lang),
                           co2=num(costs.co2_kg_per_km)),
        " ".join(n.text(lang) for n in run.notes)])
    head = kpi_texts(lang, cur)
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>mobility — {e(region.name)} / {e(sc.area.name)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;color:#222}}
table{{border-collapse:collapse}}th,td{{text-align:left;padding:3px 12px;border-bottom:1px solid
#ddd;vertical-align:top}}th{{font-weight:600}}img{{max-width:100%;margin:8px 0}}
.big{{font-size:1.4em;margin:.2em 0}}.refused{{color:#a3281f}}td:last-child{{color:#555}}</style>
</head><body>
<h1>{e(tx["title"].format(area=sc.area.name, region=region.name))}</h1>
<p class="big served">{e(tx["headline_served"].format(
    served=h["served"], requests=h["requests"], share=percent(h["served_share"], lang)))}</p>
<p class="big refused">{e(tx["headline_refused"].format(
    refused=h["refused"], requests=h["requests"], share=percent(h["refused_share"], lang)))}</p>
<p>{e(tx["headline_rest"].format(no_shows=h["no_shows"], p95=num(k["wait_min"]["p95"], 1),
                                 cost=money(k["cost_per_served_trip"], cur, lang)))}</p>
<h2>{e(tx["reasons"])}</h2>
{f'<ul class="reasons">{reasons}</ul>' if reasons else f"<p>{e(tx['no_refusals'])}</p>"}
<p>{e(head["refused"][1])}</p>
<h2>{e(tx["scenario"])}</h2>
<p>{e(scenario)}</p>
<h2>{e(tx["kpis"])}</h2>
<table><thead><tr><th scope="col">{e(tx["kpi"])}</th><th scope="col">{e(tx["value"])}</th>
<th scope="col">{e(tx["meaning"])}</th></tr></thead>
<tbody>{_kpi_rows(k, lang)}</tbody></table>
<h2>{e(tx["map_h"])}</h2>{img("map.png")}
<h2>{e(tx["day_h"])}</h2>{img("occupancy.png")}{img("by_hour.png")}
<h2>{e(tx["waits_h"])}</h2>{img("waits.png")}
<p>{e(tx["files"].format(currency=cur))} {e(tx["osm"])}</p>
</body></html>
"""
