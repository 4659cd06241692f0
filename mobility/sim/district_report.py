"""The district sweep's report: one page comparing the areas — the smallest fleet per area
meeting the target served share, then every variant area by area — with plots of the
served share and the cost per served trip against the fleet size (one line per area), as
self-contained HTML (plots embedded), as Markdown beside the PNGs, and as JSON; in English
or German."""

from __future__ import annotations

import base64
import html
import json
import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no screen
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator, PercentFormatter  # noqa: E402

from mobility.sim.texts import language_of, money, number, percent  # noqa: E402

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "{region}: {areas} service areas compared",
        "intro": "{n} variants (service area × fleet size × demand rate), each a simulated "
                 "day on the same demand where only the fleet differs; every variant's full "
                 "report is linked. Target: {target} of the requests served.",
        "areas_h": "The smallest fleet per area",
        "areas_p": "Per area and demand rate: the smallest fleet tried whose served share "
                   "reaches the target (a larger fleet is not assumed to serve more: every "
                   "size is simulated), with its figures; where no size tried reaches it, "
                   "the best tried.",
        "district_h": "The district",
        "district_p": "Every area at its smallest fleet meeting the target, together.",
        "all_h": "Every variant",
        "area": "area", "areas": "areas", "rate": "rate/h", "sizes": "sizes tried",
        "smallest": "smallest fleet",
        "vehicles": "vehicles", "requests": "requests", "served": "served",
        "refused": "refused", "p95": "p95 wait", "pooling": "shared rides",
        "vkm": "vehicle-km", "cost": "cost/served trip", "report": "report",
        "none": "none tried (best: {n})", "own": "each area's own",
        "missing": "not every area reaches it",
        "plot_served": "Served share by fleet size", "plot_cost": "Cost per served trip",
        "x": "vehicles", "y_served": "served share of requests",
        "y_cost": "cost per served trip ({currency})", "target": "target {target}",
        "alt_served": "served share against fleet size, one line per area",
        "alt_cost": "cost per served trip against fleet size, one line per area",
        "min": "min",
        "files": "Files: comparison.json (every figure), report.md, the plots as PNG; each "
                 "variant's report, kpis.json and trips.csv in <area>/<variant>/."},
    "de": {
        "title": "{region}: {areas} Bediengebiete im Vergleich",
        "intro": "{n} Varianten (Bediengebiet × Flottengröße × Nachfrage), jede ein "
                 "simulierter Tag auf derselben Nachfrage, nur die Flotte verschieden; der "
                 "vollständige Bericht jeder Variante ist verlinkt. Ziel: {target} der "
                 "Anfragen bedient.",
        "areas_h": "Die kleinste Flotte je Gebiet",
        "areas_p": "Je Gebiet und Nachfrage: die kleinste simulierte Flotte, deren "
                   "bedienter Anteil das Ziel erreicht (jede Größe ist simuliert, eine "
                   "größere Flotte bedient nicht zwingend mehr), mit ihren Kennzahlen; wo "
                   "keine Größe es erreicht, die beste.",
        "district_h": "Der Kreis",
        "district_p": "Alle Gebiete mit ihrer kleinsten Flotte, die das Ziel erreicht, "
                      "zusammen.",
        "all_h": "Alle Varianten",
        "area": "Gebiet", "areas": "Gebiete", "rate": "Anfragen/h", "sizes": "simulierte Größen",
        "smallest": "kleinste Flotte", "vehicles": "Fahrzeuge", "requests": "Anfragen",
        "served": "bedient", "refused": "abgelehnt", "p95": "Wartezeit p95",
        "pooling": "geteilte Fahrten", "vkm": "Fahrzeug-km", "cost": "Kosten/Fahrt",
        "report": "Bericht", "none": "keine (beste: {n})", "own": "je Gebiet eigene",
        "missing": "nicht jedes Gebiet erreicht es",
        "plot_served": "Bedienter Anteil nach Flottengröße",
        "plot_cost": "Kosten je bediente Fahrt",
        "x": "Fahrzeuge", "y_served": "bedienter Anteil der Anfragen",
        "y_cost": "Kosten je bediente Fahrt ({currency})", "target": "Ziel {target}",
        "alt_served": "bedienter Anteil nach Flottengröße, eine Linie je Gebiet",
        "alt_cost": "Kosten je bediente Fahrt nach Flottengröße, eine Linie je Gebiet",
        "min": "min",
        "files": "Dateien: comparison.json (alle Zahlen), report.md, die Grafiken als PNG; "
                 "Bericht, kpis.json und trips.csv jeder Variante in <Gebiet>/<Variante>/."},
}


def _lines(c: dict[str, Any]) -> dict[tuple[str, float], list[dict[str, Any]]]:
    """The variants by (area, rate), each sorted by fleet size: one line of a plot."""
    out: dict[tuple[str, float], list[dict[str, Any]]] = {}
    for r in c["comparison"]:
        out.setdefault((r["area"], r["rate_per_hour"]), []).append(r)
    return {k: sorted(v, key=lambda r: r["vehicles"]) for k, v in out.items()}


def figures(c: dict[str, Any], language: str = "en") -> dict[str, Figure]:
    """``served_share.png`` (with the target) and ``cost_per_trip.png`` against the fleet
    size, one line per area (and rate, where several were swept)."""
    tx = TEXT[language_of(language)]
    lines = _lines(c)
    several = len({rate for _, rate in lines}) > len({a for a, _ in lines})
    cur = next((r["currency"] for r in c["comparison"] if r["currency"]), "") or ""
    out = {}
    for name, key, ylabel in (("served_share.png", "served_share", tx["y_served"]),
                              ("cost_per_trip.png", "cost_per_served_trip",
                               tx["y_cost"].format(currency=cur))):
        fig, ax = plt.subplots(figsize=(7.5, 4.2))
        for (area, rate), rs in lines.items():
            pts = [(r["vehicles"], r[key]) for r in rs if r[key] is not None]
            if pts:
                xs, ys = zip(*pts, strict=True)
                ax.plot(xs, ys, marker="o",
                        label=f"{area} ({number(rate, 1, language)}/h)" if several else area)
        if key == "served_share":
            ax.axhline(c["target"], color="#777", linestyle="--", linewidth=1,
                       label=tx["target"].format(target=percent(c["target"], language)))
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            # from the tenth below the lowest share: the areas' differences stay visible
            low = min([r["served_share"] for r in c["comparison"]] + [c["target"]])
            ax.set_ylim(max(0.0, math.floor(10 * low - 0.5) / 10), 1.01)
            ax.set_title(tx["plot_served"])
        else:
            ax.set_ylim(bottom=0)
            ax.set_title(tx["plot_cost"])
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(tx["x"])
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        out[name] = fig
    return out


def _tables(c: dict[str, Any], lang: str) -> list[tuple[str, str, list[str], list[list[str]],
                                                         list[str | None]]]:
    """The report's tables as (heading, paragraph, header, rows, links of the rows)."""
    tx = TEXT[lang]
    cur = next((r["currency"] for r in c["comparison"] if r["currency"]), "") or ""

    def m(x: float | None) -> str:
        return money(x, cur, lang)

    areas = [[a["area"], number(a["rate_per_hour"], 2, lang),
              ", ".join(str(n) for n in a["sizes"]),
              str(a["smallest_fleet"]) if a["smallest_fleet"] is not None
              else tx["none"].format(n=a["at"].split("veh")[0]),
              f"{a['served']} / {a['requests']} ({percent(a['served_share'], lang)})",
              f"{number(a['wait_p95_min'], 1, lang)} {tx['min']}",
              number(a["vehicle_km"], 0, lang), m(a["cost_per_served_trip"])]
             for a in c["areas"]]
    district = [[number(d["rate_per_hour"], 2, lang) if d["rate_per_hour"] is not None
                 else tx["own"], str(d["areas"]),
                 str(d["vehicles"]) if d["all_met"] else tx["missing"],
                 f"{d['served']} / {d['requests']} ({percent(d['served_share'], lang)})"]
                for d in c["district"]]
    rows = [[r["area"], str(r["vehicles"]), number(r["rate_per_hour"], 2, lang),
             str(r["requests"]), percent(r["served_share"], lang),
             f"{r['refused']} ({percent(r['refused_share'], lang)})",
             f"{number(r['wait_p95_min'], 1, lang)} {tx['min']}",
             percent(r["pooling_rate"], lang), number(r["vehicle_km"], 0, lang),
             m(r["cost_per_served_trip"])] for r in c["comparison"]]
    return [
        (tx["areas_h"], tx["areas_p"],
         [tx["area"], tx["rate"], tx["sizes"], tx["smallest"], tx["served"], tx["p95"],
          tx["vkm"], tx["cost"]], areas, [None] * len(areas)),
        (tx["district_h"], tx["district_p"],
         [tx["rate"], tx["areas"], tx["vehicles"], tx["served"]], district,
         [None] * len(district)),
        (tx["all_h"], "",
         [tx["area"], tx["vehicles"], tx["rate"], tx["requests"], tx["served"],
          tx["refused"], tx["p95"], tx["pooling"], tx["vkm"], tx["cost"]], rows,
         [f"{r['folder']}/index.html" for r in c["comparison"]]),
    ]


def write_district_report(region: str, c: dict[str, Any], out: Path,
                          language: str = "en") -> Path:
    """Write ``index.html`` (self-contained), ``report.md``, ``comparison.json`` (``c``)
    and the PNG plots into ``out`` (beside the variants' folders); returns the HTML file."""
    out.mkdir(parents=True, exist_ok=True)
    lang = language_of(language)
    tx = TEXT[lang]
    for name, fig in figures(c, lang).items():
        fig.tight_layout()
        fig.savefig(out / name, dpi=110)
        plt.close(fig)
    (out / "comparison.json").write_text(json.dumps(c, indent=2), encoding="utf-8")
    n_areas = len({r["area"] for r in c["comparison"]})
    title = tx["title"].format(region=region, areas=n_areas)
    intro = tx["intro"].format(n=len(c["comparison"]), target=percent(c["target"], lang))
    tables = _tables(c, lang)
    plots = (("served_share.png", tx["alt_served"]), ("cost_per_trip.png", tx["alt_cost"]))

    md = [f"# {title}", "", intro, ""]
    for head, para, cols, rows, links in tables:
        md += [f"## {head}", ""] + ([para, ""] if para else [])
        linked = any(links)
        md += ["| " + " | ".join(cols + [tx["report"]] * linked) + " |",
               "|" + "---|" * (len(cols) + linked)]
        for r, link in zip(rows, links, strict=True):
            md.append("| " + " | ".join(x.replace("|", "/") for x in r) + " |"
                      + (f" [{tx['report']}]({link}) |" if link else ""))
        md.append("")
    md += [f"![{alt}]({name})" for name, alt in plots] + ["", tx["files"], ""]
    (out / "report.md").write_text("\n".join(md), encoding="utf-8")

    e = html.escape
    parts = []
    for head, para, cols, rows, links in tables:
        th = "".join(f'<th scope="col">{e(x)}</th>' for x in cols)
        if any(links):
            th += f'<th scope="col">{e(tx["report"])}</th>'
        body = "".join(
            "<tr>" + "".join(f"<td>{e(x)}</td>" for x in r)
            + (f'<td><a href="{e(link)}">{e(tx["report"])}</a></td>' if link else "")
            + "</tr>" for r, link in zip(rows, links, strict=True))
        parts.append(f"<h2>{e(head)}</h2>" + (f"<p>{e(para)}</p>" if para else "")
                     + f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>")
    imgs = "".join(
        f'<img alt="{e(alt)}" src="data:image/png;base64,'
        f'{base64.b64encode((out / name).read_bytes()).decode()}">' for name, alt in plots)
    page = out / "index.html"
    page.write_text(f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>mobility — {e(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}}
table{{border-collapse:collapse;margin-bottom:1em}}th,td{{text-align:right;padding:3px 10px;
border-bottom:1px solid #ddd}}th:first-child,td:first-child{{text-align:left}}
th{{font-weight:600}}img{{max-width:100%;margin:8px 0}}</style>
</head><body>
<h1>{e(title)}</h1>
<p>{e(intro)}</p>
{parts[0]}{parts[1]}{imgs}{parts[2]}
<p>{e(tx["files"])}</p>
</body></html>
""", encoding="utf-8")
    return page
