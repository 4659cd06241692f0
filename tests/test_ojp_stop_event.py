"""OJPStopEventRequest on the real addison-vt region: the working group's example (a Swiss
stop replaced by the region's) answered with a valid document; the departures and arrivals
equal those computed here independently from the feed's calendar, calendar_dates, trips and
stop_times with pandas, on the right service day; problems as STOPEVENT_* codes. Every
response is validated against the official schema."""

from __future__ import annotations

import datetime as dt
import math
import zipfile
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import Element, fromstring

import pandas as pd
import pytest

from api.ojp.xml import NS
from tests.conftest import DATA
from tests.ojp_app import ADDISON_TZ, MOMENT, ojp_client
from tests.ojp_support import example, post, validate

MERCHANTS_ROW = "771333"  #: Middlebury's hub: 510 calls, every time given in the feed
HIGH_SCHOOL = "771331"  #: Middlebury High School: times interpolated by the compiler
HEAD = ('<OJP xmlns="http://www.vdv.de/ojp" xmlns:siri="http://www.siri.org.uk/siri" '
        'version="2.0"><OJPRequest><siri:ServiceRequest>'
        '<siri:RequestTimestamp>2016-03-03T12:00:00Z</siri:RequestTimestamp>'
        '<siri:RequestorRef>test</siri:RequestorRef><OJPStopEventRequest>'
        '<siri:RequestTimestamp>2016-03-03T12:00:00Z</siri:RequestTimestamp>'
        '<siri:MessageIdentifier>1</siri:MessageIdentifier>')
TAIL = "</OJPStopEventRequest></siri:ServiceRequest></OJPRequest></OJP>"


def ser(stop: str | None = None, when: dt.datetime | str | None = None, params: str = "",
        position: tuple[float, float] | None = None) -> bytes:
    ref = (f"<siri:StopPointRef>{stop}</siri:StopPointRef>" if stop is not None else
           f"<GeoPosition><siri:Longitude>{position[1]}</siri:Longitude><siri:Latitude>"  # type: ignore[index]
           f"{position[0]}</siri:Latitude></GeoPosition>")  # type: ignore[index]
    t = when.isoformat() if isinstance(when, dt.datetime) else when
    return (HEAD + f"<Location><PlaceRef>{ref}<Name><Text>x</Text></Name></PlaceRef>"
            + (f"<DepArrTime>{t}</DepArrTime>" if t else "") + "</Location>"
            + (f"<Params>{params}</Params>" if params else "") + TAIL).encode()


@pytest.fixture(scope="module")
def client(addison, addison_planner, addison_travel, addison_atlas,  # type: ignore[no-untyped-def]
           tmp_path_factory) -> Iterator[Any]:
    with ojp_client(addison, addison_planner, addison_travel, addison_atlas,
                    tmp_path_factory.mktemp("ojp-stop-event")) as c:
        yield c


class Feed:
    """The feed's tables read with pandas, and the calls at a stop computed from them."""

    def __init__(self) -> None:
        with zipfile.ZipFile(DATA / "addison-vt" / "gtfs.zip") as z:
            t = {n: pd.read_csv(z.open(f"{n}.txt"), dtype=str, keep_default_na=False)
                 for n in ("stops", "routes", "trips", "stop_times", "calendar",
                           "calendar_dates")}
        self.t = t
        st = t["stop_times"].copy()
        st["seq"] = st.stop_sequence.astype(int)
        st = st.sort_values(["trip_id", "seq"])
        st["pos"] = st.groupby("trip_id").cumcount()
        st["n"] = st.groupby("trip_id").trip_id.transform("size")
        self.st = st

    def services(self, day: dt.date) -> set[str]:
        """calendar.txt's weekday and date range, then calendar_dates' exceptions."""
        cal = self.t["calendar"]
        ymd = day.strftime("%Y%m%d")
        on = cal[(cal[day.strftime("%A").lower()] == "1") & (cal.start_date <= ymd)
                 & (cal.end_date >= ymd)].service_id
        out = set(on)
        ex = self.t["calendar_dates"]
        ex = ex[ex.date == ymd]
        out |= set(ex[ex.exception_type == "1"].service_id)
        out -= set(ex[ex.exception_type == "2"].service_id)
        return out

    def calls(self, stop: str, start: dt.datetime, end: dt.datetime, kind: str,
              route: str | None = None) -> list[tuple[str, str, int, str]]:
        """(trip id, service date, order, UTC time) of the calls at ``stop`` listed from
        ``start`` to ``end``, by time then trip id; only where the feed gives the time."""
        trips = self.t["trips"]
        out = []
        day = start.astimezone(ADDISON_TZ).date() - dt.timedelta(days=1)
        while day <= end.astimezone(ADDISON_TZ).date():
            active = trips[trips.service_id.isin(self.services(day))]
            if route is not None:
                active = active[active.route_id == route]
            rows = self.st[(self.st.stop_id == stop) & self.st.trip_id.isin(active.trip_id)]
            base = (dt.datetime.combine(day, dt.time(12), ADDISON_TZ).astimezone(dt.UTC)
                    - dt.timedelta(hours=12))
            for r in rows.itertuples():
                board = r.pickup_type != "1" and r.pos < r.n - 1
                alight = r.drop_off_type != "1" and r.pos > 0
                if kind == "departure":
                    ok, text = board, r.departure_time
                elif kind == "arrival":
                    ok, text = alight, r.arrival_time
                else:
                    ok, text = board or alight, r.departure_time if board else r.arrival_time
                if not ok:
                    continue
                h, m, s = (int(x) for x in text.split(":"))
                at = base + dt.timedelta(seconds=h * 3600 + m * 60 + s)
                if start <= at < end:
                    out.append((at, r.trip_id, day.isoformat(), r.pos + 1))
            day += dt.timedelta(days=1)
        return [(trip, d, order, at.strftime("%Y-%m-%dT%H:%M:%SZ"))
                for at, trip, d, order in sorted(out)]


@pytest.fixture(scope="module")
def feed() -> Feed:
    return Feed()


def events(client: Any, body: bytes) -> list[Element]:
    r = post(client, body)
    assert r.status_code == 200, r.text
    validate(r.content)
    d = fromstring(r.content).find(
        "ojp:OJPResponse/siri:ServiceDelivery/ojp:OJPStopEventDelivery", NS)
    assert d is not None and d.find("ojp:ErrorCondition", NS) is None, r.text
    return d.findall("ojp:StopEventResult/ojp:StopEvent", NS)


def problem(client: Any, body: bytes) -> str:
    r = post(client, body)
    assert r.status_code == 200, r.text
    validate(r.content)
    d = fromstring(r.content).find(
        "ojp:OJPResponse/siri:ServiceDelivery/ojp:OJPStopEventDelivery", NS)
    assert d is not None and d.findtext("siri:Status", None, NS) == "false"
    return d.findtext("ojp:ErrorCondition/ojp:StopEventProblemType", "", NS)


def seen(evs: list[Element], kind: str = "departure") -> list[tuple[str, str, int, str]]:
    """(JourneyRef, OperatingDayRef, Order, time) of each event, as Feed.calls gives them."""
    out = []
    for e in evs:
        call = e.find("ojp:ThisCall/ojp:CallAtStop", NS)
        assert call is not None
        dep = call.findtext("ojp:ServiceDeparture/ojp:TimetabledTime", None, NS)
        arr = call.findtext("ojp:ServiceArrival/ojp:TimetabledTime", None, NS)
        at = arr if kind == "arrival" else dep if kind == "departure" else (dep or arr)
        out.append((e.findtext("ojp:Service/ojp:JourneyRef", "", NS),
                    e.findtext("ojp:Service/ojp:OperatingDayRef", "", NS),
                    int(call.findtext("ojp:Order", "0", NS)), at or ""))
    return out


# -- the working group's example ----------------------------------------------------------
def test_example_request_answers_the_next_departures_from_now(client: Any,
                                                               feed: Feed) -> None:
    """StopEvent_001 (no DepArrTime: from now, the service clock's 07:00 on 2016-03-03)
    with Ligerz replaced by Merchant's Row: its next 10 departures."""
    evs = events(client, example("stop_event/StopEvent_001_Request_PR_83_96.xml",
                                 {"8504375": MERCHANTS_ROW}))
    want = feed.calls(MERCHANTS_ROW, MOMENT, MOMENT + dt.timedelta(days=1), "departure")
    assert len(want) > 10 and seen(evs) == want[:10]
    for e in evs:  # IncludePreviousCalls/IncludeOnwardCalls false in the example
        assert e.find("ojp:PreviousCall", NS) is None and e.find("ojp:OnwardCall", NS) is None


# -- against the feed ----------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["departure", "arrival", "both"])
@pytest.mark.parametrize("when", [
    MOMENT,  # Thursday
    dt.datetime(2016, 3, 5, 9, 0, tzinfo=ADDISON_TZ),  # Saturday
    dt.datetime(2016, 3, 6, 5, 0, tzinfo=ADDISON_TZ),  # Sunday
    dt.datetime(2015, 12, 25, 6, 0, tzinfo=ADDISON_TZ),  # Christmas: services removed
    dt.datetime(2016, 3, 3, 17, 30, tzinfo=ADDISON_TZ).astimezone(dt.UTC),  # given in UTC
])
def test_events_equal_the_feeds_on_the_right_day(client: Any, feed: Feed,
                                                 when: dt.datetime, kind: str) -> None:
    body = ser(MERCHANTS_ROW, when, f"<NumberOfResults>25</NumberOfResults><TimeWindow>PT12H"
               f"</TimeWindow><StopEventType>{kind}</StopEventType>")
    want = feed.calls(MERCHANTS_ROW, when, when + dt.timedelta(hours=12), kind)[:25]
    if want:
        assert seen(events(client, body), kind) == want
    else:
        assert problem(client, body) == "STOPEVENT_NOEVENTFOUND"


def test_a_day_without_service_finds_no_event(client: Any, feed: Feed) -> None:
    """Christmas Day 2015 from 06:00 for 12 hours: whatever the feed runs is listed, and a
    window where it runs nothing is STOPEVENT_NOEVENTFOUND."""
    when = dt.datetime(2015, 12, 25, 6, 0, tzinfo=ADDISON_TZ)
    assert feed.services(when.date()) != feed.services(when.date() - dt.timedelta(days=7))
    late = dt.datetime(2016, 3, 3, 23, 58, tzinfo=ADDISON_TZ)
    assert not feed.calls(MERCHANTS_ROW, late, late + dt.timedelta(minutes=1), "departure")
    assert problem(client, ser(MERCHANTS_ROW, late, "<TimeWindow>PT1M</TimeWindow>")) == \
        "STOPEVENT_NOEVENTFOUND"


def test_without_a_time_zone_the_time_is_the_regions(client: Any, feed: Feed) -> None:
    evs = events(client, ser(MERCHANTS_ROW, "2016-03-03T07:00:00",
                             "<NumberOfResults>5</NumberOfResults>"))
    assert seen(evs) == feed.calls(MERCHANTS_ROW, MOMENT, MOMENT + dt.timedelta(days=1),
                                   "departure")[:5]


def test_interpolated_times_lie_between_the_trips_given_times(client: Any,
                                                              feed: Feed) -> None:
    """At a stop the feed gives no times for, the trips are the feed's, in order, and each
    time lies between the trip's given times before and after the stop."""
    evs = events(client, ser(HIGH_SCHOOL, MOMENT, "<NumberOfResults>100</NumberOfResults>"
                             "<TimeWindow>PT24H</TimeWindow>"))
    got = seen(evs)
    trips = feed.t["trips"]
    active = set(trips[trips.service_id.isin(feed.services(MOMENT.date()))].trip_id)
    st = feed.st
    rows = st[(st.stop_id == HIGH_SCHOOL) & st.trip_id.isin(active) & (st.pickup_type != "1")
              & (st.pos < st.n - 1)]
    assert sorted((t, o) for t, _, o, _ in got) == sorted(
        (r.trip_id, r.pos + 1) for r in rows.itertuples()
        if _local(feed, r.trip_id, r.pos) >= MOMENT)
    times = [g[3] for g in got]
    assert times == sorted(times)
    for trip, _, order, at in got:
        rows_t = st[st.trip_id == trip]
        given = rows_t[rows_t.departure_time != ""]
        before = given[given.pos <= order - 1].departure_time.iloc[-1]
        after = given[given.pos >= order - 1].departure_time.iloc[0]
        local = dt.datetime.strptime(at, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=dt.UTC).astimezone(ADDISON_TZ).strftime("%H:%M:%S")
        assert before <= local <= after, (trip, before, local, after)


def _local(feed: Feed, trip: str, pos: int) -> dt.datetime:
    """The moment a trip passes its ``pos``-th call on MOMENT's day: its previous given
    time (enough to place it after the window's start or not)."""
    rows = feed.st[(feed.st.trip_id == trip) & (feed.st.departure_time != "")]
    text = rows[rows.pos <= pos].departure_time.iloc[-1]
    h, m, s = (int(x) for x in text.split(":"))
    return dt.datetime.combine(MOMENT.date(), dt.time(0), ADDISON_TZ) + dt.timedelta(
        hours=h, minutes=m, seconds=s)


def test_previous_and_onward_calls_are_the_trips_stops(client: Any, feed: Feed) -> None:
    evs = events(client, ser("771398", MOMENT, "<NumberOfResults>3</NumberOfResults>"
                             "<IncludePreviousCalls>true</IncludePreviousCalls>"
                             "<IncludeOnwardCalls>true</IncludeOnwardCalls>"))
    assert evs
    for e in evs:
        trip = e.findtext("ojp:Service/ojp:JourneyRef", "", NS)
        rows = feed.st[feed.st.trip_id == trip]
        order = int(e.findtext("ojp:ThisCall/ojp:CallAtStop/ojp:Order", "0", NS))
        prev = [c.findtext("ojp:CallAtStop/siri:StopPointRef", "", NS)
                for c in e.findall("ojp:PreviousCall", NS)]
        onward = [c.findtext("ojp:CallAtStop/siri:StopPointRef", "", NS)
                  for c in e.findall("ojp:OnwardCall", NS)]
        stops = rows.stop_id.tolist()
        assert prev == stops[:order - 1] and onward == stops[order:]
        assert stops[order - 1] == "771398"
        last = e.findall("ojp:OnwardCall/ojp:CallAtStop", NS)[-1]
        assert last.find("ojp:ServiceDeparture", NS) is None  # nobody leaves the last stop
        first = e.findall("ojp:PreviousCall/ojp:CallAtStop", NS)[0]
        assert first.find("ojp:ServiceArrival", NS) is None


def test_the_service_is_the_feeds_route(client: Any, feed: Feed) -> None:
    evs = events(client, ser(MERCHANTS_ROW, MOMENT, "<NumberOfResults>20</NumberOfResults>"))
    trips = feed.t["trips"].set_index("trip_id")
    routes = feed.t["routes"].set_index("route_id")
    stops = feed.t["stops"].set_index("stop_id")
    for e in evs:
        sv = e.find("ojp:Service", NS)
        assert sv is not None
        route_id = trips.loc[sv.findtext("ojp:JourneyRef", "", NS)].route_id
        route = routes.loc[route_id]
        assert sv.findtext("siri:LineRef", None, NS) == route_id
        assert sv.findtext("ojp:PublicCode", None, NS) == route.route_short_name
        assert sv.findtext("ojp:PublishedServiceName/ojp:Text", None, NS) == \
            route.route_short_name
        assert sv.findtext("ojp:OperatorRefs/ojp:OperatorRef", None, NS) == route.agency_id
        assert sv.findtext("ojp:Mode/ojp:PtMode", None, NS) == "bus"  # route_type 3
        assert sv.findtext("ojp:OperatingDayRef", None, NS) == "2016-03-03"
        rows = feed.st[feed.st.trip_id == sv.findtext("ojp:JourneyRef", "", NS)]
        last = rows.stop_id.iloc[-1]
        assert sv.findtext("ojp:DestinationStopPointRef", None, NS) == last
        headsign = trips.loc[sv.findtext("ojp:JourneyRef", "", NS)].trip_headsign
        assert sv.findtext("ojp:DestinationText/ojp:Text", None, NS) == (
            headsign or stops.loc[last].stop_name)


def test_a_line_filter_keeps_or_drops_a_route(client: Any, feed: Feed) -> None:
    end = MOMENT + dt.timedelta(hours=12)
    everything = feed.calls(MERCHANTS_ROW, MOMENT, end, "departure")
    route = feed.t["trips"].set_index("trip_id").loc[everything[0][0]].route_id
    only = events(client, ser(MERCHANTS_ROW, MOMENT, "<LineFilter><Line><siri:LineRef>"
                              f"{route}</siri:LineRef></Line><Exclude>false</Exclude>"
                              "</LineFilter><NumberOfResults>100</NumberOfResults>"
                              "<TimeWindow>PT12H</TimeWindow>"))
    assert seen(only) == feed.calls(MERCHANTS_ROW, MOMENT, end, "departure", route=route)
    rest = events(client, ser(MERCHANTS_ROW, MOMENT, "<LineFilter><Line><siri:LineRef>"
                              f"{route}</siri:LineRef></Line></LineFilter>"
                              "<NumberOfResults>100</NumberOfResults>"
                              "<TimeWindow>PT12H</TimeWindow>"))
    assert sorted(seen(rest) + seen(only), key=lambda x: (x[3], x[0])) == everything


def test_a_position_finds_the_nearest_stop(client: Any, feed: Feed) -> None:
    lat, lon = 44.0140, -73.1677  # across the street from Merchant's Row
    stops = feed.t["stops"]

    def metres(r: Any) -> float:
        p1, p2 = math.radians(lat), math.radians(float(r.stop_lat))
        a = (math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2)
             * math.sin(math.radians(float(r.stop_lon) - lon) / 2) ** 2)
        return 2 * 6_371_008.8 * math.asin(math.sqrt(a))
    nearest = min(stops.itertuples(), key=metres).stop_id
    evs = events(client, ser(None, MOMENT, "<NumberOfResults>5</NumberOfResults>",
                             position=(lat, lon)))
    assert nearest == MERCHANTS_ROW  # (a stop whose times the feed gives)
    assert {e.findtext("ojp:ThisCall/ojp:CallAtStop/siri:StopPointRef", "", NS)
            for e in evs} == {nearest}
    assert seen(evs) == feed.calls(nearest, MOMENT, MOMENT + dt.timedelta(days=1),
                                   "departure")[:5]


# -- problems ------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "code"), [
    (ser("8504375", MOMENT), "STOPEVENT_LOCATIONUNKNOWN"),  # Ligerz is not in Vermont
    (ser(None, MOMENT, position=(46.0, 7.0)), "STOPEVENT_LOCATIONUNSERVED"),
    (ser(None, MOMENT, position=(91.0, 7.0)), "STOPEVENT_LOCATIONUNKNOWN"),
    (ser(MERCHANTS_ROW, dt.datetime(2026, 11, 24, 6, 0, tzinfo=ADDISON_TZ)),
     "STOPEVENT_DATEOUTOFRANGE"),
    (ser(MERCHANTS_ROW, "yesterday"), "STOPEVENT_OTHER"),
    (ser(MERCHANTS_ROW, "2016-02-30T07:00:00"), "STOPEVENT_OTHER"),
    (ser(MERCHANTS_ROW, MOMENT, "<TimeWindow>P1Y</TimeWindow>"), "STOPEVENT_OTHER"),
    (ser(MERCHANTS_ROW, MOMENT, "<TimeWindow>PT0S</TimeWindow>"), "STOPEVENT_OTHER"),
    (ser(MERCHANTS_ROW, MOMENT, "<TimeWindow>forever</TimeWindow>"), "STOPEVENT_OTHER"),
    (ser(MERCHANTS_ROW, MOMENT, "<NumberOfResults>0</NumberOfResults>"), "STOPEVENT_OTHER"),
    (ser(MERCHANTS_ROW, MOMENT, "<StopEventType>sideways</StopEventType>"),
     "STOPEVENT_OTHER"),
    ((HEAD + TAIL).encode(), "STOPEVENT_LOCATIONUNKNOWN"),
    ((HEAD + "<Location><PlaceRef><Name><Text>x</Text></Name></PlaceRef></Location>"
      + TAIL).encode(), "STOPEVENT_LOCATIONUNKNOWN"),
])
def test_problems_are_stop_event_problem_codes(client: Any, body: bytes, code: str) -> None:
    assert problem(client, body) == code


def test_huge_counts_and_windows_are_capped(client: Any, feed: Feed) -> None:
    evs = events(client, ser(MERCHANTS_ROW, MOMENT, "<NumberOfResults>" + "9" * 30
                             + "</NumberOfResults><TimeWindow>P99999999D</TimeWindow>"))
    want = feed.calls(MERCHANTS_ROW, MOMENT, MOMENT + dt.timedelta(days=1), "departure")
    assert seen(evs) == want[:100]
