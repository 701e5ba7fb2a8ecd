// The citizen's page behind the access link, after consent: device check → waiting room →
// consultation → end. One page, so camera permission and the connection survive each step; a
// reload takes back the place (resume secret in this tab's sessionStorage).

import {CallView} from "./call-view.js";
import {MediaControls} from "./controls.js";
import {DeviceCheck} from "./devicecheck.js";
import {cfg, initLanguage, setText} from "./i18n.js";
import {inboundSummary, openDevices} from "./media.js";
import {FATAL, RoomConnection} from "./room.js";
import {$, showStep, status, tabMemory} from "./ui.js";

const END_KINDS = {
  "left": "left", "ended": "ended", "denied": "denied", "removed": "removed",
  "replaced": "replaced", "consent-withdrawn": "withdrawn", "access-over": "over",
  "access-cancelled": "cancelled", "access-denied": "invalid", "consent-required": "invalid",
  "access-too-early": "early", "room-full": "full",
};

class CitizenApp {
  constructor() {
    this.memory = tabMemory(`vt.visit.${cfg.visit}`);
    this.room = null;
    this.stream = null;
    this.summary = null;
    this.admitted = false;
    this.advisor = null;
    this.people = new Map();
    this.endNote = null;
    this.view = new CallView({names: (id) => (this.people.get(id) || {}).display_name});
    this.controls = new MediaControls({view: this.view, memory: this.memory});
    window.videotermin = this;  // for the browser tests and the curious: read-only use
  }

  /** What arrives from the advisor (per m-line), e.g. for the browser tests. */
  stats() {
    return inboundSummary(this.room && this.room.subscriber);
  }

  start() {
    initLanguage();
    $("check-continue").addEventListener("click", () => this.leaveCheck());
    $("dc-retest").addEventListener("click", () => this.check && this.check.retest());
    $("waiting-leave").addEventListener("click", () => this.leave());
    $("btn-leave").addEventListener("click", () => this.leave());
    $("end-rejoin").addEventListener("click", () => this.rejoin());
    const saved = this.memory.load();
    if (saved.ended) {
      this.showEnd(saved.ended, saved.message || null, false);
    } else if (saved.summary && saved.stage) {
      this.summary = saved.summary;
      this.resumeVisit(saved);
    } else {
      this.deviceCheck();
    }
  }

  // -- step 1: the device check ----------------------------------------------------------

  deviceCheck() {
    showStep("check", {focus: false});
    $("check-continue").disabled = true;
    setText($("check-continue-hint"), "web.check.continue.wait");
    this.check = new DeviceCheck({accessToken: cfg.token,
      onDone: (result) => this.checked(result)});
    this.check.run();
  }

  checked(result) {
    $("check-continue").disabled = false;
    const verdict = result ? result.verdict : "unknown";
    setText($("check-continue-hint"), verdict === "good" ? "web.check.continue.good"
      : "web.check.continue.other");
  }

  leaveCheck() {
    this.summary = this.check.summary();
    this.stream = this.check.stream;
    this.check.dispose();
    const camera = this.summary.camera;
    const verdict = this.summary.verdict;
    const cameraOn = camera && (verdict === "good" || verdict === "unknown");
    if (!cameraOn) {
      for (const track of this.stream.getVideoTracks()) {
        track.stop();
        this.stream.removeTrack(track);
      }
    }
    this.memory.save({summary: this.summary, stage: "waiting", camera, cameraOn,
      cameraId: this.check.deviceIds.camera, microphoneId: this.check.deviceIds.microphone,
      speakerId: this.check.deviceIds.speaker});
    this.enter();
  }

  async resumeVisit(saved) {
    const {stream} = await openDevices({cameraId: saved.cameraId || null,
      microphoneId: saved.microphoneId || null, camera: !!saved.cameraOn});
    this.stream = stream;
    this.enter();
  }

  // -- step 2 and 3: waiting room and consultation --------------------------------------

  async enter() {
    const saved = this.memory.load();
    this.view.sinkId = saved.speakerId || null;
    if (saved.stage === "call") {
      showStep("call", {focus: false});
      status("call-status", "web.call.resuming", null, true);
    } else {
      showStep("waiting");
      status("waiting-status", "web.waiting.connecting", null, true);
    }
    this.view.setSelf(this.stream);
    this.room = new RoomConnection({
      join: {role: "client", access_token: cfg.token}, memory: this.memory,
      stream: this.stream, video: !!saved.camera, on: {
        joined: (joined) => this.joined(joined),
        message: (m) => this.message(m),
        tracks: () => this.view.update(),
        pause: (mid, paused) => this.view.setPaused(mid, paused),
        media: (which, state) => this.mediaState(which, state),
        reconnecting: (on) => this.reconnecting(on),
        closed: (reason) => this.closed(reason),
      }});
    this.controls.attach({stream: this.stream, room: this.room, cameraOn: !!saved.cameraOn,
      cameraId: saved.cameraId || null});
    try {
      await this.room.open();
    } catch (error) {
      if (FATAL.has(error.code)) this.closed(error.code);
      else this.room.reconnect();  // the server or network is not there yet: keep trying
    }
  }

  joined(joined) {
    this.room.signal.send("device-check", this.summary || {camera: false, microphone: false,
      verdict: "unknown"});
    if (joined.resumed) status("call-status", "web.call.resuming", null, true);
  }

  message(m) {
    if (m.type === "waiting") this.waiting(m.notice);
    else if (m.type === "admitted") this.enterCall(m.participants);
    else if (m.type === "participants") this.participants(m.participants);
    else if (m.type === "denied") this.endNote = {kind: "denied", message: m.message};
    else if (m.type === "removed") {
      this.endNote = {kind: this.admitted ? "ended" : "removed", message: m.message};
    } else if (m.type === "error") console.warn("signalling error", m.code, m.message);
  }

  waiting(notice) {
    const wasAdmitted = this.admitted;
    this.admitted = false;
    this.view.detach();
    this.memory.save({stage: "waiting"});
    showStep("waiting", {focus: wasAdmitted});
    status("waiting-status", "web.waiting.told", null, true);
    const box = $("waiting-notice");
    box.hidden = !notice && !wasAdmitted;
    if (notice === "resume-expired") setText(box, "web.waiting.resume_expired");
    else if (notice === "advisor-left" || wasAdmitted) setText(box, "web.waiting.advisor_left");
  }

  enterCall(participants) {
    this.admitted = true;
    this.memory.save({stage: "call"});
    this.participants(participants);
    showStep("call");
    status("call-status", "web.call.starting", null, true);
    this.view.attach(this.room.subscriber, this.room.publisher);
    this.view.setSelf(this.stream);
    this.controls.render();
  }

  participants(list) {
    this.people = new Map(list.map((p) => [p.id, p]));
    const advisor = list.find((p) => p.role === "advisor");
    this.advisor = advisor || null;
    if (!this.admitted) return;
    if (advisor && !advisor.online) status("call-status", "web.call.advisor_away", null, true);
    else if (advisor) status("call-status", "web.call.with", {name: advisor.display_name});
    this.view.update();
  }

  mediaState(which, state) {
    if (!this.admitted || which !== "subscribe") return;
    if (state === "connected" && this.advisor) {
      status("call-status", "web.call.with", {name: this.advisor.display_name});
    } else if (state === "disconnected" || state === "failed") {
      status("call-status", "web.call.media_trouble", null, true);
    }
  }

  reconnecting(on) {
    $("reconnecting").hidden = !on;
    if (on) {
      status("reconnecting", "web.reconnecting", null, true);
      if (!this.admitted) status("waiting-status", "web.reconnecting", null, true);
    }
  }

  // -- step 4: the end --------------------------------------------------------------------

  async leave() {
    this.endNote = {kind: "left", message: null};
    if (this.room) await this.room.leave();
    else this.closed("left");
  }

  closed(reason) {
    let note = {kind: END_KINDS[reason] || "failed", message: null};
    if (this.endNote && ["left", "denied", "removed"].includes(reason)) note = this.endNote;
    this.showEnd(note.kind, note.message, true);
  }

  showEnd(kind, message, fresh) {
    if (this.room) this.room.finish();
    this.view.detach();
    this.view.setSelf(null);
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.memory.save({ended: kind, message, resume: null});
    showStep("end", {focus: fresh});
    setText($("end-title"), `web.end.${kind}.title`);
    setText($("end-text"), `web.end.${kind}.text`);
    const note = $("end-message");
    note.hidden = !message;
    if (message) setText(note, "web.end.message", {message});
    $("end-rejoin").hidden = kind !== "left";
  }

  /** After leaving by mistake: back to the waiting room (the device check is done). */
  rejoin() {
    this.memory.save({ended: null, message: null, stage: "waiting", resume: null});
    location.reload();
  }
}

if (!window.vtUnsupported) new CitizenApp().start();
