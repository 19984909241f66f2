// The Overview tab: today's counts, quota, the 30-day chart, models today,
// recent calls and the proxy's state.

import { $, el, svg, setText } from "./dom.js";
import { fmtInt, fmtMs, fmtDuration, fmtBytes, isSet, fmtAgo, fmtClock, fmtPercent, apiName } from "./format.js";
import { state } from "./state.js";
import { t, outcomeText } from "./i18n.js";

export function renderCounts(stats) {
  setText("today-total", fmtInt(stats.total));
  setText("today-success", fmtInt(stats.success));
  setText("today-failed", fmtInt(stats.failed));
  setText("today-timeout", fmtInt(stats.timeout));
  setText("today-retry", fmtInt(stats.retry));
  setText("today-success-rate", stats.total > 0 ? t("web.counts.rate", { Percent: fmtPercent(stats.success / stats.total) }) : t("web.counts.none"));
  setText("today-updated", isSet(stats.last_updated) ? t("web.counts.last", { Ago: fmtAgo(stats.last_updated) }) : t("web.counts.none"));
}

export function renderQuota(q) {
  setText("quota-remaining", fmtInt(q.remaining));
  setText("quota-limit", fmtInt(q.limit));
  setText("quota-used", fmtInt(q.used));
  const source = $("quota-source");
  const estimated = q.estimated || q.source !== "openrouter";
  setText("quota-source", estimated ? t("web.quota.estimate") : t("web.quota.reported"));
  source.className = estimated ? "badge warn" : "badge ok";
  source.title = estimated
    ? t("web.quota.estimate_tip")
    : t("web.quota.reported_tip");
  const share = q.limit > 0 ? Math.max(0, Math.min(1, q.remaining / q.limit)) : 0;
  const meter = $("quota-meter");
  meter.style.width = `${(share * 100).toFixed(1)}%`;
  meter.className = "meter-fill" + (share <= 0 ? " out" : share < 0.2 ? " low" : "");
  renderResetCountdown();
}

export function renderResetCountdown() {
  const q = state.stats && state.stats.quota;
  if (!q || !isSet(q.reset_at)) return;
  const left = (Date.parse(q.reset_at) - Date.now()) / 1000;
  setText("quota-reset", left > 0 ? fmtDuration(left) : t("web.quota.now"));
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

export function renderChart(history) {
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
    "aria-label": t("web.chart.label", { Days: history.length, Total: total }),
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
    const label = t("web.chart.day", { Date: date, Total: d.total, Success: d.success, Failed: d.failed, Timeout: d.timeout });
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

export function renderModelStats(models) {
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

// apiBadge marks a call that did not come in as Chat Completions.
function apiBadge(api) {
  return api && api !== "chat" ? [" ", el("span", { className: "badge", title: apiName(api) }, api)] : [];
}

export function renderConcurrency(c) {
  setText("conc-inflight", fmtInt(c.in_flight));
  setText("conc-limit", fmtInt(c.limit));
  setText("conc-queued", fmtInt(c.queued));
  const rows = c.recent.slice(0, 8).map((r) =>
    el("tr", {},
      el("td", { title: r.time, className: "nowrap" }, fmtClock(r.time)),
      el("td", { className: "model-id", title: r.model || "" }, r.model || "–"),
      el("td", { className: "nowrap" }, el("span", { className: `outcome ${r.outcome}` }, outcomeText(r.outcome)), r.stream ? " " : null, r.stream ? el("span", { className: "badge" }, t("web.stream")) : null, ...apiBadge(r.api)),
      el("td", { className: "num" }, fmtMs(r.duration_ms)),
      el("td", { className: "num" }, fmtInt(r.attempts))));
  $("recent-calls").replaceChildren(...rows);
  $("recent-calls-empty").hidden = c.recent.length > 0;
}

export function renderStatus(s) {
  setText("version", s.version ? `v${s.version.replace(/^v/, "")}` : "");
  setText("state-running", s.running ? t("web.state.running") : t("web.state.stopped"));
  $("state-running").className = s.running ? "outcome success" : "outcome failed";
  setText("state-listen", s.listen_addr || "–");
  setText("state-uptime", fmtDuration(s.uptime || 0));
  setText("state-key", s.key_present ? t("web.state.key_present", { Fingerprint: s.key_fingerprint }) : t("web.state.key_missing"));
  $("state-key").className = s.key_present ? "" : "error-text";
  const cat = s.catalog || {};
  setText("state-catalog", t("web.state.catalog_value", {
    Count: fmtInt(cat.count),
    Fetched: isSet(cat.fetched_at) ? t("web.state.fetched", { Ago: fmtAgo(cat.fetched_at) }) : t("web.state.not_fetched"),
    Source: cat.source ? ` (${cat.source})` : "",
  }));
  const catErr = $("catalog-error");
  catErr.hidden = !cat.last_error;
  setText("catalog-error", cat.last_error ? t("web.state.catalog_error", { Error: cat.last_error }) : "");
  setText("state-dumps", t("web.state.files", { Files: fmtInt(s.dumps.files), Size: fmtBytes(s.dumps.bytes) }));
  renderDebug(s.debug);
}

export function renderDebug(on) {
  $("debug-toggle").checked = on;
  setText("debug-label", on ? t("web.debug.on") : t("web.debug.off"));
  $("requests-off").hidden = on;
}
