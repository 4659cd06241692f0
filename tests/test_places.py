"""Place search: what an OSM extract names (on the hand-made extract of
``tests/fixtures/places_osm.py``: a village, boundaries, a hamlet's area, addresses,
doctors, a pharmacy), the region's gazetteer file, folding, the ranking rules, and a region
built on the fixture whose villages are found by name, typo and German spelling, at their
centres on the street network."""

from __future__ import annotations

import atexit
import json
import math
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from feeds.osm import named_places
from feeds.places import NamedPlace
from mobility.atlas import Atlas, Place
from mobility.config import BUILTIN, resolve_region
from mobility.errors import RegionError
from mobility.gazetteer import read_gazetteer
from mobility.place_index import (
    CONTAINS,
    EXACT,
    PREFIX,
    TYPO,
    WORD,
    PlaceIndex,
    fold,
    name_keys,
    query_keys,
)
from mobility.region import Region, load_region
from tests.conftest import FIXTURES
from tests.fixtures.places_osm import write_places_osm

_TMP = tempfile.mkdtemp(prefix="mobility-places-")  # the extract, written once per run
atexit.register(shutil.rmtree, _TMP, True)
PLACES_OSM = write_places_osm(Path(_TMP) / "places.osm")
M_PER_DEG = 111_195.0


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Equirectangular distance (an independent formula for short distances)."""
    k = math.cos(math.radians((a[0] + b[0]) / 2))
    return math.hypot(a[0] - b[0], (a[1] - b[1]) * k) * M_PER_DEG


# -- what the OSM extract names ---------------------------------------------------------------
@pytest.fixture(scope="module")
def osm_places() -> dict[str, list[NamedPlace]]:
    out: dict[str, list[NamedPlace]] = {}
    for p in named_places(PLACES_OSM):
        out.setdefault(p.name, []).append(p)
    return out


def one(found: dict[str, list[NamedPlace]], name: str, kind: str) -> NamedPlace:
    hits = [p for p in found.get(name, []) if p.kind == kind]
    assert len(hits) == 1, (name, kind, found.get(name))
    return hits[0]


def test_place_node_is_a_settlement_with_its_population(osm_places: Any) -> None:
    v = one(osm_places, "Unterbüllingen", "village")
    assert (v.lat, v.lon, v.population) == (44.0021, -72.9996, 850)


def test_boundary_sits_at_its_admin_centre_and_keeps_its_official_name(osm_places: Any
                                                                        ) -> None:
    b = one(osm_places, "Büllingen", "municipality")  # admin_level 8
    assert (b.lat, b.lon) == (44.0021, -72.9996)  # the admin_centre member node
    assert b.also == ("Gemeinde Büllingen",)


def test_boundary_without_label_sits_inside_its_polygon(osm_places: Any) -> None:
    d = one(osm_places, "Mühlental", "district")  # admin_level 10, an L-shaped area
    # its centroid (computed by hand from the two rectangles) lies outside the L ...
    a1, c1 = 0.0006 * 0.0030, (44.0033, -72.9960)
    a2, c2 = 0.0014 * 0.0006, (44.0043, -72.9972)
    centroid = ((a1 * c1[0] + a2 * c2[0]) / (a1 + a2), (a1 * c1[1] + a2 * c2[1]) / (a1 + a2))

    def in_l(lat: float, lon: float) -> bool:
        return ((44.0030 <= lat <= 44.0036 and -72.9975 <= lon <= -72.9945)
                or (44.0036 <= lat <= 44.0050 and -72.9975 <= lon <= -72.9969))

    assert not in_l(*centroid)
    assert in_l(d.lat, d.lon)  # ... so the place is a point inside it


def test_place_area_sits_at_its_centroid(osm_places: Any) -> None:
    h = one(osm_places, "Oberbüll", "hamlet")  # a closed way, 0.0014° x 0.001° square
    assert h.lat == pytest.approx(44.0010, abs=1e-9)
    assert h.lon == pytest.approx(-72.9800, abs=1e-9)


def test_addresses_on_nodes_and_buildings_in_both_orders(osm_places: Any) -> None:
    a = one(osm_places, "Hauptstraße 12, Büllingen", "address")  # a node with addr:city
    assert (a.lat, a.lon) == (44.0003, -72.9985)
    assert a.also == ("12 Hauptstraße, Büllingen",)
    b = one(osm_places, "Mühlweg 3a", "address")  # a building: at its centroid
    assert b.lat == pytest.approx(44.0030) and b.lon == pytest.approx(-72.9986)
    c = one(osm_places, "Oberbüll 2", "address")  # addr:place, no street
    assert c.also == ("2 Oberbüll",)
    us = {p.name for p in named_places(PLACES_OSM, number_first=True) if p.kind == "address"}
    assert {"12 Hauptstraße, Büllingen", "3a Mühlweg", "2 Oberbüll", "20 Hauptstraße"} == us


def test_points_of_interest_by_their_kind(osm_places: Any) -> None:
    assert one(osm_places, "Praxis Dr. Weiß", "doctors")[2:4] == (44.0005, -73.0010)
    assert one(osm_places, "Rathaus Büllingen", "townhall")
    assert one(osm_places, "Bäckerei Groß", "bakery")
    # a building with a name and an address is a pharmacy and an address
    ph = one(osm_places, "Löwen-Apotheke", "pharmacy")
    assert ph.lat == pytest.approx(44.0005) and ph.lon == pytest.approx(-72.9975)
    assert one(osm_places, "Hauptstraße 20", "address")[2:4] == ph[2:4]
    assert "Alte Eiche" not in osm_places  # a named tree is nothing to travel to
    assert all(p.kind != "bench" for ps in osm_places.values() for p in ps)


def test_streets_as_before(osm_places: Any) -> None:
    streets = {n for n, ps in osm_places.items() for p in ps if p.kind == "street"}
    assert streets == {"Hauptstraße", "Mühlweg", "Kirchgasse", "Westweg", "Ostring",
                       "Waldstraße"}


def test_unreadable_extract_is_a_feed_error(tmp_path: Path) -> None:
    from feeds import FeedError

    bad = tmp_path / "bad.osm"
    bad.write_text("<osm><node id='1' lat='x'", encoding="utf-8")
    with pytest.raises(FeedError, match="bad.osm"):
        named_places(bad)


# -- the gazetteer file -----------------------------------------------------------------------
def _feature(name: Any = "Cornwall", geometry: Any = None, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"name": name, **props} if name is not None
            else props, "geometry": geometry or {"type": "Point",
                                                 "coordinates": [-73.2097, 43.9608]}}


def _write(tmp_path: Path, doc: Any) -> Path:
    path = tmp_path / "places.geojson"
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc, encoding="utf-8")
    return path


def test_gazetteer_points_and_polygons(tmp_path: Path) -> None:
    square = [[-73.0, 44.0], [-72.99, 44.0], [-72.99, 44.01], [-73.0, 44.01], [-73.0, 44.0]]
    # a U: its centroid falls in the notch
    u = [[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]]
    u = [[-73 + x / 1000, 44 + y / 1000] for x, y in u]
    far = [[-72.5, 44.5], [-72.49, 44.5], [-72.49, 44.51], [-72.5, 44.5]]
    path = _write(tmp_path, {"type": "FeatureCollection", "features": [
        _feature(kind="town", population=1185, alt_names=["Cornwall Village"]),
        _feature("Square", {"type": "Polygon", "coordinates": [square]}),
        _feature("U", {"type": "Polygon", "coordinates": [u]}),
        _feature("Two parts", {"type": "MultiPolygon", "coordinates": [[far], [square]]})]})
    p = read_gazetteer(path)
    assert p[0] == ("Cornwall", "town", 43.9608, -73.2097, 1185, ("Cornwall Village",))
    assert p[1].kind == "village"  # the default
    assert p[1][2:4] == pytest.approx((44.005, -72.995))  # the centroid
    # the U's centroid (x 1.5, y ~1.36: in the notch) is outside it; the point is inside
    lat, lon = p[2].lat, p[2].lon
    x, y = (lon + 73) * 1000, (lat - 44) * 1000
    assert 0 < x < 3 and 0 < y < 3 and not (1 <= x <= 2 and y >= 1)
    assert p[3][2:4] == pytest.approx((44.005, -72.995))  # the largest part's centre


def test_gazetteer_reports_every_problem_with_feature_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, {"type": "FeatureCollection", "features": [
        _feature(),  # fine
        _feature(None),
        _feature(""),
        _feature(kind="Big Town"),
        _feature(population=-3),
        _feature(population="many"),
        _feature(alt_names="Corn"),
        _feature(geometry={"type": "LineString", "coordinates": [[0, 0], [1, 1]]}),
        _feature(geometry={"type": "Point", "coordinates": [-73.2, 95.0]}),
        _feature(geometry={"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]}),
        "not a feature"]})
    with pytest.raises(RegionError) as exc:
        read_gazetteer(path)
    msg = str(exc.value)
    assert msg.startswith(f"{path}: ")
    for expected in ("features[1].properties.name is missing",
                     "features[2].properties.name must be a non-empty text",
                     "features[3].properties.kind must be a lower-case word",
                     "features[4].properties.population must be a whole number",
                     "features[5].properties.population must be a whole number",
                     "features[6].properties.alt_names must be a list of names",
                     "features[7].geometry must be a Point, Polygon or MultiPolygon, not "
                     "'LineString'",
                     "features[8].geometry.coordinates must be [longitude, latitude]",
                     "features[9].geometry.coordinates must be [longitude, latitude]",
                     "features[10] must be a GeoJSON Feature"):
        assert expected in msg, (expected, msg)
    assert "features[0]" not in msg


@pytest.mark.parametrize(("text", "why"), [
    ("{", "not valid JSON"),
    ('{"type": "Feature"}', "must be a GeoJSON FeatureCollection"),
])
def test_gazetteer_that_is_no_feature_collection(tmp_path: Path, text: str, why: str) -> None:
    with pytest.raises(RegionError, match=why):
        read_gazetteer(_write(tmp_path, text))
    with pytest.raises(RegionError, match="does not exist"):
        read_gazetteer(tmp_path / "nowhere.geojson")


def _region_folder(tmp_path: Path, toml: str = "", places: Any = None) -> Path:
    folder = tmp_path / "regions" / "fixture"
    folder.mkdir(parents=True)
    shutil.make_archive(str(folder / "gtfs"), "zip", FIXTURES / "gtfs_tiny")
    shutil.copy(PLACES_OSM, folder / "streets.osm")
    if places is not None:
        (folder / "places.geojson").write_text(json.dumps(places), encoding="utf-8")
    if toml:
        (folder / "region.toml").write_text(toml, encoding="utf-8")
    return folder


def test_region_toml_names_its_gazetteer(tmp_path: Path) -> None:
    doc = {"type": "FeatureCollection", "features": [_feature("Nordheim")]}
    folder = _region_folder(tmp_path, 'places = "villages.geojson"\nservice_areas = []\n')
    (folder / "villages.geojson").write_text(json.dumps(doc), encoding="utf-8")
    cfg = resolve_region("fixture", folder.parent)
    assert cfg.places_file == folder / "villages.geojson"
    assert [p.name for p in cfg.places] == ["Nordheim"]


def test_places_geojson_is_found_and_is_no_service_area(tmp_path: Path) -> None:
    """Without region.toml, a folder's places.geojson is its gazetteer, not a service area
    (points would make a broken one)."""
    folder = _region_folder(tmp_path, places={"type": "FeatureCollection",
                                              "features": [_feature("Südheim")]})
    cfg = resolve_region("fixture", folder.parent)
    assert [p.name for p in cfg.places] == ["Südheim"]
    assert cfg.service_area_files == ()


def test_bad_gazetteer_stops_the_region_with_its_problems(tmp_path: Path) -> None:
    folder = _region_folder(tmp_path, places={"type": "FeatureCollection",
                                              "features": [_feature(None)]})
    with pytest.raises(RegionError, match=r"places.geojson: features\[0\].properties.name is"):
        resolve_region("fixture", folder.parent)
    (folder / "region.toml").write_text("places = 3\n", encoding="utf-8")
    with pytest.raises(RegionError, match="'places' must be a GeoJSON file name"):
        resolve_region("fixture", folder.parent)


def test_the_built_in_gazetteer_of_addison_vt(data_dir: Path) -> None:
    """The eight villages and towns of the built-in service area, each inside it."""
    import shapely
    from shapely.geometry import shape

    cfg = resolve_region("addison-vt", data_dir)
    assert cfg.places_file == BUILTIN / "addison-vt-places.geojson"
    names = [p.name for p in cfg.places]
    assert names == ["Middlebury", "East Middlebury", "Cornwall", "Weybridge", "Salisbury",
                     "New Haven", "Bristol", "Vergennes"]
    area = shape(cfg.service_areas()[0].geometry)
    assert all(area.contains(shapely.Point(p.lon, p.lat)) for p in cfg.places)


# -- folding: what counts as the same letters ---------------------------------------------
def test_fold_and_the_forms_of_names_and_queries() -> None:
    assert fold("Hauptstraße") == fold("HAUPTSTRASSE") == fold("Hauptstr.") == "hauptstr"
    assert fold("Main Street") == fold("main st.") == "main st"
    assert fold("Bürgerpark, Mannheim") == "burgerpark mannheim"
    assert fold("Bürgerpark", umlauts=True) == "buergerpark"
    assert fold("Weiß") == "weiss" and fold("Crème Brûlée") == "creme brulee"
    # a name is found by its forms with umlauts as a/ae and street words short and long
    assert set(name_keys("Müllerstraße 5")) == {"mullerstr 5", "muellerstr 5",
                                                "mullerstrasse 5", "muellerstrasse 5"}
    assert name_keys("Cornwall") == ["cornwall"]
    assert query_keys("München") == ["munchen", "muenchen"]
    assert query_keys("Muenchen") == ["muenchen"] and query_keys("  ") == []
    assert query_keys("Road") == ["rd", "road"]


def _index(rows: list[tuple[str, int, float, float]]) -> PlaceIndex:
    """An index of (name, tier, lat, lon) rows."""
    return PlaceIndex([[n] for n, *_ in rows], np.array([r[1] for r in rows]),
                      np.array([r[2] for r in rows]), np.array([r[3] for r in rows]))


def _names(idx: PlaceIndex, rows: list[Any], query: str,
           centre: tuple[float, float] = (0.0, 0.0)) -> list[tuple[str, int]]:
    return [(rows[i][0], how) for i, how in idx.ranked(query, centre)]


@pytest.mark.parametrize("query", ["München", "Muenchen", "Munchen", "MÜNCHEN", "munch"])
def test_german_spellings_find_each_other(query: str) -> None:
    rows = [("München", 1, 0.0, 0.0), ("Mueller", 5, 0.0, 0.0), ("Müller", 5, 0.0, 0.0)]
    assert _names(_index(rows), rows, query)[0][0] == "München"


def test_mueller_and_mueller() -> None:
    rows = [("Mueller", 5, 0.0, 0.0), ("Müller", 5, 0.0, 0.0), ("Muller", 5, 0.0, 0.0)]
    idx = _index(rows)
    assert {n for n, how in _names(idx, rows, "Müller") if how == EXACT} == set(
        n for n, *_ in rows)  # "muller" and "mueller": all three
    assert {n for n, how in _names(idx, rows, "Mueller") if how == EXACT} == {"Mueller",
                                                                            "Müller"}


# -- ranking ----------------------------------------------------------------------------------
def test_rank_by_how_the_name_matches() -> None:
    rows = [("Rosenberg", 5, 0.0, 0.0), ("Bers", 2, 0.0, 0.0), ("Am Berg", 5, 0.0, 0.0),
            ("Bergheim", 2, 0.0, 0.0), ("Berg", 2, 0.0, 0.0), ("Tal", 2, 0.0, 0.0)]
    assert _names(_index(rows), rows, "berg") == [
        ("Berg", EXACT), ("Bergheim", PREFIX), ("Am Berg", WORD), ("Rosenberg", CONTAINS),
        ("Bers", TYPO)]


def test_rank_by_size_then_nearness_then_length() -> None:
    near, far = (0.0, 0.001), (0.0, 0.3)  # about 0.1 and 33 km from the centre (0, 0)
    rows = [("Neustadt", 4, *near), ("Neustadt", 2, *far), ("Neustadt", 0, *far),
            ("Lindenallee", 5, *near), ("Linden", 5, *far), ("Lindenweg", 5, *near)]
    idx = _index(rows)
    # larger places first, however far: the city, the village, then the stop
    assert [i for i, _ in idx.ranked("neustadt", (0.0, 0.0))] == [2, 1, 0]
    # among streets: the nearer first (in distance bands), then the shorter name
    assert [rows[i][0] for i, _ in idx.ranked("lind", (0.0, 0.0))] == [
        "Lindenweg", "Lindenallee", "Linden"]
    assert [rows[i][0] for i, _ in idx.ranked("lind", far)] == [
        "Linden", "Lindenweg", "Lindenallee"]


def test_short_queries_match_word_starts_only_and_typos_need_four_letters() -> None:
    rows = [("Berg", 2, 0.0, 0.0), ("Ergolding", 2, 0.0, 0.0), ("Brg", 2, 0.0, 0.0)]
    idx = _index(rows)
    assert _names(idx, rows, "rg") == []  # inside words only
    assert _names(idx, rows, "er") == [("Ergolding", PREFIX)]
    assert _names(idx, rows, "erg") == [("Ergolding", PREFIX), ("Berg", CONTAINS)]
    assert _names(idx, rows, "bzg") == []  # one letter wrong, but only three letters
    assert _names(idx, rows, "bzrg") == [("Brg", TYPO), ("Berg", TYPO)]  # shorter first


@pytest.mark.parametrize(("query", "found"), [
    ("Salisbary", True),   # a letter wrong
    ("Salisbry", True),    # a letter missing
    ("Salissbury", True),  # a letter added
    ("Slaisbury", True),   # two neighbours swapped
    ("Salisbury", True),
    ("Salsbry", False),    # two letters missing
    ("Slaisbry", False),   # swapped and missing
    ("Salis", True),       # a prefix: found as one, not as a typo
    ("Salsb", True),       # a typo in a prefix
])
def test_one_typo(query: str, found: bool) -> None:
    rows = [("Salisbury", 2, 0.0, 0.0)]
    assert bool(_names(_index(rows), rows, query)) is found


def _osa(a: str, b: str) -> int:
    """Optimal string alignment distance, written out (the reference for typos)."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1,
                          d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def test_typos_agree_with_edit_distance_to_a_prefix() -> None:
    """On random words of a small alphabet: a word is a typo hit exactly when some prefix
    of it (or the word) is within distance 1 of the query, and no hit is a plain match."""
    rng = np.random.default_rng(7)
    words = sorted({"".join(rng.choice(list("abcd"), int(rng.integers(1, 9))))
                    for _ in range(200)})
    rows = [(w, 2, 0.0, 0.0) for w in words]
    idx = _index(rows)
    for _ in range(80):
        q = "".join(rng.choice(list("abcd"), int(rng.integers(4, 7))))
        got = {rows[i][0] for i, how in idx.ranked(q, (0.0, 0.0)) if how == TYPO}
        plain = {w for w in words if q in w}
        want = {w for w in words if w not in plain
                and min(_osa(q, w[:k]) for k in range(len(w) + 1)) <= 1}
        assert got == want, q


# -- a region on the fixture: what a rider finds ---------------------------------------------
@pytest.fixture(scope="module")
def fixture_region(tmp_path_factory: pytest.TempPathFactory) -> Region:
    """The tiny feed on the fixture extract, as a German region with a gazetteer that
    repeats the extract's village (a little off) and adds one of its own."""
    tmp = tmp_path_factory.mktemp("fixture")
    gazetteer = {"type": "FeatureCollection", "features": [
        _feature("Unterbüllingen", {"type": "Point", "coordinates": [-72.9994, 44.0023]},
                 population=900),
        _feature("Nordheim", {"type": "Point", "coordinates": [-73.0020, 44.0045]})]}
    folder = _region_folder(tmp, 'country = "DE"\ndefault_date = "2024-01-08"\n'
                            'service_areas = []\n', places=gazetteer)
    return load_region("fixture", data=folder.parent, cache_dir=tmp / "cache")


@pytest.fixture(scope="module")
def atlas(fixture_region: Region) -> Atlas:
    return Atlas(fixture_region)


def first(atlas: Atlas, query: str) -> Place:
    hits = atlas.search(query)
    assert hits, query
    return hits[0]


def _on_street(region: Region, p: Place, mode: str = "car") -> float:
    """Metres from a place to the nearest segment of a network's edge geometries (brute
    force, independent of the router's snapping)."""
    net = region.streets[mode]
    lat, lon = net.geom_lat.astype(float), net.geom_lon.astype(float)
    last = np.zeros(len(lat), bool)
    last[net.geom_offset[1:] - 1] = True
    a = np.flatnonzero(~last)
    k = math.cos(math.radians(p.lat))
    ax, ay = (lon[a] - p.lon) * k, lat[a] - p.lat
    bx, by = (lon[a + 1] - p.lon) * k, lat[a + 1] - p.lat
    dx, dy = bx - ax, by - ay
    t = np.clip(-(ax * dx + ay * dy) / np.maximum(dx * dx + dy * dy, 1e-18), 0, 1)
    return float(np.hypot(ax + t * dx, ay + t * dy).min() * M_PER_DEG)


def test_a_village_is_found_at_its_centre_on_the_street(atlas: Atlas,
                                                        fixture_region: Region) -> None:
    v = first(atlas, "Unterbüllingen")
    # once, from the gazetteer (the extract's node 25 m away is the same village), snapped
    # from (44.0023, -72.9994) onto the Mühlweg, the street 31 m east along -72.999
    assert [h.kind for h in atlas.search("Unterbüllingen")].count("village") == 1
    assert (v.kind, v.near) == ("village", None)
    assert v.lat == pytest.approx(44.0023, abs=1e-5)
    assert v.lon == pytest.approx(-72.9990, abs=1e-5)
    assert _on_street(fixture_region, v) < 0.5 and _on_street(fixture_region, v, "walk") < 0.5
    n = first(atlas, "Nordheim")  # only in the gazetteer: onto the Kirchgasse (44.004)
    assert n.kind == "village" and n.lat == pytest.approx(44.0040, abs=1e-5)


def test_the_boundary_the_hamlet_and_the_district(atlas: Atlas) -> None:
    m = first(atlas, "Gemeinde Büllingen")  # by its official name
    assert (m.name, m.kind) == ("Büllingen", "municipality")
    # at its admin centre, the village's node, snapped onto the Mühlweg
    assert (m.lat, m.lon) == pytest.approx((44.0021, -72.9990), abs=1e-5)
    h = first(atlas, "Oberbüll")
    assert h.kind == "hamlet"  # snapped from the area's centre onto the Waldstraße's end
    assert metres((h.lat, h.lon), (44.0010, -72.9800)) < 1
    d = first(atlas, "Mühlental")
    assert d.kind == "district"  # from inside the L onto the Kirchgasse (44.004), 33 m
    assert d.lat == pytest.approx(44.0040, abs=1e-5)


def test_ranking_on_the_fixture(atlas: Atlas) -> None:
    hits = atlas.search("büllingen")
    assert [(h.name, h.kind) for h in hits] == [
        ("Büllingen", "municipality"),            # the whole name
        ("Hauptstraße 12, Büllingen", "address"),  # a word: addresses before
        ("Rathaus Büllingen", "townhall"),         # points of interest
        ("Unterbüllingen", "village")]             # a part of a word


@pytest.mark.parametrize(("query", "name", "kind"), [
    ("Hauptstraße 12", "Hauptstraße 12, Büllingen", "address"),
    ("hauptstr 12", "Hauptstraße 12, Büllingen", "address"),
    ("12 Hauptstrasse", "Hauptstraße 12, Büllingen", "address"),
    ("Hauptstrasse 12 Büllingen", "Hauptstraße 12, Büllingen", "address"),
    ("Mühlweg 3", "Mühlweg 3a", "address"),
    ("Oberbüll 2", "Oberbüll 2", "address"),
    ("Muehlental", "Mühlental", "district"),
    ("Muhlental", "Mühlental", "district"),
    ("Praxis Dr. Weiss", "Praxis Dr. Weiß", "doctors"),
    ("Loewen-Apotheke", "Löwen-Apotheke", "pharmacy"),
    ("apotheke", "Löwen-Apotheke", "pharmacy"),
    ("Baeckerei Gross", "Bäckerei Groß", "bakery"),
    ("Rathaus", "Rathaus Büllingen", "townhall"),
    ("Unterbülingen", "Unterbüllingen", "village"),  # a letter missing
    ("Apotheek", "Löwen-Apotheke", "pharmacy"),      # two swapped
    ("Kirchgase", "Kirchgasse", "street"),
    ("West End", "West End", "stop"),
])
def test_found_on_the_fixture(atlas: Atlas, query: str, name: str, kind: str) -> None:
    p = first(atlas, query)
    assert (p.name, p.kind) == (name, kind)


def test_what_is_not_found(atlas: Atlas) -> None:
    assert atlas.search("Alte Eiche") == [] and atlas.search("zz") == []


def test_addresses_and_points_keep_their_own_position(atlas: Atlas) -> None:
    a = first(atlas, "Hauptstraße 12")
    assert (a.lat, a.lon) == (44.0003, -72.9985)  # the address node, 33 m off the road
    assert a.near in {"Mill Road", "Green"}  # told apart by its nearest stop


def test_an_extract_without_areas_leaves_stops_and_gazetteer(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Area assembly needs ids in order; an extract the router reads without it still
    searches its stops and gazetteer (and says why the rest is missing)."""
    text = PLACES_OSM.read_text(encoding="utf-8")
    way = text[text.index('  <way id="131"'):text.index('  <way id="132"')]
    folder = _region_folder(tmp_path, 'service_areas = []\ndefault_date = "2024-01-08"\n',
                            places={"type": "FeatureCollection",
                                    "features": [_feature("Nordheim")]})
    (folder / "streets.osm").write_text(  # way 131 before way 101
        text.replace(way, "").replace('  <way id="101"', way + '  <way id="101"'),
        encoding="utf-8")
    region = load_region("fixture", data=folder.parent, cache_dir=tmp_path / "cache")
    with caplog.at_level("WARNING"):
        atlas = Atlas(region)
        assert first(atlas, "Nordheim").kind == "village"
        assert first(atlas, "West End").kind == "stop"
    assert "without the extract's places" in caplog.text and "out of order" in caplog.text
