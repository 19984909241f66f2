// The Requests tab: saved calls (debug mode) and the viewer for one call.

import { $, el, setText } from "./dom.js";
import { fmtInt, fmtMs, fmtBytes, isSet, apiName } from "./format.js";
import { api } from "./api.js";
import { state } from "./state.js";
import { renderDebug } from "./overview.js";
import { t, outcomeText } from "./i18n.js";

export async function loadRequests() {
  const res = await api("/requests");
  state.requests = res;
  renderDebug(res.debug);
  setText("requests-count", `(${res.requests.length})`);
  setText("requests-usage", t("web.requests.usage", { Files: fmtInt(res.dumps.files), Size: fmtBytes(res.dumps.bytes) }));
  // Rebuild the list only when it changed: a rebuild would take keyboard
  // focus away and swallow a click that lands at the same moment.
  const signature = JSON.stringify(res.requests);
  if (signature === state.requestsSignature) return;
  state.requestsSignature = signature;
  const items = res.requests.map((r) => {
    const btn = el("button", { type: "button", "aria-current": String(r.id === state.selectedRequest), dataset: { id: r.id } },
      el("span", { className: "what" }, r.model || t("web.requests.no_model")),
      el("span", { className: `outcome ${r.outcome} end` }, r.outcome ? outcomeText(r.outcome) : t("web.requests.unreadable")),
      el("span", { className: "when" }, `${new Date(r.time).toLocaleString([], { hour12: false })} · ${fmtMs(r.duration_ms)}`),
      el("span", { className: "when end" }, t("web.requests.tries", { Count: r.attempts }) + (r.stream ? ` · ${t("web.stream")}` : "") + (r.api && r.api !== "chat" ? ` · ${apiName(r.api)}` : "")));
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
// A label is a catalog id, or {text} for a label shown as it is (headers).
function kvList(pairs, testids = {}) {
  const dl = el("dl", { className: "kv" });
  for (const [label, value] of pairs) {
    if (value === "" || value === null || value === undefined) continue;
    const dd = el("dd", {}, value);
    if (testids[label]) dd.dataset.testid = testids[label];
    dl.append(el("dt", {}, typeof label === "string" ? t(label) : label.text), dd);
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
function sinceStart(start, time) {
  if (!isSet(start) || !isSet(time)) return "";
  const ms = Date.parse(time) - Date.parse(start);
  return ms < 1 ? t("web.requests.at_start") : t("web.requests.into", { Time: fmtMs(ms) });
}

function renderAttempts(rec) {
  const attempts = rec.attempts || [];
  if (!attempts.length) {
    return [el("p", { className: "empty" }, t("web.requests.no_attempts"))];
  }
  return attempts.map((a, i) => {
    const ok = !a.error && !a.kind && (a.status || 0) < 400;
    const head = el("div", { className: "attempt-head" },
      el("span", { className: "attempt-no" }, `${i + 1}`),
      el("span", { className: "model-id" }, a.model || t("web.requests.no_model_short")),
      el("span", { className: `badge ${ok ? "ok" : "bad"}` }, ok ? t("web.requests.answered", { Status: a.status || 200 }) : [a.status || t("web.requests.no_answer"), a.kind].filter(Boolean).join(" · ")));
    return el("div", { className: `attempt ${ok ? "ok" : "failed"}`, dataset: { testid: "capture-attempt" } }, head,
      a.error ? el("p", { className: "error-text attempt-error" }, a.error) : null,
      kvList([
        ["web.kv.started", sinceStart(rec.time, a.started)],
        ["web.kv.duration", fmtMs(a.duration_ms)],
        ["web.kv.first_byte", a.first_byte_ms ? fmtMs(a.first_byte_ms) : ""],
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
  parts.push(kvList([["web.kv.status_sent", resp.status ? String(resp.status) : ""]]));
  if (bodyError) {
    parts.push(el("p", { className: "banner error", dataset: { testid: "capture-error" } }, bodyError.message || pretty(bodyError)));
  }
  if (reasoning) {
    parts.push(el("h4", {}, t("web.chat.reasoning")), el("pre", { className: "reasoning", dataset: { testid: "capture-reasoning" } }, reasoning));
  }
  if (text) {
    parts.push(el("h4", {}, t("web.requests.answer")), el("pre", { className: "answer-box", dataset: { testid: "capture-answer" } }, text));
  } else if (message && Array.isArray(message.tool_calls)) {
    parts.push(el("h4", {}, t("web.requests.tool_calls")), el("pre", {}, pretty(message.tool_calls)));
  } else if (!bodyError && rec.outcome === "success") {
    parts.push(el("p", { className: "empty" }, t("web.requests.no_text")));
  }
  if (Array.isArray(resp.events) && resp.events.length) {
    parts.push(collapsed(t("web.requests.raw_events", { Count: fmtInt(resp.events.length) }), el("pre", {}, resp.events.join("\n")), "capture-events"));
  }
  if (resp.body !== undefined && resp.body !== null) {
    parts.push(collapsed(t("web.requests.body"), el("pre", {}, pretty(resp.body))));
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
    ["web.kv.total", fmtMs(rec.duration_ms)],
    ["web.kv.at_openrouter", attempts.length ? fmtMs(upstream) : ""],
    ["web.kv.lost", failed > 0 ? fmtMs(failed) : ""],
    ["web.kv.first_answer_byte", answered && answered.first_byte_ms ? fmtMs(answered.first_byte_ms) : ""],
  ], { "web.kv.total": "capture-total" });
}

function renderCapture(rec) {
  const client = rec.client || {};
  const requested = rec.request && typeof rec.request === "object" ? rec.request.model : "";
  const chosen = rec.upstream && typeof rec.upstream === "object" ? rec.upstream.model : "";
  const parts = [
    el("div", { className: "capture-head" },
      el("h3", {}, rec.model || t("web.requests.none_answered")),
      el("span", { className: `outcome ${rec.outcome}` }, rec.outcome ? outcomeText(rec.outcome) : "")),
    kvList([
      ["web.kv.saved_call", rec.id],
      ["web.kv.time", isSet(rec.time) ? new Date(rec.time).toLocaleString([], { hour12: false }) : ""],
      ["web.chat.answered_by", rec.model || t("web.kv.none")],
      ["web.kv.requested_model", requested ? String(requested) : ""],
      ["web.kv.api", apiName(rec.api)],
      ["web.kv.stream", rec.stream ? t("web.kv.yes") : t("web.kv.no")],
      ["web.kv.duration", fmtMs(rec.duration_ms)],
    ], { "web.chat.answered_by": "capture-model" }),
  ];

  const who = [client.method, client.path].filter(Boolean).join(" ");
  const clientLine = [who, client.remote_addr ? t("web.requests.from", { Addr: client.remote_addr }) : "", client.user_agent ? `(${client.user_agent})` : ""].filter(Boolean).join(" ");
  const headers = client.headers && Object.keys(client.headers).length
    ? collapsed(t("web.requests.headers"), kvList(Object.entries(client.headers).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [{ text: k }, v])))
    : null;
  parts.push(section(t("web.requests.received"), "capture-request",
    clientLine ? el("p", { className: "sub" }, clientLine) : null, headers,
    rec.request !== undefined ? el("pre", {}, pretty(rec.request)) : el("p", { className: "empty" }, t("web.requests.no_body"))));

  if (rec.upstream !== undefined) {
    parts.push(section(t("web.requests.sent"), "capture-upstream",
      el("p", { className: "sub" }, t("web.requests.chosen"), el("code", { dataset: { testid: "capture-upstream-model" } }, chosen || "–"),
        attemptCount(rec) > 1 ? t("web.requests.last_of", { Count: attemptCount(rec) }) : ""),
      collapsed(t("web.requests.body_sent"), el("pre", {}, pretty(rec.upstream)))));
  }
  parts.push(section(t("web.requests.attempts", { Count: attemptCount(rec) }), "capture-attempts", ...renderAttempts(rec)));
  parts.push(section(t("web.requests.response"), "capture-response", ...renderResponse(rec)));
  parts.push(section(t("web.requests.timings"), "capture-timings", renderTimings(rec)));

  const rest = Object.fromEntries(Object.entries(rec).filter(([k]) => !CAPTURE_FIELDS.has(k)));
  if (Object.keys(rest).length) parts.push(section(t("web.requests.other"), "", el("pre", {}, pretty(rest))));
  parts.push(collapsed(t("web.requests.whole"), el("pre", {}, JSON.stringify(rec, null, 2))));
  return parts;
}

function attemptCount(rec) {
  return Array.isArray(rec.attempts) ? rec.attempts.length : 0;
}

async function openRequest(id) {
  state.selectedRequest = id;
  for (const b of document.querySelectorAll("#request-list button")) b.setAttribute("aria-current", String(b.dataset.id === id));
  const viewer = $("viewer");
  viewer.replaceChildren(el("p", { className: "empty" }, t("web.requests.loading")));
  let rec;
  try {
    rec = await api(`/requests/${encodeURIComponent(id)}`);
  } catch (err) {
    viewer.replaceChildren(el("p", { className: "banner error" }, t("web.requests.open_error", { ID: id, Error: err.message })));
    return;
  }
  // A newer click may have finished first; show only the latest choice.
  if (state.selectedRequest === id) viewer.replaceChildren(...renderCapture(rec));
}
