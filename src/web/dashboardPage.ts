/**
 * The dashboard's page: a shell the bundled script (src/web/dashboard/app.mjs, built to
 * build/web/dashboard.js) fills from the REST API. Kept here as text so that tsc ships it.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sluice dashboard</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
  header { display: flex; gap: 1.5em; align-items: center; padding: .7em 1.2em; background: #1d2330; color: #fff; }
  header h1 { font-size: 1.1em; margin: 0; }
  header .status { padding: .1em .6em; border-radius: 1em; background: #3a4152; }
  header button { margin-left: .5em; padding: .35em .9em; border: 0; border-radius: 4px; cursor: pointer; font-weight: 600; }
  #cancel { background: #e05252; color: #fff; }
  #savepoint { background: #5b8def; color: #fff; }
  main { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; padding: 1em; }
  section { background: #fff; border-radius: 6px; padding: .6em 1em; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
  section.wide { grid-column: 1 / 3; }
  h2 { font-size: 1em; margin: .2em 0 .6em; }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: .2em .5em; border-bottom: 1px solid #eceef2; }
  #graph svg { width: 100%; }
  .node rect { stroke: #1d2330; stroke-width: 1; rx: 6; }
  .node text { font-size: 12px; }
  .node .name { font-weight: 600; }
  .edge path { fill: none; stroke: #8a93a6; stroke-width: 1.5; marker-end: url(#arrow); }
  .edge text { font-size: 10px; fill: #5d6578; }
  tr.savepoint td { background: #e8effd; }
  #checkpoints td:nth-child(n+4) { white-space: nowrap; }
  .location { font-size: 11px; color: #5d6578; word-break: break-all; }
  #stall.alarm { border-left: 6px solid #e05252; }
  #stall .root { font-size: 1.1em; font-weight: 600; }
  #message { padding: .4em 1.2em; min-height: 1.4em; }
  .legend span { display: inline-block; padding: 0 .5em; margin-right: .4em; border-radius: 3px; }
</style>
</head>
<body>
<header>
  <h1 id="job-name">Sluice</h1>
  <span class="status" id="job-status" data-testid="job-status">…</span>
  <span id="job-duration"></span>
  <span id="job-restarts"></span>
  <span style="flex: 1"></span>
  <button id="savepoint" data-testid="savepoint">Savepoint</button>
  <button id="cancel" data-testid="cancel">Cancel job</button>
</header>
<div id="message" data-testid="message"></div>
<main>
  <section class="wide" id="graph-section">
    <h2>Job graph <small class="legend">back pressure:
      <span style="background:#cdebd3">ok</span><span style="background:#ffe1a8">low</span><span style="background:#f7b3b3">high</span></small></h2>
    <div id="graph" data-testid="graph"></div>
  </section>
  <section class="wide" id="stall" data-testid="stall"><h2>Stall diagnosis</h2><div id="stall-body">…</div></section>
  <section><h2>Vertices</h2><table id="vertices" data-testid="vertices"></table></section>
  <section><h2>Watermarks</h2><table id="watermarks" data-testid="watermarks"></table></section>
  <section><h2>Checkpoints</h2><div id="checkpoint-counts"></div><table id="checkpoints" data-testid="checkpoints"></table></section>
  <section><h2>Exceptions</h2><table id="exceptions" data-testid="exceptions"></table></section>
</main>
<script src="/dashboard.js"></script>
</body>
</html>
`;
