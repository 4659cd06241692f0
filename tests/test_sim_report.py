"""The simulation's results in plain words: the report and its plots in the reader's
language, every KPI explained (the same words in the report, the web app and README.md),
money with its currency (from the region's country, region.toml, MOBILITY_CURRENCY or the
scenario), and shifts within the service area's hours — on real addison-vt runs."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from mobility.config import currency_of, resolve_region
from mobility.region import Region
from mobility.settings import Settings
from mobility.sim import Overrides, ScenarioError, load_scenario, simulate_and_report
from mobility.sim.jobs import Simulations
from mobility.sim.report import figure_texts, figures
from mobility.sim.texts import KPI, NOTES, PLOT, REASONS, headline, money
from tests import test_api_web
from tests.api_helpers import key, wait_simulation
from tests.conftest import CACHE, DATA, ROOT

web = test_api_web.web  # the API over addison-vt with a simulator (a fixture)
I18N = (ROOT / "api" / "static" / "js" / "i18n.js").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
HOUR = 3600.0


def _js_texts(lang: str) -> dict[str, str]:
    """The web app's texts of one language (``"key": "text"`` pairs of its block)."""
    en, de = I18N.split("\n  de: {", 1)
    block = en if lang == "en" else de
    return {k: json.loads(f'"{v}"') for k, v in
            re.findall(r'"([a-z_.0-9 -]+)": "((?:[^"\\]|\\.)*)"', block)}


def test_kpi_words_are_the_same_in_report_web_app_and_readme() -> None:
    assert KPI["en"].keys() == KPI["de"].keys() and REASONS["en"].keys() == REASONS["de"].keys()
    assert PLOT["en"].keys() == PLOT["de"].keys()
    for lang in ("en", "de"):
        js = _js_texts(lang)
        shown = [k for k in KPI[lang] if f"kpi.help.{k}" in js]
        # the web app explains every figure it shows, with the report's words
        assert set(shown) >= {"requests", "served", "refused", "no_shows", "wait", "detour",
                              "pooling", "occupancy", "km", "cost", "co2", "seed"}
        for k in shown:
            name, explanation = KPI[lang][k]
            assert js[f"kpi.help.{k}"] == explanation, (lang, k)
            assert js[f"kpi.{k}"] == name, (lang, k)
        for reason, words in REASONS[lang].items():
            assert js[f"sim.reason.{reason}"] == words
    # README's KPI table: every figure with its English explanation
    for name, explanation in KPI["en"].values():
        assert f"| {name} | {explanation} |" in README, name
    # the definitions the issue asked for, in so many words
    wait = KPI["en"]["wait"][1]
    assert ("wait = minutes between the requested pickup time and the actual pickup, served "
            "rides only; refused requests have no wait") in wait.lower()


def test_demand_notes_are_worded_alike_in_report_and_web_app() -> None:
    assert NOTES["en"].keys() == NOTES["de"].keys()
    for lang in ("en", "de"):
        js = _js_texts(lang)
        assert {k.removeprefix("sim.note.") for k in js if k.startswith("sim.note.")} == \
            NOTES[lang].keys()
        for code, words in NOTES[lang].items():
            assert js[f"sim.note.{code}"] == words, (lang, code)


def test_currency_comes_from_the_country_the_region_the_setting_or_the_scenario(
        addison: Region, tmp_path: Path) -> None:
    assert (currency_of("US"), currency_of("DE"), currency_of("AT"), currency_of("")) == (
        "USD", "EUR", "EUR", "EUR")
    assert addison.config.currency == "USD"
    assert resolve_region("rhein-neckar", DATA).currency == "EUR"
    assert load_scenario(addison, None).costs.currency == "USD"
    assert load_scenario(addison, None, Overrides(currency="EUR")).costs.currency == "EUR"
    scen = tmp_path / "s.toml"
    scen.write_text('[costs]\ncurrency = "CAD"\nper_km = 0.6\n', encoding="utf-8")
    assert load_scenario(addison, scen, Overrides(currency="EUR")).costs.currency == "CAD"
    scen.write_text('[costs]\ncurrency = "dollars"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"'costs\.currency'"):
        load_scenario(addison, scen)
    # a region's own setting
    folder = tmp_path / "addison-chf"
    folder.mkdir()
    for f in ("gtfs.zip", "streets.osm.pbf"):
        (folder / f).symlink_to(DATA / "addison-vt" / f)
    (folder / "region.toml").write_text('country = "US"\ncurrency = "CHF"\n', encoding="utf-8")
    assert resolve_region(folder, DATA).currency == "CHF"
    assert Settings(currency="USD").currency == "USD"  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Settings(currency="usd")  # type: ignore[call-arg]


def test_shifts_follow_the_area_hours_unless_the_scenario_sets_them(
        addison: Region, tmp_path: Path) -> None:
    (area,) = addison.service_areas
    # the area's hours: its configured fleet's first shift start to last shift end
    assert area.hours == (6 * HOUR, 20 * HOUR)
    sc = load_scenario(addison, None, Overrides(vehicles=4))
    assert sc.hours == area.hours and {v.shift for v in sc.vehicles} == {area.hours}
    scen = tmp_path / "s.toml"
    scen.write_text('hours = ["07:00", "22:00"]\n', encoding="utf-8")  # a planner's what-if
    sc = load_scenario(addison, scen)
    assert sc.hours == (7 * HOUR, 22 * HOUR) and sc.vehicles[0].shift == (7 * HOUR, 22 * HOUR)


@pytest.mark.slow
def test_report_in_german_on_a_real_run(addison: Region, tmp_path: Path) -> None:
    sc = load_scenario(addison, None, Overrides(vehicles=1, rate_per_hour=3, seed=4))
    r = simulate_and_report(addison, sc, tmp_path / "de", language="de")
    k = r.kpis
    # the day stays within the area's hours: requests, shifts, the hours paid
    trips = [o.trip for o in r.result.outcomes.values()]
    assert all(6 * HOUR <= t.time <= 20 * HOUR for t in trips)
    assert sc.vehicles[0].shift == (6 * HOUR, 20 * HOUR)
    assert k["vehicle_hours"] == pytest.approx(14.0)
    # kpis.json: the KPIs with their currency
    assert json.loads((tmp_path / "de" / "kpis.json").read_text()) == k
    assert k["currency"] == "USD"
    page = (tmp_path / "de" / "index.html").read_text(encoding="utf-8")
    assert page.startswith('<!doctype html>\n<html lang="de">')
    h = headline(k, "de")
    n = k["requests"]
    assert h["served"] + h["refused"] + k["no_shows"] == n and h["refused"] > 0
    # one decimal, a whole number without it ("70 %", not "70,0 %")
    share = f"{100 * k['rejected'] / n:.1f}".replace(".", ",").removesuffix(",0")
    assert f"Abgelehnt: {k['rejected']} von {n} Anfragen ({share} %)" in page
    assert f"Bedient: {k['served']} von {n} Anfragen" in page
    for why, count in h["reasons"]:
        assert f"<li>{why}: {count}</li>" in page and why in REASONS["de"].values()
    for heading in ("Kennzahlen", "Szenario", "Karte", "Über den Tag", "Wartezeiten",
                    "Warum Anfragen abgelehnt wurden"):
        assert f">{heading}</h2>" in page, heading
    assert "Fahrzeuge im Dienst 06:00–20:00: die Betriebszeiten des Bediengebiets." in page
    cost = money(k["cost_per_served_trip"], "USD", "de")
    assert re.fullmatch(r"\d+,\d\d USD", cost) and cost in page
    # every KPI row explained, in German
    rows = re.findall(r'<tr data-kpi="(\w+)"><th scope="row">([^<]+)</th><td>([^<]+)</td>'
                      r"<td>([^<]+)</td></tr>", page)
    assert len(rows) == len(KPI["de"]) - 1  # (the seed is explained with the scenario)
    for kpi, name, _, explanation in rows:
        assert (name, explanation.replace("&#x27;", "'")) == (
            KPI["de"][kpi][0], KPI["de"][kpi][1].format(currency="USD"))
    assert KPI["de"]["seed"][1] in page
    text = re.sub(r"<[^>]+>", " ", page.split("<body>", 1)[1])  # what a reader sees
    for word in ("served", "refused", "Key figures", "wait after"):
        assert word not in text, word
    # the demand's note: where the homes came from, in German words and numbers
    (homes,) = [n for n in r.notes if n.code == "homes"]
    assert homes.params["buildings"] >= 1 and homes.params["streets"] > 100
    said = NOTES["de"]["homes"].format(
        buildings=f"{homes.params['buildings']:,}".replace(",", "."),
        streets=f"{homes.params['streets']:,}".replace(",", "."))
    assert said.startswith("Wohnorte: ") and html.escape(said) in page
    assert str(homes) not in page and "Homes" not in text and "mapped" not in text, said
    # the plots: German texts, both axes labelled and ticked
    for name, fig in figures(addison, r, "de").items():
        tx = figure_texts(fig)
        assert all(tx["xlabel"]) and all(tx["ylabel"]) and tx["xticks"] and tx["yticks"], name
        said = " ".join(tx["title"] + tx["xlabel"] + tx["ylabel"] + tx["legend"])
        german = [v for v in PLOT["de"].values() if "{" not in v and v in said]
        english = [v for v in PLOT["en"].values() if v in said and v not in PLOT["de"].values()]
        assert german and not english, (name, said)
        assert not any("." in t and t.replace(".", "").lstrip("−-").isdigit()
                       for t in tx["xticks"] + tx["yticks"]), tx  # decimal commas
    by_hour = figure_texts(figures(addison, r, "de")["by_hour.png"])
    assert by_hour["xticks"][0] == "06:00" and by_hour["xticks"][-1] == "20:00"
    assert by_hour["xlabel"] == [PLOT["de"]["hour"]]


@pytest.mark.slow
def test_the_api_reports_in_the_planners_language_and_the_set_currency(
        web: TestClient, addison: Region, tmp_path: Path) -> None:
    # the operator set MOBILITY_CURRENCY=EUR (the server passes it to the simulator)
    web.app.state.simulator = Simulations(  # type: ignore[attr-defined]
        addison, tmp_path / "sims", data=DATA, cache=CACHE, currency="EUR")
    staff = {"Authorization": f"Bearer {key(web.app.state.store, 'dispatcher')}"}  # type: ignore[attr-defined]
    bad = web.post("/api/v1/simulations", headers=staff, json={"language": "fr"})
    assert bad.status_code == 422 and "language" in bad.text
    r = web.post("/api/v1/simulations", headers=staff,
                 json={"vehicles": [1], "ratePerHour": 2, "seed": 3, "language": "de"})
    assert r.status_code == 202 and r.json()["language"] == "de"
    job = wait_simulation(web, r.json()["id"], staff)
    assert job["status"] == "done", job
    assert job["shift"] == ["06:00", "20:00"] == job["hours"] and job["currency"] == "EUR"
    v = job["variants"][0]
    assert v["kpis"]["currency"] == "EUR"
    assert json.loads(web.get(f"/api/v1/simulations/{job['id']}/1veh/kpis.json").content) == \
        v["kpis"]
    page = web.get(v["report"]).text
    assert '<html lang="de">' in page and "Kennzahlen" in page and " EUR" in page
    # the demand's notes: a code and its figures (the app words them), English text beside
    (note,) = v["notes"]
    assert note["code"] == "homes" and note["text"].startswith("Homes: ")
    assert note["params"]["buildings"] > 0 and f"{note['params']['buildings']:,}" in note["text"]


@pytest.mark.slow
def test_cli_says_currency_shift_and_refusals(tmp_path: Path) -> None:
    env = {**os.environ, "MOBILITY_CACHE": str(CACHE), "MOBILITY_DATA": str(DATA),
           "MOBILITY_CURRENCY": "EUR", "COLUMNS": "200"}
    out = subprocess.run([sys.executable, "-m", "mobility", "simulate", "--vehicles", "1",
                          "--rate", "2", "--seed", "5", "--out", str(tmp_path / "rep")],
                         env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    k = json.loads((tmp_path / "rep" / "kpis.json").read_text())
    assert k["currency"] == "EUR"
    text = out.stdout
    assert "vehicles on shift 06:00–20:00 = the service area's hours" in text
    assert f"EUR {k['cost_per_served_trip']:,.2f} per served trip" in text
    n = k["requests"]
    assert f"{k['rejected']} of {n} requests ({100 * k['rejected'] / n:.1f} %)" in text
    for reason, count in k["rejected_by_reason"].items():
        assert f"{count}: {REASONS['en'][reason]}" in text
    page = (tmp_path / "rep" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "Key figures" in page


def test_the_planner_compares_re_planning_modes_through_the_api(
        web: TestClient, addison: Region, tmp_path: Path) -> None:
    """Several re-planning modes run as variants beside each fleet size, each simulated
    with its own mode (the KPIs name it) on the same requests."""
    web.app.state.simulator = Simulations(  # type: ignore[attr-defined]
        addison, tmp_path / "sims", data=DATA, cache=CACHE)
    staff = {"Authorization": f"Bearer {key(web.app.state.store, 'dispatcher')}"}  # type: ignore[attr-defined]
    for bad in (["fast"], [], ["off"] * 4, "off"):
        r = web.post("/api/v1/simulations", headers=staff, json={"replanning": bad})
        assert r.status_code == 422 and "replanning" in r.text, bad
    r = web.post("/api/v1/simulations", headers=staff,
                 json={"vehicles": [1], "ratePerHour": 3, "seed": 2,
                       "replanning": ["keep_slack", "off", "off"]})
    assert r.status_code == 202, r.text
    assert [(v["label"], v["replanning"]) for v in r.json()["variants"]] == \
        [("1veh-keep_slack", "keep_slack"), ("1veh-off", "off")]
    job = wait_simulation(web, r.json()["id"], staff)
    assert job["status"] == "done", job
    slack, off = (v["kpis"] for v in job["variants"])
    assert (slack["replanning"], off["replanning"]) == ("keep_slack", "off")
    assert slack["requests"] == off["requests"]  # the same demand for both
    assert off["replans_adopted"] == 0
