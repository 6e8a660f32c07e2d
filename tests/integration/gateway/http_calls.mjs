// What the gateway tests share: one HTTP call with an API key, Horde's error shape, waiting for
// a request through Horde's check route, and recognising a WebP.
import assert from 'node:assert/strict';

export async function call(base, method, path, { key, body, raw, headers = {} } = {}) {
  const h = { ...headers };
  if (key !== undefined) h.apikey = key;
  if (body !== undefined) h['content-type'] = 'application/json';
  const res = await fetch(base + path, {
    method, headers: h,
    body: raw !== undefined ? raw : body !== undefined ? JSON.stringify(body) : undefined,
  });
  const type = res.headers.get('content-type') || '';
  const data = type.startsWith('application/json') ? await res.json()
    : Buffer.from(await res.arrayBuffer());
  return { status: res.status, data, headers: res.headers };
}

export function assertError(r, status, rc) {
  assert.equal(r.status, status, JSON.stringify(r.data));
  assert.equal(typeof r.data.message, 'string');
  assert.ok(r.data.message.length > 0);
  if (rc) assert.equal(r.data.rc, rc, JSON.stringify(r.data));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitDone(base, key, id) {
  for (let i = 0; i < 600; ++i) {
    const c = await call(base, 'GET', `/api/v2/generate/check/${id}`, { key });
    assert.equal(c.status, 200, JSON.stringify(c.data));
    for (const f of ['finished', 'processing', 'restarted', 'waiting', 'wait_time', 'queue_position'])
      assert.equal(typeof c.data[f], 'number', f);
    for (const f of ['done', 'faulted', 'is_possible']) assert.equal(typeof c.data[f], 'boolean', f);
    if (c.data.done || c.data.faulted) return c.data;
    await sleep(200);
  }
  throw new Error('request ' + id + ' not done in 120 s');
}

export function isWebp(buf) {
  return buf.length > 12 && buf.subarray(0, 4).toString('latin1') === 'RIFF' &&
    buf.subarray(8, 12).toString('latin1') === 'WEBP';
}

