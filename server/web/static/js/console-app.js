// The advisor console: sign in, today's and upcoming appointments, create / reschedule /
// cancel, and the consultation room (console-room.js).

import {api, ApiError, forgetSession} from "./api.js";
import {ConsoleRoom} from "./console-room.js";
import {inboundSummary} from "./media.js";
import {cfg, formatDay, initLanguage, onLanguage, setText, t, translate} from "./i18n.js";
import {$, showStep, syncList, tabMemory} from "./ui.js";

const DAY = new Intl.DateTimeFormat("en-CA", {timeZone: cfg.zone, year: "numeric",
  month: "2-digit", day: "2-digit"});
const CLOCK = new Intl.DateTimeFormat("en-GB", {timeZone: cfg.zone, hour: "2-digit",
  minute: "2-digit", hourCycle: "h23"});
const dayKey = (ms) => DAY.format(new Date(ms));
const clock = (ms) => CLOCK.format(new Date(ms));

function field(form, name) {
  return form.elements.namedItem(name);
}

class ConsoleApp {
  constructor() {
    this.advisor = null;
    this.appointments = [];
    this.memory = tabMemory("vt.console");
    this.room = new ConsoleRoom({memory: this.memory, onClose: () => this.closeRoom()});
    window.videotermin = this;
  }

  /** What arrives from the citizen (per m-line), e.g. for the browser tests. */
  stats() {
    return inboundSummary(this.room.room && this.room.room.subscriber);
  }

  async start() {
    initLanguage();
    onLanguage(() => this.renderLists());
    $("login-form").addEventListener("submit", (event) => this.login(event));
    $("logout").addEventListener("click", () => this.logout());
    $("create-form").addEventListener("submit", (event) => this.create(event));
    for (const list of [$("today-list"), $("upcoming-list")]) {
      list.addEventListener("click", (event) => this.listAction(event));
      list.addEventListener("submit", (event) => this.rescheduleSubmit(event));
    }
    this.prefill();
    try {
      const session = await api("GET", "/api/session");
      this.signedIn(session.advisor);
    } catch (error) {
      this.showLogin();
    }
  }

  showLogin() {
    showStep("login", {focus: false});
    $("login-user").focus();
  }

  async login(event) {
    event.preventDefault();
    const form = event.target;
    setText($("login-error"), "web.console.login.busy");
    try {
      const session = await api("POST", "/api/session", {
        username: field(form, "username").value, password: field(form, "password").value});
      field(form, "password").value = "";
      $("login-error").textContent = "";
      this.signedIn(session.advisor);
    } catch (error) {
      const throttled = error instanceof ApiError && error.status === 429;
      setText($("login-error"), throttled ? "web.console.login.throttled"
        : "web.console.login.failed");
      field(form, "password").focus();
    }
  }

  async logout() {
    await this.room.close({quiet: true});
    try {
      await api("DELETE", "/api/session");
    } catch (e) { /* gone already */ }
    forgetSession();
    this.advisor = null;
    this.memory.clear();
    this.showLogin();
  }

  async signedIn(advisor) {
    this.advisor = advisor;
    if (!this.refresher) {  // e-mail delivery states change in the background
      this.refresher = setInterval(() => {
        if (this.advisor && document.body.dataset.currentStep === "list") this.load();
      }, 20000);
    }
    setText($("whoami"), "web.console.whoami", {name: advisor.display_name});
    showStep("list");
    await this.load();
    const open = this.memory.load().room;
    const appointment = this.appointments.find((a) => a.id === open);
    if (appointment) this.openRoom(appointment);  // a reload while in the room: back in
  }

  async load() {
    try {
      const data = await api("GET", "/api/appointments");
      this.appointments = data.appointments;
      this.renderLists();
    } catch (error) {
      if (error.status === 401) this.showLogin();
      else setText($("list-status"), "web.console.load_failed");
    }
  }

  // -- lists -------------------------------------------------------------------------------

  renderLists() {
    if (!this.advisor) return;
    const now = Date.now();
    const today = dayKey(now);
    const live = this.appointments
      .filter((a) => Date.parse(a.end) > now)
      .sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
    const todays = live.filter((a) => dayKey(Date.parse(a.start)) === today);
    const later = live.filter((a) => dayKey(Date.parse(a.start)) !== today);
    this.fill($("today-list"), $("today-empty"), todays, false);
    this.fill($("upcoming-list"), $("upcoming-empty"), later, true);
  }

  /** Keyed update: an open reschedule form or cancel question survives the refresh. */
  fill(list, empty, appointments, withDay) {
    const items = appointments.map((a) => ({id: String(a.id), a}));
    syncList(list, items, (item) => this.item(item.a), (li, item) => this.show(li, item.a,
      withDay));
    empty.hidden = appointments.length > 0;
  }

  item(a) {
    const li = $("appointment-template").content.firstElementChild.cloneNode(true);
    translate(li);
    const summary = li.querySelector(".appt-main");
    summary.id = `appt-${a.id}`;
    for (const button of li.querySelectorAll("button[data-action]")) {
      button.setAttribute("aria-describedby", summary.id);
    }
    for (const input of li.querySelectorAll("form.reschedule input, form.reschedule select")) {
      input.id = `${input.name}-${a.id}`;
      input.previousElementSibling.htmlFor = input.id;
    }
    return li;
  }

  show(li, a, withDay) {
    const start = Date.parse(a.start);
    const end = Date.parse(a.end);
    li.dataset.state = a.state;
    const when = t("web.console.time_range", {start: clock(start), end: clock(end)});
    li.querySelector(".appt-time").textContent = withDay ? `${formatDay(start)}, ${when}` : when;
    li.querySelector(".appt-topic").textContent = a.topic;
    li.querySelector(".appt-client").textContent = a.client_name;
    const mail = li.querySelector(".appt-mail");
    if (a.state === "cancelled") setText(mail, "web.console.state.cancelled");
    else setText(mail, `web.console.mail.${a.mail ? a.mail.state : "pending"}`);
    for (const part of li.querySelectorAll(".appt-actions button, .confirm-cancel")) {
      if (a.state === "cancelled") part.hidden = true;
    }
    const form = li.querySelector("form.reschedule");
    if (!form.hidden) return;  // being edited: leave the advisor's input alone
    field(form, "date").value = dayKey(start);
    field(form, "time").value = clock(start);
    const duration = field(form, "duration");
    if (![...duration.options].some((o) => o.value === String(a.duration_minutes))) {
      duration.add(new Option(String(a.duration_minutes), String(a.duration_minutes)));
    }
    duration.value = String(a.duration_minutes);
  }

  listAction(event) {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const li = button.closest("li");
    const appointment = this.appointments.find((a) => String(a.id) === li.dataset.id);
    if (!appointment) return;
    const action = button.dataset.action;
    if (action === "open") this.openRoom(appointment);
    else if (action === "reschedule") this.toggle(li, "form.reschedule", true);
    else if (action === "reschedule-abort") this.toggle(li, "form.reschedule", false);
    else if (action === "cancel") this.toggle(li, ".confirm-cancel", true);
    else if (action === "cancel-abort") this.toggle(li, ".confirm-cancel", false);
    else if (action === "cancel-confirm") this.cancel(appointment);
  }

  toggle(li, selector, open) {
    const part = li.querySelector(selector);
    part.hidden = !open;
    if (open) part.querySelector("input, button").focus();
    else li.querySelector("button[data-action]").focus();
  }

  async cancel(appointment) {
    try {
      await api("POST", `/api/appointments/${appointment.id}/cancel`);
      setText($("list-status"), "web.console.cancelled", {topic: appointment.topic});
    } catch (error) {
      setText($("list-status"), "web.console.change_failed");
    }
    await this.load();
    $("list-status").focus();
  }

  async rescheduleSubmit(event) {
    event.preventDefault();
    const form = event.target;
    const li = form.closest("li");
    const body = {start: `${field(form, "date").value}T${field(form, "time").value}`,
      duration_minutes: Number(field(form, "duration").value)};
    try {
      const changed = await api("PATCH", `/api/appointments/${li.dataset.id}`, body);
      form.hidden = true;
      setText($("list-status"), "web.console.rescheduled", {topic: changed.topic});
      await this.load();
      $("list-status").focus();
    } catch (error) {
      const problem = form.querySelector(".field-error");
      setText(problem, error.status === 422 ? "web.console.error.start"
        : "web.console.change_failed");
      problem.hidden = false;
    }
  }

  // -- creating ------------------------------------------------------------------------------

  prefill() {
    const form = $("create-form");
    const soon = Math.ceil((Date.now() + 10 * 60000) / 900000) * 900000;
    field(form, "date").value = dayKey(soon);
    field(form, "time").value = clock(soon);
    field(form, "language").value = cfg.lang;
  }

  async create(event) {
    event.preventDefault();
    const form = event.target;
    for (const error of form.querySelectorAll(".field-error")) error.hidden = true;
    for (const input of form.querySelectorAll("[aria-invalid]")) {
      input.removeAttribute("aria-invalid");
    }
    const body = {
      topic: field(form, "topic").value.trim(),
      start: `${field(form, "date").value}T${field(form, "time").value}`,
      duration_minutes: Number(field(form, "duration_minutes").value),
      client_name: field(form, "client_name").value.trim(),
      client_email: field(form, "client_email").value.trim(),
      language: field(form, "language").value,
    };
    setText($("create-status"), "web.console.creating");
    try {
      await api("POST", "/api/appointments", body);
      setText($("create-status"), "web.console.created", {email: body.client_email});
      form.reset();
      this.prefill();
      await this.load();
    } catch (error) {
      if (error.status === 422 && error.body.errors) this.fieldErrors(form, error.body.errors);
      else setText($("create-status"), "web.console.change_failed");
    }
  }

  fieldErrors(form, errors) {
    setText($("create-status"), "web.console.check_fields");
    let first = null;
    for (const name of Object.keys(errors)) {
      const input = field(form, name === "start" ? "date" : name);
      const message = $(`error-${name}`);
      if (!input || !message) continue;
      input.setAttribute("aria-invalid", "true");
      setText(message, `web.console.error.${name}`);
      message.hidden = false;
      first = first || input;
    }
    if (first) first.focus();
  }

  // -- the room --------------------------------------------------------------------------------

  openRoom(appointment) {
    this.memory.save({room: appointment.id});
    const start = Date.parse(appointment.start);
    setText($("room-title"), "web.console.room.title", {topic: appointment.topic,
      name: appointment.client_name, time: {time: start}});
    showStep("room");
    this.room.open(appointment);
  }

  async closeRoom() {
    this.memory.save({room: null});
    showStep("list");
    await this.load();
  }
}

if (!window.vtUnsupported) new ConsoleApp().start();
