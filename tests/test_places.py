"""Place search: what an OSM extract names (on the hand-made ``tests/data/places.osm``: a
village, boundaries, a hamlet's area, addresses, doctors, a pharmacy), the region's
gazetteer file, folding, the ranking rules, and a region built on the fixture whose villages
are found by name, typo and German spelling, at their centres on the street network."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest

from feeds.osm import named_places
from feeds.places import NamedPlace
from mobility.config import BUILTIN, resolve_region
from mobility.errors import RegionError
from mobility.gazetteer import read_gazetteer
from tests.conftest import FIXTURES

PLACES_OSM = Path(__file__).parent / "data" / "places.osm"
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
