// The Requests tab: saved calls (debug mode) and the viewer for one call.

import { $, el, setText } from "./dom.js";
import { fmtInt, fmtMs, fmtBytes, isSet } from "./format.js";
import { api } from "./api.js";
import { state } from "./state.js";
import { renderDebug } from "./overview.js";

export async function loadRequests() {
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
      el("span", { className: "when end" }, `${r.attempts} ${r.attempts === 1 ? "try" : "tries"}${r.stream ? " · stream" : ""}`));
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
const CAPTURE_FIELDS = new Set(["id", "time", "duration_ms", "outcome", "model", "client", "request", "upstream", "stream", "attempts", "response"]);

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
