// The studio's only door to the gateway: the native /v1 API with the signed-in API key.
const KEY = 'seedgrid.apikey';

export const session = {
  get key() { return localStorage.getItem(KEY) || ''; },
  set key(value) { value ? localStorage.setItem(KEY, value) : localStorage.removeItem(KEY); },
};

export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : `HTTP ${status}`);
    this.status = status;
    this.rc = body && body.rc;
  }
}

export async function api(method, path, body) {
  const headers = { apikey: session.key };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const type = res.headers.get('content-type') || '';
  const data = type.startsWith('application/json') ? await res.json() : await res.text();
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

// Image and event URLs carry the key as a query parameter: <img> and EventSource send no headers.
export const withKey = (path) => `${path}${path.includes('?') ? '&' : '?'}apikey=${encodeURIComponent(session.key)}`;
export const imageUrl = (id) => withKey(`/v1/images/${encodeURIComponent(id)}`);

// Follows a request's events; EventSource resumes with Last-Event-ID by itself after a drop.
export function follow(id, onEvent) {
  const source = new EventSource(withKey(`/v1/requests/${encodeURIComponent(id)}/events`));
  source.onmessage = (m) => {
    const event = JSON.parse(m.data);
    onEvent(event);
    if (event.type === 'completed' || (event.type === 'error' && event.index === undefined)) source.close();
  };
  return source;
}

export const credits = (micros) => (Number(micros) / 1e6).toFixed(4);
