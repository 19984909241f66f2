// The Test chat tab: one streamed chat call through Freelane.

import { $, el, setText } from "./dom.js";
import { fmtMs } from "./format.js";
import { APIError } from "./api.js";
import { state } from "./state.js";
import { t } from "./i18n.js";

export let chatAbort = null;

export function fillChatModels() {
  const select = $("chat-model");
  const current = select.value;
  const opts = [el("option", { value: "auto" }, t("web.chat.auto"))];
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

export async function sendChat(event) {
  event.preventDefault();
  const maxTokens = Math.round(clampNumber($("chat-max-tokens"), 100, 4000, 1000) / 100) * 100;
  const temperature = clampNumber($("chat-temperature"), 0, 2, 0.7);
  $("chat-max-tokens").value = maxTokens;
  $("chat-temperature").value = temperature;
  const message = $("chat-message").value.trim();
  if (!message) { chatError(t("web.chat.empty")); return; }

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
      if (choice.finish_reason === "error") throw new APIError(t("web.chat.model_error"));
    }
  } catch (err) {
    if (err.name === "AbortError") chatError(t("web.chat.stopped"));
    else chatError(err instanceof APIError ? err.message : t("web.chat.failed", { Error: err.message }));
  } finally {
    setText("chat-total", fmtMs(performance.now() - started));
    $("chat-send").disabled = false;
    $("chat-stop").disabled = true;
    chatAbort = null;
  }
}
