// An AI Horde v2 client written from the AI Horde API reference, with Node's standard library only,
// run against a real `seedgrid sim --serve` process: async -> check until done -> status -> decode
// the images -> img2img and inpainting from a rendered image -> cancel another; then the gateway's
// errors and limits, a second user's view, and the native /v1 API (images included) with
// Server-Sent Events resumed by Last-Event-ID.
// Usage: node horde_client_test.mjs SEEDGRID_BINARY WORK_DIR
import { execFileSync } from 'node:child_process';
import { startSim } from './sim_process.mjs';
import { request as httpRequest } from 'node:http';
import { call, assertError, sleep, waitDone, isWebp, readSse } from './http_calls.mjs';
import { mkdtempSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import http from 'node:http';

const [binary, workArg] = process.argv.slice(2);
const work = workArg || mkdtempSync(join(tmpdir(), 'seedgrid-gateway-'));
rmSync(join(work, 'data', 'gateway'), { recursive: true, force: true });

const { sim, base, key } = await startSim(binary, work);
let failed = false;
try {
  // Operations and public routes.
  assert.equal((await call(base, 'GET', '/healthz')).status, 200);
  assert.equal((await call(base, 'GET', '/readyz')).status, 200);
  // The studio's files, and nothing outside their folder: "//etc/passwd" once joined as an
  // absolute path and was served, with no key.
  const studio = await call(base, 'GET', '/');
  assert.equal(studio.status, 200);
  assert.match(studio.headers.get('content-type'), /text\/html/);
  for (const path of ['//etc/passwd', '/%2fetc%2fpasswd', '/..%2f..%2fetc/passwd', '//proc/self/environ'])
    assertError(await call(base, 'GET', path), 404, 'NotFound');
  // The scripts of the network's task types are fetched as the gateway sees them listed, before
  // any quote needs one (no quote was asked yet).
  const scriptTypes = (await call(base, 'GET', '/v1/status')).data.task_types.length;
  assert.ok(scriptTypes > 0);
  let heldScripts = -1;
  for (let i = 0; i < 100 && heldScripts !== scriptTypes; ++i) {
    const m = /^seedgrid_gateway_task_scripts (\d+)$/m.exec((await call(base, 'GET', '/metrics')).data.toString());
    heldScripts = m ? Number(m[1]) : -1;
    if (heldScripts !== scriptTypes) await sleep(100);
  }
  assert.equal(heldScripts, scriptTypes, 'task scripts held before any quote');
  // A browser app on another site: its preflight (no key) and then its answers are allowed.
  const origin = 'https://horde-client.example';
  const asked = await call(base, 'OPTIONS', '/api/v2/generate/async', { headers: { origin,
    'access-control-request-method': 'POST', 'access-control-request-headers': 'apikey, content-type' } });
  assert.equal(asked.status, 204);
  assert.equal(asked.headers.get('access-control-allow-origin'), '*');
  assert.match(asked.headers.get('access-control-allow-headers'), /apikey/);
  const crossOrigin = await call(base, 'GET', '/api/v2/status/models', { headers: { origin } });
  assert.equal(crossOrigin.headers.get('access-control-allow-origin'), '*');
  const hb = await call(base, 'GET', '/api/v2/status/heartbeat');
  assert.equal(hb.status, 200);
  assert.equal(hb.data.message, 'OK');
  // A method a route does not serve is refused with 405 and the Allow header, before any key is
  // asked for (POST /v1/status once answered 200); HEAD is GET without the body.
  for (const [method, path, allow] of [['POST', '/v1/status', 'GET, HEAD, OPTIONS'],
    ['DELETE', '/healthz', 'GET, HEAD, OPTIONS'], ['PUT', '/api/v2/status/heartbeat', 'GET, HEAD, OPTIONS'],
    ['POST', '/v1/account', 'GET, HEAD, OPTIONS'], ['GET', '/v1/audit', 'POST, OPTIONS'],
    ['PATCH', '/v1/requests/some-id', 'GET, HEAD, DELETE, OPTIONS'], ['POST', '/', 'GET, HEAD, OPTIONS']]) {
    const refused = await call(base, method, path);
    assertError(refused, 405, 'MethodNotAllowed');
    assert.equal(refused.headers.get('allow'), allow, `${method} ${path}`);
    assert.ok(refused.data.message.includes(`${method} is not allowed on ${path}`), refused.data.message);
  }
  const head = await fetch(base + '/v1/status', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.match(head.headers.get('content-type'), /application\/json/);
  assert.equal((await head.arrayBuffer()).byteLength, 0);
  const models = await call(base, 'GET', '/api/v2/status/models?type=image');
  assert.equal(models.status, 200);
  assert.ok(models.data.some((m) => m.name === 'tiny' && m.type === 'image' && m.count >= 1),
    JSON.stringify(models.data));
  const workers = await call(base, 'GET', '/api/v2/workers');
  assert.equal(workers.status, 200);
  assert.equal(workers.data.length, 2);
  for (const w of workers.data) {
    assert.equal(w.type, 'image');
    assert.match(w.id, /^[0-9a-f]{64}$/);
    assert.match(w.name, /^sim\/worker-[0-9]$/, 'the name the worker signed into its registration');
    assert.deepEqual(w.models, ['tiny']);
  }

  // Keys.
  const me = await call(base, 'GET', '/api/v2/find_user', { key });
  assert.equal(me.status, 200);
  assert.match(me.data.username, /^studio#/);
  assert.ok(me.data.kudos > 0, 'the studio user has credits: ' + JSON.stringify(me.data));
  assertError(await call(base, 'GET', '/api/v2/find_user'), 401, 'MissingAPIKey');
  assertError(await call(base, 'GET', '/api/v2/find_user', { key: 'sg-wrong' }), 401, 'InvalidAPIKey');
  assertError(await call(base, 'GET', '/api/v2/find_user', { key: '0000000000' }), 401,
    'AnonymousNotAllowed');

  // Bad input: nothing is submitted.
  const good = { prompt: 'a red fox###blurry', params: { sampler_name: 'k_euler', cfg_scale: 5,
    seed: '42', width: 32, height: 32, steps: 2, n: 2, karras: false }, models: ['tiny'], r2: false };
  assertError(await call(base, 'POST', '/api/v2/generate/async', { body: good }), 401, 'MissingAPIKey');
  assertError(await call(base, 'POST', '/api/v2/generate/async', { key, raw: '{"prompt": ' }), 400,
    'ValidationError');
  const badType = await call(base, 'POST', '/api/v2/generate/async',
    { key, body: { ...good, params: { ...good.params, steps: 'many' } } });
  assertError(badType, 400, 'ValidationError');
  assert.ok('params.steps' in badType.data.errors, JSON.stringify(badType.data));
  // A guidance no float holds (it would become an infinity, which the wire cannot carry) is
  // refused here, at once; it used to wait 30 s and blame the coordinator.
  const hugeCfg = await call(base, 'POST', '/api/v2/generate/async',
    { key, body: { ...good, params: { ...good.params, cfg_scale: 1e39 } } });
  assertError(hugeCfg, 400, 'ValidationError');
  assert.ok('params.cfg_scale' in hugeCfg.data.errors, JSON.stringify(hugeCfg.data));
  assertError(await call(base, 'POST', '/api/v2/generate/async',
    { key, body: { ...good, params: { ...good.params, sampler_name: 'k_lms' } } }), 400,
  'SamplerNotAvailable');
  assertError(await call(base, 'POST', '/api/v2/generate/async',
    { key, body: { ...good, models: ['no-such-model'] } }), 400, 'ModelNotFound');
  assertError(await call(base, 'POST', '/api/v2/generate/async',
    { key, raw: JSON.stringify({ ...good, pad: 'x'.repeat(2 << 20) }) }), 413, 'BodyTooLarge');
  assertError(await call(base, 'GET', '/api/v2/generate/check/not-a-request', { key }), 404,
    'RequestNotFound');
  assertError(await call(base, 'PUT', '/api/v2/generate/async', { key, body: good }), 405);
  const before = await call(base, 'GET', '/v1/account', { key });
  assert.equal(before.status, 200);

  // Horde's dry_run: the cost in kudos, and nothing submitted or charged.
  const dry = await call(base, 'POST', '/api/v2/generate/async', { key, body: { ...good, dry_run: true } });
  assert.equal(dry.status, 200, JSON.stringify(dry.data));
  assert.equal(dry.data.id, undefined, 'a dry run submits nothing');
  assert.equal((await call(base, 'GET', '/v1/account', { key })).data.balance, before.data.balance);
  assert.equal((await call(base, 'GET', '/v1/requests', { key })).data.requests.length, 0);
  // A dry run or a quote of what the coordinator would refuse says so, as the submission would
  // (they once priced 200 steps the coordinator caps at 150, and sizes the model cannot render).
  for (const [params, part] of [[{ steps: 200 }, 'steps must be from 1 to 150, got 200'],
    [{ width: 40 }, 'width 40 is not a multiple of 16']]) {
    const refusedDry = await call(base, 'POST', '/api/v2/generate/async',
      { key, body: { ...good, params: { ...good.params, ...params }, dry_run: true } });
    assertError(refusedDry, 400, 'ValidationError');
    assert.ok(refusedDry.data.message.includes(part), JSON.stringify(refusedDry.data));
    const query = Object.entries({ ...good.params, ...params })
      .filter(([k]) => ['steps', 'width', 'height'].includes(k)).map(([k, v]) => `${k}=${v}`);
    const refusedQuote = await call(base, 'GET', `/v1/quote?model=tiny&${query.join('&')}`, { key });
    assertError(refusedQuote, 400, 'ValidationError');
    assert.ok(refusedQuote.data.message.includes(part), JSON.stringify(refusedQuote.data));
  }
  // A NUL once went into the PNG's text chunk (ending the prompt there): prompts are text.
  const nul = await call(base, 'POST', '/api/v2/generate/async',
    { key, body: { ...good, prompt: 'a red\u0000fox' } });
  assert.equal(nul.status, 400, JSON.stringify(nul.data));
  assert.ok(nul.data.message.includes('"prompt": character 6 (counting from 1) is the control character U+0000'),
    JSON.stringify(nul.data));
  // Refused in the client's words: Horde's one prompt field, counted before its "###" split, in
  // characters (not bytes); /v1's own field names. Tabs and line breaks (CRLF too) are text.
  const afterSplit = await call(base, 'POST', '/api/v2/generate/async',
    { key, body: { ...good, prompt: 'ünï fox###blur\u0001' } });
  assertError(afterSplit, 400, 'ValidationError');
  assert.match(afterSplit.data.errors?.prompt ?? '', /^character 15 \(counting from 1\) is the control character U\+0001/,
    JSON.stringify(afterSplit.data));
  const nativeNegative = await call(base, 'POST', '/v1/requests',
    { key, body: { prompt: 'a fox', negative_prompt: 'blür\u001b[2J', model: 'tiny' } });
  assertError(nativeNegative, 400, 'ValidationError');
  assert.ok(nativeNegative.data.message.startsWith('field "negative_prompt": character 5 (counting from 1) is the ' +
    'control character U+001B'), JSON.stringify(nativeNegative.data));
  const lines = await call(base, 'POST', '/api/v2/generate/async',
    { key, body: { ...good, prompt: 'a red fox,\r\n\tin snow\n###blurry', dry_run: true } });
  assert.equal(lines.status, 200, JSON.stringify(lines.data));

  // The whole flow: async (with an unknown field Horde clients may send) -> check -> status.
  const submitted = await call(base, 'POST', '/api/v2/generate/async',
    { key, body: { ...good, nsfw: false, trusted_workers: false, some_future_field: 1 } });
  assert.equal(submitted.status, 202, JSON.stringify(submitted.data));
  assert.match(submitted.data.id, /^[0-9a-f-]{36}$/);
  assert.ok(submitted.data.kudos > 0);
  assert.equal(submitted.data.kudos, dry.data.kudos, 'the dry run priced it as it is held');
  const id = submitted.data.id;
  const check = await waitDone(base, key, id);
  assert.equal(check.faulted, false);
  assert.equal(check.finished, 2);
  // As on AI Horde, check needs no key (the id is what the client polls with); status, which
  // carries the images, and a cancel do.
  const keyless = await call(base, 'GET', `/api/v2/generate/check/${id}`, {});
  assert.equal(keyless.status, 200, JSON.stringify(keyless.data));
  assert.equal(keyless.data.finished, 2);
  assertError(await call(base, 'GET', '/api/v2/generate/check/not-a-request', {}), 404,
    'RequestNotFound');
  assertError(await call(base, 'GET', `/api/v2/generate/status/${id}`, {}), 401, 'MissingAPIKey');
  assertError(await call(base, 'DELETE', `/api/v2/generate/status/${id}`, {}), 401,
    'MissingAPIKey');
  const status = await call(base, 'GET', `/api/v2/generate/status/${id}`, { key });
  assert.equal(status.status, 200);
  assert.equal(status.data.done, true);
  assert.equal(status.data.generations.length, 2);
  const seeds = status.data.generations.map((g) => g.seed).sort();
  assert.deepEqual(seeds, ['42', '43']);
  // "-1" means a random seed (clients send it after AUTOMATIC1111); a number past 2^64 - 1 is
  // text, hashed like any other (both once became the one seed 18446744073709551615).
  const seedOf = async (seed) => {
    const made = await call(base, 'POST', '/api/v2/generate/async',
      { key, body: { ...good, params: { ...good.params, seed, n: 1 } } });
    assert.equal(made.status, 202, JSON.stringify(made.data));
    await waitDone(base, key, made.data.id);
    return (await call(base, 'GET', `/api/v2/generate/status/${made.data.id}`, { key }))
      .data.generations[0].seed;
  };
  const drawn = [await seedOf('-1'), await seedOf('-1'), await seedOf('99999999999999999999')];
  assert.equal(new Set(drawn).size, 3, JSON.stringify(drawn));
  assert.ok(!drawn.includes('18446744073709551615'), JSON.stringify(drawn));
  for (const g of status.data.generations) {
    assert.equal(g.state, 'ok');
    assert.equal(g.model, 'tiny');
    assert.match(g.worker_id, /^[0-9a-f]{64}$/);
    assert.equal(typeof g.worker_name, 'string');
    assert.equal(typeof g.id, 'string');
    assert.ok(isWebp(Buffer.from(g.img, 'base64')), 'img is base64 WebP');
    assert.equal(g.seedgrid.receipt.format, 'seedgrid/receipt/v1');
    assert.ok(g.seedgrid.charged > 0);
  }
  // Another user cannot see it; add-user works while the gateway runs.
  const users = join(work, 'data', 'gateway', 'users.json');
  const added = execFileSync(binary, ['gateway', 'add-user', 'bob', '--users', users]).toString();
  const bobKey = /^api key: (\S+)$/m.exec(added)[1];
  assert.equal(statSync(users).mode & 0o777, 0o600);
  assert.equal((await call(base, 'GET', '/api/v2/find_user', { key: bobKey })).status, 200);
  assertError(await call(base, 'GET', `/api/v2/generate/status/${id}`, { key: bobKey }), 404,
    'RequestNotFound');
  assertError(await call(base, 'DELETE', `/api/v2/generate/status/${id}`, { key: bobKey }), 404,
    'RequestNotFound');
  assertError(await call(base, 'GET', `/v1/requests/${id}`, { key: bobKey }), 404, 'RequestNotFound');
  // Bob has no credits: refused with 402, and nothing is held or charged.
  const bobBefore = await call(base, 'GET', '/v1/account', { key: bobKey });
  assertError(await call(base, 'POST', '/api/v2/generate/async', { key: bobKey, body: good }), 402,
    'InsufficientFunds');
  const bobAfter = await call(base, 'GET', '/v1/account', { key: bobKey });
  assert.equal(bobAfter.data.balance, bobBefore.data.balance);
  assert.equal((await call(base, 'GET', '/v1/requests', { key: bobKey })).data.requests[0].state, 'refused');
  // 429 per key: bob's burst (100) is spent by 300 requests at once; the studio key is untouched.
  const burst = await Promise.all(Array.from({ length: 300 },
    () => call(base, 'GET', '/api/v2/find_user', { key: bobKey })));
  const limited = burst.filter((r) => r.status === 429);
  assert.ok(limited.length > 0, 'some of 300 requests at once are refused');
  assert.ok(burst.every((r) => r.status === 200 || r.status === 429));
  for (const r of limited) {
    assert.equal(r.data.rc, 'TooManyRequests');
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
  }
  assert.equal((await call(base, 'GET', '/api/v2/find_user', { key })).status, 200);

  // r2: a URL the gateway serves.
  const viaUrl = await call(base, 'POST', '/api/v2/generate/async',
    { key, body: { ...good, params: { ...good.params, n: 1 }, r2: true } });
  assert.equal(viaUrl.status, 202);
  await waitDone(base, key, viaUrl.data.id);
  const s2 = await call(base, 'GET', `/api/v2/generate/status/${viaUrl.data.id}`, { key });
  const url = s2.data.generations[0].img;
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/v1\/images\/.+\.webp$/);
  // A finished request's answer is kept for the pollers: the same again, but never another
  // host's URLs.
  assert.deepEqual((await call(base, 'GET', `/api/v2/generate/status/${viaUrl.data.id}`, { key })).data,
    s2.data);
  const viaName = await call(base.replace('127.0.0.1', 'localhost'), 'GET',
    `/api/v2/generate/status/${viaUrl.data.id}`, { key });
  assert.match(viaName.data.generations[0].img, /^http:\/\/localhost:\d+\/v1\/images\/.+\.webp$/);
  // A Host that is no host name (forged) does not make the links: the listen address does.
  const forged = await new Promise((resolve, reject) => {
    const u = new URL(base);
    const req = httpRequest({ host: u.hostname, port: u.port,
      path: `/api/v2/generate/status/${viaUrl.data.id}`,
      headers: { apikey: key, host: 'evil.example/"><x' } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve(JSON.parse(text)));
    });
    req.on('error', reject);
    req.end();
  });
  assert.match(forged.generations[0].img, /^http:\/\/127\.0\.0\.1(:\d+)?\/v1\/images\/.+\.webp$/,
    JSON.stringify(forged));
  const img = await fetch(url);
  assert.equal(img.status, 200);
  assert.ok(isWebp(Buffer.from(await img.arrayBuffer())));

  // img2img and inpainting from a Horde client (source_image, source_processing, source_mask,
  // denoising_strength): the image just rendered goes back as the source, and the sim's img2img
  // and inpaint task scripts render it at its size (32 x 32), their images fetched by id.
  const source = Buffer.from(await (await fetch(url)).arrayBuffer()).toString('base64');
  const fromSource = { prompt: 'a red fox', params: { sampler_name: 'k_euler', steps: 4, n: 1,
    denoising_strength: 0.5 }, models: ['tiny'], source_image: source, r2: false };
  for (const [processing, extra] of [['img2img', {}], ['inpainting', { source_mask: source }]]) {
    const dryImage = await call(base, 'POST', '/api/v2/generate/async',
      { key, body: { ...fromSource, source_processing: processing, ...extra, dry_run: true } });
    assert.equal(dryImage.status, 200, processing + ': ' + JSON.stringify(dryImage.data));
    const sent = await call(base, 'POST', '/api/v2/generate/async',
      { key, body: { ...fromSource, source_processing: processing, ...extra } });
    assert.equal(sent.status, 202, processing + ': ' + JSON.stringify(sent.data));
    assert.equal(sent.data.kudos, dryImage.data.kudos, processing + ': its dry run priced it as it is held');
    await waitDone(base, key, sent.data.id);
    const done = await call(base, 'GET', `/v1/requests/${sent.data.id}`, { key });
    assert.equal(done.data.task_type, processing === 'img2img' ? 'img2img' : 'inpaint');
    assert.equal(done.data.width, 32);
    assert.equal(done.data.completed?.delivered, 1, processing + ': ' + JSON.stringify(done.data));
    assert.match(done.data.params.init_image, /^[0-9a-f]{64}$/, 'the request names its image by id');
    const shown = await call(base, 'GET', `/api/v2/generate/status/${sent.data.id}`, { key });
    assert.ok(isWebp(Buffer.from(shown.data.generations[0].img, 'base64')));
    // The gateway's re-audit runs the script again with the script and images it fetches from the
    // coordinator by id.
    const audited = await call(base, 'POST', '/v1/audit', { key, body: { image_id: done.data.images[0].image_id } });
    assert.equal(audited.status, 200, JSON.stringify(audited.data));
    assert.equal(audited.data.verdict, 'pass', processing + ': ' + JSON.stringify(audited.data));
    assert.ok(audited.data.checks.some((c) => /full/.test(c.name) && c.passed), JSON.stringify(audited.data));
  }
  assertError(await call(base, 'POST', '/api/v2/generate/async',
    { key, body: { ...fromSource, source_processing: 'inpainting' } }), 400, 'ValidationError');
  assertError(await call(base, 'POST', '/api/v2/generate/async',
    { key, body: { ...fromSource, source_processing: 'outpainting' } }), 400, 'ValidationError');
  const resized = await call(base, 'POST', '/api/v2/generate/async',
    { key, body: { ...fromSource, params: { ...fromSource.params, width: 64, height: 64 } } });
  assertError(resized, 400, 'ValidationError');
  assert.ok(resized.data.message.includes('source_image is 32x32'), JSON.stringify(resized.data));
  assertError(await call(base, 'POST', '/api/v2/generate/async',
    { key, body: { ...fromSource, source_image: 'not base64!' } }), 400, 'ValidationError');

  // Cancel another: DELETE answers with the status; the request ends with nothing lost.
  const slow = await call(base, 'POST', '/api/v2/generate/async',
    { key, body: { prompt: 'a slow castle', params: { width: 64, height: 64, steps: 150, n: 16,
      sampler_name: 'k_euler_a' }, r2: false } });
  assert.equal(slow.status, 202);
  const cancelled = await call(base, 'DELETE', `/api/v2/generate/status/${slow.data.id}`, { key });
  assert.equal(cancelled.status, 200);
  assert.ok(Array.isArray(cancelled.data.generations));
  const end = await waitDone(base, key, slow.data.id);
  const final = await call(base, 'GET', `/api/v2/generate/status/${slow.data.id}`, { key });
  const c = final.data.seedgrid.completed;
  assert.equal(c.delivered + c.failed + c.cancelled, 16, JSON.stringify(final.data.seedgrid));
  assert.ok(c.cancelled > 0, 'some jobs were cancelled: ' + JSON.stringify(c));
  assert.equal(end.done, true);

  // Native API: strict input, every parameter, SSE with resume, PNG, receipt, balance.
  assertError(await call(base, 'POST', '/v1/requests', { key, body: { prompt: 'x', colour: 'red' } }),
    400, 'UnknownField');
  assertError(await call(base, 'POST', '/v1/requests', { key, body: { prompt: 'x', steps: -1 } }),
    400, 'ValidationError');
  assertError(await call(base, 'POST', '/v1/requests', { key, body: { prompt: 'x', tier: 'vip' } }),
    400, 'ValidationError');
  // The coordinator refuses this one (its limit is 512 images); the record keeps no job state.
  const tooMany = await call(base, 'POST', '/v1/requests', { key, body: { prompt: 'x', count: 100000,
    request_id: 'refused-count' } });
  assertError(tooMany, 400, 'ValidationError');
  const refusedRecord = await call(base, 'GET', '/v1/requests/refused-count', { key });
  assert.equal(refusedRecord.data.state, 'refused', JSON.stringify(refusedRecord.data));
  assert.deepEqual(refusedRecord.data.jobs, []);
  const hugeGuidance = await call(base, 'POST', '/v1/requests', { key, body: { prompt: 'x', cfg: 1e39 } });
  assertError(hugeGuidance, 400, 'ValidationError');
  assert.match(hugeGuidance.data.message, /"cfg"/);
  // A scripted task's parameters travel as the signed text the coordinator checks against the
  // script: a value that is neither text, number nor boolean is refused here, naming it; txt2img
  // (built in) takes none, which the coordinator says naming the parameter.
  const badParam = await call(base, 'POST', '/v1/requests', { key, body: { prompt: 'x',
    params: { scale: [2] } } });
  assertError(badParam, 400, 'ValidationError');
  assert.ok(badParam.data.message.includes('params.scale'), JSON.stringify(badParam.data));
  const builtIn = await call(base, 'POST', '/v1/requests', { key, body: { prompt: 'x', model: 'tiny',
    steps: 2, width: 32, height: 32, params: { scale: 2 } } });
  const refusedParams = builtIn.status === 202
    ? await waitDone(base, key, builtIn.data.id).then(() =>
        call(base, 'GET', `/v1/requests/${builtIn.data.id}`, { key }))
    : builtIn;
  assert.ok(JSON.stringify(refusedParams.data).includes('scale'), JSON.stringify(refusedParams.data));
  // The native API's input_images: base64 (a data: URL here) under the parameter they fill; the size
  // is the init image's unless given.
  const withImage = await call(base, 'POST', '/v1/requests', { key, body: { prompt: 'a harbour',
    model: 'tiny', steps: 3, tier: 'relaxed', task_type: 'img2img', params: { strength: 0.6 },
    input_images: { init_image: 'data:image/webp;base64,' + source } } });
  assert.equal(withImage.status, 202, JSON.stringify(withImage.data));
  // Its quote, asked before any upload with the image's size alone, is what the request holds.
  const imageQuote = await call(base, 'GET', '/v1/quote?model=tiny&steps=3&width=32&height=32' +
    '&tier=relaxed&task=img2img&param.strength=0.6&image.init_image=32x32', { key });
  assert.equal(imageQuote.status, 200, JSON.stringify(imageQuote.data));
  assert.equal(imageQuote.data.total, withImage.data.quoted, JSON.stringify(imageQuote.data));
  const plainQuote = await call(base, 'GET', '/v1/quote?model=tiny&steps=3&width=32&height=32' +
    '&tier=relaxed', { key });
  assert.notEqual(plainQuote.data.total, imageQuote.data.total, 'img2img runs fewer steps');
  for (const [query, part] of [['task=upscale', 'not a task type'],
    ['task=img2img&param.strength=0.6', 'init_image'],
    ['task=img2img&param.strength=7&image.init_image=32x32', 'strength'],
    ['task=img2img&image.init_image=big', 'WIDTHxHEIGHT']]) {
    const refused = await call(base, 'GET', `/v1/quote?model=tiny&steps=3&${query}`, { key });
    assertError(refused, 400, 'ValidationError');
    assert.ok(refused.data.message.includes(part), `${query}: ${JSON.stringify(refused.data)}`);
  }
  await waitDone(base, key, withImage.data.id);
  const withImageDone = await call(base, 'GET', `/v1/requests/${withImage.data.id}`, { key });
  assert.equal(withImageDone.data.width, 32);
  assert.equal(withImageDone.data.completed?.delivered, 1, JSON.stringify(withImageDone.data));
  const badImage = await call(base, 'POST', '/v1/requests', { key, body: { prompt: 'x',
    task_type: 'img2img', input_images: { init_image: 'aGVsbG8=' } } });
  assertError(badImage, 400, 'ValidationError');
  assert.ok(badImage.data.message.includes('input_images.init_image'), JSON.stringify(badImage.data));
  const created = await call(base, 'POST', '/v1/requests', { key, body: { prompt: 'a harbour',
    negative_prompt: 'fog', model: 'tiny', seed: 7, steps: 3, cfg: 6.5, sampler: 'dpmpp_2m', karras: true,
    width: 32, height: 32, count: 2, tier: 'relaxed', private: false, task_type: 'txt2img' } });
  assert.equal(created.status, 202, JSON.stringify(created.data));
  const nid = created.data.id;
  const first = await readSse(base, `/v1/requests/${nid}/events`, key, undefined,
    (ev) => ev.some((e) => e.data.type === 'result'));
  assert.ok(first.length >= 2);
  first.forEach((e, i) => assert.equal(e.id, i + 1, 'event ids count from 1 without gaps'));
  // The result event goes out before the gateway has made the image's receipt; asking for it at once
  // still finds it (the first reader makes it).
  const firstResult = first.find((e) => e.data.type === 'result').data;
  const early = await call(base, 'GET', `/v1/images/${firstResult.image_id}/receipt`, { key });
  assert.equal(early.status, 200, JSON.stringify(early.data));
  assert.equal(early.data.format, 'seedgrid/receipt/v1');
  for (const bad of ['-1', '99999999999999999999', '3.0', 'abc'])
    assertError(await call(base, 'GET', `/v1/requests/${nid}/events`,
      { key, headers: { 'last-event-id': bad } }), 400, 'ValidationError');
  const lastSeen = first[first.length - 1].id;
  const rest = await readSse(base, `/v1/requests/${nid}/events`, key, lastSeen,
    (ev) => ev.some((e) => e.data.type === 'completed'));
  assert.equal(rest[0].id, lastSeen + 1, 'resume starts right after Last-Event-ID');
  // Nothing is left to cancel once it completed: said so, not "cancel requested".
  assertError(await call(base, 'POST', `/v1/requests/${nid}/cancel`, { key }), 409, 'AlreadyFinished');
  const all = [...first, ...rest].map((e) => e.data);
  assert.equal(all.filter((e) => e.type === 'result').length, 2, JSON.stringify(all.map((e) => e.type)));
  assert.equal(all[all.length - 1].type, 'completed');
  // An image goes out once it is durable; what its settlement charged follows in its own event.
  const paid = all.filter((e) => e.type === 'paid');
  assert.equal(paid.length, 2, JSON.stringify(all.map((e) => e.type)));
  for (const p of paid) {
    const image = all.findIndex((e) => e.type === 'result' && e.image_id === p.image_id);
    assert.ok(image >= 0 && image < all.indexOf(p), `paid before its image: ${JSON.stringify(all)}`);
    assert.ok(p.receipt.charged > 0 && p.receipt.reference.startsWith('settle/'), JSON.stringify(p));
  }
  // The same events over a WebSocket (key and resume point in the query, as browsers must).
  const wsUrl = base.replace('http://', 'ws://') + `/v1/requests/${nid}/events?apikey=${key}&last_event_id=3`;
  const wsEvents = await new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl);
    const got = [];
    ws.onmessage = (m) => {
      const e = JSON.parse(m.data);
      if (e.type !== 'keep-alive') got.push(e);
    };
    ws.onclose = () => resolve(got);
    ws.onerror = (e) => reject(new Error('WebSocket error: ' + e.message));
  });
  assert.equal(wsEvents[0].id, 4, 'resumes after last_event_id');
  assert.deepEqual(wsEvents.map((e) => e.type), all.slice(3).map((e) => e.type));
  // A client that accepts an event stream follows its new request on the POST's own connection.
  let streamHeaders;
  const streamed = await readSse(base, '/v1/requests', key, undefined,
    (ev) => ev.some((e) => e.data.type === 'completed'),
    { post: { prompt: 'a lighthouse', model: 'tiny', seed: 9, steps: 3, width: 32, height: 32, count: 2,
      tier: 'relaxed' }, onHeaders: (h) => { streamHeaders = h; } });
  const sid = streamHeaders['seedgrid-request-id'];
  assert.ok(sid, JSON.stringify(streamHeaders));
  assert.equal(streamHeaders.location, `/v1/requests/${sid}`);
  assert.ok(Number(streamHeaders['seedgrid-quoted']) > 0, JSON.stringify(streamHeaders));
  assert.equal(streamHeaders['seedgrid-jobs'], '2');
  streamed.forEach((e, i) => assert.equal(e.id, i + 1, 'a streamed POST sends every event from the first'));
  assert.ok(streamed.every((e) => e.data.request_id === sid), JSON.stringify(streamed[0].data));
  assert.equal(streamed.filter((e) => e.data.type === 'result').length, 2);
  assert.equal((await call(base, 'GET', `/v1/requests/${sid}`, { key })).data.state, 'completed');
  // A refused one is answered as any refusal, in JSON.
  const refusedStream = await new Promise((resolve, reject) => {
    const url = new URL(base + '/v1/requests');
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
      headers: { apikey: key, accept: 'text/event-stream', 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ prompt: 'x', model: 'tiny', tier: 'fastest' }));
  });
  assert.equal(refusedStream.status, 400, JSON.stringify(refusedStream));
  assert.match(refusedStream.type, /application\/json/);
  assert.match(refusedStream.body, /fastest/);
  const read = await call(base, 'GET', `/v1/requests/${nid}`, { key });
  assert.equal(read.data.state, 'completed');
  assert.equal(read.data.tier, 'relaxed');
  assert.equal(read.data.sampler, 'dpmpp_2m');
  const imageId = read.data.images[0].image_id;
  const png = await call(base, 'GET', `/v1/images/${imageId}`, { key });
  assert.equal(png.status, 200);
  assert.equal(png.data.subarray(1, 4).toString('latin1'), 'PNG');
  assert.ok(png.data.includes(Buffer.from('parameters')), 'the PNG carries its parameters');
  const receipt = await call(base, 'GET', `/v1/images/${imageId}/receipt`, { key });
  assert.equal(receipt.status, 200);
  assert.equal(receipt.data.format, 'seedgrid/receipt/v1');
  // A public request's image link is served whatever key comes with it, as it is with none (with
  // another user's key it once answered 404); a private request's only to its owner's key.
  const shared = await call(base, 'GET', `/v1/images/${imageId}`, { key: bobKey });
  assert.equal(shared.status, 200, JSON.stringify(shared.data));
  assert.deepEqual(shared.data, png.data);
  assert.equal((await call(base, 'GET', `/v1/images/${imageId}.webp`, { key: bobKey })).status, 200);
  assertError(await call(base, 'GET', `/v1/images/${imageId}`, { key: 'sg-wrong' }), 401, 'InvalidAPIKey');
  const hidden = await call(base, 'POST', '/v1/requests', { key, body: { prompt: 'a private harbour',
    model: 'tiny', steps: 2, width: 32, height: 32, private: true } });
  assert.equal(hidden.status, 202, JSON.stringify(hidden.data));
  await waitDone(base, key, hidden.data.id);
  const hiddenImage = (await call(base, 'GET', `/v1/requests/${hidden.data.id}`, { key })).data.images[0].image_id;
  assert.equal((await call(base, 'GET', `/v1/images/${hiddenImage}`, { key })).status, 200);
  for (const other of [{ key: bobKey }, {}])
    assertError(await call(base, 'GET', `/v1/images/${hiddenImage}`, other), 404, 'ImageNotFound');
  // POST /v1/audit: by image id, and in the form anyone can use (receipt + PNG).
  const audited = await call(base, 'POST', '/v1/audit', { key, body: { image_id: imageId } });
  assert.equal(audited.status, 200, JSON.stringify(audited.data));
  assert.equal(audited.data.verdict, 'pass', JSON.stringify(audited.data));
  assert.ok(audited.data.checks.some((ch) => ch.name === 'signature' && ch.passed));
  assert.ok(audited.data.checks.some((ch) => ch.name === 'noise' && ch.passed), 'the model was found');
  const byForm = await call(base, 'POST', '/v1/audit',
    { key, body: { receipt: receipt.data, png: png.data.toString('base64') } });
  assert.equal(byForm.data.verdict, 'pass', JSON.stringify(byForm.data));
  const other = await call(base, 'GET', `/v1/images/${read.data.images[1].image_id}`, { key });
  const mismatched = await call(base, 'POST', '/v1/audit',
    { key, body: { receipt: receipt.data, png: other.data.toString('base64') } });
  assert.equal(mismatched.data.verdict, 'fail', 'another image under this receipt fails: ' +
    JSON.stringify(mismatched.data));
  assertError(await call(base, 'POST', '/v1/audit', { key, body: { image_id: imageId, extra: 1 } }),
    400, 'UnknownField');
  // A PNG that does not decode: the evidence names the file as the receipt does, never the
  // server's folder the check ran in.
  const broken = await call(base, 'POST', '/v1/audit',
    { key, body: { receipt: receipt.data, png: Buffer.from('not a png').toString('base64') } });
  assert.equal(broken.data.verdict, 'fail', JSON.stringify(broken.data));
  assert.ok(!JSON.stringify(broken.data).includes('seedgrid-audit-'), JSON.stringify(broken.data));
  assert.ok(!JSON.stringify(broken.data).includes(tmpdir()), JSON.stringify(broken.data));
  // A receipt of a model the gateway does not hold: the evidence says the gateway's models folder,
  // never its path (nor the command line's --models-dir).
  const otherModel = JSON.parse(JSON.stringify(receipt.data));
  otherModel.job.spec.model_id = 'ab'.repeat(32);
  const unknownModel = await call(base, 'POST', '/v1/audit',
    { key, body: { receipt: otherModel, png: png.data.toString('base64') } });
  const modelLine = unknownModel.data.checks.find((ch) => ch.name === 'model');
  assert.ok(modelLine, JSON.stringify(unknownModel.data));
  assert.match(modelLine.evidence, /the gateway's models folder/, JSON.stringify(modelLine));
  for (const text of [work, '--models-dir'])
    assert.ok(!JSON.stringify(unknownModel.data).includes(text), `${text}: ${JSON.stringify(unknownModel.data)}`);
  // A live quote matches what a request holds.
  const q = await call(base, 'GET', '/v1/quote?model=tiny&steps=3&width=32&height=32&count=2&tier=relaxed', { key });
  assert.equal(q.status, 200, JSON.stringify(q.data));
  assert.equal(q.data.total, created.data.quoted);
  const after = await call(base, 'GET', '/v1/account', { key });
  assert.ok(after.data.balance < before.data.balance, 'the user paid for its images');
  const history = await call(base, 'GET', '/v1/account/history', { key });
  assert.ok(history.data.entries.length > 0);
  const listed = await call(base, 'GET', '/v1/requests', { key });
  assert.ok(listed.data.requests.length >= 4);
  assert.equal((await call(base, 'GET', '/v1/requests', { key: bobKey })).data.requests.length, 1);
  const netStatus = await call(base, 'GET', '/v1/status');
  assert.equal(netStatus.status, 200);
  assert.ok(Array.isArray(netStatus.data.task_types), JSON.stringify(netStatus.data));

  // Metrics after all that.
  const metrics = await call(base, 'GET', '/metrics');
  const text = metrics.data.toString();
  assert.match(text, /seedgrid_gateway_http_requests_total\{route="\/api\/v2\/generate\/async",status="202"\} \d+/);
  assert.match(text, /seedgrid_gateway_http_request_seconds_bucket\{route="\/api\/v2\/generate\/check\/\{id\}",le="\+Inf"\} \d+/);
  // Paths no route serves share one series, however many a stranger invents.
  for (let i = 0; i < 20; ++i) await call(base, 'GET', `/v1/no-such-route-${i}`);
  const strangers = (await call(base, 'GET', '/metrics')).data.toString();
  assert.ok(!strangers.includes('no-such-route'), 'an unknown path became a metric label');
  assert.match(strangers, /seedgrid_gateway_http_requests_total\{route="unmatched",status="40[14]"\} \d+/);
  assert.match(text, /seedgrid_queue_depth \d+/);
  assert.match(text, /seedgrid_gateway_audits_total/);
  console.log('horde client test: every check passed');
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  sim.kill('SIGINT');
}
process.exit(failed ? 1 : 0);
