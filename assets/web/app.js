// Freelane dashboard. Plain JavaScript modules, no build step, no third-party code.
// This module wires the views together: tabs, refreshes and live updates.

import { $, setText } from "./dom.js";
import { API, api, showLoadError } from "./api.js";
import { state } from "./state.js";
import { renderCounts, renderQuota, renderResetCountdown, renderChart, renderModelStats, renderConcurrency, renderStatus, renderDebug } from "./overview.js";
import { renderModels, tickCooldowns, setNote, savePreferred, loadModels } from "./models.js";
import { loadRequests } from "./requests.js";
import { chatAbort, sendChat } from "./chat.js";
import { t, loadMessages, translatePage, fillLanguageSwitch } from "./i18n.js";

// A burst of changes (a busy client) costs one refresh per this interval;
// the first change after a quiet spell is shown at once.
const REFRESH_MIN_GAP_MS = 200;
const POLL_MS = 5000;

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
  setLive("polling", t("web.live.polling", { Seconds: POLL_MS / 1000 }));
  pollTimer = setInterval(refreshAll, POLL_MS);
}

function connectEvents() {
  if (!("EventSource" in window)) { startPolling(); return; }
  const source = new EventSource(`${API}/events`);
  source.addEventListener("open", () => {
    if (pollTimer) { clearInterval(pollTimer); pollTimer = 0; }
    setLive("on", t("web.live.on"));
    scheduleRefresh();
  });
  source.addEventListener("change", scheduleRefresh);
  source.addEventListener("error", () => {
    // EventSource reconnects by itself unless the server refused it;
    // poll meanwhile so the numbers stay fresh either way.
    startPolling();
    if (source.readyState === EventSource.CLOSED) setLive("down", t("web.live.down"));
  });
}

async function init() {
  // The page's own English stays when the texts cannot be loaded.
  try {
    const catalog = await loadMessages();
    translatePage();
    fillLanguageSwitch($("lang-switch"), catalog.languages);
  } catch (err) {
    showLoadError(err);
  }
  for (const name of TABS) {
    const tab = $(`tab-${name}`);
    tab.addEventListener("click", () => showTab(name));
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
