// Freelane dashboard. Plain JavaScript, no build step, no third-party code.
// Every value from the server is written with textContent, never as HTML.
"use strict";

const API = "/debug";
// A burst of changes (a busy client) costs one refresh per this interval;
// the first change after a quiet spell is shown at once.
const REFRESH_MIN_GAP_MS = 200;
const POLL_MS = 5000;

const $ = (id) => document.getElementById(id);

// ---------- formatting ----------

const nf = new Intl.NumberFormat();
const fmtInt = (n) => (typeof n === "number" ? nf.format(n) : "–");

function fmtMs(ms) {
  if (typeof ms !== "number" || ms <= 0) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

function fmtDuration(seconds) {
  seconds = Math.max(0, Math.floor(seconds));
  const d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, "0")}s`;
  return `${s}s`;
}

function fmtBytes(n) {
  if (typeof n !== "number") return "–";
  const units = ["B", "KB", "MB", "GB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i === 0 || n >= 100 ? 0 : 1)} ${units[i]}`;
}

const isSet = (t) => typeof t === "string" && t !== "" && !t.startsWith("0001-01-01");

// fmtAgo is coarse on purpose: seconds only in the first minute.
function fmtAgo(t) {
  if (!isSet(t)) return "never";
  const s = (Date.now() - Date.parse(t)) / 1000;
  if (s < 5) return "just now";
  if (s < 60) return `${Math.floor(s)}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  return `${fmtDuration(s - (s % 60))} ago`;
}

function fmtClock(t) {
  if (!isSet(t)) return "–";
  return new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
}

const fmtPercent = (r) => (typeof r === "number" ? `${Math.round(r * 100)}%` : "–");

// el builds an element: el("td", {className: "num"}, "text", childNode).
function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === "dataset") Object.assign(node.dataset, v);
    else if (k.startsWith("aria-") || k === "role" || k === "for") node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";
function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function setText(id, text) {
  const node = $(id);
  if (node && node.textContent !== text) node.textContent = text;
}

// ---------- API ----------

class APIError extends Error {}

async function api(path, options = {}) {
  const init = { credentials: "same-origin", headers: { Accept: "application/json" }, ...options };
  if (options.body !== undefined) {
    init.headers = { ...init.headers, "Content-Type": "application/json" };
    init.body = JSON.stringify(options.body);
  }
  const resp = await fetch(API + path, init);
  const text = await resp.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* reported below */ }
  if (!resp.ok) {
    const msg = data && data.error && data.error.message ? data.error.message : `${resp.status} ${resp.statusText}`;
    throw new APIError(msg);
  }
  if (data === null) throw new APIError(`${path}: the answer was not JSON`);
  return data;
}

function showLoadError(err) {
  const box = $("load-error");
  if (err) {
    box.textContent = `Could not load dashboard data: ${err.message}`;
    box.hidden = false;
  } else {
    box.hidden = true;
  }
}

// ---------- state ----------

const state = {
  tab: "overview",
  stats: null,
  status: null,
  concurrency: null,
  models: [],
  modelsSignature: "",
  preferredDraft: null, // ordered ids while the user edits, else null
  requests: null,
  requestsSignature: "",
  selectedRequest: null,
};

// ---------- overview ----------

function renderCounts(stats) {
  setText("today-total", fmtInt(stats.total));
  setText("today-success", fmtInt(stats.success));
  setText("today-failed", fmtInt(stats.failed));
  setText("today-timeout", fmtInt(stats.timeout));
  setText("today-retry", fmtInt(stats.retry));
  setText("today-success-rate", stats.total > 0 ? `${fmtPercent(stats.success / stats.total)} of calls` : "no calls yet");
  setText("today-updated", isSet(stats.last_updated) ? `last call ${fmtAgo(stats.last_updated)}` : "no calls yet");
}

function renderQuota(q) {
  setText("quota-remaining", fmtInt(q.remaining));
  setText("quota-limit", fmtInt(q.limit));
  setText("quota-used", fmtInt(q.used));
  const source = $("quota-source");
  const estimated = q.estimated || q.source !== "openrouter";
  setText("quota-source", estimated ? "estimate" : "from OpenRouter");
  source.className = estimated ? "badge warn" : "badge ok";
  source.title = estimated
    ? "Counted by Freelane from its own calls; OpenRouter did not report the figure."
    : "Reported by OpenRouter for this API key.";
  const share = q.limit > 0 ? Math.max(0, Math.min(1, q.remaining / q.limit)) : 0;
  const meter = $("quota-meter");
  meter.style.width = `${(share * 100).toFixed(1)}%`;
  meter.className = "meter-fill" + (share <= 0 ? " out" : share < 0.2 ? " low" : "");
  renderResetCountdown();
}

function renderResetCountdown() {
  const q = state.stats && state.stats.quota;
  if (!q || !isSet(q.reset_at)) return;
  const left = (Date.parse(q.reset_at) - Date.now()) / 1000;
  setText("quota-reset", left > 0 ? fmtDuration(left) : "now");
  $("quota-reset").title = `${new Date(q.reset_at).toLocaleString()} (00:00 UTC)`;
}

// niceScale picks a whole, round tick step (1, 2 or 5 times a power of ten)
// and the number of steps that covers max, so every grid label is exact.
function niceScale(max) {
  const raw = Math.max(1, max) / 4;
  const pow = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw));
  return { step, ticks: Math.max(1, Math.ceil(Math.max(1, max) / step)) };
}

// isoDate spells a CALLS file's date ("20261125", as the original proxy
// wrote it) as 2026-11-25; an already spelled-out date stays as it is.
function isoDate(date) {
  return /^\d{8}$/.test(date) ? `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6)}` : date;
}

function renderChart(history) {
  const box = $("chart");
  const W = 640, H = 200, left = 34, bottom = 22, top = 8;
  const plotH = H - top - bottom, plotW = W - left;
  const scale = niceScale(Math.max(...history.map((d) => d.total)));
  const max = scale.step * scale.ticks;
  const step = plotW / Math.max(history.length, 1);
  const barW = Math.max(3, step * 0.68);
  const y = (v) => top + plotH - (v / max) * plotH;

  const total = history.reduce((a, d) => a + d.total, 0);
  const chart = svg("svg", {
    viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none", role: "img",
    "aria-label": `Calls per day over the last ${history.length} days: ${total} in total. Each bar lists its numbers.`,
  });
  const grid = svg("g", { class: "grid", "aria-hidden": "true" });
  for (let i = 0; i <= scale.ticks; i++) {
    const v = scale.step * i, yy = y(v);
    grid.append(svg("line", { x1: left, x2: W, y1: yy, y2: yy }));
    grid.append(svg("text", { x: left - 6, y: yy + 4, "text-anchor": "end" }, String(Math.round(v))));
  }
  chart.append(grid);

  history.forEach((d, i) => {
    const x = left + i * step + (step - barW) / 2;
    const date = isoDate(d.date);
    const label = `${date}: ${d.total} calls, ${d.success} success, ${d.failed} failed, ${d.timeout} timeout`;
    const g = svg("g", { class: "day", tabindex: "0", role: "img", "aria-label": label, "data-date": d.date }, svg("title", {}, label));
    g.append(svg("rect", { class: "hit", x: left + i * step, y: top, width: step, height: plotH }));
    // Stack from the bottom: success, then timeout, then failed; whatever
    // is left of the total (calls with other outcomes) stays neutral.
    let base = 0;
    const segs = [["seg-ok", d.success], ["seg-warn", d.timeout], ["seg-bad", d.failed]];
    const other = d.total - d.success - d.timeout - d.failed;
    if (other > 0) segs.push(["seg-none", other]);
    for (const [cls, v] of segs) {
      if (v <= 0) continue;
      const y1 = y(base + v), y0 = y(base);
      g.append(svg("rect", { class: cls, x, y: y1, width: barW, height: Math.max(0.5, y0 - y1) }));
      base += v;
    }
    if (d.total === 0) g.append(svg("rect", { class: "seg-none", x, y: y(0) - 1, width: barW, height: 1 }));
    g.addEventListener("focus", () => setText("chart-tip", label));
    g.addEventListener("mouseenter", () => setText("chart-tip", label));
    chart.append(g);
    if (i % 5 === (history.length - 1) % 5) {
      chart.append(svg("text", { class: "xlab", x: x + barW / 2, y: H - 6, "text-anchor": "middle", "aria-hidden": "true" }, date.slice(5)));
    }
  });
  box.replaceChildren(chart);
  if (!$("chart-tip")) box.after(el("p", { id: "chart-tip", className: "chart-tip", "aria-live": "polite" }, "\u00a0"));
}

function rateCell(rate) {
  const fill = el("span");
  fill.style.width = `${Math.round((rate || 0) * 100)}%`;
  return el("td", { className: "num" }, el("span", { className: "rate" }, fmtPercent(rate), el("span", { className: "rate-bar", "aria-hidden": "true" }, fill)));
}

function renderModelStats(models) {
  const rows = models.map((m) =>
    el("tr", { dataset: { model: m.model } },
      el("td", { className: "model-id", title: m.model }, m.model),
      el("td", { className: "num" }, fmtInt(m.calls)),
      rateCell(m.success_rate),
      el("td", { className: "num" }, fmtMs(m.p50_ms)),
      el("td", { className: "num" }, fmtMs(m.p95_ms))));
  $("model-stats").replaceChildren(...rows);
  $("model-stats-empty").hidden = models.length > 0;
}

// apiName is how the dashboard names the wire API a call came in on.
function apiName(api) {
  return { chat: "Chat Completions", anthropic: "Anthropic Messages", responses: "OpenAI Responses" }[api] || api;
}

// apiBadge marks a call that did not come in as Chat Completions.
function apiBadge(api) {
  return api && api !== "chat" ? [" ", el("span", { className: "badge", title: apiName(api) }, api)] : [];
}

function renderConcurrency(c) {
  setText("conc-inflight", fmtInt(c.in_flight));
  setText("conc-limit", fmtInt(c.limit));
  setText("conc-queued", fmtInt(c.queued));
  const rows = c.recent.slice(0, 8).map((r) =>
    el("tr", {},
      el("td", { title: r.time, className: "nowrap" }, fmtClock(r.time)),
      el("td", { className: "model-id", title: r.model || "" }, r.model || "–"),
      el("td", { className: "nowrap" }, el("span", { className: `outcome ${r.outcome}` }, r.outcome), r.stream ? " " : null, r.stream ? el("span", { className: "badge" }, "stream") : null, ...apiBadge(r.api)),
      el("td", { className: "num" }, fmtMs(r.duration_ms)),
      el("td", { className: "num" }, fmtInt(r.attempts))));
  $("recent-calls").replaceChildren(...rows);
  $("recent-calls-empty").hidden = c.recent.length > 0;
}

function renderStatus(s) {
  setText("version", s.version ? `v${s.version.replace(/^v/, "")}` : "");
  setText("state-running", s.running ? "Running" : "Stopped");
  $("state-running").className = s.running ? "outcome success" : "outcome failed";
  setText("state-listen", s.listen_addr || "–");
  setText("state-uptime", fmtDuration(s.uptime || 0));
  setText("state-key", s.key_present ? `Present · ${s.key_fingerprint}` : "Missing: set OPENROUTER_API_KEY in .env");
  $("state-key").className = s.key_present ? "" : "error-text";
  const cat = s.catalog || {};
  setText("state-catalog", `${fmtInt(cat.count)} free models · ${isSet(cat.fetched_at) ? `fetched ${fmtAgo(cat.fetched_at)}` : "not fetched yet"}${cat.source ? ` (${cat.source})` : ""}`);
  const catErr = $("catalog-error");
  catErr.hidden = !cat.last_error;
  setText("catalog-error", cat.last_error ? `Last catalog refresh failed: ${cat.last_error}` : "");
  setText("state-dumps", `${fmtInt(s.dumps.files)} files · ${fmtBytes(s.dumps.bytes)}`);
  renderDebug(s.debug);
}

function renderDebug(on) {
  $("debug-toggle").checked = on;
  setText("debug-label", on ? "On: calls are saved" : "Off");
  $("requests-off").hidden = on;
}

async function setDebug(on) {
  const toggle = $("debug-toggle");
  toggle.disabled = true;
  try {
    const res = await api("/mode", { method: "PUT", body: { debug: on } });
    if (state.status) state.status.debug = res.debug;
    renderDebug(res.debug);
    showLoadError(null);
    scheduleRefresh();
  } catch (err) {
    renderDebug(!on);
    showLoadError(err);
  } finally {
    toggle.disabled = false;
  }
}

// ---------- models ----------

function preferredOrder() {
  if (state.preferredDraft) return state.preferredDraft;
  return state.models.filter((m) => m.preferred)
    .sort((a, b) => (a.preferred_rank || 1e9) - (b.preferred_rank || 1e9))
    .map((m) => m.id);
}

function renderModels() {
  const order = preferredOrder();
  const rankOf = (id) => order.indexOf(id);
  const models = [...state.models].sort((a, b) => {
    const ra = rankOf(a.id), rb = rankOf(b.id);
    if (ra !== rb) return (ra < 0 ? 1e9 : ra) - (rb < 0 ? 1e9 : rb);
    return a.id.localeCompare(b.id);
  });
  setText("models-count", `(${models.length})`);
  const now = Date.now();
  const rows = models.map((m) => {
    const rank = rankOf(m.id);
    const h = m.health || {};
    const cooling = isSet(h.cooldown_until) && Date.parse(h.cooldown_until) > now;
    const check = el("input", { type: "checkbox", checked: rank >= 0, "aria-label": `Prefer ${m.id}` });
    check.addEventListener("change", () => editPreferred(m.id, check.checked ? "add" : "remove"));
    const up = el("button", { type: "button", className: "btn icon", disabled: rank <= 0, "aria-label": `Move ${m.id} up` }, "↑");
    up.addEventListener("click", () => editPreferred(m.id, "up"));
    const down = el("button", { type: "button", className: "btn icon", disabled: rank < 0 || rank === order.length - 1, "aria-label": `Move ${m.id} down` }, "↓");
    down.addEventListener("click", () => editPreferred(m.id, "down"));
    const caps = el("div", { className: "caps" },
      m.tools ? el("span", { className: "badge accent" }, "tools") : null,
      m.vision ? el("span", { className: "badge accent" }, "vision") : null,
      m.reasoning ? el("span", { className: "badge accent" }, "reasoning") : null);
    const calls = (h.successes || 0) + (h.failures || 0);
    // Routing orders models by this success rate, then latency.
    const health = calls > 0
      ? `${fmtPercent(h.success_rate)} recent success · ${fmtMs(h.latency_ms)} · ${fmtInt(h.successes)} ok · ${fmtInt(h.failures)} failed`
      : "not used yet";
    const stateCell = cooling
      ? el("td", {}, el("span", { className: "badge warn strong", dataset: { until: h.cooldown_until } }, cooldownText(h.cooldown_until)),
        h.last_error ? el("span", { className: "model-name" }, h.last_error) : null)
      : el("td", {}, el("span", { className: "badge ok" }, "available"),
        h.last_error ? el("span", { className: "model-name" }, `last error: ${h.last_error}`) : null);
    return el("tr", { className: cooling ? "cooling" : "", dataset: { model: m.id } },
      el("td", {}, el("span", { className: "pref" }, check, el("span", { className: "rank" }, rank >= 0 ? String(rank + 1) : ""), up, down)),
      el("td", {}, el("span", { className: "model-id" }, m.id), el("span", { className: "model-name" }, m.name || "")),
      el("td", { className: "num" }, m.context_length ? `${fmtInt(Math.round(m.context_length / 1024))}K` : "–"),
      el("td", {}, caps),
      el("td", { className: "health" }, health),
      stateCell);
  });
  $("models-body").replaceChildren(...rows);
  const dirty = state.preferredDraft !== null;
  $("preferred-save").disabled = !dirty;
  $("preferred-reset").disabled = !dirty;
  fillChatModels();
}

function cooldownText(until) {
  const left = (Date.parse(until) - Date.now()) / 1000;
  return left > 0 ? `cooling down ${fmtDuration(left)}` : "cool-down over";
}

// tickCooldowns moves the cool-down countdowns without rebuilding the table,
// which would steal keyboard focus.
function tickCooldowns() {
  for (const badge of document.querySelectorAll("#models-body [data-until]")) {
    const text = cooldownText(badge.dataset.until);
    if (badge.textContent !== text) badge.textContent = text;
  }
}

function editPreferred(id, action) {
  const order = [...preferredOrder()];
  const i = order.indexOf(id);
  if (action === "add" && i < 0) order.push(id);
  if (action === "remove" && i >= 0) order.splice(i, 1);
  if (action === "up" && i > 0) [order[i - 1], order[i]] = [order[i], order[i - 1]];
  if (action === "down" && i >= 0 && i < order.length - 1) [order[i + 1], order[i]] = [order[i], order[i + 1]];
  state.preferredDraft = order;
  setNote("Unsaved changes", "");
  renderModels();
  // Keep keyboard focus on the row that moved.
  const row = document.querySelector(`#models-body tr[data-model="${CSS.escape(id)}"]`);
  const target = row && row.querySelector(action === "up" ? 'button[aria-label^="Move"][aria-label$="up"]' : action === "down" ? 'button[aria-label$="down"]' : "input");
  if (target && !target.disabled) target.focus();
  else if (row) row.querySelector("input").focus();
}

function setNote(text, cls) {
  const note = $("preferred-note");
  note.textContent = text;
  note.className = `save-note ${cls}`;
}

async function savePreferred() {
  const models = preferredOrder();
  $("preferred-save").disabled = true;
  try {
    const res = await api("/models/preferred", { method: "PUT", body: { models } });
    state.models = res.models;
    state.modelsSignature = JSON.stringify(res.models);
    state.preferredDraft = null;
    setNote(models.length ? "Saved" : "Saved: no preferred models", "ok");
  } catch (err) {
    setNote(err.message, "bad");
  }
  renderModels();
}

async function loadModels() {
  const res = await api("/models");
  // As with saved calls: rebuild the table only when something changed.
  const signature = JSON.stringify(res.models);
  if (signature === state.modelsSignature) return;
  state.modelsSignature = signature;
  state.models = res.models;
  renderModels();
}

// ---------- requests ----------

async function loadRequests() {
  const res = await api("/requests");
  state.requests = res;
  renderDebug(res.debug);
  setText("requests-count", `(${res.requests.length})`);
  setText("requests-usage", `${fmtInt(res.dumps.files)} files · ${fmtBytes(res.dumps.bytes)} on disk`);
  // Rebuild the list only when it changed: a rebuild would take keyboard
  // focus away and swallow a click that lands at the same moment.
  const signature = JSON.stringify(res.requests);
  if (signature === state.requestsSignature) return;
  state.requestsSignature = signature;
  const items = res.requests.map((r) => {
    const btn = el("button", { type: "button", "aria-current": String(r.id === state.selectedRequest), dataset: { id: r.id } },
      el("span", { className: "what" }, r.model || "no model answered"),
      el("span", { className: `outcome ${r.outcome} end` }, r.outcome || "unreadable"),
      el("span", { className: "when" }, `${new Date(r.time).toLocaleString([], { hour12: false })} · ${fmtMs(r.duration_ms)}`),
      el("span", { className: "when end" }, `${r.attempts} ${r.attempts === 1 ? "try" : "tries"}${r.stream ? " · stream" : ""}${r.api && r.api !== "chat" ? ` · ${apiName(r.api)}` : ""}`));
    btn.addEventListener("click", () => openRequest(r.id));
    return el("li", {}, btn);
  });
  $("request-list").replaceChildren(...items);
  $("requests-empty").hidden = res.requests.length > 0;
}

// A saved call is a capture record as the proxy writes it (proxy/capture):
// id, time, duration_ms, outcome, model, client, request, upstream, stream,
// attempts[] and response {status, body, text, reasoning, events}. Fields
// the page does not know yet are still shown, under "Other fields".
const CAPTURE_FIELDS = new Set(["id", "time", "duration_ms", "outcome", "model", "api", "client", "request", "upstream", "stream", "attempts", "response"]);

function pretty(v) {
  return typeof v === "string" ? v : JSON.stringify(v, null, 2);
}

// kvList builds a <dl> from [label, value] pairs, skipping empty values.
function kvList(pairs, testids = {}) {
  const dl = el("dl", { className: "kv" });
  for (const [label, value] of pairs) {
    if (value === "" || value === null || value === undefined) continue;
    const dd = el("dd", {}, value);
    if (testids[label]) dd.dataset.testid = testids[label];
    dl.append(el("dt", {}, label), dd);
  }
  return dl;
}

function section(title, testid, ...children) {
  return el("section", { className: "capture-part", dataset: testid ? { testid } : {} }, el("h3", {}, title), ...children);
}

function collapsed(summary, child, testid) {
  return el("details", { dataset: testid ? { testid } : {} }, el("summary", {}, summary), child);
}

// firstMessage finds the assistant message of a non-streamed answer body.
function firstMessage(body) {
  const choice = body && Array.isArray(body.choices) ? body.choices[0] : null;
  return choice && choice.message ? choice.message : null;
}

// sinceStart says when an attempt began, counted from the call's arrival.
function sinceStart(start, t) {
  if (!isSet(start) || !isSet(t)) return "";
  const ms = Date.parse(t) - Date.parse(start);
  return ms < 1 ? "at the start" : `${fmtMs(ms)} into the call`;
}

function renderAttempts(rec) {
  const attempts = rec.attempts || [];
  if (!attempts.length) {
    return [el("p", { className: "empty" }, "No model was tried: Freelane answered by itself (see the response).")];
  }
  return attempts.map((a, i) => {
    const ok = !a.error && !a.kind && (a.status || 0) < 400;
    const head = el("div", { className: "attempt-head" },
      el("span", { className: "attempt-no" }, `${i + 1}`),
      el("span", { className: "model-id" }, a.model || "(no model)"),
      el("span", { className: `badge ${ok ? "ok" : "bad"}` }, ok ? `${a.status || 200} answered` : [a.status || "no answer", a.kind].filter(Boolean).join(" · ")));
    return el("div", { className: `attempt ${ok ? "ok" : "failed"}`, dataset: { testid: "capture-attempt" } }, head,
      a.error ? el("p", { className: "error-text attempt-error" }, a.error) : null,
      kvList([
        ["Started", sinceStart(rec.time, a.started)],
        ["Duration", fmtMs(a.duration_ms)],
        ["First byte", a.first_byte_ms ? fmtMs(a.first_byte_ms) : ""],
      ]));
  });
}

function renderResponse(rec) {
  const resp = rec.response || {};
  const parts = [];
  const message = firstMessage(resp.body);
  const bodyError = resp.body && resp.body.error;
  const text = resp.text || (message && typeof message.content === "string" ? message.content : "");
  const reasoning = resp.reasoning || (message && (message.reasoning || message.reasoning_content)) || "";
  parts.push(kvList([["Status sent", resp.status ? String(resp.status) : ""]]));
  if (bodyError) {
    parts.push(el("p", { className: "banner error", dataset: { testid: "capture-error" } }, bodyError.message || pretty(bodyError)));
  }
  if (reasoning) {
    parts.push(el("h4", {}, "Reasoning"), el("pre", { className: "reasoning", dataset: { testid: "capture-reasoning" } }, reasoning));
  }
  if (text) {
    parts.push(el("h4", {}, "Answer"), el("pre", { className: "answer-box", dataset: { testid: "capture-answer" } }, text));
  } else if (message && Array.isArray(message.tool_calls)) {
    parts.push(el("h4", {}, "Tool calls"), el("pre", {}, pretty(message.tool_calls)));
  } else if (!bodyError && rec.outcome === "success") {
    parts.push(el("p", { className: "empty" }, "The answer had no text."));
  }
  if (Array.isArray(resp.events) && resp.events.length) {
    parts.push(collapsed(`Raw stream events (${fmtInt(resp.events.length)})`, el("pre", {}, resp.events.join("\n")), "capture-events"));
  }
  if (resp.body !== undefined && resp.body !== null) {
    parts.push(collapsed("Response body", el("pre", {}, pretty(resp.body))));
  }
  return parts;
}

// renderTimings splits the call's time between the attempts and Freelane.
function renderTimings(rec) {
  const attempts = rec.attempts || [];
  const upstream = attempts.reduce((sum, a) => sum + (a.duration_ms || 0), 0);
  const answered = attempts.find((a) => !a.error && !a.kind && (a.status || 0) < 400);
  const failed = attempts.filter((a) => a !== answered).reduce((sum, a) => sum + (a.duration_ms || 0), 0);
  return kvList([
    ["Total", fmtMs(rec.duration_ms)],
    ["At OpenRouter", attempts.length ? fmtMs(upstream) : ""],
    ["Lost to failed tries", failed > 0 ? fmtMs(failed) : ""],
    ["First byte of the answer", answered && answered.first_byte_ms ? fmtMs(answered.first_byte_ms) : ""],
  ], { Total: "capture-total" });
}

function renderCapture(rec) {
  const client = rec.client || {};
  const requested = rec.request && typeof rec.request === "object" ? rec.request.model : "";
  const chosen = rec.upstream && typeof rec.upstream === "object" ? rec.upstream.model : "";
  const parts = [
    el("div", { className: "capture-head" },
      el("h3", {}, rec.model || "No model answered"),
      el("span", { className: `outcome ${rec.outcome}` }, rec.outcome || "")),
    kvList([
      ["Saved call", rec.id],
      ["Time", isSet(rec.time) ? new Date(rec.time).toLocaleString([], { hour12: false }) : ""],
      ["Answered by", rec.model || "none"],
      ["Requested model", requested ? String(requested) : ""],
      ["API", apiName(rec.api || "chat")],
      ["Stream", rec.stream ? "yes" : "no"],
      ["Duration", fmtMs(rec.duration_ms)],
    ], { "Answered by": "capture-model" }),
  ];

  const who = [client.method, client.path].filter(Boolean).join(" ");
  const clientLine = [who, client.remote_addr ? `from ${client.remote_addr}` : "", client.user_agent ? `(${client.user_agent})` : ""].filter(Boolean).join(" ");
  const headers = client.headers && Object.keys(client.headers).length
    ? collapsed("Headers", kvList(Object.entries(client.headers).sort(([a], [b]) => a.localeCompare(b))))
    : null;
  parts.push(section("Request as received", "capture-request",
    clientLine ? el("p", { className: "sub" }, clientLine) : null, headers,
    rec.request !== undefined ? el("pre", {}, pretty(rec.request)) : el("p", { className: "empty" }, "No body was saved.")));

  if (rec.upstream !== undefined) {
    parts.push(section("Sent to OpenRouter", "capture-upstream",
      el("p", { className: "sub" }, "Model chosen: ", el("code", { dataset: { testid: "capture-upstream-model" } }, chosen || "–"),
        attemptCount(rec) > 1 ? ` (the last of ${attemptCount(rec)} tries)` : ""),
      collapsed("Body as sent", el("pre", {}, pretty(rec.upstream)))));
  }
  parts.push(section(`Attempts (${attemptCount(rec)})`, "capture-attempts", ...renderAttempts(rec)));
  parts.push(section("Response", "capture-response", ...renderResponse(rec)));
  parts.push(section("Timings", "capture-timings", renderTimings(rec)));

  const rest = Object.fromEntries(Object.entries(rec).filter(([k]) => !CAPTURE_FIELDS.has(k)));
  if (Object.keys(rest).length) parts.push(section("Other fields", "", el("pre", {}, pretty(rest))));
  parts.push(collapsed("Whole saved call as JSON", el("pre", {}, JSON.stringify(rec, null, 2))));
  return parts;
}

function attemptCount(rec) {
  return Array.isArray(rec.attempts) ? rec.attempts.length : 0;
}

async function openRequest(id) {
  state.selectedRequest = id;
  for (const b of document.querySelectorAll("#request-list button")) b.setAttribute("aria-current", String(b.dataset.id === id));
  const viewer = $("viewer");
  viewer.replaceChildren(el("p", { className: "empty" }, "Loading…"));
  let rec;
  try {
    rec = await api(`/requests/${encodeURIComponent(id)}`);
  } catch (err) {
    viewer.replaceChildren(el("p", { className: "banner error" }, `Could not open ${id}: ${err.message}`));
    return;
  }
  // A newer click may have finished first; show only the latest choice.
  if (state.selectedRequest === id) viewer.replaceChildren(...renderCapture(rec));
}

// ---------- test chat ----------

let chatAbort = null;

function fillChatModels() {
  const select = $("chat-model");
  const current = select.value;
  const opts = [el("option", { value: "auto" }, "auto (Freelane picks)")];
  for (const m of [...state.models].sort((a, b) => a.id.localeCompare(b.id))) opts.push(el("option", { value: m.id }, m.id));
  select.replaceChildren(...opts);
  select.value = state.models.some((m) => m.id === current) ? current : "auto";
}

function chatError(message) {
  const box = $("chat-error");
  box.textContent = message;
  box.hidden = !message;
}

function clampNumber(input, lo, hi, fallback) {
  const v = Number(input.value);
  if (!Number.isFinite(v)) return fallback;
  return Math.min(hi, Math.max(lo, v));
}

// readSSE yields the data payloads of a text/event-stream body, skipping
// ":" comment lines (keep-alives such as ": OPENROUTER PROCESSING").
async function* readSSE(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let data = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let nl;
    while ((nl = buffer.search(/\r?\n/)) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(buffer[nl] === "\r" ? nl + 2 : nl + 1);
      if (line === "") {
        if (data.length) yield data.join("\n");
        data = [];
      } else if (line.startsWith(":")) {
        continue;
      } else if (line.startsWith("data:")) {
        data.push(line.slice(line[5] === " " ? 6 : 5));
      }
    }
  }
  if (data.length) yield data.join("\n");
}

async function sendChat(event) {
  event.preventDefault();
  const maxTokens = Math.round(clampNumber($("chat-max-tokens"), 100, 4000, 1000) / 100) * 100;
  const temperature = clampNumber($("chat-temperature"), 0, 2, 0.7);
  $("chat-max-tokens").value = maxTokens;
  $("chat-temperature").value = temperature;
  const message = $("chat-message").value.trim();
  if (!message) { chatError("Type a message first."); return; }

  chatError("");
  setText("chat-answer", "");
  setText("chat-reasoning", "");
  $("chat-reasoning-box").hidden = true;
  setText("chat-answered-by", "–");
  setText("chat-first-token", "–");
  setText("chat-total", "…");
  $("chat-send").disabled = true;
  $("chat-stop").disabled = false;
  chatAbort = new AbortController();

  const started = performance.now();
  let firstToken = 0;
  const answer = $("chat-answer"), reasoning = $("chat-reasoning");
  const markFirst = () => {
    if (!firstToken) {
      firstToken = performance.now() - started;
      setText("chat-first-token", fmtMs(firstToken));
    }
  };
  try {
    const resp = await fetch("/v1/chat/completions", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify({
        model: $("chat-model").value, stream: true, max_tokens: maxTokens, temperature,
        messages: [{ role: "user", content: message }],
      }),
      signal: chatAbort.signal,
    });
    const headerModel = resp.headers.get("X-Freelane-Model");
    if (headerModel) setText("chat-answered-by", headerModel);
    if (!resp.ok) {
      const text = await resp.text();
      let msg = `${resp.status} ${resp.statusText}`;
      try { const j = JSON.parse(text); if (j.error && j.error.message) msg = `${resp.status}: ${j.error.message}`; } catch { /* keep status */ }
      throw new APIError(msg);
    }
    for await (const payload of readSSE(resp.body)) {
      if (payload === "[DONE]") break;
      let chunk;
      try { chunk = JSON.parse(payload); } catch { continue; }
      if (chunk.error) throw new APIError(chunk.error.message || JSON.stringify(chunk.error));
      if (chunk.model && !headerModel) setText("chat-answered-by", chunk.model);
      const choice = chunk.choices && chunk.choices[0];
      if (!choice) continue;
      const delta = choice.delta || {};
      const thought = delta.reasoning || delta.reasoning_content;
      if (thought) {
        markFirst();
        $("chat-reasoning-box").hidden = false;
        reasoning.append(thought);
      }
      if (delta.content) {
        markFirst();
        answer.append(delta.content);
      }
      if (choice.finish_reason === "error") throw new APIError("the model stopped with an error");
    }
  } catch (err) {
    if (err.name === "AbortError") chatError("Stopped.");
    else chatError(err instanceof APIError ? err.message : `Request failed: ${err.message}`);
  } finally {
    setText("chat-total", fmtMs(performance.now() - started));
    $("chat-send").disabled = false;
    $("chat-stop").disabled = true;
    chatAbort = null;
  }
}

// ---------- tabs ----------

const TABS = ["overview", "models", "requests", "chat"];

function showTab(name, focus) {
  if (!TABS.includes(name)) name = "overview";
  state.tab = name;
  for (const t of TABS) {
    const tab = $(`tab-${t}`), on = t === name;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $(`panel-${t}`).hidden = !on;
  }
  if (focus) $(`tab-${name}`).focus();
  if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
  refreshTab().catch(showLoadError);
}

function onTabKey(event) {
  const i = TABS.indexOf(state.tab);
  const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: TABS.length - 1 }[event.key];
  if (next === undefined) return;
  event.preventDefault();
  showTab(TABS[(next + TABS.length) % TABS.length], true);
}

// ---------- refresh and live updates ----------

async function refreshOverview() {
  const [stats, status, concurrency] = await Promise.all([api("/stats"), api("/status"), api("/concurrency")]);
  state.stats = stats; state.status = status; state.concurrency = concurrency;
  renderCounts(stats);
  renderQuota(stats.quota);
  renderChart(stats.history);
  renderModelStats(stats.models);
  renderConcurrency(concurrency);
  renderStatus(status);
}

async function refreshTab() {
  if (state.tab === "models" || state.tab === "chat") {
    // Never overwrite the user's unsaved preferred order.
    await loadModels();
  } else if (state.tab === "requests") {
    await loadRequests();
  }
}

let refreshTimer = 0;
let refreshing = false;
let refreshAgain = false;
let lastRefreshStart = -Infinity;

async function refreshAll() {
  if (refreshing) { refreshAgain = true; return; }
  refreshing = true;
  lastRefreshStart = performance.now();
  try {
    await Promise.all([refreshOverview(), refreshTab()]);
    showLoadError(null);
  } catch (err) {
    showLoadError(err);
  } finally {
    refreshing = false;
    if (refreshAgain) { refreshAgain = false; scheduleRefresh(); }
  }
}

// scheduleRefresh throttles rather than debounces: a change is fetched at
// once unless a refresh started less than REFRESH_MIN_GAP_MS ago, in which
// case one refresh at the end of that gap covers every change meanwhile.
function scheduleRefresh() {
  if (refreshTimer) return;
  const wait = Math.max(0, lastRefreshStart + REFRESH_MIN_GAP_MS - performance.now());
  refreshTimer = setTimeout(() => { refreshTimer = 0; refreshAll(); }, wait);
}

function setLive(mode, text) {
  $("live").className = `live ${mode}`;
  setText("live-text", text);
}

let pollTimer = 0;

function startPolling() {
  if (pollTimer) return;
  setLive("polling", `Updating every ${POLL_MS / 1000} s`);
  pollTimer = setInterval(refreshAll, POLL_MS);
}

function connectEvents() {
  if (!("EventSource" in window)) { startPolling(); return; }
  const source = new EventSource(`${API}/events`);
  source.addEventListener("open", () => {
    if (pollTimer) { clearInterval(pollTimer); pollTimer = 0; }
    setLive("on", "Live");
    scheduleRefresh();
  });
  source.addEventListener("change", scheduleRefresh);
  source.addEventListener("error", () => {
    // EventSource reconnects by itself unless the server refused it;
    // poll meanwhile so the numbers stay fresh either way.
    startPolling();
    if (source.readyState === EventSource.CLOSED) setLive("down", "Live updates off; polling");
  });
}

function init() {
  for (const t of TABS) {
    const tab = $(`tab-${t}`);
    tab.addEventListener("click", () => showTab(t));
    tab.addEventListener("keydown", onTabKey);
  }
  $("debug-toggle").addEventListener("change", (e) => setDebug(e.target.checked));
  $("requests-enable").addEventListener("click", () => setDebug(true));
  $("preferred-save").addEventListener("click", savePreferred);
  $("preferred-reset").addEventListener("click", () => { state.preferredDraft = null; setNote("", ""); renderModels(); });
  $("chat-form").addEventListener("submit", sendChat);
  $("chat-stop").addEventListener("click", () => chatAbort && chatAbort.abort());
  window.addEventListener("hashchange", () => showTab(location.hash.slice(1)));

  showTab(location.hash.slice(1) || "overview");
  refreshAll();
  connectEvents();
  // Countdowns and "n minutes ago" move even when nothing else changes.
  setInterval(() => {
    renderResetCountdown();
    tickCooldowns();
    if (state.stats) renderCounts(state.stats);
  }, 1000);
}

document.addEventListener("DOMContentLoaded", init);
