// The web studio in headless Chromium (Debian's chromium), driven over the DevTools protocol:
// sign in with the key `seedgrid sim --serve` printed, submit a prompt, wait for every image with
// its audit badge, start img2img and inpaint from one of them, open the gallery and one image's page, and save screenshots at desktop and
// phone width (kept under the build directory) that must not be blank.
// Usage: node --experimental-websocket studio_browser_test.mjs SEEDGRID_BINARY CHROMIUM OUT_DIR
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { startSim } from './sim_process.mjs';

const [binary, chromiumPath, outDir] = process.argv.slice(2);
mkdirSync(outDir, { recursive: true });
const work = join(outDir, 'work');
rmSync(join(work, 'data', 'gateway'), { recursive: true, force: true });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function launchChromium() {
  const profile = mkdtempSync(join(tmpdir(), 'seedgrid-chromium-'));
  // A process group of its own, so that its helper processes end with it, and its temporary
  // files (the singleton socket's folder) inside the profile, so that one removal takes all.
  const proc = spawn(chromiumPath, ['--headless=new', '--no-sandbox', '--disable-gpu',
    '--no-first-run', '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'],
  { stdio: ['ignore', 'ignore', 'pipe'], detached: true, env: { ...process.env, TMPDIR: profile } });
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error('chromium did not start:\n' + err)), 60000);
    proc.stderr.on('data', (c) => {
      err += c;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m) { clearTimeout(timer); resolve({ proc, ws: m[1], profile }); }
    });
    proc.on('exit', (code) => reject(new Error('chromium exited with ' + code + ':\n' + err)));
  });
}

class Cdp {
  constructor(url) { this.url = url; this.id = 0; this.pending = new Map(); }
  open() {
    this.socket = new WebSocket(this.url);
    this.socket.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg.id && this.pending.has(msg.id)) {
        const { resolve, reject } = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        msg.error ? reject(new Error(JSON.stringify(msg.error))) : resolve(msg.result);
      }
    };
    return new Promise((resolve, reject) => { this.socket.onopen = resolve; this.socket.onerror = reject; });
  }
  send(method, params = {}, sessionId) {
    const id = ++this.id;
    this.socket.send(JSON.stringify({ id, method, params, sessionId }));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }
}

// Decodes an 8-bit RGB(A) PNG and counts distinct colours on a grid of samples.
function distinctColours(png) {
  let off = 8, width = 0, height = 0, channels = 0;
  const idat = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.subarray(off + 4, off + 8).toString('latin1');
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0); height = data.readUInt32BE(4);
      assert.equal(data[8], 8, '8-bit PNG');
      channels = { 2: 3, 6: 4 }[data[9]];
    }
    if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const rows = [];
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < height; ++y) {
    const f = raw[y * (stride + 1)];
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let x = 0; x < stride; ++x) {
      const a = x >= channels ? line[x - channels] : 0, b = prev[x], c = x >= channels ? prev[x - channels] : 0;
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f];
      line[x] = (line[x] + pred) & 255;
    }
    rows.push(line);
    prev = line;
  }
  const colours = new Set();
  for (let y = 0; y < height; y += 4)
    for (let x = 0; x < width; x += 4) {
      const i = x * channels;
      colours.add((rows[y][i] << 16) | (rows[y][i + 1] << 8) | rows[y][i + 2]);
    }
  return { width, height, colours: colours.size };
}

const { sim, base, key } = await startSim(binary, work);
const chrome = await launchChromium();
let failed = false;
try {
  const cdp = new Cdp(chrome.ws);
  await cdp.open();
  const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
  const page = (method, params) => cdp.send(method, params, sessionId);
  const evaluate = async (expression) => {
    const r = await page('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) throw new Error('in page: ' + JSON.stringify(r.exceptionDetails));
    return r.result.value;
  };
  const waitFor = async (expression, what, seconds = 120) => {
    for (let i = 0; i < seconds * 5; ++i) {
      if (await evaluate(expression).catch(() => false)) return;
      await sleep(200);
    }
    throw new Error('timed out waiting for ' + what + '; page: ' +
      await evaluate('document.body.innerText').catch(() => '?'));
  };
  const setViewport = (width, height, mobile) => page('Emulation.setDeviceMetricsOverride',
    { width, height, deviceScaleFactor: 1, mobile });
  const shoot = async (name) => {
    const { data } = await page('Page.captureScreenshot', { format: 'png' });
    const png = Buffer.from(data, 'base64');
    const file = join(outDir, name + '.png');
    writeFileSync(file, png);
    const { width, colours } = distinctColours(png);
    assert.ok(colours >= 20, `${name}: ${colours} colours, the page looks blank`);
    console.log(`screenshot ${file}: ${width} px wide, ${colours} colours`);
  };

  await page('Page.enable');
  await page('Runtime.enable');
  await setViewport(1280, 900, false);
  await page('Page.navigate', { url: base + '/' });
  await waitFor("document.querySelector('#apikey') !== null", 'the sign-in form');
  await shoot('studio-signin-desktop');
  await evaluate(`document.querySelector('#apikey').value = ${JSON.stringify(key)};
    document.querySelector('#signin-button').click(); true`);
  await waitFor("document.querySelector('#generate') !== null", 'the create page');
  await waitFor("/credits/.test(document.querySelector('#quote').textContent)", 'a live quote');
  await waitFor("/credits/.test(document.querySelector('#balance').textContent)", 'the balance');
  await evaluate(`(() => {
    const set = (id, v) => { const e = document.getElementById(id); e.value = v; e.dispatchEvent(new Event('input')); };
    set('prompt', 'a small red boat on a calm sea'); set('count', '3'); set('steps', '2'); set('size', '32');
    document.getElementById('generate').click(); return true; })()`);
  await waitFor("document.querySelectorAll('#jobs .job a img').length === 3 && /^Done/.test(document.querySelector('#status-line').textContent)",
    'three images and the completed line');
  await waitFor("[...document.querySelectorAll('#jobs .job img')].every((i) => i.complete && i.naturalWidth > 0)", 'the images to load');
  assert.equal(await evaluate("document.querySelectorAll('#jobs .job .badge').length"), 3);
  // Each tile shows what its image was charged, from the paid event that follows the image.
  assert.ok(await evaluate("[...document.querySelectorAll('#jobs .job .meta')].every((m) => /^#\\d+ · \\d+\\.\\d{4}$/.test(m.firstChild.textContent))"),
    await evaluate("[...document.querySelectorAll('#jobs .job .meta')].map((m) => m.firstChild.textContent).join(' | ')"));
  await shoot('studio-create-desktop');

  // Start from one of those images: the studio sends it (img2img, then with a mask inpaint) and
  // the network renders one image at its size.
  const src = await evaluate("document.querySelector('#jobs .job a img').src");
  const fetched = await fetch(src, { headers: { apikey: key } });
  assert.equal(fetched.status, 200, 'the rendered image');
  const sourceFile = join(outDir, 'studio-source' + (src.endsWith('.png') ? '.png' : '.webp'));
  writeFileSync(sourceFile, Buffer.from(await fetched.arrayBuffer()));
  // Another of them is the mask: white-ish where it re-renders.
  const maskSrc = await evaluate("document.querySelectorAll('#jobs .job a img')[1].src");
  const maskFile = join(outDir, 'studio-mask' + (maskSrc.endsWith('.png') ? '.png' : '.webp'));
  writeFileSync(maskFile, Buffer.from(await (await fetch(maskSrc, { headers: { apikey: key } })).arrayBuffer()));
  const { root } = await page('DOM.getDocument', {});
  for (const [selector, task, file] of [['#init-image', 'img2img', sourceFile], ['#mask', 'inpaint', maskFile]]) {
    const { nodeId } = await page('DOM.querySelector', { nodeId: root.nodeId, selector });
    await page('DOM.setFileInputFiles', { files: [file], nodeId });
    if (task === 'img2img')
      await waitFor("/renders at its size, 32×32/.test(document.querySelector('#source').textContent)",
        'the source preview and its size');
    const before = await evaluate("document.querySelector('#status-line').dataset.request");
    await evaluate(`(() => {
      const set = (id, v) => { const e = document.getElementById(id); e.value = v; e.dispatchEvent(new Event('input')); };
      set('count', '1'); set('strength', '0.5'); return true; })()`);
    // The live quote prices the task the image makes (its steps at the image's size), as the
    // request will be held.
    const form = await evaluate("JSON.stringify({ model: document.getElementById('model').value, steps: document.getElementById('steps').value, tier: document.getElementById('tier').value })");
    const { model: chosen, steps: chosenSteps, tier: chosenTier } = JSON.parse(form);
    const images = task === 'inpaint' ? '&image.init_image=32x32&image.mask=32x32' : '&image.init_image=32x32';
    const expected = await (await fetch(`${base}/v1/quote?model=${chosen}&steps=${chosenSteps}&width=32&height=32` +
      `&count=1&tier=${chosenTier}&task=${task}&param.strength=0.5${images}`, { headers: { apikey: key } })).json();
    const expectedText = `${(expected.total / 1e6).toFixed(4)} credits`;
    await waitFor(`document.querySelector('#quote').textContent.startsWith(${JSON.stringify(expectedText)})`,
      `${task}'s quote (${expectedText})`);
    await evaluate("document.getElementById('generate').click(); true");
    await waitFor(`document.querySelector('#status-line').dataset.request !== ${JSON.stringify(before)} &&
      document.querySelectorAll('#jobs .job a img').length === 1 && /^Done/.test(document.querySelector('#status-line').textContent)`,
      task + ': one image and the completed line');
    const id = await evaluate("document.querySelector('#status-line').dataset.request");
    const made = await (await fetch(`${base}/v1/requests/${id}`, { headers: { apikey: key } })).json();
    assert.equal(made.task_type, task, JSON.stringify(made));
    assert.equal(made.width, 32);
    assert.equal(made.completed?.delivered, 1, JSON.stringify(made));
    assert.equal(made.quoted, expected.total, `${task}: the request holds what the studio quoted`);
  }
  await shoot('studio-from-image-desktop');

  await page('Page.navigate', { url: base + '/#/gallery' });
  await waitFor("document.querySelectorAll('#gallery .card').length >= 3", 'the gallery');
  await waitFor("[...document.querySelectorAll('#gallery img')].every((i) => i.complete && i.naturalWidth > 0)", 'gallery images');
  const badges = await evaluate("[...document.querySelectorAll('#gallery .card')].map((c) => c.querySelector('.badge')?.textContent || '')");
  assert.ok(badges.length >= 3 && badges.every((b) => b.length > 0), 'every image has an audit badge: ' + badges);
  await shoot('studio-gallery-desktop');

  // The gallery shows the newest first: the inpaint image, whose re-audit runs its task script again
  // with the script and images the gateway fetches from the coordinator.
  const first = await evaluate("document.querySelector('#gallery .card').getAttribute('href')");
  await page('Page.navigate', { url: base + '/' + first });
  await waitFor("/seedgrid\\/receipt\\/v1/.test(document.querySelector('#receipt')?.textContent || '')", 'the receipt');
  await waitFor("document.querySelector('#full-image').complete && document.querySelector('#full-image').naturalWidth > 0", 'the image');
  await shoot('studio-image-desktop');
  await evaluate("document.querySelector('#reaudit').click(); true");
  await waitFor("/^pass/.test(document.querySelector('#audit-result').textContent)", 're-audit to pass', 180);

  await page('Page.navigate', { url: base + '/#/network' });
  await waitFor("document.querySelectorAll('table tbody tr').length >= 3", 'the network tables');
  await shoot('studio-network-desktop');

  await setViewport(390, 844, true);
  await page('Page.navigate', { url: base + '/#/gallery' });
  await waitFor("document.querySelectorAll('#gallery .card').length >= 3", 'the gallery on a phone');
  await waitFor("[...document.querySelectorAll('#gallery img')].every((i) => i.complete && i.naturalWidth > 0)", 'gallery images on a phone');
  const overflow = await evaluate('document.documentElement.scrollWidth - window.innerWidth');
  assert.ok(overflow <= 0, `the phone layout scrolls sideways by ${overflow} px`);
  await shoot('studio-gallery-phone');
  await page('Page.navigate', { url: base + '/#/' });
  await waitFor("document.querySelector('#generate') !== null", 'the create page on a phone');
  await shoot('studio-create-phone');
  console.log('studio browser test: every check passed');
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  const exited = new Promise((r) => chrome.proc.once('exit', r));
  const group = -chrome.proc.pid;
  const groupAlive = () => { try { process.kill(group, 0); return true; } catch { return false; } };
  try { process.kill(group, 'SIGTERM'); } catch { /* gone already */ }
  sim.kill('SIGINT');
  await Promise.race([exited, sleep(10000)]);
  // Its helpers outlive it by a moment and still write into the profile (a removal before they
  // end left the folder behind, written again): wait for the whole group, then remove it.
  for (let i = 0; i < 100 && groupAlive(); ++i) await sleep(100);
  try { process.kill(group, 'SIGKILL'); } catch { /* the group ended */ }
  try {
    rmSync(chrome.profile, { recursive: true, force: true, maxRetries: 5 });
  } catch (e) {
    console.error('could not remove the Chromium profile: ' + e.message);
  }
}
process.exit(failed ? 1 : 0);
