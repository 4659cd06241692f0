// The map: a base layer drawn from the region's own streets, stops and service areas
// (vector, so it works offline), an optional tile layer, and the app's overlays (the
// chosen places, an itinerary's legs, vehicles). Overlays use SVG so that each leg is an
// element a test or a screen reader can find; the street network uses canvas for speed.
/* global L */
import { api } from "./api.js";
import { onLanguage, t } from "./i18n.js";

/** Tooltip content as text: Leaflet puts strings in as HTML, and names come from feeds. */
function text(s) {
  const span = document.createElement("span");
  span.textContent = s;
  return span;
}

const STREET_STYLE = {
  major: { color: "#b8692a", weight: 3 },
  minor: { color: "#8c8c8c", weight: 1.4 },
  service: { color: "#c4c4c4", weight: 1 },
};
const LEG_COLOR = { WALK: "#3b3b3b", BUS: "#0057b8", RAIL: "#6a1b9a", TRAM: "#6a1b9a",
                    SUBWAY: "#6a1b9a", FERRY: "#00838f", ON_DEMAND: "#c2410c" };

export class MapView {
  constructor(element, region) {
    this.map = L.map(element, { preferCanvas: true, keyboard: true, zoomSnap: 0.5, zoomControl: false });
    const zoom = () => L.control.zoom({ zoomInTitle: t("zoom.in"), zoomOutTitle: t("zoom.out") });
    this.zoom = zoom().addTo(this.map);
    onLanguage(() => { this.zoom.remove(); this.zoom = zoom().addTo(this.map); });
    this.ready = new Promise((resolve) => { this.loaded = resolve; });
    this.svg = L.svg({ padding: 0.5 });
    const [[s, w], [n, e]] = region.bounds;
    this.pendingFit = null;
    this.fit([[s, w], [n, e]]);
    if (region.tileUrl) {
      L.tileLayer(region.tileUrl, { attribution: "© OpenStreetMap", maxZoom: 19 }).addTo(this.map);
    }
    this.map.attributionControl.addAttribution("© OpenStreetMap contributors");
    this.areas = L.layerGroup().addTo(this.map);
    this.streets = L.layerGroup().addTo(this.map);
    this.stops = L.layerGroup().addTo(this.map);
    this.route = L.layerGroup().addTo(this.map);
    this.places = L.layerGroup().addTo(this.map);
    this.fleet = L.layerGroup().addTo(this.map);
    this.vehicles = L.layerGroup().addTo(this.map); // live: markers moved, not redrawn
    this.cells = L.layerGroup(); // the planner's accessibility cells, while shown
    this.vehicleMarks = new Map();
    this.picking = null;
    this.onStop = null;
    document.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && this.picking) {
        this.setPicking(null);
        for (const b of document.querySelectorAll("[data-pick]")) b.setAttribute("aria-pressed", "false");
      }
    });
    this.map.on("click", (ev) => {
      if (!this.picking) return;
      const done = this.picking;
      this.setPicking(null);
      done(ev.latlng.lat, ev.latlng.lng);
    });
  }

  /** Load the base layers; resolves when the streets are drawn. */
  async load() {
    const [streets, stops, areas] = await Promise.all([
      api("/api/v1/map/streets"), api("/api/v1/map/stops"), api("/api/v1/service-areas"),
    ]);
    L.geoJSON(areas, {
      style: { color: "#c2410c", weight: 2, fillColor: "#fdba74", fillOpacity: 0.12, dashArray: "6 4" },
      interactive: false,
    }).addTo(this.areas);
    L.geoJSON(streets, {
      style: (f) => STREET_STYLE[f.properties.class] || STREET_STYLE.minor,
      interactive: false,
    }).addTo(this.streets);
    this.stopList = stops.features.map((f) => ({
      name: f.properties.name, lat: f.geometry.coordinates[1], lon: f.geometry.coordinates[0] }));
    L.geoJSON(stops, {
      pointToLayer: (f, ll) => L.circleMarker(ll, {
        radius: 4, color: "#0057b8", weight: 1.5, fillColor: "#fff", fillOpacity: 1,
      }).bindTooltip(text(f.properties.name)).on("click", (ev) => {
        if (this.picking) return; // the map's click handler takes it
        if (this.onStop) this.onStop(f.properties, ev.latlng);
      }),
    }).addTo(this.stops);
    // many stops (a city) only from street level on: at lower zooms they hide the streets
    const crowded = stops.features.length > 300;
    const toggle = () => {
      const show = !crowded || this.map.getZoom() >= 13;
      if (show && !this.map.hasLayer(this.stops)) this.stops.addTo(this.map);
      if (!show && this.map.hasLayer(this.stops)) this.map.removeLayer(this.stops);
    };
    this.map.on("zoomend", toggle);
    toggle();
    this.map.getContainer().dataset.loaded = "true";
    this.loaded();
  }

  /** The name of the stop within `maxM` metres of a point, or null: a place is named after a
   *  stop only where one stands (never one a village away). */
  stopNear(lat, lon, maxM = 150) {
    const k = Math.cos((lat * Math.PI) / 180);
    let best = null, bestD = Infinity;
    for (const s of this.stopList || []) {
      const d = (s.lat - lat) ** 2 + ((s.lon - lon) * k) ** 2;
      if (d < bestD) { bestD = d; best = s; }
    }
    return best && Math.sqrt(bestD) * 111_195 <= maxM ? best.name : null;
  }

  /** On a phone the map may be folded away: unfold it (for picking a place or showing a
   *  route) and bring it into view. */
  reveal() {
    if (!document.body.classList.contains("map-collapsed")) return;
    document.body.classList.remove("map-collapsed");
    for (const b of document.querySelectorAll("[aria-controls=map]")) b.setAttribute("aria-expanded", "true");
    this.invalidate();
    if (this.onReveal) this.onReveal();
    this.map.getContainer().scrollIntoView({ block: "nearest" });
  }

  /** The name of the stop nearest to a point: how riders and dispatchers name a place. */
  nearestStop(lat, lon) {
    const k = Math.cos((lat * Math.PI) / 180);
    let best = null, bestD = Infinity;
    for (const s of this.stopList || []) {
      const d = (s.lat - lat) ** 2 + ((s.lon - lon) * k) ** 2;
      if (d < bestD) { bestD = d; best = s; }
    }
    return best ? best.name : `${lat.toFixed(4)}, ${lon.toFixed(4)}`;
  }

  /** A booked ride's pickup and drop-off, joined by a dashed line. */
  showRide(b) {
    this.clearRoute();
    const a = [b.origin.lat, b.origin.lon], z = [b.destination.lat, b.destination.lon];
    L.polyline([a, z], { renderer: this.svg, color: LEG_COLOR.ON_DEMAND, weight: 5,
      dashArray: "10 8", className: "leg leg-on_demand" }).addTo(this.route);
    for (const [p, role, color, label] of [[a, "ride-from", "#15803d", "stop.pickup"],
      [z, "ride-to", "#b91c1c", "stop.dropoff"]]) {
      L.circleMarker(p, { renderer: this.svg, radius: 9, color: "#fff", weight: 3, fillColor: color,
        fillOpacity: 1, className: `place place-${role}` }).bindTooltip(text(t(label))).addTo(this.route);
    }
    this.fit(L.latLngBounds([a, z]), { padding: [60, 60], maxZoom: 15 });
  }

  /** Zoom to the on-demand service areas (the dispatcher's working area). */
  async fitAreas() {
    await this.ready;
    const layers = this.areas.getLayers();
    if (!layers.length) return;
    const b = L.featureGroup(layers).getBounds();
    // Leaflet ignores a new view while a zoom animation runs (e.g. the last ride's): wait
    if (this.map._animatingZoom) await new Promise((r) => this.map.once("zoomend", r));
    if (b.isValid()) this.fit(b, { padding: [20, 20] });
  }

  /** The next click on the map calls `done(lat, lon)`; null stops picking. */
  setPicking(done) {
    if (done) this.reveal();
    this.picking = done;
    this.map.getContainer().classList.toggle("picking", Boolean(done));
  }

  setPlace(role, lat, lon, label) {
    this.places.eachLayer((l) => { if (l.options.role === role) this.places.removeLayer(l); });
    if (lat === null) return;
    const color = role.endsWith("from") ? "#15803d" : "#b91c1c";
    L.circleMarker([lat, lon], {
      renderer: this.svg, radius: 9, color: "#fff", weight: 3, fillColor: color, fillOpacity: 1,
      className: `place place-${role}`, role,
    }).bindTooltip(text(label)).addTo(this.places);
  }

  clearRoute() {
    this.route.clearLayers();
    this.map.getContainer().dataset.legs = "0";
  }

  /** Draw an itinerary's legs (OTP shape) and zoom to them. */
  showItinerary(it, decode) {
    this.clearRoute();
    const all = [];
    for (const leg of it.legs) {
      const pts = leg.legGeometry && leg.legGeometry.points ? decode(leg.legGeometry.points)
        : [[leg.from.lat, leg.from.lon], [leg.to.lat, leg.to.lon]];
      all.push(...pts);
      const line = L.polyline(pts, {
        renderer: this.svg, color: LEG_COLOR[leg.mode] || "#0057b8",
        weight: leg.mode === "WALK" ? 4 : 6, opacity: 0.9,
        dashArray: leg.mode === "ON_DEMAND" ? "10 8" : leg.mode === "WALK" ? "2 6" : null,
        className: `leg leg-${leg.mode.toLowerCase()}`,
      });
      line.bindTooltip(text(t(`leg.${leg.mode}`)));
      line.addTo(this.route);
    }
    this.map.getContainer().dataset.legs = String(it.legs.length);
    if (all.length) this.fit(L.latLngBounds(all), { padding: [40, 40], maxZoom: 15 });
  }

  /** Vehicles where they are now, [{id, lat, lon, label, late, moving}]: each marker is
   *  kept and moved (a keyboard user's focus stays on it), new ones added, gone ones
   *  removed. */
  moveVehicles(list) {
    const seen = new Set();
    for (const v of list) {
      seen.add(v.id);
      let m = this.vehicleMarks.get(v.id);
      if (!m) {
        m = L.marker([v.lat, v.lon], {
          icon: L.divIcon({ className: "vehicle-icon", html: "", iconSize: [26, 26] }),
          title: v.label, keyboard: true, alt: v.label,
        }).bindTooltip(text(v.id), { permanent: true, direction: "right", className: "vehicle-label" })
          .addTo(this.vehicles);
        this.vehicleMarks.set(v.id, m);
      } else {
        m.setLatLng([v.lat, v.lon]);
      }
      const el = m.getElement();
      if (el) {
        el.title = v.label;
        el.setAttribute("alt", v.label);
        el.dataset.vehicle = v.id;
        el.classList.toggle("vehicle-late", v.late);
        el.classList.toggle("vehicle-live", v.moving);
      }
    }
    for (const [id, m] of this.vehicleMarks) {
      if (!seen.has(id)) {
        this.vehicles.removeLayer(m);
        this.vehicleMarks.delete(id);
      }
    }
  }

  clearVehicles() {
    this.vehicles.clearLayers();
    this.vehicleMarks.clear();
  }

  /** Bookings' pickups and drop-offs of a manifest: small numbered markers. */
  showStops(stops) {
    for (const s of stops) {
      L.circleMarker([s.location.lat, s.location.lon], {
        renderer: this.svg, radius: 6, weight: 2, color: "#fff",
        fillColor: s.kind === "pickup" ? "#15803d" : "#b91c1c", fillOpacity: 1,
        className: `manifest-stop manifest-${s.kind}`,
      }).bindTooltip(text(`${s.vehicleId} #${s.seq}`)).addTo(this.fleet);
    }
  }

  /** Accessibility cells (GeoJSON squares) filled by `classOf(properties)` → one of
   *  `colors`' keys; in SVG so that each is an element (class `acc-cell acc-<class>`). */
  showCells(geojson, classOf, colors) {
    this.cells.clearLayers();
    const layer = L.geoJSON(geojson, {
      renderer: this.svg, interactive: false, smoothFactor: 0, // cells of a few pixels stay squares
      style: (f) => {
        const c = classOf(f.properties);
        // a hairline of the fill's colour: a cell stays a visible dot when zoomed out
        return { color: colors[c], weight: 1, opacity: 0.8, fillColor: colors[c], fillOpacity: c === "beyond" ? 0.5 : 0.7,
          className: `acc-cell acc-${c}` };
      },
    });
    layer.addTo(this.cells);
    this.cells.addTo(this.map);
    this.map.getContainer().dataset.cells = String(geojson.features.length);
    return layer;
  }

  hideCells(clear = false) {
    if (clear) this.cells.clearLayers();
    this.map.removeLayer(this.cells);
  }

  /** Fit the view to `bounds`; a folded (unsized) map does it when it is unfolded. */
  fit(bounds, opts = {}) {
    const size = this.map.getContainer();
    if (!size.offsetWidth || !size.offsetHeight) {
      this.pendingFit = [bounds, opts];
      // a centre meanwhile: place search ranks by it
      if (!this.map._loaded) this.map.setView(L.latLngBounds(bounds).getCenter(), 10);
      return;
    }
    this.pendingFit = null;
    this.map.fitBounds(bounds, opts);
  }

  invalidate() {
    this.map.invalidateSize();
    if (this.pendingFit && this.map.getContainer().offsetWidth) this.fit(...this.pendingFit);
  }
}
