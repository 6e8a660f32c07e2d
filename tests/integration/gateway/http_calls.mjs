// What the gateway tests share: one HTTP call with an API key, Horde's error shape, waiting for
// a request through Horde's check route, recognising a WebP, and reading an event stream.
import assert from 'node:assert/strict';
import http from 'node:http';

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

// Reads an SSE stream until `until(events)` or the stream ends; returns the events.
// `post`: a body to POST instead of a GET (a request created and followed on one connection);
// `onHeaders` sees the answer's headers.
export function readSse(base, path, key, lastEventId, until, { post, onHeaders } = {}) {
  return new Promise((resolve, reject) => {
    const url = new URL(base + path);
    const headers = { apikey: key, accept: 'text/event-stream' };
    if (lastEventId !== undefined) headers['last-event-id'] = String(lastEventId);
    if (post) headers['content-type'] = 'application/json';
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, headers,
      method: post ? 'POST' : 'GET' }, (res) => {
      if (res.statusCode !== 200) return reject(new Error('SSE status ' + res.statusCode));
      assert.match(res.headers['content-type'], /text\/event-stream/);
      if (onHeaders) onHeaders(res.headers);
      let buf = '';
      const events = [];
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buf += chunk;
        let cut;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          if (block.startsWith(':')) continue;
          const id = Number(/^id: (\d+)$/m.exec(block)[1]);
          const data = JSON.parse(/^data: (.*)$/m.exec(block)[1]);
          events.push({ id, data });
          if (until(events)) { req.destroy(); return resolve(events); }
        }
      });
      res.on('end', () => resolve(events));
    });
    req.on('error', (e) => { if (e.code !== 'ECONNRESET') reject(e); });
    req.end(post ? JSON.stringify(post) : undefined);
  });
}
