"""The configuration files' one schema (``mobility.schema``): ``region.toml`` with its
``[[vehicles]]`` on a tiny region folder, every error naming the file, the table (with its
index) and the field; one set of defaults for every fleet table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mobility import RegionError, resolve_region
from mobility.schema import FleetTable, ScenarioFile, VehicleTable

SQUARE = {"type": "Feature", "properties": {"name": "square"},
          "geometry": {"type": "Polygon", "coordinates": [[[-73.3, 43.9], [-73.0, 43.9],
                                                           [-73.0, 44.2], [-73.3, 44.2],
                                                           [-73.3, 43.9]]]}}
HEAD = 'name = "tiny"\ngtfs = ["gtfs.zip"]\nosm = "streets.osm"\nservice_areas = ["a.geojson"]\n'
VEHICLE = '[[vehicles]]\nid = "{id}"\ndepot = [44.0, -73.1]\n'


def _region(folder: Path, text: str) -> Path:
    (folder / "a.geojson").write_text(json.dumps({"type": "FeatureCollection",
                                                  "features": [SQUARE]}), encoding="utf-8")
    toml = folder / "region.toml"
    toml.write_text(HEAD + text, encoding="utf-8")
    return toml


def _error(folder: Path, text: str) -> str:
    toml = _region(folder, text)
    with pytest.raises(RegionError) as exc:
        resolve_region(folder, folder.parent)
    message = str(exc.value)
    assert message.startswith(f"{toml}: "), message  # the file first
    return message


def test_a_vehicle_entry_names_its_index_and_field(tiny_region: Path) -> None:
    text = (VEHICLE.format(id="a") + VEHICLE.format(id="b")
            + 'shift = ["10:00", "08:00"]\n')
    assert "region.toml: vehicles[1].shift must end after it starts" in _error(tiny_region,
                                                                                text)


def test_unknown_keys_name_their_table(tiny_region: Path) -> None:
    m = _error(tiny_region, 'colour = "red"\n' + VEHICLE.format(id="a") + "doors = 3\n")
    assert ("'colour' is not a known key (known: areas, compensation, country, currency, "
            "default_date") in m
    assert "vehicles[0].doors is not a known key (known: area, depot, id, seats" in m


def test_wrong_types_name_the_field_and_value(tiny_region: Path) -> None:
    m = _error(tiny_region, 'max_transfer_s = "600"\n' + VEHICLE.format(id="a")
               + 'seats = "7"\n' + '[[vehicles]]\nid = 7\ndepot = 44.0\n')
    assert "'max_transfer_s' must be whole seconds from 0 to 3600, not '600'" in m
    assert "vehicles[0].seats must be a whole number from 1 to 100, not '7'" in m
    assert "vehicles[1].id must be 1-64 letters, digits, '.', '_' or '-', not 7" in m
    assert "vehicles[1].depot must be [latitude, longitude], not 44.0" in m


def test_out_of_range_values_say_the_range(tiny_region: Path) -> None:
    m = _error(tiny_region, "walk_speed = 5.0\n" + VEHICLE.format(id="a")
               + "seats = 4\nwheelchair_places = 5\n")
    assert "'walk_speed' must be a speed from 0.3 to 3 m/s, not 5.0" in m
    assert "vehicles[0].wheelchair_places must be a whole number from 0 to 4 (the seats)" in m


def test_every_problem_is_reported_at_once(tiny_region: Path) -> None:
    m = _error(tiny_region, 'default_date = "January"\n' + VEHICLE.format(id="a")
               + 'shift = "all day"\n' + VEHICLE.format(id="b") + "seats = 0\n")
    assert m.count(";") == 2
    assert "'default_date' is not a YYYY-MM-DD date ('January')" in m
    assert 'vehicles[0].shift must be ["HH:MM", "HH:MM"], not \'all day\'' in m
    assert "vehicles[1].seats must be a whole number from 1 to 100, not 0" in m


def test_fleet_checks_against_the_region(tiny_region: Path) -> None:
    m = _error(tiny_region, VEHICLE.format(id="a") + VEHICLE.format(id="a")
               + 'area = "atlantis"\n')
    assert "vehicles[1].id 'a' is used twice" in m
    assert "vehicles[1].area must name one of the region's service areas (square), not " \
           "'atlantis'" in m


def test_one_set_of_defaults_for_every_fleet_table(tiny_region: Path) -> None:
    """A vehicle of region.toml and a scenario's fleet without seats, wheelchair places or
    shift get the same: 7 seats, 1 wheelchair place, 06:00-22:00."""
    _region(tiny_region, VEHICLE.format(id="a"))
    cfg = resolve_region(tiny_region, tiny_region.parent)
    [(area, v)] = cfg.fleet
    assert area == "square" and v.start == v.end == (44.0, -73.1)
    assert (v.seats, v.wheelchair_places, v.shift) == (7, 1, (6 * 3600.0, 22 * 3600.0))
    fleet = ScenarioFile().fleet
    assert (fleet.seats, fleet.wheelchair_places) == (v.seats, v.wheelchair_places)
    assert ScenarioFile().hours == v.shift and fleet.shift is None  # (the hours)
    assert VehicleTable.model_fields["seats"].default == FleetTable.model_fields[
        "seats"].default


def test_region_service_areas_carry_fleet_and_hours(tiny_region: Path, tmp_path: Path
                                                    ) -> None:
    """The region's service areas come with their vehicles and the hours from the earliest
    shift start to the latest shift end."""
    from mobility import load_region

    _region(tiny_region, VEHICLE.format(id="a") + 'shift = ["07:00", "12:00"]\n'
            + VEHICLE.format(id="b") + 'shift = ["09:30", "19:15"]\n')
    region = load_region("tiny", data=tiny_region.parent, cache_dir=tmp_path, workers=1)
    assert region.summary()["service_areas"] == ["square"]
    [area] = region.service_areas
    assert [v.id for v in area.vehicles] == ["a", "b"]
    assert area.hours == (7 * 3600.0, 19.25 * 3600.0)
    assert area.contains((44.0, -73.1)) and not area.contains((45.0, -73.1))
