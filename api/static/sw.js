// The driver view's service worker: keeps the page's own files (its "shell") so that the
// app opens without a connection, in a cache named after the app's version (the server puts
// a digest of the app's files into the name: a new version replaces the old cache). Answers of
// the API are never kept: they hold riders' names and phone numbers, and must be current.
const CACHE = "mobility-driver-__VERSION__";
const SHELL = [
  "driver", "driver.css", "driver.webmanifest", "driver-icon.svg", "driver-icon-192.png",
  "driver-icon-512.png", "favicon.svg",
  "js/driver.js", "js/driverqueue.js", "js/driverstops.js", "js/driverduty.js",
  "js/driverview.js", "js/api.js", "js/i18n.js", "js/format.js", "js/messages.js",
].map((p) => new URL(p, self.location).href);

self.addEventListener("install", (ev) => {
  ev.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (ev) => {
  ev.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n.startsWith("mobility-driver-") && n !== CACHE)
      .map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

// The shell from the cache first (a rural connection may hang for long: the page opens at
// once); everything else, the API above all, goes to the network as if there were no worker.
self.addEventListener("fetch", (ev) => {
  const req = ev.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  url.search = "";
  if (!SHELL.includes(url.href)) return;
  ev.respondWith(caches.open(CACHE).then((c) => c.match(url.href).then((hit) => hit || fetch(req))));
});
