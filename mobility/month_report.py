"""The monthly report's files for the funding authority: a self-contained HTML page in
English and in German (headline figures, every KPI with its definition, plots embedded as
PNG), ``report.csv`` (one row per KPI: key, value, unit, definition), ``daily.csv`` (the
per-day series) and the companies' statements as CSV. The figures come from
:func:`api.service.monthly_report.month_report`, their words from the one KPI table
(:mod:`dispatch.kpi_table`) the simulation's report uses too."""

from __future__ import annotations

import base64
import csv
import html
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no screen
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from api.service.accounting import Statement, statement_csv  # noqa: E402
from api.service.monthly_report import kpi_value  # noqa: E402
from api.service.quoting import NO_OFFER  # noqa: E402
from dispatch.kpi_table import MONTH, KpiDefinition  # noqa: E402
from mobility.sim.texts import REASONS, money, number, percent  # noqa: E402

LANGUAGES = ("en", "de")
#: the per-day series' columns (daily.csv)
DAILY_COLUMNS = ("date", "trips_requested", "trips_served", "rejected", "cancelled",
                 "no_shows", "passengers", "vehicle_hours", "vehicle_km", "empty_km",
                 "passenger_km", "mean_occupancy", "pooling_rate", "fares_collected")

#: the page's and the plots' own words
TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "On-demand service: monthly report {month}, {area} ({region})",
        "all_areas": "all service areas",
        "period": "Service days {since} to {until}.",
        "provisional": "The month is still running: the figures cover the days so far.",
        "headline_served": "Served: {served} of {requested} trips requested ({share})",
        "headline_refused": "Refused: {refused} ({share}); cancelled: {cancelled}; "
                            "no-shows: {no_shows}",
        "headline_rest": "{ppvh} passengers per vehicle-hour, shared rides {pooling}, cost "
                         "per trip {cost}.",
        "reasons": "Why requests were refused", "no_refusals": "No request was refused.",
        "kpis": "Key figures", "kpi": "Figure", "value": "Value", "unit": "Unit",
        "meaning": "Definition",
        "cancelled_by": "by riders {rider}, by the operator {operator}",
        "plots": "Over the month",
        "ratings_h": "Riders' ratings",
        "no_ratings": "No ride was rated this month.",
        "rating_reasons": "Reasons ticked: {reasons}.",
        "files": "Files beside this page: report.csv (every figure with its unit and "
                 "definition), daily.csv (the figures per day) and the companies' statements "
                 "(statement-<company>.csv). Money in {currency}.",
        "day": "service day", "trips": "trips (count)", "served": "served",
        "rejected": "refused", "cancelled": "cancelled", "no_shows": "no-shows",
        "trips_title": "Trips per day: served, refused, cancelled and no-shows",
        "occupancy_title": "Mean occupancy and shared rides per day",
        "occupancy_y": "passengers on board (mean)", "pooling_y": "shared rides (%)",
        "stars": "stars (1 worst, 5 best)", "ratings_y": "rides (count)",
        "ratings_title": "Ratings of the month's rides",
        "alt_trips": "Bar chart of the trips served, refused, cancelled and missed per day",
        "alt_occupancy": "Line chart of the mean occupancy and the shared rides per day",
        "alt_ratings": "Bar chart of the number of rides rated with each number of stars",
        "reason.service-closed": "the service was closed then (a closure the dispatcher "
                                 "entered)",
        "reason.no-offer": "no vehicle could take the ride",
        "rating.late": "late", "rating.early": "early", "rating.driver": "driver",
        "rating.vehicle": "vehicle", "rating.comfort": "comfort", "rating.booking": "booking",
        "rating.other": "other",
    },
    "de": {
        "title": "Rufbus: Monatsbericht {month}, {area} ({region})",
        "all_areas": "alle Bediengebiete",
        "period": "Betriebstage {since} bis {until}.",
        "provisional": "Der Monat läuft noch: die Zahlen umfassen die Tage bis heute.",
        "headline_served": "Bedient: {served} von {requested} angefragten Fahrten ({share})",
        "headline_refused": "Abgelehnt: {refused} ({share}); storniert: {cancelled}; nicht "
                            "erschienen: {no_shows}",
        "headline_rest": "{ppvh} Fahrgäste je Fahrzeugstunde, geteilte Fahrten {pooling}, "
                         "Kosten je Fahrt {cost}.",
        "reasons": "Warum Anfragen abgelehnt wurden",
        "no_refusals": "Keine Anfrage wurde abgelehnt.",
        "kpis": "Kennzahlen", "kpi": "Kennzahl", "value": "Wert", "unit": "Einheit",
        "meaning": "Definition",
        "cancelled_by": "von Fahrgästen {rider}, vom Betreiber {operator}",
        "plots": "Über den Monat",
        "ratings_h": "Bewertungen der Fahrgäste",
        "no_ratings": "In diesem Monat wurde keine Fahrt bewertet.",
        "rating_reasons": "Angekreuzte Gründe: {reasons}.",
        "files": "Dateien neben dieser Seite: report.csv (jede Kennzahl mit Einheit und "
                 "Definition), daily.csv (die Kennzahlen je Tag) und die Abrechnungen der "
                 "Unternehmen (statement-<Unternehmen>.csv). Geld in {currency}.",
        "day": "Betriebstag", "trips": "Fahrten (Anzahl)", "served": "bedient",
        "rejected": "abgelehnt", "cancelled": "storniert", "no_shows": "nicht erschienen",
        "trips_title": "Fahrten je Tag: bedient, abgelehnt, storniert, nicht erschienen",
        "occupancy_title": "Mittlere Besetzung und geteilte Fahrten je Tag",
        "occupancy_y": "Fahrgäste an Bord (Mittel)", "pooling_y": "geteilte Fahrten (%)",
        "stars": "Sterne (1 am schlechtesten, 5 am besten)",
        "ratings_y": "Fahrten (Anzahl)",
        "ratings_title": "Bewertungen der Fahrten des Monats",
        "alt_trips": "Balkendiagramm der bedienten, abgelehnten, stornierten und "
                     "versäumten Fahrten je Tag",
        "alt_occupancy": "Liniendiagramm der mittleren Besetzung und der geteilten Fahrten "
                         "je Tag",
        "alt_ratings": "Balkendiagramm der Zahl der Fahrten je Sternezahl",
        "reason.service-closed": "der Dienst war zu der Zeit eingestellt (von der "
                                 "Disposition eingetragen)",
        "reason.no-offer": "kein Fahrzeug konnte die Fahrt übernehmen",
        "rating.late": "zu spät", "rating.early": "zu früh", "rating.driver": "Fahrer/in",
        "rating.vehicle": "Fahrzeug", "rating.comfort": "Komfort", "rating.booking": "Buchung",
        "rating.other": "Sonstiges",
    },
}


def reason_words(code: str, language: str) -> str:
    """A refusal's problem code in plain words (the dispatcher's reasons as the simulation
    words them; the code itself when it has no words)."""
    lang = language if language in LANGUAGES else "en"
    by_code = {c: r for r, c in NO_OFFER.items()}
    if code in by_code and by_code[code] in REASONS[lang]:
        return REASONS[lang][by_code[code]]
    return TEXT[lang].get(f"reason.{code}", code)


def value_text(k: KpiDefinition, report: dict[str, Any], language: str) -> str:
    """A KPI's value as the page shows it (in the language's number format)."""
    v = kpi_value(report, k.key)
    cur = report.get("currency") or ""
    if k.key == "cancelled":
        by = report["cancelled_by"]
        return (f"{number(v, 0, language)} ("
                + TEXT[language]["cancelled_by"].format(rider=by["rider"],
                                                        operator=by["operator"]) + ")")
    if k.key in ("trips_served", "rejected") and report["trips_requested"]:
        return f"{number(v, 0, language)} ({percent(v / report['trips_requested'], language)})"
    if v is None:
        return "–"
    if k.unit == "share":
        return percent(v, language)
    if k.unit == "{currency}":
        return money(v, cur, language) if k.key != "cost_per_passenger_km" else (
            f"{number(v, 3, language)} {cur}" if language == "de" else
            f"{cur} {number(v, 3, language)}")
    if isinstance(v, int):
        return number(v, 0, language)
    return number(v, 2, language)


# -- plots ------------------------------------------------------------------------------------
def _days(report: dict[str, Any]) -> tuple[list[str], np.ndarray]:
    days = [d["date"] for d in report["daily"]]
    return days, np.arange(len(days))


def _day_axis(ax: Any, days: Sequence[str], tx: dict[str, str]) -> None:
    ticks = list(range(0, len(days), max(1, len(days) // 10 + (len(days) % 10 > 0))))
    ax.set_xticks(ticks)
    ax.set_xticklabels([days[k][8:10] + "." + days[k][5:7] + "." for k in ticks], fontsize=8)
    ax.set_xlabel(tx["day"])


def _trips(report: dict[str, Any], tx: dict[str, str]) -> Figure:
    days, x = _days(report)
    fig, ax = plt.subplots(figsize=(9, 3.4))
    bottom = np.zeros(len(days))
    for key, colour in (("trips_served", "#2e9c5a"), ("rejected", "#c8453b"),
                        ("cancelled", "#888888"), ("no_shows", "#e0a324")):
        ys = np.array([d[key] for d in report["daily"]], dtype=float)
        label = tx[{"trips_served": "served"}.get(key, key)]
        ax.bar(x, ys, bottom=bottom, width=0.85, color=colour, label=label)
        bottom += ys
    ax.set_ylabel(tx["trips"])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _day_axis(ax, days, tx)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))  # beside the bars
    ax.set_title(tx["trips_title"])
    return fig


def _occupancy(report: dict[str, Any], tx: dict[str, str]) -> Figure:
    days, x = _days(report)
    fig, ax = plt.subplots(figsize=(8, 3.4))
    # a day without driving has no occupancy: a gap in the lines, not a zero
    occ = [d["mean_occupancy"] if d.get("vehicle_km") else np.nan for d in report["daily"]]
    pool = [100 * d["pooling_rate"] if d.get("vehicle_km") else np.nan
            for d in report["daily"]]
    ax.plot(x, occ, marker="o", ms=3, color="#e07b24", label=tx["occupancy_y"])
    ax.set_ylabel(tx["occupancy_y"])
    ax.set_ylim(bottom=0)
    ax2 = ax.twinx()
    ax2.plot(x, pool, marker="s", ms=3, color="#3b7dd8", label=tx["pooling_y"])
    ax2.set_ylabel(tx["pooling_y"])
    ax2.set_ylim(0, 100)
    _day_axis(ax, days, tx)
    lines = [*ax.get_lines(), *ax2.get_lines()]
    ax.legend(lines, [str(ln.get_label()) for ln in lines], fontsize=8, loc="upper left")
    ax.set_title(tx["occupancy_title"])
    return fig


def _ratings(report: dict[str, Any], tx: dict[str, str]) -> Figure:
    by = report["ratings"]["by_stars"]
    stars = [1, 2, 3, 4, 5]
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.bar(stars, [by.get(str(s), 0) for s in stars], color="#3b7dd8", width=0.7)
    ax.set_xticks(stars)
    ax.set_xlabel(tx["stars"])
    ax.set_ylabel(tx["ratings_y"])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(tx["ratings_title"])
    return fig


def figures(report: dict[str, Any], language: str = "en") -> dict[str, Figure]:
    """The report's plots (name → figure) with their texts in ``language``; the caller
    closes them."""
    tx = TEXT[language if language in LANGUAGES else "en"]
    out = {"trips": _trips(report, tx), "occupancy": _occupancy(report, tx),
           "ratings": _ratings(report, tx)}
    if language == "de":  # decimal commas on the numbered axes
        for fig in out.values():
            for ax in fig.axes:
                ax.yaxis.set_major_formatter(FuncFormatter(
                    lambda v, _: f"{v:g}".replace(".", ",").replace("-", "−")))
    return out


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


# -- the page ---------------------------------------------------------------------------------
def page(report: dict[str, Any], region: str, language: str) -> str:
    """The report's HTML in ``language`` (self-contained: the plots inline)."""
    lang = language if language in LANGUAGES else "en"
    tx, e, cur = TEXT[lang], html.escape, report.get("currency") or ""
    req = report["trips_requested"]

    def share(n: int) -> str:
        return percent(n / req if req else 0.0, lang)

    rows = []
    for k in MONTH:
        name, definition = k.words(lang, cur)
        rows.append(f'<tr data-kpi="{k.key}"><th scope="row">{e(name)}</th>'
                    f"<td>{e(value_text(k, report, lang))}</td><td>{e(k.unit_text(cur, lang))}</td>"
                    f"<td>{e(definition)}</td></tr>")
    reasons = "".join(f"<li>{e(reason_words(code, lang))}: {n}</li>"
                      for code, n in sorted(report["rejected_by_reason"].items(),
                                            key=lambda cn: -cn[1]))
    imgs = "".join(f'<img alt="{e(tx["alt_" + name])}" src="data:image/png;base64,{data}">'
                   for name, data in ((n, _png(f)) for n, f in figures(report, lang).items()))
    r = report["ratings"]
    ticked = ", ".join(f"{tx['rating.' + k]} {n}" for k, n in r["by_reason"].items() if n)
    ratings = (f"<p>{e(value_text(next(k for k in MONTH if k.key == 'rating_mean'), report, lang))}"
               f" ({r['count']})</p>" + (f"<p>{e(tx['rating_reasons'].format(reasons=ticked))}"
                                          "</p>" if ticked else "")
               if r["count"] else f"<p>{e(tx['no_ratings'])}</p>")
    area = report["area"] or tx["all_areas"]
    cost = report["cost_per_trip"]
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>mobility — {e(region)} / {e(area)} / {e(report["month"])}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;color:#222}}
table{{border-collapse:collapse}}th,td{{text-align:left;padding:3px 12px;border-bottom:1px solid
#ddd;vertical-align:top}}th{{font-weight:600}}img{{max-width:100%;margin:8px 0}}
.big{{font-size:1.4em;margin:.2em 0}}.refused{{color:#a3281f}}td:last-child{{color:#555}}</style>
</head><body>
<h1>{e(tx["title"].format(month=report["month"], area=area, region=region))}</h1>
<p>{e(tx["period"].format(since=report["since"], until=report["until"]))}
{e(tx["provisional"]) if report["provisional"] else ""}</p>
<p class="big served">{e(tx["headline_served"].format(
    served=number(report["trips_served"], 0, lang), requested=number(req, 0, lang),
    share=share(report["trips_served"])))}</p>
<p class="big refused">{e(tx["headline_refused"].format(
    refused=number(report["rejected"], 0, lang), share=share(report["rejected"]),
    cancelled=number(report["cancelled"], 0, lang),
    no_shows=number(report["no_shows"], 0, lang)))}</p>
<p>{e(tx["headline_rest"].format(
    ppvh=number(report["passengers_per_vehicle_hour"], 2, lang),
    pooling=percent(report["pooling_rate"], lang),
    cost=money(cost, cur, lang) if cost is not None else "–"))}</p>
<h2>{e(tx["reasons"])}</h2>
{f'<ul class="reasons">{reasons}</ul>' if reasons else f"<p>{e(tx['no_refusals'])}</p>"}
<h2>{e(tx["kpis"])}</h2>
<table><thead><tr><th scope="col">{e(tx["kpi"])}</th><th scope="col">{e(tx["value"])}</th>
<th scope="col">{e(tx["unit"])}</th><th scope="col">{e(tx["meaning"])}</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
<h2>{e(tx["ratings_h"])}</h2>{ratings}
<h2>{e(tx["plots"])}</h2>{imgs}
<p>{e(tx["files"].format(currency=cur))}</p>
</body></html>
"""


# -- the files --------------------------------------------------------------------------------
def kpi_rows(report: dict[str, Any], language: str = "en") -> list[dict[str, Any]]:
    """report.csv's rows: key, value, unit, definition."""
    cur = report.get("currency") or ""
    return [{"key": k.key, "value": "" if kpi_value(report, k.key) is None
             else kpi_value(report, k.key), "unit": k.unit_text(cur),
             "definition": k.words(language, cur)[1]} for k in MONTH]


def write_report(report: dict[str, Any], out: Path, region: str,
                 statements: Sequence[Statement] = ()) -> list[Path]:
    """Write report.en.html, report.de.html, report.csv, daily.csv and one
    statement-<company>.csv per statement into ``out``; the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for lang in LANGUAGES:
        p = out / f"report.{lang}.html"
        p.write_text(page(report, region, lang), encoding="utf-8")
        written.append(p)
    p = out / "report.csv"
    with p.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, ("key", "value", "unit", "definition"))
        w.writeheader()
        w.writerows(kpi_rows(report))
    written.append(p)
    p = out / "daily.csv"
    with p.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, DAILY_COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerows(report["daily"])
    written.append(p)
    for st in statements:
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in st.company_id)
        p = out / f"statement-{safe}.csv"
        p.write_text(statement_csv(st), encoding="utf-8", newline="")
        written.append(p)
    return written
