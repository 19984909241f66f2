// The dashboard's texts, from the same catalogs as the tray and the
// commands. The page follows the browser's languages until the person picks
// one with the switch, which is remembered in localStorage.

const STORE_KEY = "freelane.language";

let lang = "en";
let messages = {};
let plurals = new Intl.PluralRules("en");

function chosenLanguage() {
  try { return localStorage.getItem(STORE_KEY) || ""; } catch { return ""; }
}

// loadMessages asks the server for the catalog closest to the chosen or
// browser languages; the server does the matching (golang.org/x/text).
export async function loadMessages() {
  const chosen = chosenLanguage();
  const prefs = chosen ? [chosen] : [...(navigator.languages || []), navigator.language].filter(Boolean);
  const resp = await fetch(`/debug/i18n?prefer=${encodeURIComponent(prefs.join(","))}`,
    { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!resp.ok) throw new Error(`${resp.status} ${resp.statusText}`);
  const data = await resp.json();
  lang = data.language;
  messages = data.messages;
  plurals = new Intl.PluralRules(lang);
  return data;
}

export const language = () => lang;

// t returns the text of id with its {{.Name}} arguments filled from args;
// args.Count picks the plural form. A missing id comes back as itself.
export function t(id, args = {}) {
  let m = messages[id];
  if (m === undefined) return id;
  if (typeof m === "object") m = m[plurals.select(Number(args.Count))] ?? m.other;
  return m.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_, k) => (k in args ? String(args[k]) : ""));
}

// outcomeText names a call's outcome; one the catalog lacks shows as sent.
export function outcomeText(outcome) {
  const id = `web.outcome.${outcome}`;
  return id in messages ? t(id) : outcome;
}

// translatePage fills the page's fixed texts: data-i18n (text),
// data-i18n-label (aria-label) and data-i18n-value (a field's default).
export function translatePage() {
  document.documentElement.lang = lang;
  document.title = t("web.title");
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-label]")) node.setAttribute("aria-label", t(node.dataset.i18nLabel));
  for (const node of document.querySelectorAll("[data-i18n-value]")) {
    if (node.value === node.defaultValue) node.value = node.defaultValue = t(node.dataset.i18nValue);
  }
}

// fillLanguageSwitch lists the languages, each in its own words; picking
// one remembers it and reloads the page in it.
export function fillLanguageSwitch(select, languages) {
  select.replaceChildren(...languages.map((l) => {
    const option = document.createElement("option");
    option.value = l.tag;
    option.textContent = l.name;
    option.lang = l.tag;
    return option;
  }));
  select.value = lang;
  select.addEventListener("change", () => {
    try { localStorage.setItem(STORE_KEY, select.value); } catch { /* not remembered */ }
    location.reload();
  });
}
