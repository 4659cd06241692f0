// The HTTP API, as the web app calls it: JSON in and out, RFC 9457 problems as ApiError,
// keys kept in this browser's localStorage (one for the rider, one for staff).

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

const KEYS = { rider: "mobility.riderKey", staff: "mobility.staffKey", operator: "mobility.operatorKey" };

export function getKey(who) {
  return localStorage.getItem(KEYS[who]);
}

export function setKey(who, key) {
  if (key) localStorage.setItem(KEYS[who], key);
  else localStorage.removeItem(KEYS[who]);
}

/** fetch the API: `who` ("rider", "staff" or "operator") picks the key sent, if any. */
export async function api(path, { method = "GET", body, who, query, headers = {} } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  }
  const h = { Accept: "application/json", ...headers };
  const key = who ? getKey(who) : null;
  if (key) h.Authorization = `Bearer ${key}`;
  if (body !== undefined) h["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(url, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, { title: "network", detail: null });
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (e) {
    data = { detail: text };
  }
  if (!res.ok) throw new ApiError(res.status, data || {});
  return data;
}

/** A new random Idempotency-Key: retrying a booking never books twice. */
export function idempotencyKey() {
  return crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
}
