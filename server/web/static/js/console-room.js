// The advisor's consultation room: the live waiting list with device-check summaries, admit /
// deny with a message / remove, the call with screen sharing, leaving and ending.

import {CallView} from "./call-view.js";
import {MediaControls} from "./controls.js";
import {formatNumber, onLanguage, setText, t, translate} from "./i18n.js";
import {openDevices} from "./media.js";
import {RoomConnection} from "./room.js";
import {$, status, syncList, tabMemory, toggleLabel} from "./ui.js";

/** One person's list item from its template: ids that tie each button and the message box to
 * the person's name for screen readers. */
function personItem(template, id, action) {
  const li = $(template).content.firstElementChild.cloneNode(true);
  translate(li);
  li.querySelector(".who").id = `who-${id}`;
  for (const button of li.querySelectorAll("button")) {
    button.setAttribute("aria-describedby", `who-${id}`);
  }
  const textarea = li.querySelector("textarea");
  textarea.id = `${action}-${id}`;
  li.querySelector("label").htmlFor = textarea.id;
  return li;
}

export class ConsoleRoom {
  constructor({memory, onClose}) {
    this.memory = memory;
    this.onClose = onClose;
    this.room = null;
    this.stream = null;
    this.entries = [];
    this.people = new Map();
    this.hadClient = false;
    this.sharing = false;
    this.view = new CallView({names: (id) => (this.people.get(id) || {}).display_name,
      emptyKey: "web.console.room.no_video"});
    this.controls = new MediaControls({view: this.view, memory});
    $("waiting-list").addEventListener("click", (event) => this.action(event));
    $("waiting-list").addEventListener("submit", (event) => this.formAction(event));
    $("in-call-list").addEventListener("click", (event) => this.action(event));
    $("in-call-list").addEventListener("submit", (event) => this.formAction(event));
    $("btn-screen").addEventListener("click", () => this.toggleScreen());
    $("btn-leave").addEventListener("click", () => this.close());
    $("btn-end").addEventListener("click", () => this.end());
    $("room-back").addEventListener("click", () => this.close());
    $("room-ended-back").addEventListener("click", () => this.close());
    this.appointment = null;
    onLanguage(() => this.render());
  }

  async open(appointment) {
    this.appointment = appointment;
    this.entries = [];
    this.people = new Map();
    this.hadClient = false;
    this.talkingWith = "";
    this.weakFor = new Set();  // our published m-lines the citizen does not get (weak link)
    this.known = new Set();
    $("room-ended").hidden = true;
    $("room-live").hidden = false;
    this.render();
    status("room-status", "web.console.room.devices", null, true);
    const {stream} = await openDevices();
    this.stream = stream;
    const hasCamera = stream.getVideoTracks().length > 0;
    status("room-status", "web.console.room.connecting", null, true);
    this.room = new RoomConnection({
      join: {role: "advisor", appointment_id: appointment.id},
      memory: tabMemory(`vt.room.${appointment.id}`), stream, video: hasCamera, on: {
        joined: () => this.joined(),
        message: (m) => this.message(m),
        tracks: () => this.view.update(),
        pause: (mid, paused) => this.view.setPaused(mid, paused),
        partnerPause: (mid, paused) => this.partnerPaused(mid, paused),
        media: () => {},
        reconnecting: (on) => this.reconnecting(on),
        closed: (reason) => this.closed(reason),
      }});
    this.controls.attach({stream, room: this.room, cameraOn: hasCamera, cameraId: null});
    this.view.setSelf(stream);
    try {
      await this.room.open();
    } catch (error) {
      status("room-status", "web.console.room.join_failed", {code: error.code || "?"});
    }
  }

  joined() {
    this.roomStatus();
    this.view.attach(this.room.subscriber, this.room.publisher);
    this.setSharing(false);
  }

  message(m) {
    if (m.type === "waiting-list") {
      const fresh = m.entries.filter((e) => !this.known.has(e.id));
      for (const entry of m.entries) this.known.add(entry.id);
      this.entries = m.entries;
      this.render();
      if (fresh.length) {
        setText($("waiting-announce"), "web.console.room.arrived",
          {name: fresh.map((e) => e.display_name).join(", ")});
      }
    } else if (m.type === "participants") {
      this.people = new Map(m.participants.map((p) => [p.id, p]));
      const clients = m.participants.filter((p) => p.role === "client");
      const names = clients.map((p) => p.display_name).join(", ");
      const changed = names !== this.talkingWith;
      this.talkingWith = names;
      if (changed) this.roomStatus();
      if (clients.length) this.hadClient = true;
      else if (this.hadClient) this.clientLeft();
      this.render();
      this.view.update();
    } else if (m.type === "error") {
      status("room-status", "web.console.room.error", {code: m.code});
    }
  }

  clientLeft() {
    this.hadClient = false;
    if (this.sharing) this.toggleScreen();  // nobody to show it to any more
    $("room-ended").hidden = false;
    setText($("room-ended-text"), "web.console.room.client_left");
    $("room-ended-back").focus();
  }

  render() {
    this.renderWaiting();
    this.renderInCall();
  }

  renderWaiting() {
    syncList($("waiting-list"), this.entries, (entry) => this.waitingItem(entry),
      (li, entry) => this.fillWaiting(li, entry));
    $("waiting-empty").hidden = this.entries.length > 0;
    setText($("waiting-count"), "web.console.room.waiting_count", {count: this.entries.length});
  }

  waitingItem(entry) {
    return personItem("waiting-template", entry.id, "deny");
  }

  fillWaiting(li, entry) {
    li.querySelector(".who").textContent = entry.display_name;
    setText(li.querySelector(".since"), entry.connected ? "web.console.room.since"
      : "web.console.room.since_away", {time: {time: entry.waiting_since * 1000}});
    li.querySelector(".dc-summary").textContent = this.describe(entry.device_check);
    li.dataset.verdict = entry.device_check ? entry.device_check.verdict : "none";
  }

  describe(check) {
    if (!check) return t("web.console.dc.none");
    const yes = (ok) => t(ok ? "web.console.dc.yes" : "web.console.dc.no");
    const parts = [t("web.console.dc.devices", {camera: yes(check.camera),
      microphone: yes(check.microphone)}), t(`web.console.dc.verdict.${check.verdict}`)];
    if (check.rtt_ms !== null && check.rtt_ms !== undefined) {
      parts.push(t("web.console.dc.measured", {
        rtt: formatNumber(check.rtt_ms), loss: formatNumber(check.loss_percent || 0, 1),
        rate: formatNumber(check.bitrate_kbps || 0)}));
    }
    return parts.join(" · ");
  }

  renderInCall() {
    const clients = [...this.people.values()].filter((p) => p.role === "client");
    syncList($("in-call-list"), clients, (person) => personItem("in-call-template", person.id,
      "remove"), (li, person) => {
      li.querySelector(".who").textContent = person.display_name;
      setText(li.querySelector(".since"), person.online ? "web.console.room.online"
        : "web.console.room.offline");
    });
    $("in-call-empty").hidden = clients.length > 0;
    $("btn-end").disabled = clients.length === 0;
  }

  action(event) {
    const button = event.target.closest("button[data-action]");
    if (!button || !this.room) return;
    const li = button.closest("li");
    const id = li.dataset.id;
    const action = button.dataset.action;
    if (action === "admit") {
      this.room.signal.send("admit", {participant: id});
      status("room-status", "web.console.room.admitting", {name: li.querySelector(".who")
        .textContent}, true);
    } else if (action === "deny" || action === "remove") {
      const form = li.querySelector("form");
      form.hidden = false;
      form.querySelector("textarea").focus();
    } else if (action === "abort") {
      li.querySelector("form").hidden = true;
      li.querySelector("button[data-action]").focus();
    }
  }

  formAction(event) {
    event.preventDefault();
    const li = event.target.closest("li");
    const message = event.target.querySelector("textarea").value.trim();
    const type = event.target.dataset.action;  // "deny" or "remove"
    this.room.signal.send(type, {participant: li.dataset.id, message: message || null});
    status("room-status", `web.console.room.${type === "deny" ? "denied" : "removed"}`,
      {name: li.querySelector(".who").textContent});
  }

  async toggleScreen() {
    if (!this.room || !this.room.publisher || !this.room.publisher.pc) return;
    if (this.sharing) {
      await this.room.publisher.stopScreen();
      this.setSharing(false);
      return;
    }
    let track;
    try {
      const capture = await navigator.mediaDevices.getDisplayMedia({video: {frameRate: 5}});
      track = capture.getVideoTracks()[0];
    } catch (error) {
      status("room-status", "web.console.room.share_refused");
      return;
    }
    track.addEventListener("ended", () => {
      if (this.sharing) this.room.publisher.stopScreen().then(() => this.setSharing(false));
    });
    this.setSharing(true);
    await this.room.publisher.startScreen(track);
  }

  setSharing(on) {
    const changed = this.sharing !== on;
    this.sharing = on;
    toggleLabel($("btn-screen"), on, "web.console.share_stop", "web.console.share_start");
    if (on || changed) this.roomStatus();
  }

  /** The citizen's downlink cannot carry one of our videos: say so, so the advisor does not
   * point at a document the citizen cannot see (the sound goes on). */
  partnerPaused(mid, paused) {
    if (paused) this.weakFor.add(mid);
    else this.weakFor.delete(mid);
    this.roomStatus();
  }

  /** The standing sentence: with whom we are talking, or that the room is open. */
  roomStatus() {
    if (this.talkingWith && this.weakFor.size) {
      status("room-status", "web.console.room.partner_weak", {name: this.talkingWith});
    } else if (this.sharing) {
      status("room-status", "web.console.room.sharing");
    } else if (this.talkingWith) {
      status("room-status", "web.console.room.talking", {name: this.talkingWith});
    } else {
      status("room-status", "web.console.room.open");
    }
  }

  reconnecting(on) {
    $("reconnecting").hidden = !on;
    if (on) status("reconnecting", "web.reconnecting", null, true);
    else if (this.room && !this.room.finished) this.roomStatus();
  }

  closed(reason) {
    if (reason === "replaced") status("room-status", "web.console.room.replaced");
    this.stopMedia();
  }

  stopMedia() {
    this.view.detach();
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.sharing = false;
  }

  /** End the consultation: everyone admitted is removed, then the advisor leaves. */
  async end() {
    if (!this.room) return;
    for (const person of this.people.values()) {
      if (person.role === "client") this.room.signal.send("remove", {participant: person.id});
    }
    await this.room.leave();
    this.room = null;
    this.stopMedia();
    $("room-live").hidden = true;
    $("room-ended").hidden = false;
    setText($("room-ended-text"), "web.console.room.ended");
    $("room-ended-back").focus();
  }

  /** Leave the room (admitted citizens go back to the waiting room) and show the list. */
  async close({quiet = false} = {}) {
    const wasOpen = !!this.appointment;
    this.appointment = null;
    if (this.room) {
      const room = this.room;
      this.room = null;
      await room.leave();
    }
    this.stopMedia();
    if (wasOpen && !quiet) this.onClose();
  }
}
