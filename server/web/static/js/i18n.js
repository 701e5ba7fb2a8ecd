// Texts of the page in both languages, as the server embedded them (server/i18n/de.py, en.py).
// Elements carry their text key in `data-t` (and optional `data-t-vars`), so switching the
// language re-renders every text in place: no reload, the call keeps running.

const config = JSON.parse(document.getElementById("vt-config").textContent);
let lang = config.lang;
const listeners = [];

export const cfg = config;

export function currentLang() {
  return lang;
}

function locale() {
  return lang === "de" ? "de-DE" : "en-GB";
}

export function formatNumber(value, digits = 0) {
  return new Intl.NumberFormat(locale(), {maximumFractionDigits: digits,
    minimumFractionDigits: digits}).format(value);
}

export function formatTime(unixMs) {
  const options = {hour: "2-digit", minute: "2-digit"};
  if (config.zone) options.timeZone = config.zone;
  const time = new Intl.DateTimeFormat(locale(), options).format(new Date(unixMs));
  return lang === "de" ? `${time} Uhr` : time;
}

export function formatDay(unixMs) {
  const options = {weekday: "long", day: "numeric", month: "long"};
  if (config.zone) options.timeZone = config.zone;
  return new Intl.DateTimeFormat(locale(), options).format(new Date(unixMs));
}

function render(value) {
  if (value && typeof value === "object") {
    if ("time" in value) return formatTime(value.time);
    if ("number" in value) return formatNumber(value.number, value.digits || 0);
    if ("key" in value) return t(value.key, value.vars || {});
  }
  return String(value);
}

export function t(key, vars = {}) {
  const table = config.texts[lang] || {};
  const template = table[key];
  if (template === undefined) {
    console.warn("missing text", key);
    return key;
  }
  const known = {...(config.vars ? config.vars[lang] : {}), ...vars};
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in known ? render(known[name])
    : whole));
}

/** Show the text `key` in `el` now and after every language switch. */
export function setText(el, key, vars = null) {
  if (!el) return;
  el.dataset.t = key;
  if (vars) el.dataset.tVars = JSON.stringify(vars);
  else delete el.dataset.tVars;
  el.textContent = t(key, vars || {});
}

export function translate(root = document) {
  for (const el of root.querySelectorAll("[data-t]")) {
    const vars = el.dataset.tVars ? JSON.parse(el.dataset.tVars) : {};
    el.textContent = t(el.dataset.t, vars);
  }
  for (const el of root.querySelectorAll("[data-t-label]")) {
    el.setAttribute("aria-label", t(el.dataset.tLabel));
  }
  for (const el of root.querySelectorAll("[data-t-title]")) {
    el.setAttribute("title", t(el.dataset.tTitle));
  }
}

export function onLanguage(listener) {
  listeners.push(listener);
}

function other() {
  return lang === "de" ? "en" : "de";
}

function updateSwitch() {
  const link = document.getElementById("lang-switch");
  if (!link) return;
  const next = other();
  const url = new URL(location.href);
  url.searchParams.set("lang", next);
  link.href = url.pathname + url.search;
  link.hreflang = next;
  link.lang = next;
  link.textContent = config.texts[lang]["page.lang.switch"];
}

export function setLanguage(next) {
  if (!(next in config.texts)) return;
  lang = next;
  document.documentElement.lang = next;
  const url = new URL(location.href);
  url.searchParams.set("lang", next);
  history.replaceState(history.state, "", url.pathname + url.search + url.hash);
  translate();
  updateSwitch();
  if (config.titleKey) document.title = `${t(config.titleKey)} – ${config.organisation}`;
  for (const listener of listeners) listener(next);
}

/** The header's language link switches in place (it still works as a plain link). */
export function initLanguage() {
  const link = document.getElementById("lang-switch");
  if (link) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      setLanguage(other());
      link.focus();
    });
  }
  translate();
  updateSwitch();
  document.documentElement.dataset.started = "1";
}
