// Load on the gateway's polling routes: N keep-alive clients, each asking check and status of one
// finished request in turn for D seconds (bounded). Prints requests/s, errors and latency
// percentiles. Start the gateway with a rate limit above the load, e.g.
//   build/seedgrid sim --serve 127.0.0.1:8080 --serve-rate 1000000 --count 1
//   node bench/gateway/load.mjs http://127.0.0.1:8080 KEY 1000 30
import http from 'node:http';

const [base, key, clientsArg = '1000', secondsArg = '30'] = process.argv.slice(2);
const clients = Number(clientsArg), seconds = Number(secondsArg);
const url = new URL(base);
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });

function get(path) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const req = http.request({ host: url.hostname, port: url.port, path, agent, headers: { apikey: key } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    });
    req.on('error', () => resolve({ status: 0, ms: 0 }));
    req.end();
  });
}

async function post(path, body) {
  const res = await fetch(base + path, { method: 'POST', headers: { apikey: key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return res.json();
}

const { id } = await post('/api/v2/generate/async', { prompt: 'load', params: { width: 32, height: 32, steps: 2, n: 1 }, r2: true });
for (;;) {
  const c = await (await fetch(`${base}/api/v2/generate/check/${id}`, { headers: { apikey: key } })).json();
  if (c.done) break;
  await new Promise((r) => setTimeout(r, 200));
}
const latencies = [];
let errors = 0, count = 0;
const until = Date.now() + seconds * 1000;
await Promise.all(Array.from({ length: clients }, async (_, i) => {
  let k = i;
  while (Date.now() < until) {
    const r = await get(`/api/v2/generate/${k++ % 2 ? 'status' : 'check'}/${id}`);
    ++count;
    if (r.status !== 200) ++errors;
    else latencies.push(r.ms);
  }
}));
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]?.toFixed(2);
console.log(JSON.stringify({ clients, seconds, requests: count, errors, per_second: Math.round(count / seconds),
  p50_ms: pct(50), p99_ms: pct(99), max_ms: latencies.at(-1)?.toFixed(2) }));
agent.destroy();
