// Small page helpers shared by the citizen's pages and the advisor console.

import {setText} from "./i18n.js";

export const $ = (id) => document.getElementById(id);

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Show the section `data-step="name"`, hide its siblings, mark the step list and move the
 * focus to the new heading so screen readers announce where we are. */
export function showStep(name, {focus = true} = {}) {
  let heading = null;
  for (const section of document.querySelectorAll("[data-step]")) {
    const active = section.dataset.step === name;
    if (section.hidden === active) section.hidden = !active;
    if (active) heading = section.querySelector("h1, h2");
  }
  for (const item of document.querySelectorAll("[data-step-marker]")) {
    if (item.dataset.stepMarker === name) item.setAttribute("aria-current", "step");
    else item.removeAttribute("aria-current");
  }
  document.body.dataset.currentStep = name;
  if (focus && heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({preventScroll: false});
  }
}

/** A status line with an optional spinner: `busy` shows that something is going on. */
export function status(id, key, vars = null, busy = false) {
  const root = $(id);
  if (!root) return;
  setText(root.querySelector(".status-text") || root, key, vars);
  const spinner = root.querySelector(".spinner");
  if (spinner) spinner.hidden = !busy;
  root.dataset.busy = busy ? "yes" : "no";
}

/** Per-tab memory that survives a reload (sessionStorage), never other tabs or visits. */
export function tabMemory(key) {
  const read = () => {
    try {
      return JSON.parse(sessionStorage.getItem(key) || "{}");
    } catch (e) {
      return {};
    }
  };
  return {
    load: read,
    save(values) {
      try {
        sessionStorage.setItem(key, JSON.stringify({...read(), ...values}));
      } catch (e) { /* storage unavailable: a reload then starts over */ }
    },
    clear() {
      try {
        sessionStorage.removeItem(key);
      } catch (e) { /* nothing to clear */ }
    },
  };
}

/** Turn a button's label (and its pressed state) into one of two texts. */
export function toggleLabel(button, on, keyOn, keyOff) {
  button.dataset.on = on ? "yes" : "no";
  setText(button.querySelector(".label") || button, on ? keyOn : keyOff);
}

/** Make `list` show one child per item, in order, reusing the children it already has (by
 * `data-id`): a live update must not take the keyboard focus away from a button. */
export function syncList(list, items, create, fill) {
  const current = new Map([...list.children].map((child) => [child.dataset.id, child]));
  const wanted = new Set(items.map((item) => item.id));
  for (const [id, child] of current) if (!wanted.has(id)) child.remove();
  items.forEach((item, index) => {
    let child = current.get(item.id);
    if (!child) {
      child = create(item);
      child.dataset.id = item.id;
    }
    fill(child, item);
    if (list.children[index] !== child) list.insertBefore(child, list.children[index] || null);
  });
}
