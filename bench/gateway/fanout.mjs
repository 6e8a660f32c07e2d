// WebSocket event fan-out: N subscribers follow one request's events over
// `/v1/requests/ID/events` (WebSocket), from its first event to `completed`. Prints the events each
// subscriber got (fewest, most: they must agree), the total delivered, the events per second the gateway sent to all of them while
// the request ran, and how far apart the subscribers received the final event. Node 18 has no
// WebSocket client, so this speaks the few parts of RFC 6455 it needs (upgrade, unmasked text and
// ping frames from the server, a masked close) with node:http and node:crypto only.
//   node bench/gateway/fanout.mjs URL KEY [SUBSCRIBERS=1000] [COUNT=4] [STEPS=30] [SIZE=64]
import http from 'node:http';
import crypto from 'node:crypto';

const [base, key, subsArg = '1000', countArg = '4', stepsArg = '30', sizeArg = '64'] = process.argv.slice(2);
const subscribers = Number(subsArg);
const url = new URL(base);

async function post(path, body) {
  const res = await fetch(base + path, { method: 'POST', headers: { apikey: key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

// Frames from a server are unmasked; this client only needs FIN text frames, pings and close.
function* frames(state) {
  for (;;) {
    const b = state.buffer;
    if (b.length < 2) return;
    let length = b[1] & 0x7f, at = 2;
    if (length === 126) { if (b.length < 4) return; length = b.readUInt16BE(2); at = 4; }
    else if (length === 127) { if (b.length < 10) return; length = Number(b.readBigUInt64BE(2)); at = 10; }
    if (b.length < at + length) return;
    yield { opcode: b[0] & 0x0f, payload: b.subarray(at, at + length) };
    state.buffer = b.subarray(at + length);
  }
}

function subscribe(id) {
  return new Promise((resolve) => {
    const req = http.request({
      host: url.hostname, port: url.port, path: `/v1/requests/${id}/events?apikey=${key}&last_event_id=0`,
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13',
        'sec-websocket-key': crypto.randomBytes(16).toString('base64') },
    });
    const got = { events: 0, completedAt: 0, error: null };
    req.on('upgrade', (res, socket, head) => {
      // `head`: frames that came in the same read as the 101 answer.
      const state = { buffer: Buffer.alloc(0) };
      const take = (chunk) => {
        state.buffer = Buffer.concat([state.buffer, chunk]);
        for (const f of frames(state)) {
          if (f.opcode !== 1) continue;
          const e = JSON.parse(f.payload.toString());
          if (e.type === 'keep-alive') continue;
          ++got.events;
          if (e.type === 'completed') {
            got.completedAt = performance.now();
            socket.end(Buffer.from([0x88, 0x80, 0, 0, 0, 0]));  // masked close, empty mask
          }
        }
      };
      take(head);
      socket.on('data', take);
      socket.on('close', () => resolve(got));
      socket.on('error', (err) => { got.error = String(err); });
    });
    req.on('response', (res) => { got.error = `HTTP ${res.statusCode}`; res.resume(); resolve(got); });
    req.on('error', (err) => { got.error = String(err); resolve(got); });
    req.end();
  });
}

const size = Number(sizeArg);
const started = performance.now();
const { id } = await post('/v1/requests', { prompt: 'fan-out', count: Number(countArg), steps: Number(stepsArg), width: size, height: size });
const results = await Promise.all(Array.from({ length: subscribers }, () => subscribe(id)));
const errors = results.filter((r) => r.error || !r.completedAt);
const ok = results.filter((r) => !r.error && r.completedAt);
const delivered = ok.reduce((s, r) => s + r.events, 0);
const done = ok.map((r) => r.completedAt).sort((a, b) => a - b);
const seconds = (done.at(-1) - started) / 1000;
console.log(JSON.stringify({
  subscribers, errors: errors.length, first_error: errors[0]?.error ?? null,
  events_per_subscriber: [Math.min(...ok.map((r) => r.events)), Math.max(...ok.map((r) => r.events))], delivered,
  seconds: Number(seconds.toFixed(2)), events_per_second: Math.round(delivered / seconds),
  completed_spread_ms: Number((done.at(-1) - done[0]).toFixed(1)),
}));
