// The dashboard's calls to its own JSON API under /debug.

import { $ } from "./dom.js";
import { t } from "./i18n.js";

export const API = "/debug";

export class APIError extends Error {}

export async function api(path, options = {}) {
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
  if (data === null) throw new APIError(t("web.error.not_json", { Path: path }));
  return data;
}

export function showLoadError(err) {
  const box = $("load-error");
  if (err) {
    box.textContent = t("web.error.load", { Error: err.message });
    box.hidden = false;
  } else {
    box.hidden = true;
  }
}
