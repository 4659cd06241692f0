"""GTFS-Realtime feeds of the on-demand service for other apps (journey planners, MaaS
apps): trip updates of the booked rides (:mod:`~api.gtfs_rt.trip_updates`), the on-duty
vehicles' positions (:mod:`~api.gtfs_rt.vehicle_positions`) and the dispatcher's service
alerts (:mod:`~api.gtfs_rt.alerts`). Their route, zone and agency ids are those of the
static GTFS-Flex feed (:mod:`dispatch.feed_ids`); a ride's trip id is opaque
(:mod:`~api.gtfs_rt.ids`): no rider's identity appears in any feed."""
