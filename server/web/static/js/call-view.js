// The call's picture: the other person large, yourself small; a shared screen large with the
// sharer's camera small. Every tile that shows no picture says why (loading, paused because
// of a weak connection, no picture at the moment) — never a silent black box.

import {setText} from "./i18n.js";
import {inboundSummary} from "./media.js";

const POLL_MS = 1000;
const STALL_POLLS = 3;  // seconds without a new frame before a picture counts as stopped
// A fresh subscription starts while the SFU's bandwidth estimate is still settling (it may
// pause and resume the picture once); for this long a missing picture counts as "loading".
const SETTLING_MS = 6000;

export class CallView {
  /** `names(participantId)` gives a display name; `subscriber` is the media.js Subscriber. */
  constructor({names, emptyKey = "web.call.no_video"}) {
    this.names = names;
    this.emptyKey = emptyKey;
    this.sinkId = null;  // the speaker chosen in the device check, where the browser allows it
    this.subscriber = null;
    this.publisher = null;
    this.paused = new Set();
    this.frames = new Map();  // mid -> {frames, still}
    this.firstSeen = new Map();  // mid -> when its track first showed up
    this.audioElements = new Map();
    this.timer = null;
    this.quality = null;
    this.previousTotals = null;
    this.main = tile("main");
    this.second = tile("second");
    this.soundButton = document.getElementById("btn-sound");
    if (this.soundButton) this.soundButton.addEventListener("click", () => this.playAll());
  }

  attach(subscriber, publisher) {
    this.subscriber = subscriber;
    this.publisher = publisher;
    this.paused.clear();
    this.frames.clear();
    this.firstSeen.clear();
    this.previousTotals = null;
    this.update();
    if (!this.timer) this.timer = setInterval(() => this.poll(), POLL_MS);
  }

  detach() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const element of this.audioElements.values()) element.remove();
    this.audioElements.clear();
    for (const view of [this.main, this.second]) show(view, null);
    setQuality(null);
  }

  /** Your own camera, small (and in the waiting room); mirrored like a mirror would. */
  setSelf(stream) {
    for (const id of ["video-self", "waiting-self"]) {
      const video = document.getElementById(id);
      if (!video) continue;
      const track = stream ? stream.getVideoTracks()[0] : null;
      const current = video.srcObject ? video.srcObject.getVideoTracks()[0] : null;
      if (current !== track) video.srcObject = track ? new MediaStream([track]) : null;
    }
  }

  setSelfCameraOn(on) {
    for (const element of document.querySelectorAll(".camera-off-note")) element.hidden = on;
  }

  setPaused(mid, paused) {
    if (paused) this.paused.add(mid);
    else this.paused.delete(mid);
    this.update();
  }

  /** Arrange the tiles from the subscriber's live tracks. */
  update() {
    const live = this.subscriber ? this.subscriber.live() : [];
    for (const item of live) {
      if (!this.firstSeen.has(item.mid)) this.firstSeen.set(item.mid, Date.now());
    }
    const videos = live.filter((x) => x.kind === "video");
    const screen = videos.find((x) => x.source === "screen");
    const camera = videos.find((x) => x.source === "camera");
    const mainTrack = screen || camera || null;
    const secondTrack = screen && camera ? camera : null;
    show(this.main, mainTrack);
    show(this.second, secondTrack);
    this.second.root.hidden = !secondTrack;
    document.getElementById("stage")?.classList.toggle("sharing", !!screen);
    for (const view of [this.main, this.second]) this.label(view);
    this.syncAudio(live.filter((x) => x.kind === "audio"));
    this.overlays();
  }

  label(view) {
    const item = view.item;
    if (!item) {
      setText(view.label, "web.call.nobody");
      return;
    }
    const name = this.names(item.participant) || "";
    setText(view.label, item.source === "screen" ? "web.call.screen_of" : "web.call.camera_of",
      {name});
  }

  syncAudio(audio) {
    const wanted = new Set(audio.map((x) => x.mid));
    for (const [mid, element] of this.audioElements) {
      if (!wanted.has(mid)) {
        element.remove();
        this.audioElements.delete(mid);
      }
    }
    const sink = document.getElementById("audio-sink");
    for (const item of audio) {
      let element = this.audioElements.get(item.mid);
      if (!element) {
        element = document.createElement("audio");
        element.autoplay = true;
        if (this.sinkId && element.setSinkId) element.setSinkId(this.sinkId).catch(() => {});
        sink.appendChild(element);
        this.audioElements.set(item.mid, element);
      }
      if (!element.srcObject || element.srcObject.getTracks()[0] !== item.track) {
        element.srcObject = new MediaStream([item.track]);
        this.play(element);
      }
    }
  }

  play(element) {
    const started = element.play();
    if (started && started.catch) {
      started.catch(() => {
        if (this.soundButton) this.soundButton.hidden = false;  // autoplay refused: ask
      });
    }
  }

  playAll() {
    for (const element of this.audioElements.values()) element.play().catch(() => {});
    if (this.soundButton) this.soundButton.hidden = true;
  }

  overlays() {
    for (const view of [this.main, this.second]) {
      const item = view.item;
      let key = null;
      let busy = false;
      let name = item ? this.names(item.participant) || "" : "";
      if (!item) {
        const off = view === this.main ? this.cameraOff() : null;
        key = view !== this.main ? null : off ? "web.call.camera_off_by" : this.emptyKey;
        name = off ? this.names(off) : "";
      } else if (this.paused.has(item.mid) && !this.settling(item.mid)) {
        key = "web.call.paused";
      } else if (this.paused.has(item.mid)) {
        key = "web.call.loading";
        busy = true;
      } else {
        const seen = this.frames.get(item.mid);
        if (!seen || seen.frames === 0 || (seen.still >= STALL_POLLS && this.settling(item.mid))) {
          key = "web.call.loading";
          busy = true;
        } else if (seen.still >= STALL_POLLS) {
          key = "web.call.stalled";
        }
      }
      view.overlay.hidden = !key;
      view.spinner.hidden = !busy;
      if (key) setText(view.text, key, {name});
    }
  }

  /** Someone here whose camera m-line was switched off (and has no live camera). */
  cameraOff() {
    if (!this.subscriber) return null;
    const live = new Set(this.subscriber.live().filter((x) => x.source === "camera")
      .map((x) => x.participant));
    for (const info of this.subscriber.info.values()) {
      if (info.source === "camera" && !info.active && !live.has(info.participant) &&
          this.names(info.participant)) return info.participant;
    }
    return null;
  }

  settling(mid) {
    return Date.now() - (this.firstSeen.get(mid) || 0) < SETTLING_MS;
  }

  async poll() {
    if (!this.subscriber) return;
    let summary;
    try {
      summary = await inboundSummary(this.subscriber);
    } catch (e) {
      return;
    }
    for (const entry of summary.video) {
      const before = this.frames.get(entry.mid);
      const still = before && entry.framesDecoded === before.frames ? before.still + 1 : 0;
      this.frames.set(entry.mid, {frames: entry.framesDecoded, still});
    }
    this.overlays();
    setQuality(this.judge(summary));
  }

  /** good / fair / poor from the loss of the last second and the round trip. */
  judge(summary) {
    const received = [...summary.video, ...summary.audio];
    if (!received.length) return null;
    const totals = received.reduce((acc, x) => ({
      received: acc.received + x.packetsReceived, lost: acc.lost + Math.max(0, x.packetsLost)}),
    {received: 0, lost: 0});
    const before = this.previousTotals || {received: 0, lost: 0};
    this.previousTotals = totals;
    const got = totals.received - before.received;
    const lost = totals.lost - before.lost;
    const loss = got + lost > 0 ? (100 * lost) / (got + lost) : 0;
    const rtt = summary.rtt === null ? 0 : summary.rtt * 1000;
    const paused = [...this.paused].some((mid) => !this.settling(mid));
    if (got === 0 || paused) return {level: "poor", loss, rtt};
    if (loss > 10 || rtt > 1000) return {level: "poor", loss, rtt};
    if (loss > 3 || rtt > 400) return {level: "fair", loss, rtt};
    return {level: "good", loss, rtt};
  }
}

function tile(name) {
  return {
    root: document.getElementById(`tile-${name}`),
    video: document.getElementById(`video-${name}`),
    label: document.getElementById(`label-${name}`),
    overlay: document.getElementById(`overlay-${name}`),
    spinner: document.querySelector(`#overlay-${name} .spinner`),
    text: document.getElementById(`overlay-${name}-text`),
    item: null,
  };
}

function show(view, item) {
  view.item = item;
  const track = item ? item.track : null;
  const current = view.video.srcObject ? view.video.srcObject.getVideoTracks()[0] : null;
  if (current !== track) view.video.srcObject = track ? new MediaStream([track]) : null;
  view.root.classList.toggle("screen", !!item && item.source === "screen");
}

function setQuality(result) {
  const root = document.getElementById("quality");
  if (!root) return;
  root.dataset.level = result ? result.level : "none";
  const text = document.getElementById("quality-text");
  const detail = document.getElementById("quality-detail");
  if (!result) {
    setText(text, "web.quality.none");
    setText(detail, "web.quality.waiting");
    return;
  }
  setText(text, `web.quality.${result.level}`);
  setText(detail, "web.quality.details", {
    loss: {number: result.loss, digits: 0}, rtt: {number: result.rtt, digits: 0}});
}
