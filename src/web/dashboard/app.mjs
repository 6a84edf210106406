// The dashboard's script, bundled by esbuild (with elkjs) into build/web/dashboard.js: it
// polls the job's REST API once a second and draws the job graph, rates, back pressure,
// watermarks, checkpoints, exceptions and the stall diagnosis. Plain browser JavaScript.
import ELK from 'elkjs/lib/elk.bundled.js';

const POLL_MS = 1000;
const elk = new ELK();
const $ = (id) => document.getElementById(id);
let token = new URLSearchParams(location.hash.slice(1)).get('token') ?? sessionStorage.getItem('sluice-token') ?? undefined;
if (token) sessionStorage.setItem('sluice-token', token);
let jobId;
let layoutKey;
let layout;

async function api(path, init = {}) {
  const headers = { ...(init.headers ?? {}), ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const res = await fetch(path, { ...init, headers });
  if (res.status === 401) {
    token = prompt('This job needs a token (rest.token):') ?? undefined;
    if (token) sessionStorage.setItem('sluice-token', token);
  }
  const body = await res.json().catch(() => ({}));
  return { status: res.status, body };
}

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const num = (n, digits = 0) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US', { maximumFractionDigits: digits }));
const ms = (n) => (n === null || n === undefined ? '–' : `${num(n)} ms`);
const time = (t) => (t === null || t === undefined ? '–' : new Date(t).toISOString().replace('T', ' ').replace('Z', ''));
const bytes = (n) => (n === null || n === undefined ? '–' : n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / (1 << 20)).toFixed(1)} MiB`);
const colour = { ok: '#cdebd3', low: '#ffe1a8', high: '#f7b3b3', unknown: '#e3e6ec' };
const WIDTH = 230;
const HEIGHT = 74;

async function drawGraph(job) {
  const key = JSON.stringify([job.vertices.map((v) => v.id), job.edges]);
  if (key !== layoutKey) {
    layout = await elk.layout({
      id: 'root',
      layoutOptions: { 'elk.algorithm': 'layered', 'elk.direction': 'RIGHT', 'elk.spacing.nodeNode': '30', 'elk.layered.spacing.nodeNodeBetweenLayers': '60' },
      children: job.vertices.map((v) => ({ id: `v${v.id}`, width: WIDTH, height: HEIGHT })),
      edges: job.edges.map((e, i) => ({ id: `e${i}`, sources: [`v${e.source}`], targets: [`v${e.target}`] })),
    });
    layoutKey = key;
  }
  const byId = new Map(job.vertices.map((v) => [`v${v.id}`, v]));
  const edges = (layout.edges ?? [])
    .map((e, i) => {
      const s = e.sections?.[0];
      if (!s) return '';
      const pts = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint];
      const mid = pts[Math.floor(pts.length / 2)];
      return `<g class="edge"><path d="M ${pts.map((p) => `${p.x} ${p.y}`).join(' L ')}"/><text x="${mid.x + 4}" y="${mid.y - 4}">${esc(job.edges[i].partitioning)}</text></g>`;
    })
    .join('');
  const nodes = (layout.children ?? [])
    .map((n) => {
      const v = byId.get(n.id);
      const bp = v.backPressuredTimeMsPerSecond;
      return `<g class="node" data-testid="vertex" data-vertex="${v.id}" transform="translate(${n.x},${n.y})">
        <rect width="${WIDTH}" height="${HEIGHT}" fill="${colour[v.backPressureLevel]}"><title>${esc(v.name)}</title></rect>
        <text class="name" x="8" y="17">${esc(v.name.length > 34 ? `${v.name.slice(0, 33)}…` : v.name)}</text>
        <text x="8" y="35" data-testid="rates">in ${num(v.recordsInPerSecond)}/s · out ${num(v.recordsOutPerSecond)}/s · p=${v.parallelism}</text>
        <text x="8" y="52">busy ${num(v.busyTimeMsPerSecond)} · back-pressured ${num(bp)} ms/s</text>
        <text x="8" y="67">records in ${num(v.recordsIn)} · out ${num(v.recordsOut)}</text>
      </g>`;
    })
    .join('');
  $('graph').innerHTML = `<svg viewBox="-10 -10 ${(layout.width ?? 0) + 20} ${(layout.height ?? 0) + 20}" style="max-height:${(layout.height ?? 0) + 40}px">
    <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#8a93a6"/></marker></defs>${edges}${nodes}</svg>`;
}

function drawTables(job, checkpoints, exceptions, stall) {
  $('job-name').textContent = `${job.name} (${job.id})`;
  $('job-status').textContent = job.status;
  $('job-duration').textContent = `running ${Math.round(job.durationMs / 1000)} s`;
  $('job-restarts').textContent = `restarts ${job.restarts}`;
  $('vertices').innerHTML =
    '<tr><th>vertex</th><th>in/s</th><th>out/s</th><th>busy</th><th>back-pressured</th><th>idle</th></tr>' +
    job.vertices
      .map((v) => `<tr><td>${esc(v.name)}</td><td>${num(v.recordsInPerSecond)}</td><td>${num(v.recordsOutPerSecond)}</td><td>${num(v.busyTimeMsPerSecond)}</td><td style="background:${colour[v.backPressureLevel]}">${num(v.backPressuredTimeMsPerSecond)}</td><td>${num(v.idleTimeMsPerSecond)}</td></tr>`)
      .join('');
  $('watermarks').innerHTML =
    '<tr><th>vertex</th><th>input watermark</th><th>output watermark</th><th>lag</th><th>late dropped</th></tr>' +
    job.vertices.map((v) => `<tr><td>${esc(v.name)}</td><td>${time(v.inputWatermark)}</td><td>${time(v.outputWatermark)}</td><td>${ms(v.watermarkLagMs)}</td><td>${num(v.lateRecordsDropped)}</td></tr>`).join('');
  const { counts, savepoints } = checkpoints;
  $('checkpoint-counts').textContent = checkpoints.enabled
    ? `checkpoints: completed ${counts.completed} · failed ${counts.failed} — savepoints: completed ${savepoints.completed} · failed ${savepoints.failed}`
    : 'checkpointing is off';
  // Savepoints among the checkpoints, as Flink's history shows them; the last 15, and every savepoint of the history.
  const shown = checkpoints.history.filter((c, i) => i < 15 || c.kind === 'savepoint');
  $('checkpoints').innerHTML =
    '<tr><th>id</th><th>kind</th><th>status</th><th>triggered</th><th>duration</th><th>size</th><th>alignment</th></tr>' +
    shown
      .map((c) => {
        const where = c.location ? `<div class="location">${esc(c.location)}</div>` : '';
        return `<tr class="${c.kind}" data-testid="checkpoint-${c.kind}"><td>${c.id}${c.final ? ' (final)' : ''}</td><td>${c.kind}${where}</td><td title="${esc(c.reason ?? '')}">${c.status}</td><td>${time(c.triggeredAt)}</td><td>${ms(c.durationMs)}</td><td>${bytes(c.sizeBytes)}</td><td>${ms(c.alignmentMs)}</td></tr>`;
      })
      .join('');
  $('exceptions').innerHTML =
    '<tr><th>time</th><th>operator</th><th>error</th><th>action</th></tr>' +
    exceptions.exceptions
      .slice(0, 20)
      .map((e) => `<tr><td>${time(e.timestamp)}</td><td>${esc(e.operator ?? 'job')}${e.subtask === null ? '' : ` [${e.subtask}]`}</td><td title="${esc(e.record ?? '')}">${esc(e.exceptionName)}: ${esc(e.message)}</td><td>${e.action}</td></tr>`)
      .join('');
  const box = $('stall');
  box.classList.toggle('alarm', stall.backPressured === true);
  if (!stall.backPressured) $('stall-body').innerHTML = 'No back pressure: every task keeps up.';
  else if (!stall.root) $('stall-body').innerHTML = 'Back-pressured, but no busy task downstream: the job waits on something outside it.';
  else {
    const keys = stall.hotKeys.length === 0 ? '<p>No keys to show (the task is not keyed, or its input queue was empty).</p>' : `<table data-testid="hot-keys"><tr><th>hot key</th><th>records of those sampled at its input</th></tr>${stall.hotKeys.map((k) => `<tr><td>${esc(k.key)}</td><td>${num(k.count)} of ${num(stall.sampledRecords)}</td></tr>`).join('')}</table>`;
    $('stall-body').innerHTML = `<p class="root" data-testid="stall-root">Root of the back pressure: ${esc(stall.root.name)} (subtask ${stall.root.subtask}), busy ${num(stall.root.busyTimeMsPerSecond)} ms/s</p>
      <p>Back-pressured behind it: ${stall.backPressuredTasks.map((t) => `${esc(t.name)} [${t.subtask}]`).join(', ')}</p>${keys}`;
  }
}

async function refresh() {
  try {
    if (jobId === undefined) {
      const { body } = await api('/jobs');
      jobId = body.jobs?.[0]?.id;
      if (jobId === undefined) return;
    }
    const base = `/jobs/${encodeURIComponent(jobId)}`;
    const [job, checkpoints, exceptions, stall] = await Promise.all([api(base), api(`${base}/checkpoints`), api(`${base}/exceptions`), api(`${base}/stall`)]);
    if (job.status !== 200) return;
    await drawGraph(job.body);
    drawTables(job.body, checkpoints.body, exceptions.body, stall.body);
  } catch (e) {
    $('job-status').textContent = 'unreachable (the job has ended?)';
  }
}

$('cancel').addEventListener('click', async () => {
  if (jobId === undefined) return;
  const { status, body } = await api(`/jobs/${encodeURIComponent(jobId)}`, { method: 'PATCH' });
  $('message').textContent = status === 202 ? 'Cancelling the job…' : `Cancel refused: ${(body.errors ?? []).join('; ')}`;
});
$('savepoint').addEventListener('click', async () => {
  if (jobId === undefined) return;
  const dir = prompt('Savepoint directory:', '/tmp/savepoints');
  if (!dir) return;
  const { status, body } = await api(`/jobs/${encodeURIComponent(jobId)}/savepoints`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ 'target-directory': dir }) });
  if (status >= 300) {
    $('message').textContent = `Savepoint refused: ${(body.errors ?? []).join('; ')}`;
    return;
  }
  $('message').textContent = `Savepoint ${body['request-id']} in progress…`;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const answer = await api(`/jobs/${encodeURIComponent(jobId)}/savepoints/${body['request-id']}`);
    if (answer.body.status?.id !== 'COMPLETED') continue;
    const op = answer.body.operation;
    $('message').textContent = op.location ? `Savepoint written to ${op.location}` : `Savepoint failed: ${op['failure-cause'].message}`;
    return;
  }
});

refresh();
setInterval(refresh, POLL_MS);
