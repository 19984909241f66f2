// Formatting of numbers, durations, sizes and times for the dashboard.

const nf = new Intl.NumberFormat();
export const fmtInt = (n) => (typeof n === "number" ? nf.format(n) : "–");

export function fmtMs(ms) {
  if (typeof ms !== "number" || ms <= 0) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

export function fmtDuration(seconds) {
  seconds = Math.max(0, Math.floor(seconds));
  const d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, "0")}s`;
  return `${s}s`;
}

export function fmtBytes(n) {
  if (typeof n !== "number") return "–";
  const units = ["B", "KB", "MB", "GB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i === 0 || n >= 100 ? 0 : 1)} ${units[i]}`;
}

export const isSet = (t) => typeof t === "string" && t !== "" && !t.startsWith("0001-01-01");

// fmtAgo is coarse on purpose: seconds only in the first minute.
export function fmtAgo(t) {
  if (!isSet(t)) return "never";
  const s = (Date.now() - Date.parse(t)) / 1000;
  if (s < 5) return "just now";
  if (s < 60) return `${Math.floor(s)}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  return `${fmtDuration(s - (s % 60))} ago`;
}

export function fmtClock(t) {
  if (!isSet(t)) return "–";
  return new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
}

export const fmtPercent = (r) => (typeof r === "number" ? `${Math.round(r * 100)}%` : "–");
