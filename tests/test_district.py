"""The rhein-neckar district configuration: four on-demand areas where the rnv network leaves
the roads unserved, 40 vehicles with shifts, a day's demand profile — checked against the raw
GTFS feed (read here with pandas, not through the compiled timetable)."""

from __future__ import annotations

import csv
import io
import math
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, shape

from mobility.config import RegionConfig, resolve_region
from mobility.errors import RegionError
from mobility.region import Region

#: the extract's bounding box (lon0, lat0, lon1, lat1), from ../shared/data/README.md
BBOX = (8.157, 49.326, 8.822, 49.639)


@pytest.fixture(scope="module")
def district(data_dir: Path) -> RegionConfig:
    return resolve_region("rhein-neckar", data_dir)


def _km2(geom) -> float:  # type: ignore[no-untyped-def]
    """Area of a lon/lat polygon in km² (equirectangular at its centroid: fine at 10 km)."""
    lat = geom.centroid.y
    return geom.area * 111.32 * math.cos(math.radians(lat)) * 110.57


def _stop_calls(gtfs: Path) -> list[tuple[float, float, int]]:
    """Every stop of the raw feed as (lat, lon, calls over all trips of the feed)."""
    with zipfile.ZipFile(gtfs) as z:
        with z.open("stop_times.txt") as f:
            calls = pd.read_csv(f, usecols=["stop_id"], dtype=str)["stop_id"].value_counts()
        with z.open("stops.txt") as f:
            return [(float(r["stop_lat"]), float(r["stop_lon"]), int(calls.get(r["stop_id"], 0)))
                    for r in csv.DictReader(io.TextIOWrapper(f, "utf-8-sig"))]


def test_four_areas_sized_like_a_rufbus_area_inside_the_region(district: RegionConfig) -> None:
    areas = district.service_areas()
    assert [a.name for a in areas] == ["freinsheim", "hassloch", "schwetzingen", "wilhelmsfeld"]
    geoms = [shape(a.geometry) for a in areas]
    lon0, lat0, lon1, lat1 = BBOX
    for a, g in zip(areas, geoms, strict=True):
        assert g.is_valid, a.name
        assert 50 <= _km2(g) <= 150, (a.name, _km2(g))
        x0, y0, x1, y1 = g.bounds
        assert lon0 <= x0 and x1 <= lon1 and lat0 <= y0 and y1 <= lat1, a.name
    for i, g in enumerate(geoms):  # no two areas overlap
        assert all(g.intersection(h).area == 0 for h in geoms[i + 1:])


def test_the_areas_are_poorly_served_by_the_feed(district: RegionConfig) -> None:
    """Stop calls per km² in each area, from the raw feed, are a small share of the region's
    average over its road-covered 2 km cells: the areas lie where the rnv network is not."""
    stops = _stop_calls(district.gtfs[0])
    total = sum(c for *_, c in stops)
    # the region's served land: 2 km cells holding a stop with calls (its network's reach)
    cells = {(int(lat / 0.018), int(lon / 0.0275)) for lat, lon, c in stops if c}
    served_km2 = len(cells) * 0.018 * 110.57 * 0.0275 * 111.32 * math.cos(math.radians(49.48))
    mean_density = total / served_km2
    for a in district.service_areas():
        g = shape(a.geometry)
        calls = sum(c for lat, lon, c in stops if g.contains(Point(lon, lat)))
        # addison's 142 trips a day are ~1 call per km² and hour; here: under 5 % of the
        # density where rnv runs (three of the four areas have no rnv stop at all)
        assert calls / _km2(g) < 0.05 * mean_density, (a.name, calls / _km2(g), mean_density)
    assert sum(sum(c for lat, lon, c in stops if shape(a.geometry).contains(Point(lon, lat)))
               == 0 for a in district.service_areas()) >= 3


def test_the_areas_have_streets_and_depots_on_them(rhein_neckar: Region) -> None:
    net = rhein_neckar.streets["car"]
    for area in rhein_neckar.service_areas:
        g = shape(area.geometry)
        x0, y0, x1, y1 = g.bounds
        box = ((net.node_lon >= x0) & (net.node_lon <= x1) & (net.node_lat >= y0)
               & (net.node_lat <= y1))
        inside = sum(g.contains(Point(x, y)) for x, y in
                     zip(net.node_lon[box], net.node_lat[box], strict=True))
        assert inside > 500, area.name  # a village street network, not a field
        for v in area.vehicles:
            assert area.contains(v.start) and v.start == v.end
            d = np.hypot(net.node_lat - v.start[0],
                         (net.node_lon - v.start[1]) * math.cos(math.radians(v.start[0])))
            assert d.min() * 111_000 < 100, v.id  # on the street network


def test_forty_vehicles_with_early_and_late_shifts(district: RegionConfig) -> None:
    by_area: Counter[str] = Counter(a for a, _ in district.fleet)
    assert by_area == {"freinsheim": 10, "hassloch": 10, "schwetzingen": 10,
                       "wilhelmsfeld": 10}
    vs = [v for _, v in district.fleet]
    assert len({v.id for v in vs}) == 40
    for v in vs:
        a, b = v.shift
        assert 5 * 3600 <= a < b <= 23 * 3600 and b - a <= 9 * 3600, v.id  # a driver's day
        assert 0 <= v.wheelchair_places <= v.seats
    for area in by_area:
        fleet = [v for a, v in district.fleet if a == area]
        assert any(v.shift[0] <= 6 * 3600 for v in fleet)  # the morning peak is covered
        assert any(v.shift[1] >= 22 * 3600 for v in fleet)  # and the evening
        assert any(v.wheelchair_places for v in fleet)
        assert {v.seats for v in fleet} == {4, 8}
        assert len({v.start for v in fleet}) == 2  # two depots
        assert district.booking(area) is not None
        assert district.compensation_rule(area) is not None
        assert district.fare_rule(area) is not None


def test_the_demand_profile_has_3000_requests_and_two_peaks(district: RegionConfig) -> None:
    d = district.demand
    assert d is not None and d.total == 3000
    assert 0 < d.standing_share < 0.5
    assert sorted(a for a, _ in d.requests_per_day) == sorted(
        a.name for a in district.service_areas())
    hours = sum(d.per_hour(a) for a, _ in d.requests_per_day)
    assert hours.sum() == pytest.approx(3000)
    assert hours[:5].sum() == 0 and hours[23] == 0  # no service at night
    morning, afternoon = int(np.argmax(hours[:12])), 12 + int(np.argmax(hours[12:]))
    assert morning in (7, 8) and afternoon in (15, 16, 17)
    midday = hours[10:13].mean()
    assert hours[morning] > 1.5 * midday and hours[afternoon] > 1.5 * midday


def test_demand_naming_an_unknown_area_is_refused(tmp_path: Path, data_dir: Path) -> None:
    src = resolve_region("rhein-neckar", data_dir).source
    text = Path(src).read_text(encoding="utf-8").replace("wilhelmsfeld = 550",
                                                         "wilhelmsfelt = 550")
    folder = tmp_path / "rhein-neckar"
    folder.mkdir()
    for f in ("gtfs.zip", "streets.osm.pbf"):
        (folder / f).symlink_to(data_dir / "rhein-neckar" / f)
    (folder / "region.toml").write_text(text.replace(
        '"rhein-neckar-district.geojson"', f'"{Path(src).parent}/rhein-neckar-district.geojson"'),
        encoding="utf-8")
    with pytest.raises(RegionError, match=r"demand\.requests_per_day\.wilhelmsfelt"):
        resolve_region(folder, data_dir)


def test_district_scenarios_draw_the_profiles_day(rhein_neckar: Region) -> None:
    """Each area's scenario draws its requests a day by the profile: the expected total
    (the mean rate over its hours) and the drawn day of one area (hours, peaks, standing
    orders booked before the day)."""
    from dispatch.demand import synthetic_demand
    from mobility.sim import district_scenarios, homes_of, hubs_of

    scs = district_scenarios(rhein_neckar, seed=3)
    prof = rhein_neckar.config.demand
    assert prof is not None and [s.area.name for s in scs] == [a for a, _ in
                                                                prof.requests_per_day]
    for sc in scs:
        assert len(sc.vehicles) == 10 and sc.hours == (5.5 * 3600, 22.5 * 3600)
        n_hours = 23 - 5
        assert sc.rate_per_hour * n_hours == pytest.approx(prof.per_day(sc.area.name))
    sc = scs[1]  # hassloch: no stop at all, so its hubs are the depots (the town centres)
    hubs, _ = hubs_of(rhein_neckar, sc.area)
    assert {tuple(h) for h in hubs} == {v.start for v in sc.vehicles}
    homes, hw, _ = homes_of(rhein_neckar, sc.area)  # streets only: no OSM pass in a test
    trips = synthetic_demand(homes, hw, hubs, np.ones(len(hubs)), sc.hours, sc.rate_per_hour,
                             sc.prebooked_share, sc.notice_s, np.random.default_rng(3),
                             profile=sc.profile, standing_share=sc.standing_share)
    assert abs(len(trips) - 850) < 4 * math.sqrt(850)  # Poisson
    per_hour = np.bincount([int(t.time // 3600) for t in trips], minlength=24)
    assert per_hour[7] > 1.5 * per_hour[10:13].mean() and per_hour[16] > per_hour[11]
    standing = [t for t in trips if t.id.startswith("o")]
    assert abs(len(standing) / len(trips) - 0.15) < 0.05
    assert all(t.booked_at == t.time - 86400 for t in standing)


def test_an_areas_own_streets_give_the_regions_times_inside_it(rhein_neckar: Region) -> None:
    """The sub-network around an area: a few thousand nodes, strongly connected, and travel
    times between its depots as on the whole region's streets (the margin holds the fastest
    roads between them) — never shorter."""
    from mobility.sim import area_router
    from routing.street_router import StreetRouter

    full = StreetRouter(rhein_neckar.streets["car"])
    for area in rhein_neckar.service_areas:
        sub = area_router(rhein_neckar, area)
        assert 1000 < sub.net.n_nodes < rhein_neckar.streets["car"].n_nodes / 4
        depots = list(dict.fromkeys(v.start for v in area.vehicles))
        a, _ = full.matrix(depots, depots)
        b, _ = sub.matrix(depots, depots)
        assert np.isfinite(b).all() and (b >= a - 1e-3).all()  # snapping: float32 offsets
        assert b == pytest.approx(a, rel=0.05), area.name
