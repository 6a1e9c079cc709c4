/**
 * The dashboard's HTML and CSS: one page, no build step, nothing loaded from another host (the
 * Content-Security-Policy allows only this server). The script is in app-script.ts.
 */

function escapeAttribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function dashboardHtml(options: { csrfToken: string; refreshMs: number; hours: number }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${escapeAttribute(options.csrfToken)}">
<meta name="refresh-ms" content="${options.refreshMs}">
<meta name="series-hours" content="${options.hours}">
<title>ehr-sync dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="app.css">
<script src="app.js" defer></script>
</head>
<body>
<header>
  <h1>ehr-sync</h1>
  <span id="updated" data-testid="updated">loading…</span>
  <span id="offline" class="offline" data-testid="offline" hidden>cannot reach the dashboard server</span>
</header>
<div id="banner" class="banner" data-testid="paused-banner" role="alert" hidden></div>
<main>
  <section class="tiles" aria-label="Jobs by state">
    <div class="tile"><span class="label">pending</span><span class="value" data-testid="count-pending">–</span></div>
    <div class="tile"><span class="label">in flight</span><span class="value" data-testid="count-leased">–</span></div>
    <div class="tile"><span class="label">retrying</span><span class="value" data-testid="count-retry_scheduled">–</span></div>
    <div class="tile ok"><span class="label">delivered</span><span class="value" data-testid="count-succeeded">–</span></div>
    <div class="tile bad"><span class="label">dead</span><span class="value" data-testid="count-dead">–</span></div>
    <div class="tile"><span class="label">oldest undelivered</span><span class="value" id="oldest" data-testid="oldest">–</span></div>
  </section>
  <section class="charts">
    <figure>
      <figcaption>Delivered per minute, last <span class="hours"></span> h</figcaption>
      <svg id="chart-delivered" data-testid="chart-delivered" viewBox="0 0 600 120" preserveAspectRatio="none" role="img" aria-label="delivered per minute"></svg>
      <div class="axis"><span id="delivered-from"></span><span id="delivered-total" data-testid="delivered-total"></span><span>now</span></div>
    </figure>
    <figure>
      <figcaption>Sign → synced latency (p50 <span class="key p50"></span> p95 <span class="key p95"></span>), last <span class="hours"></span> h</figcaption>
      <svg id="chart-latency" data-testid="chart-latency" viewBox="0 0 600 120" preserveAspectRatio="none" role="img" aria-label="sign to synced latency"></svg>
      <div class="axis"><span id="latency-max"></span><span id="latency-last" data-testid="latency-last"></span><span>now</span></div>
    </figure>
  </section>
  <section class="jobs">
    <div class="toolbar">
      <h2>Stuck jobs</h2>
      <label>state
        <select id="filter-state" data-testid="filter-state">
          <option value="dead,retry_scheduled">dead and retrying</option>
          <option value="dead">dead</option>
          <option value="retry_scheduled">retrying</option>
        </select>
      </label>
      <label>error class
        <select id="filter-class" data-testid="filter-class"><option value="">all</option></select>
      </label>
      <button id="requeue-all" data-testid="requeue-all" type="button">Requeue all dead</button>
      <span id="action-result" data-testid="action-result" role="status"></span>
    </div>
    <table>
      <thead><tr><th>job</th><th>state</th><th>version</th><th>attempts</th><th>error class</th><th>reason</th><th>next run</th><th></th></tr></thead>
      <tbody id="jobs" data-testid="jobs"></tbody>
    </table>
    <p id="no-jobs" class="muted" data-testid="no-jobs" hidden>Nothing stuck.</p>
  </section>
  <section id="detail" class="detail" data-testid="job-detail" hidden>
    <div class="toolbar"><h2>Job <span id="detail-id" data-testid="detail-id"></span></h2><button id="detail-close" type="button">close</button></div>
    <dl id="detail-fields"></dl>
    <h3>Attempt log</h3>
    <table>
      <thead><tr><th>at</th><th>action</th><th>HTTP</th><th>duration</th><th>outcome</th><th>error class</th><th>worker</th></tr></thead>
      <tbody id="timeline" data-testid="timeline"></tbody>
    </table>
  </section>
</main>
<footer class="muted">Shows job ids, states, error classes and timings only: no note content and no patient identifiers.</footer>
</body>
</html>
`;
}

export const DASHBOARD_CSS = `
:root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2733; background: #f4f6f8; }
body { margin: 0; }
header { display: flex; align-items: baseline; gap: 1rem; padding: 0.8rem 1.5rem; background: #1d2733; color: #fff; }
header h1 { font-size: 1.2rem; margin: 0; }
header #updated { font-size: 0.85rem; opacity: 0.8; }
.offline { color: #ffb4a8; font-weight: 600; }
.banner { margin: 1rem 1.5rem 0; padding: 0.8rem 1rem; border-radius: 6px; background: #fff3cd; border: 1px solid #e0b84c; }
.banner strong { color: #8a5a00; }
main { padding: 1rem 1.5rem; display: grid; gap: 1rem; }
.tiles { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 0.75rem; }
.tile { background: #fff; border-radius: 6px; padding: 0.7rem 0.9rem; box-shadow: 0 1px 2px rgba(0,0,0,.08); display: flex; flex-direction: column; }
.tile .label { font-size: 0.8rem; color: #5b6876; }
.tile .value { font-size: 1.6rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.tile.ok .value { color: #1f7a3d; }
.tile.bad .value { color: #b3261e; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 0.75rem; }
figure { margin: 0; background: #fff; border-radius: 6px; padding: 0.7rem 0.9rem; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
figcaption { font-size: 0.85rem; color: #5b6876; margin-bottom: 0.4rem; }
svg { width: 100%; height: 120px; background: #fafbfc; }
.axis { display: flex; justify-content: space-between; font-size: 0.75rem; color: #5b6876; }
.key { display: inline-block; width: 14px; height: 3px; vertical-align: middle; }
.key.p50 { background: #2f6fb3; } .key.p95 { background: #d9822b; }
.jobs, .detail { background: #fff; border-radius: 6px; padding: 0.7rem 0.9rem; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.toolbar { display: flex; align-items: center; gap: 1rem; flex-wrap: wrap; }
.toolbar h2 { font-size: 1rem; margin: 0.3rem 0; }
table { width: 100%; border-collapse: collapse; font-size: 0.85rem; margin-top: 0.5rem; }
th { text-align: left; color: #5b6876; font-weight: 500; border-bottom: 1px solid #dde2e7; padding: 0.3rem; }
td { border-bottom: 1px solid #eef1f4; padding: 0.3rem; vertical-align: top; }
tbody tr.job { cursor: pointer; }
tbody tr.job:hover { background: #f0f5fb; }
tbody tr.selected { background: #e3eefa; }
.state { font-weight: 600; }
.state.dead { color: #b3261e; } .state.retry_scheduled { color: #8a5a00; } .state.succeeded { color: #1f7a3d; }
button { font: inherit; padding: 0.2rem 0.7rem; border-radius: 4px; border: 1px solid #9aa7b4; background: #fff; cursor: pointer; }
button:hover { background: #eef3f8; }
button:disabled { opacity: 0.5; cursor: default; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; font-size: 0.85rem; }
dt { color: #5b6876; } dd { margin: 0; font-family: ui-monospace, monospace; word-break: break-all; }
.muted { color: #5b6876; font-size: 0.8rem; }
footer { padding: 0 1.5rem 1rem; }
@media (max-width: 900px) { .tiles { grid-template-columns: repeat(3, 1fr); } .charts { grid-template-columns: 1fr; } }
`;
