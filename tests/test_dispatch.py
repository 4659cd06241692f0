"""Dispatch: exact schedules, instant insertion on real streets (promises never broken),
rejection reasons, and the OR-Tools optimiser on Cordeau instances (independent checker)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dispatch import EuclideanTravel, SolverParams, StreetTravel, Vehicle, read_cordeau, solve
from dispatch._insert_kernel import stp_earliest
from dispatch.insertion import Dispatcher, DispatchParams, NoOffer, Offer, StaleOfferError
from dispatch.schedule import earliest_schedule
from mobility.region import Region
from routing import StreetRouter
from tests.darp_checker import check_solution, load_instance, read_bks

CORDEAU = Path(__file__).resolve().parents[2] / "shared" / "data" / "darp" / "cordeau"
DEPOT = (44.0153, -73.1673)  # Middlebury


def test_compiled_schedule_equals_reference() -> None:
    """The compiled scheduler (a forward pass, Bellman-Ford when a ride limit or the
    duration binds) agrees with the plain reference on random routes, feasible or not."""
    rng = np.random.default_rng(0)
    for _ in range(3000):
        m = int(rng.integers(2, 9))
        travel = rng.uniform(1, 20, m - 1)
        service = rng.uniform(0, 3, m)
        lo = np.sort(rng.uniform(0, 100, m))
        hi = lo + rng.uniform(0, 60, m)
        pairs = []
        for _ in range(int(rng.integers(0, 3))):
            a, b = sorted(rng.choice(m, 2, replace=False))
            pairs.append((int(a), int(b), float(rng.uniform(5, 60))))
        md = float(rng.uniform(30, 200))
        ref = earliest_schedule(travel, service, lo, hi, pairs, md)
        out = np.empty(m)
        ok = stp_earliest(travel, service, lo, hi, np.array([p[0] for p in pairs], np.int64),
                          np.array([p[1] for p in pairs], np.int64),
                          np.array([p[2] for p in pairs]), md, out)
        assert ok == (ref is not None)
        if ok:
            np.testing.assert_allclose(out, ref)


@pytest.fixture(scope="module")
def travel(addison: Region) -> StreetTravel:
    return StreetTravel(StreetRouter(addison.streets["car"]).prepare())


def _near_points(travel: StreetTravel, n: int, seed: int) -> list[tuple[float, float]]:
    net = travel.router.net
    near = np.flatnonzero((np.abs(net.node_lat - DEPOT[0]) < 0.12)
                          & (np.abs(net.node_lon - DEPOT[1]) < 0.15))
    idx = np.random.default_rng(seed).choice(near, n)
    return [(float(net.node_lat[i]), float(net.node_lon[i])) for i in idx]


def _book_stream(d: Dispatcher, travel: StreetTravel, n: int, hours: tuple[int, int],
                 seed: int) -> int:
    """Quote ``n`` random requests (earliest pickups within ``hours``) and commit every
    offer; returns how many were booked."""
    pts = _near_points(travel, 2 * n, seed=seed)
    rng = np.random.default_rng(seed + 1)
    booked = 0
    for q in range(n):
        r = d.make_request(f"r{q}", pts[2 * q], pts[2 * q + 1], earliest_pickup=float(
            rng.uniform(hours[0] * 3600, hours[1] * 3600)))
        offer = d.quote(r)
        if isinstance(offer, Offer):
            d.commit(offer)
            booked += 1
    return booked


def _verify_all_promises(d: Dispatcher, travel: StreetTravel) -> int:
    """Recompute every plan independently (router matrix + the Python scheduler) and check
    every booked rider's window, ride time and the vehicle's seats."""
    checked = 0
    for plan in d.plans.values():
        v = plan.vehicle
        pts = d._points(plan)
        dur, _ = travel.router.matrix(pts[:-1], pts[1:])
        t_next = np.diag(dur)
        service, lo, hi, load, wload, rp, rd, rl = d._arrays(plan)
        times = earliest_schedule(t_next, service, lo, hi,
                                  list(zip(rp.tolist(), rd.tolist(), rl.tolist(), strict=True)),
                                  v.max_duration)
        assert times is not None, f"plan of {v.id} became infeasible"
        assert load.max() <= v.seats and load.min() >= 0
        assert wload.max() <= v.wheelchair_places and wload.min() >= 0
        for k, (rid, kind) in enumerate(plan.stops, 1):
            r = d.requests[rid]
            window = r.pickup_window if kind == "pickup" else r.dropoff_window
            assert window[0] - 1e-6 <= plan.times[k] <= window[1] + 1e-6
            checked += 1
        for p, q, limit in zip(rp, rd, rl, strict=True):
            assert plan.times[q] - plan.times[p] - service[p] <= limit + 1e-6
    return checked


def test_insertion_never_breaks_a_promise(travel: StreetTravel) -> None:
    vehicles = [Vehicle(f"v{k}", DEPOT, DEPOT, (6 * 3600, 22 * 3600), seats=4)
                for k in range(6)]
    d = Dispatcher(vehicles, travel, DispatchParams(window_s=600))
    pts = _near_points(travel, 240, seed=1)
    rng = np.random.default_rng(2)
    accepted = rejected = 0
    for q in range(120):
        t = float(rng.uniform(7 * 3600, 18 * 3600))
        r = d.make_request(f"r{q}", pts[2 * q], pts[2 * q + 1], earliest_pickup=t,
                           passengers=int(rng.integers(1, 3)))
        offer = d.quote(r)
        if isinstance(offer, Offer):
            assert r.pickup_window[0] <= offer.pickup_time <= r.pickup_window[1]
            d.commit(offer)
            accepted += 1
            got = [s for s in d.schedule(offer.vehicle) if s.request == r.id]
            assert got[0].time == pytest.approx(offer.pickup_time, abs=1e-6) or \
                got[0].time <= offer.pickup_time + 1e-6
        else:
            assert offer.reason in ("no vehicle in time", "capacity", "ride-time limit",
                                    "outside shift")
            rejected += 1
        _verify_all_promises(d, travel)
    assert accepted > 40 and rejected > 0  # a busy day: some requests cannot be served


def _every_insertion(d: Dispatcher, r, dur: np.ndarray, at: dict) -> float | None:  # type: ignore[no-untyped-def]
    """The least added driving time of any feasible insertion of ``r``: every vehicle, every
    pair of positions, each new plan scheduled by the plain Python scheduler (None: none
    fits)."""
    best = None
    for plan in d.plans.values():
        v = plan.vehicle
        if r.passengers > v.seats or r.pickup_window[0] > v.shift[1] or \
                r.pickup_window[1] < v.shift[0]:
            continue
        pts = d._points(plan)
        service, lo, hi, load, _, rp, rd, rl = d._arrays(plan)
        m = len(pts)
        old = sum(dur[at[pts[k]], at[pts[k + 1]]] for k in range(m - 1))
        for i in range(1, m):
            for j in range(i, m):
                seq: list = []  # old stop k, or "P"/"D"; P before old i, D before old j
                for k in range(m):
                    seq += ["P"] if k == i else []
                    seq += ["D"] if k == j else []
                    seq.append(k)
                where = {x: n for n, x in enumerate(seq)}
                p_at, d_at = where["P"], where["D"]
                if (load[i - 1] + r.passengers > v.seats
                        or any(load[x] + r.passengers > v.seats for x in seq[p_at + 1:d_at])):
                    continue
                place = [r.pickup if x == "P" else r.dropoff if x == "D" else pts[x]
                         for x in seq]
                t = np.array([dur[at[a], at[b]] for a, b in zip(place[:-1], place[1:],
                                                               strict=True)])
                sv = np.array([r.pickup_service if x == "P" else r.dropoff_service
                               if x == "D" else service[x] for x in seq])
                win = [r.pickup_window if x == "P" else r.dropoff_window if x == "D"
                       else (lo[x], hi[x]) for x in seq]
                clock, late = win[0][0], False  # a window missed driving straight on
                for n, (a, b) in enumerate(win):
                    clock = max(clock, a)
                    late = late or clock > b + 1e-9
                    clock += sv[n] + (t[n] if n < len(t) else 0.0)
                if late:
                    continue
                rides = [(where[int(a)], where[int(b)], float(c))
                         for a, b, c in zip(rp, rd, rl, strict=True)]
                rides.append((p_at, d_at, r.max_ride))
                if earliest_schedule(t, sv, np.array([w[0] for w in win]),
                                     np.array([w[1] for w in win]), rides,
                                     v.max_duration) is None:
                    continue
                added = float(t.sum() - old)
                best = added if best is None else min(best, added)
    return best


def _full_day(travel: StreetTravel) -> Dispatcher:
    """Three vehicles' plans holding a day's bookings (70 asked for, 06:00-20:00)."""
    vehicles = [Vehicle(f"v{k}", DEPOT, DEPOT, (6 * 3600, 21 * 3600), seats=3)
                for k in range(3)]
    d = Dispatcher(vehicles, travel, DispatchParams(window_s=900))
    assert _book_stream(d, travel, 70, (6, 20), seed=7) > 30
    return d


def test_quotes_on_a_full_day_equal_trying_every_insertion(travel: StreetTravel) -> None:
    """A quote reads only the stops around the ride's windows of each plan: on plans holding
    a whole day's bookings its offer is still the cheapest of every insertion tried one by
    one, and it finds none exactly when none fits."""
    from dispatch.insertion import _window_span

    d = _full_day(travel)
    probes = _near_points(travel, 24, seed=11)
    rng = np.random.default_rng(12)
    reqs = [d.make_request(f"p{q}", probes[2 * q], probes[2 * q + 1],
                           earliest_pickup=float(rng.uniform(7 * 3600, 19 * 3600)),
                           passengers=int(rng.integers(1, 3))) for q in range(12)]
    places = list(dict.fromkeys([pt for plan in d.plans.values() for pt in d._points(plan)]
                                + [pt for r in reqs for pt in (r.pickup, r.dropoff)]))
    dur, _ = travel.router.matrix(places, places)
    at = {pt: n for n, pt in enumerate(places)}
    offers = pruned = 0
    for r in reqs:
        spans = [_window_span(p, r) for p in d.plans.values()]
        pruned += sum(b - a < len(p.points) for (a, b), p in zip(spans, d.plans.values(),
                                                                 strict=True))
        offer = d.quote(r)
        ref = _every_insertion(d, r, dur, at)
        if isinstance(offer, Offer):
            assert ref is not None and offer.added_time == pytest.approx(ref, abs=1e-3)
            offers += 1
        else:
            assert ref is None, (r.id, offer.reason, ref)
    assert offers >= 3 and offers < len(reqs)  # some fit, some do not
    assert pruned >= 2 * len(reqs)  # most plans were read only around the windows


def _in_order(plan, r, legs, t_pd: float, bound: float):  # type: ignore[no-untyped-def]
    """The insertion kernel's answer the slow way: every (pickup, drop-off) position pair
    in order, each new plan built whole and scheduled by the compiled scheduler, the first
    of the cheapest kept; the failure code from every candidate tried."""
    from dispatch._insert_kernel import BIG

    service, lo, hi, load, wload, rp, rd, rl = plan.arrays
    v, t_next = plan.vehicle, plan.t_next
    to_p, from_p, to_d, from_d = legs
    m = len(lo)
    best, bi, bj, bp, bd = bound, -1, -1, 0.0, 0.0
    saw_time = saw_cap = False
    for i in range(1, m):
        for j in range(i, m):
            if (max(load[i - 1:max(j, i)]) + r.passengers > v.seats
                    or max(wload[i - 1:max(j, i)]) + r.wheelchairs > v.wheelchair_places):
                saw_cap = True
                continue
            if j == i:
                added = to_p[i - 1] + t_pd + from_d[i] - t_next[i - 1]
            else:
                added = (to_p[i - 1] + from_p[i] - t_next[i - 1]) + to_d[j - 1] + from_d[j] \
                    - t_next[j - 1]
            if added >= best:
                continue
            seq: list = []  # old stop k, or "P"/"D"
            for k in range(m):
                seq += ["P"] if k == i else []
                seq += ["D"] if k == j else []
                seq.append(k)
            where = {x: n for n, x in enumerate(seq)}
            tr = []
            for a, b in zip(seq[:-1], seq[1:], strict=True):
                tr.append(t_pd if (a, b) == ("P", "D") else to_p[a] if b == "P" else
                          to_d[a] if b == "D" else from_p[b] if a == "P" else
                          from_d[b] if a == "D" else t_next[a])
            pick = (r.pickup_service, r.pickup_window[0], r.pickup_window[1])
            drop = (r.dropoff_service, r.dropoff_window[0], r.dropoff_window[1])
            rows = [pick if x == "P" else drop if x == "D" else (service[x], lo[x], hi[x])
                    for x in seq]
            out = np.empty(len(seq))
            ok = stp_earliest(np.array(tr), np.array([x[0] for x in rows]),
                              np.array([x[1] for x in rows]), np.array([x[2] for x in rows]),
                              np.array([where[int(a)] for a in rp] + [where["P"]], np.int64),
                              np.array([where[int(b)] for b in rd] + [where["D"]], np.int64),
                              np.array([*rl, r.max_ride]), min(v.max_duration, BIG), out)
            if ok:
                best, bi, bj, bp, bd = added, i, j, out[where["P"]], out[where["D"]]
            else:
                saw_time = True
    return best, bi, bj, bp, bd, 0 if bi >= 0 else (2 if saw_time else (1 if saw_cap else 2))


def test_the_insertion_kernel_equals_trying_every_candidate_in_order(
        travel: StreetTravel) -> None:
    """The kernel skips most candidates unsolved (bounds from the plan's schedule; a walk
    over only the stops a candidate delays; a pickup that makes the next stop miss what it
    allows rules out every later drop-off): on full days' plans its answer — cost,
    positions, pickup and drop-off times, failure code — is exactly the one of building
    and scheduling every candidate in order, with no bound and with one."""
    from dispatch._insert_kernel import BIG, best_insertion

    d = _full_day(travel)
    probes = _near_points(travel, 40, seed=5)
    rng = np.random.default_rng(6)
    found = refused = bounded = 0
    for q in range(20):
        r = d.make_request(f"k{q}", probes[2 * q], probes[2 * q + 1],
                           earliest_pickup=float(rng.uniform(7 * 3600, 19 * 3600)),
                           passengers=int(rng.integers(1, 3)))
        t_pd = float(travel.one_to_many(r.pickup, [r.dropoff])[0])
        for plan in d.plans.values():
            pts = plan.points
            legs = (travel.many_to_one(pts, r.pickup), travel.one_to_many(r.pickup, pts),
                    travel.many_to_one(pts, r.dropoff), travel.one_to_many(r.dropoff, pts))
            ref = _in_order(plan, r, legs, t_pd, BIG)
            service, lo, hi, load, wload, rp, rd, rl = plan.arrays
            v = plan.vehicle
            given = (plan.t_next, plan.times, service, lo, hi, load, v.seats, wload,
                     v.wheelchair_places, rp, rd, rl, min(v.max_duration, BIG), *legs, t_pd,
                     r.pickup_window[0], r.pickup_window[1], r.dropoff_window[0],
                     r.dropoff_window[1], r.pickup_service, r.dropoff_service, r.max_ride,
                     r.passengers, r.wheelchairs)
            assert tuple(best_insertion(*given, BIG)) == ref, (r.id, v.id)
            found += ref[1] >= 0
            refused += ref[1] < 0
            if ref[1] >= 0:  # a bound just above the best: the same; at it: nothing
                assert tuple(best_insertion(*given, float(np.nextafter(ref[0], np.inf)))) == ref
                assert best_insertion(*given, ref[0])[1] == -1
                bounded += 1
    assert found >= 10 and refused >= 5 and bounded == found


def test_rejection_reasons(travel: StreetTravel) -> None:
    pts = _near_points(travel, 4, seed=3)
    d = Dispatcher([Vehicle("v", DEPOT, DEPOT, (6 * 3600, 10 * 3600), seats=2)], travel)
    big = d.make_request("a", pts[0], pts[1], earliest_pickup=8 * 3600, passengers=3)
    assert isinstance(no := d.quote(big), NoOffer) and no.reason == "capacity"
    late = d.make_request("b", pts[0], pts[1], earliest_pickup=11 * 3600)
    assert isinstance(no := d.quote(late), NoOffer) and no.reason == "outside shift"
    # a 60 s window ending 30 s after the shift starts, 2.7 km from the depot
    tight = Dispatcher([Vehicle("v", DEPOT, DEPOT, (6 * 3600, 10 * 3600))], travel,
                       DispatchParams(window_s=60))
    rushed = tight.make_request("c", pts[2], pts[3], earliest_pickup=6 * 3600 - 30)
    assert isinstance(no := tight.quote(rushed), NoOffer) and no.reason == "no vehicle in time"


def test_wheelchair_places_are_a_capacity_of_their_own() -> None:
    """One wheelchair place: a second wheelchair user riding at the same time is refused
    (plenty of seats notwithstanding), one riding later fits, and so does anyone walking."""
    d = Dispatcher([Vehicle("v", (0.0, 0.0), (0.0, 0.0), (0.0, 10_000.0), seats=8,
                            wheelchair_places=1)], EuclideanTravel(),
                   DispatchParams(window_s=60, boarding_s=0, alighting_s=0))

    def ask(rid: str, t: float, wheelchairs: int) -> Offer | NoOffer:
        r = d.make_request(rid, (100.0, 0.0), (600.0, 0.0), earliest_pickup=t,
                           wheelchairs=wheelchairs)
        return d.quote(r)

    first = ask("a", 100.0, 1)
    assert isinstance(first, Offer)
    d.commit(first)
    # (the kernel could carry "b" after "a" but then misses b's window: "no vehicle in time")
    assert isinstance(ask("b", 100.0, 1), NoOffer)
    assert isinstance(ask("c", 100.0, 0), Offer)
    later = ask("d", 2_000.0, 1)  # after "a" got off at 600
    assert isinstance(later, Offer)
    d.commit(later)
    loads = [s.load for s in d.schedule("v")]
    assert max(loads) == 1


def test_stale_offer_is_refused(travel: StreetTravel) -> None:
    pts = _near_points(travel, 4, seed=4)
    d = Dispatcher([Vehicle("v", DEPOT, DEPOT, (6 * 3600, 22 * 3600))], travel)
    a = d.quote(d.make_request("a", pts[0], pts[1], earliest_pickup=9 * 3600))
    b = d.quote(d.make_request("b", pts[2], pts[3], earliest_pickup=9 * 3600))
    assert isinstance(a, Offer) and isinstance(b, Offer)
    d.commit(a)
    with pytest.raises(StaleOfferError, match="quote again"):
        d.commit(b)


@pytest.mark.slow
def test_a2_16_reaches_best_known() -> None:
    """Stopped by a count of solutions (the same plan on any machine, under any load)."""
    inst = read_cordeau(CORDEAU / "a2-16.txt")
    sol = solve(inst.problem(), EuclideanTravel(),
                SolverParams(time_limit_s=120, solution_limit=50))
    report = check_solution(load_instance(CORDEAU / "a2-16.txt"), inst.to_benchmark(sol))
    assert report.ok, report.problems
    assert report.served == 16 and not sol.rejected
    assert report.cost == pytest.approx(read_bks(CORDEAU / "bks.csv")["a2-16"][0], abs=0.01)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["a3-24", "a4-32", "a5-40"])
def test_optimiser_solutions_pass_the_independent_checker(name: str) -> None:
    inst = read_cordeau(CORDEAU / f"{name}.txt")
    sol = solve(inst.problem(), EuclideanTravel(),
                SolverParams(time_limit_s=120, solution_limit=20))
    report = check_solution(load_instance(CORDEAU / f"{name}.txt"), inst.to_benchmark(sol))
    assert report.ok, report.problems
    assert report.served == inst.n
    assert report.cost == pytest.approx(sol.cost, rel=1e-9)


def test_plan_figures_by_hand() -> None:
    """On a line: depot 0, A rides 1 -> 3, B rides 2 -> 4, the vehicle returns to 0.
    Legs 0-1 empty, 1-2 A, 2-3 A+B (shared), 3-4 B, 4-0 empty."""
    from dispatch import Request, Route, Stop
    from dispatch.figures import plan_figures

    v = Vehicle("v", (0.0, 0.0), (0.0, 0.0), (0.0, 100.0))
    reqs = {"A": Request("A", (1.0, 0.0), (3.0, 0.0), (0, 100)),
            "B": Request("B", (2.0, 0.0), (4.0, 0.0), (0, 100))}
    stops = [Stop("A", "pickup", 1, 1), Stop("B", "pickup", 2, 2), Stop("A", "dropoff", 3, 1),
             Stop("B", "dropoff", 4, 0)]
    total, per = plan_figures([Route("v", stops, 0.0, 8.0)], {"v": v}, reqs,
                              EuclideanTravel(), km_per_unit=1.0, h_per_unit=1.0)
    assert (total.driven_km, total.empty_km, total.passenger_km) == (8.0, 5.0, 4.0)
    assert total.shared_passenger_km == 2.0 and total.pooling_rate == 0.5
    assert total.mean_occupancy == 0.5 and total.driving_h == 8.0 and total.duty_h == 8.0
    assert per["v"] == total


@pytest.mark.slow
def test_reoptimize_keeps_every_promise_and_saves_time(travel: StreetTravel) -> None:
    """Book greedily (insertion only), then re-optimise: every booking stays on its vehicle
    within its windows and ride limit, and the fleet drives less (or nothing changes)."""
    vehicles = [Vehicle(f"v{k}", DEPOT, DEPOT, (6 * 3600, 22 * 3600), seats=4)
                for k in range(4)]
    d = Dispatcher(vehicles, travel, DispatchParams(window_s=1200))
    _book_stream(d, travel, 60, (7, 12), seed=8)
    owner = {rid: vid for vid, p in d.plans.items() for rid, _ in p.stops}
    before = sum(float(p.t_next.sum()) for p in d.plans.values())
    saved = d.reoptimize(time_limit_s=120, solution_limit=50, move=False)
    after = sum(float(p.t_next.sum()) for p in d.plans.values())
    assert saved == pytest.approx(before - after, abs=1e-6) and saved >= 0
    assert {rid: vid for vid, p in d.plans.items() for rid, _ in p.stops} == owner
    _verify_all_promises(d, travel)
    # letting rides change vehicles (their promise is the window, not the vehicle)
    more = d.reoptimize(time_limit_s=120, solution_limit=50)
    assert more > 0
    assert {rid for p in d.plans.values() for rid, _ in p.stops} == set(owner)
    _verify_all_promises(d, travel)


@pytest.mark.slow
def test_reoptimize_under_way() -> None:
    """Mid-morning, one vehicle carries a rider and is away from its depot: re-planning
    starts it where it is, keeps the rider aboard (drop-off by their ride limit), and
    every other booking in its window."""
    travel = EuclideanTravel()
    vs = [Vehicle(f"v{k}", (0.0, 0.0), (0.0, 0.0), (0.0, 5000.0), seats=3) for k in range(2)]
    d = Dispatcher(vs, travel, DispatchParams(window_s=300, boarding_s=0, alighting_s=0))
    rides = [("a", (100.0, 0.0), (900.0, 0.0), 100.0), ("b", (0.0, 800.0), (0.0, 50.0), 800.0),
             ("c", (800.0, 10.0), (100.0, 10.0), 1000.0), ("d", (20.0, 780.0), (0.0, 0.0),
                                                          900.0)]
    for rid, o, dst, t in rides:
        offer = d.quote(d.make_request(rid, o, dst, earliest_pickup=t))
        assert isinstance(offer, Offer)
        d.commit(offer)
    carrier = d.vehicle_of("a")
    assert carrier is not None
    when = d.plans[carrier].times[1 + [s[0] for s in d.plans[carrier].stops].index("a")]
    d.picked_up("a", float(when))
    d.locate(carrier, (300.0, 0.0), float(when) + 200.0)
    d.reoptimize(time_limit_s=120, solution_limit=50)
    assert d.vehicle_of("a") == carrier and ("a", "pickup") not in d.plans[carrier].stops
    plan = d.plans[carrier]
    assert not plan.late and plan.origin == (300.0, 0.0)
    k = plan.stops.index(("a", "dropoff")) + 1
    assert plan.times[k] <= when + d.requests["a"].max_ride + 1e-6
    for p in d.plans.values():
        for j, (rid, kind) in enumerate(p.stops, 1):
            r = d.requests[rid]
            lo, hi = r.pickup_window if kind == "pickup" else r.dropoff_window
            assert lo - 1e-6 <= p.times[j] <= hi + 1e-6


@pytest.mark.slow
def test_solution_limit_makes_the_optimiser_reproducible() -> None:
    inst = read_cordeau(CORDEAU / "a3-24.txt")
    params = SolverParams(time_limit_s=60, solution_limit=40)
    a = solve(inst.problem(), EuclideanTravel(), params)
    b = solve(inst.problem(), EuclideanTravel(), params)
    assert [[(s.request, s.kind) for s in r.stops] for r in a.routes] == \
        [[(s.request, s.kind) for s in r.stops] for r in b.routes]
    assert a.cost == b.cost and a.seconds < 60


def test_a_failure_limit_stops_the_search_the_same_way_every_time() -> None:
    """The failed-move budget (the simulated re-plan's second count) stops the search
    before its solutions are spent, at the same plan on every run."""
    inst = read_cordeau(CORDEAU / "a3-24.txt")
    plan = lambda s: [[(x.request, x.kind) for x in r.stops] for r in s.routes]  # noqa: E731
    params = SolverParams(time_limit_s=60, solution_limit=40, failure_limit=30)
    a = solve(inst.problem(), EuclideanTravel(), params)
    b = solve(inst.problem(), EuclideanTravel(), params)
    assert plan(a) == plan(b) and a.cost == b.cost and not a.rejected
    full = solve(inst.problem(), EuclideanTravel(),
                 SolverParams(time_limit_s=60, solution_limit=40))
    assert full.cost < a.cost  # the 40 solutions go further than 30 failed moves allow


def test_reproducible_search_stops_by_counts_not_by_the_clock() -> None:
    """In the reproducible mode no OR-Tools clock is shorter than the safety net: the
    completion of a large neighbourhood (100 ms by default) would otherwise reject moves
    whenever the process is descheduled that long, and a loaded machine would take another
    path. By the clock, OR-Tools' default stays (the benchmark's quality was measured so)."""
    from dispatch.solver import _search_parameters

    sp = _search_parameters(SolverParams(solution_limit=40), "LOCAL_CHEAPEST_INSERTION", 600)
    assert sp.solution_limit == 40
    assert sp.time_limit.ToMilliseconds() == sp.lns_time_limit.ToMilliseconds() == 600_000
    clock = _search_parameters(SolverParams(), "LOCAL_CHEAPEST_INSERTION", 10)
    assert clock.time_limit.ToMilliseconds() == 10_000
    assert clock.lns_time_limit.ToMilliseconds() == 100


@pytest.mark.slow
def test_reproducible_ruin_and_recreate_cycles() -> None:
    """Counted cycles of ruin and recreate: the same plan twice, never worse than the
    portfolio's alone (a cycle's result is kept only if it is better)."""
    inst = read_cordeau(CORDEAU / "a3-24.txt")
    base = SolverParams(time_limit_s=60, solution_limit=20)
    plain = solve(inst.problem(), EuclideanTravel(), base)
    params = SolverParams(time_limit_s=60, solution_limit=20, ruin_cycles=3)
    a = solve(inst.problem(), EuclideanTravel(), params)
    b = solve(inst.problem(), EuclideanTravel(), params)
    assert [[(s.request, s.kind) for s in r.stops] for r in a.routes] == \
        [[(s.request, s.kind) for s in r.stops] for r in b.routes]
    assert a.cost == b.cost <= plain.cost + 1e-9 and not a.rejected


def test_riders_on_board_stay_and_keep_their_ride_limit() -> None:
    """Mid-route: vehicle A carries rider x (picked up at t=0, ride limit 40) and is now at
    (10, 0) at t=10; the optimiser must drop x off with A by t=40, not hand x to B."""
    from dispatch import Problem, Request

    a = Vehicle("A", (10.0, 0.0), (0.0, 0.0), (10.0, 200.0), seats=2)
    b = Vehicle("B", (0.0, 30.0), (0.0, 0.0), (10.0, 200.0), seats=2)
    x = Request("x", (0.0, 0.0), (0.0, 25.0), (0.0, 0.0), max_ride=40.0)
    y = Request("y", (12.0, 0.0), (14.0, 0.0), (10.0, 60.0), max_ride=40.0)
    sol = solve(Problem([a, b], [x, y], onboard={"x": ("A", 0.0)}), EuclideanTravel(),
                SolverParams(time_limit_s=120, solution_limit=20))
    assert not sol.rejected
    route_a = next(r for r in sol.routes if r.vehicle == "A")
    drop = next(s for s in route_a.stops if s.request == "x" and s.kind == "dropoff")
    assert drop.time <= 40.0 + 1e-9
    # x's pickup is the visit at A's start, now (t = 10)
    assert (route_a.stops[0].request, route_a.stops[0].kind) == ("x", "pickup")
    assert route_a.stops[0].time == 10.0


def test_breaks_are_kept_with_nobody_on_board(travel: StreetTravel) -> None:
    """A 30-minute break starting 12:00-12:30 at the depot: after a busy morning of
    bookings it sits inside its window, and no booked ride spans it."""
    from dispatch import Break

    brk = Break(12 * 3600, 12.5 * 3600, 1800)
    vehicles = [Vehicle(f"v{k}", DEPOT, DEPOT, (6 * 3600, 22 * 3600), seats=4,
                        breaks=(brk,)) for k in range(3)]
    d = Dispatcher(vehicles, travel, DispatchParams(window_s=1200))
    _book_stream(d, travel, 60, (10, 14), seed=12)
    _verify_all_promises(d, travel)
    for v in vehicles:
        stops = d.schedule(v.id)
        [b] = [s for s in stops if s.kind == "break"]
        assert brk.earliest <= b.time <= brk.latest and b.load == 0
        start, end = b.time, b.time + brk.duration
        rides = {}
        for s in stops:
            if s.kind in ("pickup", "dropoff"):
                rides.setdefault(s.request, []).append(s.time)
        assert rides  # the vehicle did work around its break
        for pick, drop in rides.values():
            assert drop <= start + 1e-6 or pick >= end - 1e-6


def test_optimiser_schedules_breaks() -> None:
    from dispatch import Break, Problem, Request

    v = Vehicle("A", (0.0, 0.0), (0.0, 0.0), (0.0, 300.0), seats=2,
                breaks=(Break(100.0, 120.0, 30.0),))
    reqs = [Request(f"r{k}", (float(k), 5.0), (float(k), 10.0), (20.0 * k, 20.0 * k + 60))
            for k in range(8)]
    sol = solve(Problem([v], reqs), EuclideanTravel(),
                SolverParams(time_limit_s=120, solution_limit=20))
    assert not sol.rejected
    [route] = sol.routes
    kinds = [(s.request, s.kind) for s in route.stops]
    b = [s for s in route.stops if s.request.startswith("break:")]
    assert [s.kind for s in b] == ["pickup", "dropoff"] and 100.0 <= b[0].time <= 120.0
    i = kinds.index((b[0].request, "pickup"))
    assert route.stops[i].load == 2  # the break occupies every seat: nobody else aboard
    assert route.stops[i + 1].request == b[0].request
