"""Place search: what an OSM extract names (on the hand-made ``tests/data/places.osm``: a
village, boundaries, a hamlet's area, addresses, doctors, a pharmacy), the region's
gazetteer file, folding, the ranking rules, and a region built on the fixture whose villages
are found by name, typo and German spelling, at their centres on the street network."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from feeds.osm import named_places
from feeds.places import NamedPlace

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
