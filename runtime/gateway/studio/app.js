// seedgrid studio: sign in with an API key, create with a live quote and live progress, browse the
// gallery with audit badges, inspect one image with its receipt, and see the network.
import { api, session, follow, imageUrl, credits, withKey } from './api.js';

const main = document.getElementById('main');
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
  return node;
};

export function auditBadge(audit) {
  if (audit === 'passed') return el('span', { class: 'badge verified', title: 'A validator re-checked this render' }, 'verified by re-render');
  if (audit === 'not sampled' || audit === 'no validator') return el('span', { class: 'badge unsampled' }, 'not sampled');
  if (!audit) return el('span', { class: 'badge pending' }, 'pending');
  return el('span', { class: 'badge failed' }, audit);
}

async function refreshBalance() {
  try {
    const a = await api('GET', '/v1/account');
    document.getElementById('balance').textContent = `${credits(a.balance)} credits`;
  } catch (e) {
    document.getElementById('balance').textContent = e.rc === 'NoLedger' ? 'balance n/a' : '—';
  }
}

function signIn() {
  const input = el('input', { id: 'apikey', type: 'password', placeholder: 'sg-…', autocomplete: 'off' });
  const error = el('div', { class: 'error', id: 'signin-error' });
  const form = el('form', { class: 'panel signin', onsubmit: async (e) => {
    e.preventDefault();
    session.key = input.value.trim();
    try {
      await api('GET', '/v1/account').catch((err) => { if (err.status === 401) throw err; });
      route();
    } catch (err) {
      session.key = '';
      error.textContent = err.message;
    }
  } },
  el('h1', {}, 'Sign in'),
  el('p', {}, 'Paste the API key the operator gave you (seedgrid gateway add-user, or the line seedgrid sim --serve prints).'),
  el('label', { for: 'apikey' }, 'API key'), input, error,
  el('div', { style: 'margin-top:1rem' }, el('button', { type: 'submit', id: 'signin-button' }, 'Sign in')));
  main.replaceChildren(form);
  input.focus();
}

function field(label, input) { return el('div', {}, el('label', { for: input.id }, label), input); }

async function createPage() {
  const status = await api('GET', '/v1/models').catch(() => ({ models: [] }));
  const model = el('select', { id: 'model' }, status.models.map((m) => el('option', { value: m.name }, m.name)));
  const prompt = el('textarea', { id: 'prompt', placeholder: 'a lighthouse on a cliff at dawn, oil painting' });
  const negative = el('input', { id: 'negative', placeholder: 'blurry, low quality' });
  const steps = el('input', { id: 'steps', type: 'number', value: 8, min: 1, max: 150 });
  const cfg = el('input', { id: 'cfg', type: 'number', value: 7.5, step: 0.5, min: 0, max: 30 });
  const sampler = el('select', { id: 'sampler' }, ['euler', 'euler_a', 'dpmpp_2m', 'ddim'].map((s) => el('option', {}, s)));
  const size = el('select', { id: 'size' }, [32, 64, 128, 256, 512].map((s) => el('option', { value: s, selected: s === 64 }, `${s}×${s}`)));
  const count = el('input', { id: 'count', type: 'number', value: 4, min: 1, max: 64 });
  const seed = el('input', { id: 'seed', type: 'number', placeholder: 'random', min: 0 });
  const tier = el('select', { id: 'tier' }, el('option', { value: 'fast' }, 'fast'), el('option', { value: 'relaxed' }, 'relaxed (cheaper)'));
  const karras = el('input', { id: 'karras', type: 'checkbox' });
  const priv = el('input', { id: 'private', type: 'checkbox' });
  // Start from an image (img2img), and with a mask only its white part re-renders (inpaint): the
  // network's task scripts, at the image's own size.
  const initImage = el('input', { id: 'init-image', type: 'file', accept: 'image/png,image/webp,image/jpeg' });
  const mask = el('input', { id: 'mask', type: 'file', accept: 'image/png,image/webp,image/jpeg' });
  const strength = el('input', { id: 'strength', type: 'number', value: 0.75, step: 0.05, min: 0.05, max: 1 });
  const source = el('div', { class: 'source', id: 'source' });
  const dataUrl = (file) => new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
  let sourceSize = null;  // [width, height] of the image to start from: the size it renders at
  initImage.addEventListener('change', async () => {
    source.replaceChildren();
    sourceSize = null;
    quote();
    const file = initImage.files[0];
    if (!file) return;
    const img = el('img', { id: 'source-preview', alt: 'the image to start from', src: await dataUrl(file) });
    img.addEventListener('load', () => {
      source.append(` renders at its size, ${img.naturalWidth}×${img.naturalHeight}`);
      sourceSize = [img.naturalWidth, img.naturalHeight];
      quote();
    });
    source.append(img);
  });
  const price = el('span', { class: 'price', id: 'quote' }, '…');
  const error = el('div', { class: 'error', id: 'create-error' });
  const go = el('button', { type: 'submit', id: 'generate' }, 'Generate');
  const progress = el('div', { class: 'panel', id: 'progress' }, el('h2', {}, 'Progress'),
    el('div', { class: 'status-line', id: 'status-line' }, 'Nothing running yet.'), el('div', { class: 'jobs', id: 'jobs' }));

  let timer;
  const quote = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = new URLSearchParams({ model: model.value, steps: steps.value, width: size.value,
        height: size.value, count: count.value, tier: tier.value });
      if (initImage.files[0] && sourceSize) {
        // Priced as the network's task script declares it: its steps at the image's size.
        const [w, h] = sourceSize;
        q.set('width', w);
        q.set('height', h);
        q.set('task', mask.files[0] ? 'inpaint' : 'img2img');
        q.set('param.strength', strength.value);
        q.set('image.init_image', `${w}x${h}`);
        if (mask.files[0]) q.set('image.mask', `${w}x${h}`);
      }
      try {
        const r = await api('GET', `/v1/quote?${q}`);
        price.textContent = `${credits(r.total)} credits (${credits(r.per_image)} each)`;
      } catch (e) { price.textContent = e.message; }
    }, 200);
  };
  for (const input of [model, steps, size, count, tier, strength]) input.addEventListener('input', quote);
  mask.addEventListener('change', quote);
  quote();

  const form = el('form', { class: 'panel', onsubmit: async (e) => {
    e.preventDefault();
    error.textContent = '';
    go.disabled = true;
    const body = { prompt: prompt.value || prompt.placeholder, negative_prompt: negative.value, model: model.value,
      steps: Number(steps.value), cfg: Number(cfg.value), sampler: sampler.value, karras: karras.checked,
      width: Number(size.value), height: Number(size.value), count: Number(count.value), tier: tier.value,
      private: priv.checked };
    if (seed.value !== '') body.seed = Number(seed.value);
    try {
      if (initImage.files[0]) {
        body.task_type = mask.files[0] ? 'inpaint' : 'img2img';
        body.input_images = { init_image: await dataUrl(initImage.files[0]) };
        if (mask.files[0]) body.input_images.mask = await dataUrl(mask.files[0]);
        body.params = { strength: Number(strength.value) };
        delete body.width;  // the image's own size
        delete body.height;
      }
      const r = await api('POST', '/v1/requests', body);
      watch(r.id, body.count, body.steps);
    } catch (err) {
      error.textContent = err.message;
      go.disabled = false;
    }
  } },
  el('h1', {}, 'Create'),
  field('Prompt', prompt), field('Negative prompt', negative),
  el('div', { class: 'fields' }, field('Model', model), field('Sampler', sampler), field('Size', size),
    field('Steps', steps), field('CFG scale', cfg), field('Images', count), field('Seed', seed), field('Tier', tier),
    el('div', {}, el('label', {}, 'Options'), el('label', { class: 'check' }, karras, 'Karras'), el('label', { class: 'check' }, priv, 'Private'))),
  el('div', { class: 'fields' }, field('Start from an image (optional)', initImage),
    field('Mask: white re-renders (optional)', mask), field('Strength', strength)),
  source,
  el('div', { class: 'quote' }, el('div', {}, el('label', {}, 'Quote'), price), go), error);

  function watch(id, n, totalSteps) {
    const jobs = document.getElementById('jobs');
    const line = document.getElementById('status-line');
    line.textContent = `Request ${id}: submitted`;
    line.dataset.request = id;
    const tiles = [];
    jobs.replaceChildren(...Array.from({ length: n }, (_, i) => {
      const bar = el('div');
      const thumb = el('div', { class: 'thumb' }, 'waiting');
      const meta = el('div', { class: 'meta' }, el('span', {}, `#${i}`), el('span', {}, ''));
      tiles[i] = { bar, thumb, meta };
      return el('div', { class: 'job', 'data-index': i }, thumb, el('div', { class: 'progress' }, bar), meta);
    }));
    follow(id, (e) => {
      const t = tiles[e.index];
      if (e.type === 'queued') line.textContent = `Queued: ${e.position} job(s) ahead`;
      if (e.type === 'progress' && t) {
        t.bar.style.width = `${Math.round((100 * e.step) / e.steps)}%`;
        t.thumb.textContent = `step ${e.step}/${e.steps}${e.eta_s ? ` · ${e.eta_s}s left` : ''}`;
        line.textContent = 'Rendering…';
      }
      if (e.type === 'retry' && t) t.thumb.textContent = `retrying (${e.code})`;
      if (e.type === 'result' && t) {
        t.bar.style.width = '100%';
        const link = el('a', { href: `#/image/${e.image_id}` }, el('img', { src: imageUrl(e.image_id), alt: `image ${e.index}` }));
        t.thumb.replaceWith(link);
        t.meta.lastChild.replaceWith(auditBadge(e.audit));
      }
      // The image comes first; its charge follows once the treasury settled it.
      if (e.type === 'paid' && t) t.meta.firstChild.textContent = `#${e.index} · ${credits(e.receipt.charged)}`;
      if (e.type === 'error') (t ? t.thumb : line).textContent = `${e.code}: ${e.message}`;
      if (e.type === 'completed') {
        line.textContent = `Done: ${e.delivered} delivered, ${e.failed} failed, ${e.cancelled} cancelled · charged ${credits(e.charged)}, refunded ${credits(e.refunded)}`;
        go.disabled = false;
        refreshBalance();
      }
    });
  }

  main.replaceChildren(el('div', { class: 'create' }, form, progress));
}

async function galleryPage() {
  const { requests } = await api('GET', '/v1/requests');
  const cards = [];
  for (const r of requests)
    for (const im of r.images)
      cards.push(el('a', { class: 'card', href: `#/image/${im.image_id}`, 'data-image': im.image_id },
        el('img', { src: imageUrl(im.image_id), alt: r.prompt, loading: 'lazy' }),
        el('div', { class: 'meta' }, el('span', {}, `seed ${im.seed}`), auditBadge(im.audit))));
  main.replaceChildren(el('h1', {}, 'Gallery'),
    cards.length ? el('div', { class: 'gallery', id: 'gallery' }, cards)
      : el('p', { class: 'status-line' }, 'No images yet. Create some.'));
}

async function imagePage(id) {
  const requestId = id.slice(0, id.lastIndexOf('-'));
  const r = await api('GET', `/v1/requests/${encodeURIComponent(requestId)}`);
  const im = r.images.find((x) => x.image_id === id);
  if (!im) { main.replaceChildren(el('p', {}, `No image ${id}.`)); return; }
  const receipt = await api('GET', `/v1/images/${encodeURIComponent(id)}/receipt`).catch(() => null);
  const verdict = el('div', { class: 'status-line', id: 'audit-result' });
  const reaudit = el('button', { class: 'secondary', id: 'reaudit', onclick: async () => {
    reaudit.disabled = true;
    verdict.textContent = 'Checking…';
    try {
      const v = await api('POST', '/v1/audit', { image_id: id });
      verdict.textContent = `${v.verdict}: ` + v.checks.map((c) => `${c.name} ${c.passed ? 'passed' : 'FAILED'}`).join(', ');
    } catch (e) { verdict.textContent = e.message; }
    reaudit.disabled = false;
  } }, 'Re-audit');
  main.replaceChildren(el('div', { class: 'detail' },
    el('div', {}, el('img', { src: imageUrl(id), alt: r.prompt, id: 'full-image' })),
    el('div', { class: 'panel' }, el('h1', {}, 'Image'), auditBadge(im.audit),
      el('dl', { style: 'margin-top:1rem' },
        el('dt', {}, 'Prompt'), el('dd', {}, r.prompt),
        el('dt', {}, 'Negative'), el('dd', {}, r.negative_prompt || '—'),
        el('dt', {}, 'Model'), el('dd', {}, r.model),
        el('dt', {}, 'Seed'), el('dd', {}, String(im.seed)),
        el('dt', {}, 'Sampler'), el('dd', {}, `${r.sampler}${r.karras ? ' (Karras)' : ''}, ${r.steps} steps, CFG ${r.cfg}`),
        el('dt', {}, 'Size'), el('dd', {}, `${im.width}×${im.height}`),
        el('dt', {}, 'Worker'), el('dd', {}, im.worker),
        el('dt', {}, 'Class'), el('dd', {}, im.determinism_class),
        el('dt', {}, 'Charged'), el('dd', {}, `${credits(im.charged)} (worker ${credits(im.worker_paid)}, creator ${credits(im.creator_paid)})`)),
      el('div', { style: 'display:flex;gap:.6rem;margin:1rem 0;flex-wrap:wrap' }, reaudit,
        el('a', { href: withKey(`/v1/images/${encodeURIComponent(id)}`), download: `${id}.png` }, el('button', { class: 'secondary' }, 'Download PNG'))),
      verdict,
      el('h2', {}, 'Receipt'), el('pre', { id: 'receipt' }, receipt ? JSON.stringify(receipt, null, 2) : 'No receipt.'))));
}

async function networkPage() {
  const s = await api('GET', '/v1/status');
  const stat = (n, l) => el('div', { class: 'panel stat' }, el('div', { class: 'n' }, String(n)), el('div', { class: 'l' }, l));
  const workers = s.nodes.filter((n) => n.role === 'worker');
  const validators = s.nodes.filter((n) => n.role === 'validator');
  const classes = [...new Set(s.nodes.map((n) => n.determinism_class).filter(Boolean))];
  const row = (n) => el('tr', {}, el('td', {}, el('span', { class: `dot${n.connected ? ' on' : ''}` }), ' ', n.name ? `${n.name} (${n.id.slice(0, 12)})` : n.id.slice(0, 12)),
    el('td', {}, n.determinism_class), el('td', {}, n.reputation.toFixed(2)), el('td', {}, String(n.jobs_done)),
    el('td', {}, `${n.audits_passed}/${n.audits_failed}`), el('td', {}, String(n.pixel_steps_per_second)));
  const table = (nodes) => el('div', { class: 'table-wrap' }, el('table', {},
    el('thead', {}, el('tr', {}, ['Node', 'Class', 'Reputation', 'Jobs', 'Audits ok/failed', 'Pixel-steps/s'].map((h) => el('th', {}, h)))),
    el('tbody', {}, nodes.map(row))));
  main.replaceChildren(el('h1', {}, 'Network'),
    el('div', { class: 'stats' }, stat(workers.length, 'workers'), stat(validators.length, 'validators'),
      stat(s.jobs_queued, 'jobs queued'), stat(s.jobs_running, 'jobs running')),
    el('div', { class: 'panel', style: 'margin-bottom:1rem' }, el('h2', {}, 'Workers'), table(workers)),
    el('div', { class: 'panel', style: 'margin-bottom:1rem' }, el('h2', {}, 'Validators'), table(validators)),
    el('div', { class: 'panel' }, el('h2', {}, 'Determinism classes'), el('ul', {}, classes.map((c) => el('li', {}, c)))));
}

async function route() {
  const signedIn = Boolean(session.key);
  document.getElementById('nav').hidden = !signedIn;
  document.getElementById('account').hidden = !signedIn;
  if (!signedIn) return signIn();
  const hash = location.hash.replace(/^#/, '') || '/';
  const page = hash.startsWith('/image/') ? 'image' : hash === '/gallery' ? 'gallery' : hash === '/network' ? 'network' : 'create';
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.page === page);
  refreshBalance();
  try {
    if (page === 'image') await imagePage(decodeURIComponent(hash.slice(7)));
    else if (page === 'gallery') await galleryPage();
    else if (page === 'network') await networkPage();
    else await createPage();
  } catch (e) {
    if (e.status === 401) { session.key = ''; return signIn(); }
    main.replaceChildren(el('p', { class: 'error' }, e.message));
  }
}

document.getElementById('signout').addEventListener('click', () => { session.key = ''; location.hash = '#/'; route(); });
window.addEventListener('hashchange', route);
route();
