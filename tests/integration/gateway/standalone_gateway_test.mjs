// The gateway as its own node (`roles: ["gateway"]`) in front of the processes
// deployments/localhost/start.sh starts: a Horde client's whole flow through it, anonymous requests
// within the operator's limit, 501 for what needs the treasury's ledger (not on this node), and
// finished requests expiring under the retention policy with a reason their owner can read. The
// gateway's link to the coordinator runs TLS and pins the coordinator's key; a gateway pinned to
// another key never becomes ready.
// Usage: node standalone_gateway_test.mjs SEEDGRID_BINARY REPO_ROOT WORK_DIR
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { call, assertError, sleep, waitDone, isWebp, readSse } from './http_calls.mjs';

const [binary, root, work] = process.argv.slice(2);
rmSync(work, { recursive: true, force: true });
const run = join(work, 'run');
const gw = join(work, 'gateway');
mkdirSync(join(run, 'keys'), { recursive: true });
mkdirSync(join(run, 'coordinator'), { recursive: true });
mkdirSync(gw, { recursive: true });

const sg = (...args) => execFileSync(binary, args, { encoding: 'utf8' });
const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

// Accounts: a user of the gateway and the anonymous payer, funded before the treasury opens the
// ledger (start.sh then keeps the ledger it finds).
const added = sg('gateway', 'add-user', 'alice', '--users', join(gw, 'users.json'));
const aliceAccount = /ledger account (user:[0-9a-f]{64})/.exec(added)[1];
const aliceKey = /^api key: (\S+)$/m.exec(added)[1];
sg('keygen', '--out', join(gw, 'anonymous.key'));
const anonymousAccount = 'user:' + sg('keygen', '--show', '--out', join(gw, 'anonymous.key')).trim();
const coordinatorKey = join(run, 'keys', 'coordinator.key');
const ledger = join(run, 'coordinator', 'ledger.sqlite');
sg('keygen', '--out', coordinatorKey);
const coordinatorId = sg('keygen', '--show', '--out', coordinatorKey).trim();
writeFileSync(join(work, 'economics.json'), '{"min_stake_fast": 0}');
sg('ledger', 'init', '--db', ledger, '--key', coordinatorKey, '--economics', join(work, 'economics.json'));
for (const [account, idem] of [[aliceAccount, 'alice'], [anonymousAccount, 'anonymous']])
  sg('ledger', 'deposit', '--db', ledger, '--key', coordinatorKey, '--account', account,
    '--amount', '50', '--idem', 'standalone-gateway/' + idem);

const port = await freePort();
const env = { ...process.env, SEEDGRID_BIN: binary, SEEDGRID_RUN: run, SEEDGRID_PORT: String(port),
  SEEDGRID_WORKERS: '1' };
const stopNetwork = () => {
  try { execFileSync('bash', [join(root, 'deployments/localhost/stop.sh')], { env, stdio: 'inherit' }); }
  catch (e) { console.error('stop.sh: ' + e.message); }
};
const gateways = [];
process.on('exit', () => { for (const g of gateways) g.kill('SIGKILL'); });

try {
  execFileSync('bash', [join(root, 'deployments/localhost/start.sh')], { env, stdio: 'inherit' });
  // A second network on the same port: start.sh reports the coordinator's own reason at once and
  // stops what it started (it once polled for minutes, then left its workers running).
  const taken = join(work, 'taken');
  const second = spawnSync('bash', [join(root, 'deployments/localhost/start.sh')],
    { env: { ...env, SEEDGRID_RUN: taken }, encoding: 'utf8', timeout: 120000 });
  assert.notEqual(second.status, 0, second.stdout + second.stderr);
  assert.match(second.stderr, /the coordinator exited/, second.stderr);
  assert.match(second.stderr, /is the port in use/, second.stderr);
  for (const f of ['worker-0.pid', 'validator-0.pid'])
    assert.ok(!existsSync(join(taken, 'pids', f)), `${f} left behind: ${second.stderr}`);

  const keepFinished = 3;
  const gatewayConfig = (name, pin) => {
    const file = join(gw, name + '.json');
    writeFileSync(file, JSON.stringify({
      roles: ['gateway'],
      node: { name, key_file: name + '.key' },
      network: { heartbeat_interval_ms: 1000, connection_timeout_ms: 5000 },
      gateway: {
        listen: { host: '127.0.0.1', port: 0 },
        coordinator: { host: '127.0.0.1', port }, coordinator_key: pin,
        users_file: 'users.json',
        anonymous: true, anonymous_key_file: 'anonymous.key', anonymous_max_count: 1,
        keep_finished_s: keepFinished,
      },
    }, null, 2));
    return file;
  };
  const startGateway = async (name, pin) => {
    const proc = spawn(binary, ['node', '--config', gatewayConfig(name, pin)],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    const node = { proc, log: '' };
    proc.stdout.on('data', (c) => { node.log += c; });
    proc.stderr.on('data', (c) => { node.log += c; });
    for (let i = 0; i < 300 && !node.base; ++i) {
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(node.log);
      if (m) node.base = 'http://127.0.0.1:' + m[1];
      else await sleep(100);
    }
    assert.ok(node.base, 'the gateway node did not say where it listens:\n' + node.log);
    return node;
  };
  const readyWithin = async (base, tries) => {
    for (let i = 0; i < tries; ++i) {
      if ((await call(base, 'GET', '/readyz')).status === 200) return true;
      await sleep(100);
    }
    return false;
  };

  // A gateway pinned to another key never reaches the coordinator, and says why.
  const impostorPin = anonymousAccount.slice('user:'.length);
  const misled = await startGateway('gateway-misled', impostorPin);
  gateways.push(misled.proc);
  assert.equal(await readyWithin(misled.base, 50), false, 'a wrongly pinned gateway became ready');
  assert.match(misled.log, /refused/, misled.log);
  // Gone before the next starts: one gateway at a time owns the request journal beside users.json.
  const misledExit = new Promise((resolve) => misled.proc.once('exit', resolve));
  misled.proc.kill('SIGTERM');
  await misledExit;

  const node = await startGateway('gateway', coordinatorId);
  gateways.push(node.proc);
  let base = node.base;
  assert.ok(await readyWithin(base, 300), 'the gateway node never became ready:\n' + node.log);

  // A Horde client's flow, images inline.
  const params = { width: 64, height: 64, steps: 4, n: 2, sampler_name: 'k_euler', seed: '7' };
  const async = await call(base, 'POST', '/api/v2/generate/async',
    { key: aliceKey, body: { prompt: 'a red circle###blurry', params, r2: false } });
  assert.equal(async.status, 202, JSON.stringify(async.data));
  const id = async.data.id;
  const done = await waitDone(base, aliceKey, id);
  assert.equal(done.finished, 2, JSON.stringify(done));
  const status = await call(base, 'GET', `/api/v2/generate/status/${id}`, { key: aliceKey });
  assert.equal(status.status, 200);
  assert.equal(status.data.generations.length, 2);
  for (const g of status.data.generations) {
    assert.ok(isWebp(Buffer.from(g.img, 'base64')), 'inline image is not a WebP');
    assert.equal(g.seedgrid.receipt.job.request_id, id);
  }

  // Its event stream as a client saw it before the restart (ids count from 1).
  const before = await readSse(base, `/v1/requests/${id}/events`, aliceKey, undefined, () => false);
  assert.equal(before[before.length - 1].data.type, 'completed', JSON.stringify(before));
  const lastSeenBefore = before[before.length - 1].id;

  // A gateway killed and started again follows its requests again: a finished one answers as
  // before, one still running when it died finishes.
  const running = await call(base, 'POST', '/api/v2/generate/async',
    { key: aliceKey, body: { prompt: 'a green triangle', params: { ...params, steps: 12 }, r2: false } });
  assert.equal(running.status, 202, JSON.stringify(running.data));
  const died = new Promise((resolve) => node.proc.once('exit', resolve));
  node.proc.kill('SIGKILL');
  await died;
  const restarted = await startGateway('gateway', coordinatorId);
  gateways.push(restarted.proc);
  base = restarted.base;
  assert.ok(await readyWithin(base, 300), 'the restarted gateway never became ready:\n' + restarted.log);
  assert.match(restarted.log, /following 2 request\(s\) again/, restarted.log);
  const resumed = await waitDone(base, aliceKey, id);
  assert.equal(resumed.finished, 2, JSON.stringify(resumed) + '\n' + restarted.log);
  const kept = await call(base, 'GET', `/api/v2/generate/status/${id}`, { key: aliceKey });
  assert.equal(kept.status, 200, JSON.stringify(kept.data));
  assert.equal(kept.data.generations.length, 2);
  assert.deepEqual(kept.data.generations.map((g) => g.img).sort(),
    status.data.generations.map((g) => g.img).sort(), 'the same images after the restart');
  const finishedAfter = await waitDone(base, aliceKey, running.data.id);
  assert.equal(finishedAfter.finished, 2, JSON.stringify(finishedAfter));
  // A client resuming with the last id it saw before the restart (a browser's EventSource does)
  // gets the resumed stream whole, numbered above every id of the earlier start, not a wait for
  // event N + 1 of a stream that holds fewer.
  const after = await readSse(base, `/v1/requests/${id}/events`, aliceKey, lastSeenBefore,
    () => false);
  const types = after.map((e) => e.data.type);
  assert.equal(types.filter((t) => t === 'result').length, 2, JSON.stringify(types));
  assert.equal(types[types.length - 1], 'completed', JSON.stringify(types));
  assert.ok(after[0].id > lastSeenBefore, `ids ${after.map((e) => e.id)} after ${lastSeenBefore}`);
  after.forEach((e, i) => assert.equal(e.id, after[0].id + i, 'no gaps'));
  const tail = await readSse(base, `/v1/requests/${id}/events`, aliceKey,
    after[after.length - 2].id, () => false);
  assert.deepEqual(tail.map((e) => e.data.type), ['completed'], 'resuming within the new stream');

  // The ledger is on another node: what needs it says so instead of guessing.
  assertError(await call(base, 'GET', '/v1/account', { key: aliceKey }), 501, 'NoLedger');
  assertError(await call(base, 'GET', '/v1/quote?steps=4&width=64&height=64', { key: aliceKey }),
    501, 'NoLedger');

  // Anonymous requests: within the operator's limit only.
  const anon = '0000000000';
  const tooMany = await call(base, 'POST', '/api/v2/generate/async',
    { key: anon, body: { prompt: 'a blue square', params: { ...params, n: 2 } } });
  assertError(tooMany, 403, 'AnonymousLimit');
  assert.match(tooMany.data.message, /at most 1 image/);
  const one = await call(base, 'POST', '/api/v2/generate/async',
    { key: anon, body: { prompt: 'a blue square', params: { ...params, n: 1 } } });
  assert.equal(one.status, 202, JSON.stringify(one.data));
  assert.equal((await waitDone(base, anon, one.data.id)).finished, 1);
  // Another caller (anonymous) never sees alice's request, its prompt or images; Horde's check,
  // counts only, answers anyone with the id (as on AI Horde).
  assertError(await call(base, 'GET', `/api/v2/generate/status/${id}`, { key: anon }), 404,
    'RequestNotFound');
  assertError(await call(base, 'GET', `/v1/requests/${id}`, { key: anon }), 404, 'RequestNotFound');
  assert.equal((await call(base, 'GET', `/api/v2/generate/check/${id}`, { key: anon })).status, 200);
  // Nor one anonymous caller the others' (one key, one user to the book): no list, ids only.
  assertError(await call(base, 'GET', '/v1/requests', { key: anon }), 403, 'AnonymousList');
  assert.equal((await call(base, 'GET', '/v1/requests', { key: aliceKey })).status, 200);

  // Retention: after keep_finished_s the owner hears that it expired, and why.
  await sleep((keepFinished + 2) * 1000);
  for (const path of [`/api/v2/generate/check/${id}`, `/api/v2/generate/status/${id}`,
    `/v1/requests/${id}`, `/v1/images/${id}-0`]) {
    const r = await call(base, 'GET', path, { key: aliceKey });
    assertError(r, 404, 'RequestExpired');
    assert.match(r.data.message, /keep_finished_s/);
  }
  assertError(await call(base, 'GET', `/api/v2/generate/check/${id}`, { key: anon }), 404,
    'RequestNotFound');
  assert.equal((await call(base, 'GET', '/v1/requests', { key: aliceKey })).data.requests.length, 0);
  for (const g of gateways) g.kill('SIGTERM');
  // Stopping a stopped network is nothing to do, not an error (an operator runs it twice).
  stopNetwork();
  const again = execFileSync('bash', [join(root, 'deployments/localhost/stop.sh')],
    { env, encoding: 'utf8' });
  assert.match(again, /nothing to stop/);
  console.log('standalone gateway: ok');
} finally {
  for (const g of gateways) g.kill('SIGTERM');
  stopNetwork();
}
