// The Models tab: the free models, their health and the preferred order.

import { $, el, setText } from "./dom.js";
import { fmtInt, fmtMs, fmtDuration, fmtPercent, isSet } from "./format.js";
import { api } from "./api.js";
import { state } from "./state.js";
import { t } from "./i18n.js";
import { fillChatModels } from "./chat.js";

function preferredOrder() {
  if (state.preferredDraft) return state.preferredDraft;
  return state.models.filter((m) => m.preferred)
    .sort((a, b) => (a.preferred_rank || 1e9) - (b.preferred_rank || 1e9))
    .map((m) => m.id);
}

export function renderModels() {
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
    const check = el("input", { type: "checkbox", checked: rank >= 0, "aria-label": t("web.models.prefer", { Model: m.id }) });
    check.addEventListener("change", () => editPreferred(m.id, check.checked ? "add" : "remove"));
    const up = el("button", { type: "button", className: "btn icon", disabled: rank <= 0, dataset: { move: "up" }, "aria-label": t("web.models.up", { Model: m.id }) }, "↑");
    up.addEventListener("click", () => editPreferred(m.id, "up"));
    const down = el("button", { type: "button", className: "btn icon", disabled: rank < 0 || rank === order.length - 1, dataset: { move: "down" }, "aria-label": t("web.models.down", { Model: m.id }) }, "↓");
    down.addEventListener("click", () => editPreferred(m.id, "down"));
    const caps = el("div", { className: "caps" },
      m.tools ? el("span", { className: "badge accent" }, t("web.cap.tools")) : null,
      m.vision ? el("span", { className: "badge accent" }, t("web.cap.vision")) : null,
      m.reasoning ? el("span", { className: "badge accent" }, t("web.cap.reasoning")) : null);
    const calls = (h.successes || 0) + (h.failures || 0);
    // Routing orders models by this success rate, then latency.
    const health = calls > 0
      ? t("web.models.health", { Rate: fmtPercent(h.success_rate), Latency: fmtMs(h.latency_ms), OK: fmtInt(h.successes), Failed: fmtInt(h.failures) })
      : t("web.models.unused");
    const stateCell = cooling
      ? el("td", {}, el("span", { className: "badge warn strong", dataset: { until: h.cooldown_until } }, cooldownText(h.cooldown_until)),
        h.last_error ? el("span", { className: "model-name" }, h.last_error) : null)
      : el("td", {}, el("span", { className: "badge ok" }, t("web.models.available")),
        h.last_error ? el("span", { className: "model-name" }, t("web.models.last_error", { Error: h.last_error })) : null);
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
  return left > 0 ? t("web.models.cooling", { Left: fmtDuration(left) }) : t("web.models.cool_over");
}

// tickCooldowns moves the cool-down countdowns without rebuilding the table,
// which would steal keyboard focus.
export function tickCooldowns() {
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
  setNote(t("web.models.unsaved"), "");
  renderModels();
  // Keep keyboard focus on the row that moved.
  const row = document.querySelector(`#models-body tr[data-model="${CSS.escape(id)}"]`);
  const target = row && row.querySelector(action === "up" || action === "down" ? `button[data-move="${action}"]` : "input");
  if (target && !target.disabled) target.focus();
  else if (row) row.querySelector("input").focus();
}

export function setNote(text, cls) {
  const note = $("preferred-note");
  note.textContent = text;
  note.className = `save-note ${cls}`;
}

export async function savePreferred() {
  const models = preferredOrder();
  $("preferred-save").disabled = true;
  try {
    const res = await api("/models/preferred", { method: "PUT", body: { models } });
    state.models = res.models;
    state.modelsSignature = JSON.stringify(res.models);
    state.preferredDraft = null;
    setNote(models.length ? t("web.models.saved") : t("web.models.saved_none"), "ok");
  } catch (err) {
    setNote(err.message, "bad");
  }
  renderModels();
}

export async function loadModels() {
  const res = await api("/models");
  // As with saved calls: rebuild the table only when something changed.
  const signature = JSON.stringify(res.models);
  if (signature === state.modelsSignature) return;
  state.modelsSignature = signature;
  state.models = res.models;
  renderModels();
}
