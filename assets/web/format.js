// Formatting of numbers, durations, sizes and times for the dashboard.

import { t } from "./i18n.js";


const nf = new Intl.NumberFormat();
export const fmtInt = (n) => (typeof n === "number" ? nf.format(n) : "–");

export function fmtMs(ms) {
  if (typeof ms !== "number" || ms <= 0) return "–";
  if (ms < 1000) return t("web.unit.ms", { N: Math.round(ms) });
  return t("web.unit.s", { N: (ms / 1000).toFixed(ms < 10000 ? 2 : 1) });
}

export function fmtDuration(seconds) {
  seconds = Math.max(0, Math.floor(seconds));
  const d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  if (d > 0) return t("web.dur.dh", { D: d, H: h });
  if (h > 0) return t("web.dur.hm", { H: h, M: String(m).padStart(2, "0") });
  if (m > 0) return t("web.dur.ms", { M: m, S: String(s).padStart(2, "0") });
  return t("web.dur.s", { S: s });
}

export function fmtBytes(n) {
  if (typeof n !== "number") return "–";
  const units = ["B", "KB", "MB", "GB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i === 0 || n >= 100 ? 0 : 1)} ${units[i]}`;
}

export const isSet = (time) => typeof time === "string" && time !== "" && !time.startsWith("0001-01-01");

// fmtAgo is coarse on purpose: seconds only in the first minute.
export function fmtAgo(time) {
  if (!isSet(time)) return t("web.ago.never");
  const s = (Date.now() - Date.parse(time)) / 1000;
  if (s < 5) return t("web.ago.now");
  if (s < 60) return t("web.ago.s", { N: Math.floor(s) });
  if (s < 3600) return t("web.ago.m", { N: Math.floor(s / 60) });
  return t("web.ago.long", { Duration: fmtDuration(s - (s % 60)) });
}

export function fmtClock(time) {
  if (!isSet(time)) return "–";
  return new Date(time).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
}

export const fmtPercent = (r) => (typeof r === "number" ? `${Math.round(r * 100)}%` : "–");

// apiName names the wire API a call came in on.
export function apiName(api) {
  switch (api || "chat") {
    case "chat": return t("web.api.chat");
    case "anthropic": return t("web.api.anthropic");
    case "responses": return t("web.api.responses");
  }
  return api;
}
