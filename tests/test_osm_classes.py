"""Highway classes of simplified edges: a street simplified from ways of several classes gets
one code whatever order osmnx lists them in (it gathers them in a set, whose order follows
the hash seed: the same extract compiled twice classed some streets differently)."""

from __future__ import annotations

import itertools

from feeds.osm._graph import class_code
from routing.streets import HIGHWAY_CLASSES


def test_every_order_of_the_same_classes_gives_one_code() -> None:
    mixed = ["residential", "service", "unclassified", "track"]
    codes = {class_code(list(p)) for p in itertools.permutations(mixed)}
    assert codes == {HIGHWAY_CLASSES.index("unclassified")}  # the most important of them


def test_steps_anywhere_in_a_street_make_it_steps() -> None:
    # step-free walking drops steps: a footway simplified with a flight of steps keeps them
    for p in itertools.permutations(["footway", "steps", "path"]):
        assert class_code(list(p)) == HIGHWAY_CLASSES.index("steps")


def test_single_and_unknown_classes() -> None:
    assert class_code("primary") == HIGHWAY_CLASSES.index("primary")
    assert class_code("raceway") == -1
    assert class_code(["raceway", "footway"]) == HIGHWAY_CLASSES.index("footway")
    assert class_code("") == -1 and class_code([]) == -1
