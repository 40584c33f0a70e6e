// The console's only way to the simulator: its /_mock/ JSON API, same origin.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** GET a /_mock/ path with query parameters (empty values are left out). */
export async function getJSON(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(key, String(value));
  }
  const qs = query.toString();
  const url = qs ? `${path}?${qs}` : path;
  return readJSON(await fetch(url, { cache: "no-store", headers: { Accept: "application/json" } }));
}

/** POST or DELETE a /_mock/ path with an optional JSON body. */
export async function send(method, path, body) {
  const init = { method, cache: "no-store", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  return readJSON(await fetch(path, init));
}

/** The JSON of a response, or an ApiError carrying the simulator's own message. */
async function readJSON(response) {
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const message = (data && data.message) || text || response.statusText;
    throw new ApiError(response.status, `${response.status}: ${message}`);
  }
  return data;
}
