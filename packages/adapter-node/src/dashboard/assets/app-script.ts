/**
 * The page's script, served as /app.js: plain browser JavaScript, no framework and no build. Values
 * from the server are only ever set as text (textContent / SVG attributes), never parsed as HTML.
 */
export const DASHBOARD_SCRIPT = `"use strict";
(() => {
  const meta = (name) => document.querySelector('meta[name="' + name + '"]').content;
  const csrfToken = meta("csrf-token");
  const refreshMs = Number(meta("refresh-ms")) || 5000;
  const hours = Number(meta("series-hours")) || 3;
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";
  const REASONS = {
    "http-401": "EHRbase refused the credentials: check EHRBASE_USER / EHRBASE_PASSWORD",
    "http-403": "EHRbase refused the credentials: check the user's permissions",
    "missing-template": "the template is not in EHRbase: upload it (the worker does at start)",
    "network-before-send": "EHRbase is unreachable",
    "timeout-before-send": "EHRbase does not answer",
  };
  let selectedJob = null;

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }
  function time(iso) {
    return iso ? new Date(iso).toLocaleString() : "–";
  }
  function age(seconds) {
    if (seconds === null || seconds === undefined) return "none";
    if (seconds < 90) return seconds.toFixed(1) + " s";
    if (seconds < 5400) return (seconds / 60).toFixed(1) + " min";
    if (seconds < 172800) return (seconds / 3600).toFixed(1) + " h";
    return (seconds / 86400).toFixed(1) + " d";
  }

  async function api(path, init) {
    const response = await fetch(path, Object.assign({ credentials: "same-origin" }, init));
    if (response.status === 401) {
      window.location.assign("login");
      throw new Error("signed out");
    }
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || "HTTP " + response.status);
    return body;
  }
  function post(path, payload) {
    return api(path, {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrfToken },
      body: JSON.stringify(payload),
    });
  }

  function renderOverview(o) {
    for (const [state, n] of Object.entries(o.counts)) {
      const node = document.querySelector('[data-testid="count-' + state + '"]');
      if (node) node.textContent = String(n);
    }
    $("oldest").textContent = age(o.oldestUndeliveredSeconds);
    $("requeue-all").disabled = o.counts.dead === 0;
    $("requeue-all").textContent = "Requeue all dead (" + o.counts.dead + ")";
    const banner = $("banner");
    const d = o.destination;
    if (d.paused) {
      banner.replaceChildren(
        el("strong", "Destination paused"),
        document.createTextNode(" since " + time(d.since) + ": "),
        el("code", d.reason || "unknown reason"),
        document.createTextNode(
          (REASONS[d.reason] ? " (" + REASONS[d.reason] + ")" : "") +
            ". " + (d.pausedUntil && new Date(d.pausedUntil) > new Date() ? "Next probe " + time(d.pausedUntil) : "Probing now") +
            "; " + d.consecutivePauses + " pause(s) in a row. " +
            "Notes wait without spending attempts.",
        ),
      );
      banner.hidden = false;
    } else {
      banner.hidden = true;
      banner.replaceChildren();
    }
    $("updated").textContent = "updated " + new Date(o.generatedAt).toLocaleTimeString();
  }

  function chart(svg, series, maxValue, bars) {
    const width = 600, height = 120;
    svg.replaceChildren();
    const minutes = hours * 60;
    const end = Math.floor(Date.now() / 60000) * 60000;
    const start = end - (minutes - 1) * 60000;
    const x = (t) => ((t - start) / 60000) * (width / minutes);
    const y = (v) => height - 4 - (maxValue > 0 ? (v / maxValue) * (height - 12) : 0);
    if (bars) {
      for (const b of series[0].points) {
        if (b.t < start) continue;
        const r = document.createElementNS(SVG, "rect");
        r.setAttribute("x", String(x(b.t)));
        r.setAttribute("width", String(Math.max(1, width / minutes - 0.5)));
        r.setAttribute("y", String(y(b.v)));
        r.setAttribute("height", String(height - 4 - y(b.v)));
        r.setAttribute("fill", series[0].color);
        svg.appendChild(r);
      }
      return;
    }
    for (const s of series) {
      const points = s.points.filter((p) => p.t >= start).map((p) => x(p.t).toFixed(1) + "," + y(p.v).toFixed(1));
      if (points.length === 0) continue;
      const line = document.createElementNS(SVG, points.length === 1 ? "circle" : "polyline");
      if (points.length === 1) {
        const [cx, cy] = points[0].split(",");
        line.setAttribute("cx", cx); line.setAttribute("cy", cy); line.setAttribute("r", "3");
        line.setAttribute("fill", s.color);
      } else {
        line.setAttribute("points", points.join(" "));
        line.setAttribute("fill", "none"); line.setAttribute("stroke", s.color); line.setAttribute("stroke-width", "2");
      }
      svg.appendChild(line);
    }
  }

  function renderSeries(buckets) {
    for (const span of document.querySelectorAll(".hours")) span.textContent = String(hours);
    const delivered = buckets.map((b) => ({ t: b.t, v: b.delivered }));
    const maxDelivered = Math.max(1, ...delivered.map((p) => p.v));
    chart($("chart-delivered"), [{ points: delivered, color: "#1f7a3d" }], maxDelivered, true);
    const total = delivered.reduce((sum, p) => sum + p.v, 0);
    $("delivered-from").textContent = "peak " + maxDelivered + "/min";
    $("delivered-total").textContent = total + " delivered";
    const p50 = buckets.map((b) => ({ t: b.t, v: b.p50 }));
    const p95 = buckets.map((b) => ({ t: b.t, v: b.p95 }));
    const maxLatency = Math.max(1, ...p95.map((p) => p.v));
    chart($("chart-latency"), [{ points: p50, color: "#2f6fb3" }, { points: p95, color: "#d9822b" }], maxLatency, false);
    $("latency-max").textContent = "top " + age(maxLatency);
    const last = buckets[buckets.length - 1];
    $("latency-last").textContent = last ? "latest p50 " + age(last.p50) + ", p95 " + age(last.p95) : "no deliveries";
  }

  function renderClasses(classes) {
    const select = $("filter-class");
    const chosen = select.value;
    const totals = new Map();
    for (const c of classes) {
      const key = c.errorClass || "";
      totals.set(key, (totals.get(key) || 0) + c.jobs);
    }
    if (chosen && !totals.has(chosen)) totals.set(chosen, 0);
    const options = [el("option", "all", undefined)];
    options[0].value = "";
    for (const [key, n] of totals) {
      if (!key) continue;
      const option = el("option", key + " (" + n + ")");
      option.value = key;
      options.push(option);
    }
    select.replaceChildren(...options);
    select.value = chosen;
  }

  function renderJobs(result) {
    renderClasses(result.errorClasses);
    const rows = result.jobs.map((job) => {
      const tr = el("tr", undefined, "job" + (job.id === selectedJob ? " selected" : ""));
      tr.dataset.jobId = job.id;
      tr.dataset.testid = "job-row";
      tr.append(
        el("td", job.id),
        el("td", job.state, "state " + job.state),
        el("td", "v" + job.noteVersion),
        el("td", job.attempts),
        el("td", job.errorClass || "–"),
        el("td", job.reason || "–"),
        el("td", job.nextAttemptAt ? time(job.nextAttemptAt) : "–"),
      );
      const actions = el("td");
      if (job.state === "dead") {
        const button = el("button", "Requeue");
        button.type = "button";
        button.dataset.testid = "requeue";
        button.addEventListener("click", (event) => {
          event.stopPropagation();
          button.disabled = true;
          requeue({ ids: [job.id] });
        });
        actions.append(button);
      }
      tr.append(actions);
      tr.addEventListener("click", () => openJob(job.id));
      return tr;
    });
    $("jobs").replaceChildren(...rows);
    $("no-jobs").hidden = rows.length > 0;
  }

  function renderDetail(t) {
    const j = t.job;
    $("detail-id").textContent = j.id;
    const fields = [
      ["state", j.state], ["note version", "v" + j.noteVersion], ["attempts", j.attempts],
      ["error class", j.errorClass || "–"], ["reason", j.reason || "–"], ["EHR id", j.ehrId || "–"],
      ["composition uid", j.compositionUid || "–"], ["queued", time(j.enqueuedAt)],
      ["next run", time(j.nextAttemptAt)], ["finished", time(j.completedAt)],
    ];
    if (j.supersededBy) fields.push(["superseded by job", j.supersededBy]);
    const dl = $("detail-fields");
    dl.replaceChildren();
    for (const [name, value] of fields) {
      const dd = el("dd", value);
      dd.dataset.testid = "detail-" + name.replace(/ /g, "-");
      dl.append(el("dt", name), dd);
    }
    $("timeline").replaceChildren(
      ...t.attempts.map((a) => {
        const tr = el("tr");
        tr.append(
          el("td", time(a.at)), el("td", a.action), el("td", a.httpStatus === null ? "–" : a.httpStatus),
          el("td", a.durationMs + " ms"), el("td", a.outcome), el("td", a.errorClass || "–"), el("td", a.worker),
        );
        return tr;
      }),
    );
    $("detail").hidden = false;
  }

  async function openJob(id) {
    selectedJob = id;
    for (const tr of document.querySelectorAll("tr.job")) tr.classList.toggle("selected", tr.dataset.jobId === id);
    renderDetail(await api("api/jobs/" + encodeURIComponent(id)));
  }

  async function requeue(payload) {
    try {
      const result = await post("api/requeue", payload);
      $("action-result").textContent = result.requeued + " job(s) requeued";
    } catch (error) {
      $("action-result").textContent = "requeue failed: " + error.message;
    }
    await refresh();
  }

  async function refresh() {
    try {
      const states = $("filter-state").value;
      const errorClass = $("filter-class").value;
      const query = "?states=" + encodeURIComponent(states) + (errorClass ? "&errorClass=" + encodeURIComponent(errorClass) : "");
      const [overview, jobs] = await Promise.all([api("api/overview"), api("api/jobs" + query)]);
      renderOverview(overview);
      renderJobs(jobs);
      if (selectedJob) renderDetail(await api("api/jobs/" + encodeURIComponent(selectedJob)));
      $("offline").hidden = true;
    } catch (error) {
      $("offline").hidden = false;
      console.error("dashboard refresh failed:", error.message);
    }
  }
  async function refreshSeries() {
    try {
      renderSeries((await api("api/series?hours=" + hours)).buckets);
    } catch (error) {
      $("offline").hidden = false;
      console.error("dashboard chart refresh failed:", error.message);
    }
  }

  $("filter-state").addEventListener("change", refresh);
  $("filter-class").addEventListener("change", refresh);
  $("detail-close").addEventListener("click", () => {
    selectedJob = null;
    $("detail").hidden = true;
    for (const tr of document.querySelectorAll("tr.selected")) tr.classList.remove("selected");
  });
  $("requeue-all").addEventListener("click", () => {
    if (window.confirm("Requeue every dead job? Each is looked up in EHRbase before any resend.")) requeue({ all: true });
  });
  refresh();
  refreshSeries();
  setInterval(refresh, refreshMs);
  setInterval(refreshSeries, Math.max(refreshMs, 30000));
})();
`;
