// The device check shown before the waiting room and on the public test page: browser,
// camera (preview, picker), microphone (picker, level), speaker (test tone), connection (echo
// session with a progress bar, measured values and a plain-language verdict).

import {capabilities, canChooseSpeaker, fillPicker, LevelMeter, playTestSound} from "./devices.js";
import {EchoTest, verdictOf} from "./echo-test.js";
import {setText} from "./i18n.js";
import {audioConstraints, openCamera, openDevices} from "./media.js";

const $ = (id) => document.getElementById(id);

function badge(section, state) {
  const root = $(section);
  if (root) root.dataset.state = state;  // ok / warn / fail / busy
  const label = $(`${section}-badge`);
  if (label) setText(label, `web.badge.${state}`);
}

export class DeviceCheck {
  constructor({accessToken = null, onDone}) {
    this.accessToken = accessToken;
    this.onDone = onDone;
    this.stream = null;
    this.errors = {camera: null, microphone: null};
    this.deviceIds = {camera: null, microphone: null, speaker: null};
    this.meter = new LevelMeter($("dc-level"), (level) => this.heard(level));
    this.micHeard = false;
    this.echo = null;
    this.result = null;
    this.running = false;
  }

  async run() {
    if (!this.browser()) {
      this.finish(null);
      return;
    }
    badge("dc-camera", "busy");
    badge("dc-mic", "busy");
    setText($("dc-camera-status"), "web.check.camera.asking");
    setText($("dc-net-status"), "web.check.net.waiting_for_devices");
    const {stream, errors} = await openDevices();
    this.stream = stream;
    this.errors = errors;
    this.showCamera();
    this.showMicrophone();
    await this.fillPickers();
    this.initSpeaker();
    this.bindPickers();
    await this.connection();
  }

  browser() {
    const has = capabilities();
    const list = $("dc-browser-list");
    const rows = [["webrtc", has.webrtc], ["media", has.media], ["websocket", has.websocket],
      ["audio_codec", has.audioCodec], ["video_codec", has.videoCodec]];
    list.replaceChildren();
    for (const [name, ok] of rows) {
      const item = document.createElement("li");
      item.dataset.ok = ok ? "yes" : "no";
      const mark = document.createElement("span");
      mark.className = "mark";
      mark.setAttribute("aria-hidden", "true");
      mark.textContent = ok ? "✓" : "✗";
      const text = document.createElement("span");
      setText(text, `web.check.browser.${name}.${ok ? "ok" : "missing"}`);
      item.append(mark, text);
      list.appendChild(item);
    }
    const fine = has.webrtc && has.media && has.websocket;
    const codecs = has.audioCodec && has.videoCodec;
    badge("dc-browser", fine ? (codecs ? "ok" : "warn") : "fail");
    setText($("dc-browser-status"), fine ? (codecs ? "web.check.browser.ok"
      : "web.check.browser.codecs") : "web.check.browser.old");
    return fine;
  }

  showCamera() {
    const video = this.stream.getVideoTracks()[0];
    $("dc-preview").srcObject = video ? new MediaStream([video]) : null;
    $("dc-preview-off").hidden = !!video;
    if (video) {
      badge("dc-camera", "ok");
      setText($("dc-camera-status"), "web.check.camera.ok");
      this.deviceIds.camera = video.getSettings().deviceId || null;
    } else {
      badge("dc-camera", "fail");
      setText($("dc-camera-status"), this.errors.camera === "NotAllowedError"
        ? "web.check.camera.denied" : "web.check.camera.missing");
    }
  }

  showMicrophone() {
    const audio = this.stream.getAudioTracks()[0];
    this.micHeard = false;
    if (audio) {
      badge("dc-mic", "busy");
      setText($("dc-mic-status"), "web.check.mic.speak");
      this.deviceIds.microphone = audio.getSettings().deviceId || null;
      this.meter.start(audio);
    } else {
      this.meter.stop();
      badge("dc-mic", "fail");
      setText($("dc-mic-status"), this.errors.microphone === "NotAllowedError"
        ? "web.check.mic.denied" : "web.check.mic.missing");
    }
  }

  heard(level) {
    if (level > 0.04 && !this.micHeard) {
      this.micHeard = true;
      badge("dc-mic", "ok");
      setText($("dc-mic-status"), "web.check.mic.ok");
    }
  }

  async fillPickers() {
    await fillPicker($("dc-camera-select"), "videoinput", this.deviceIds.camera,
      $("dc-camera-select").dataset.fallback);
    await fillPicker($("dc-mic-select"), "audioinput", this.deviceIds.microphone,
      $("dc-mic-select").dataset.fallback);
  }

  bindPickers() {
    $("dc-camera-select").onchange = (event) => this.changeCamera(event.target.value);
    $("dc-mic-select").onchange = (event) => this.changeMicrophone(event.target.value);
  }

  async changeCamera(deviceId) {
    try {
      const track = await openCamera(deviceId);
      for (const old of this.stream.getVideoTracks()) {
        old.stop();
        this.stream.removeTrack(old);
      }
      this.stream.addTrack(track);
      this.errors.camera = null;
    } catch (e) {
      this.errors.camera = e.name;
    }
    this.showCamera();
  }

  async changeMicrophone(deviceId) {
    try {
      const fresh = await navigator.mediaDevices.getUserMedia({audio: audioConstraints(deviceId)});
      for (const old of this.stream.getAudioTracks()) {
        old.stop();
        this.stream.removeTrack(old);
      }
      this.stream.addTrack(fresh.getAudioTracks()[0]);
      this.errors.microphone = null;
    } catch (e) {
      this.errors.microphone = e.name;
    }
    this.showMicrophone();
  }

  initSpeaker() {
    const select = $("dc-speaker-select");
    const choose = canChooseSpeaker();
    $("dc-speaker-pick").hidden = !choose;
    if (choose) {
      fillPicker(select, "audiooutput", null, select.dataset.fallback).then(() => {
        this.deviceIds.speaker = select.value || null;
      });
      select.onchange = () => { this.deviceIds.speaker = select.value || null; };
    }
    badge("dc-speaker", "idle");
    $("dc-sound").onclick = async () => {
      setText($("dc-speaker-status"), "web.check.speaker.playing");
      try {
        await playTestSound(this.deviceIds.speaker);
        badge("dc-speaker", "ok");
        setText($("dc-speaker-status"), "web.check.speaker.heard");
      } catch (e) {
        badge("dc-speaker", "warn");
        setText($("dc-speaker-status"), "web.check.speaker.failed");
      }
    };
  }

  async connection() {
    this.running = true;
    $("dc-retest").hidden = true;
    $("dc-verdict").hidden = true;
    $("dc-measures").hidden = true;
    badge("dc-net", "busy");
    const progress = $("dc-progress");
    progress.value = 0;
    progress.hidden = false;
    $("dc-net-spinner").hidden = false;
    setText($("dc-net-status"), "web.check.net.running");
    const hasMedia = this.stream.getTracks().length > 0;
    let result;
    if (!hasMedia) {
      result = {rtt_ms: null, loss_percent: null, bitrate_kbps: null, returnedFrames: 0,
        error: "no-media"};
    } else {
      this.echo = new EchoTest({accessToken: this.accessToken, onProgress: (fraction, last) => {
        progress.value = Math.round(fraction * 100);
        if (last) this.showMeasures(last);
      }});
      result = await this.echo.run(this.stream);
      this.echo = null;
    }
    progress.value = 100;
    progress.hidden = true;
    $("dc-net-spinner").hidden = true;
    const hasCamera = this.stream.getVideoTracks().length > 0;
    result.verdict = result.error ? "unknown" : verdictOf(result, hasCamera);
    this.result = result;
    this.showMeasures(result);
    this.showVerdict(result);
    this.running = false;
    $("dc-retest").hidden = false;
    this.finish(result);
  }

  showMeasures(values = this.result) {
    if (!values) return;
    $("dc-measures").hidden = false;
    const put = (id, key, value, digits) => {
      if (value === null || value === undefined) setText($(id), "web.check.net.none");
      else setText($(id), key, {value: {number: value, digits}});
    };
    put("dc-rtt", "web.check.net.rtt_value", values.rtt_ms, 0);
    put("dc-loss", "web.check.net.loss_value", values.loss_percent, 1);
    const rate = values.bitrate_kbps;
    if (rate !== null && rate !== undefined && rate >= 1000) {
      setText($("dc-rate"), "web.check.net.mbit_value", {value: {number: rate / 1000, digits: 1}});
    } else {
      put("dc-rate", "web.check.net.kbit_value", rate, 0);
    }
  }

  showVerdict(result) {
    const verdict = result.verdict;
    const states = {"good": "ok", "audio-only": "warn", "poor": "fail", "unknown": "warn"};
    badge("dc-net", states[verdict]);
    $("dc-verdict").hidden = false;
    $("dc-verdict").dataset.verdict = verdict;
    const reason = result.error === "echo-limit" ? "limit" : verdict;
    setText($("dc-net-status"), "web.check.net.done");
    setText($("dc-verdict-text"), `web.verdict.${reason}`);
    setText($("dc-verdict-advice"), `web.verdict.${reason}.advice`);
  }

  retest() {
    if (!this.running) return this.connection();
    return Promise.resolve();
  }

  finish(result) {
    if (this.onDone) this.onDone(result);
  }

  /** The summary for the advisor's waiting list (docs/signalling.md `device-check`). */
  summary() {
    const r = this.result || {};
    const round = (v, d = 1) => (v === null || v === undefined ? null
      : Math.round(v * 10 ** d) / 10 ** d);
    const out = {
      camera: !!this.stream && this.stream.getVideoTracks().length > 0,
      microphone: !!this.stream && this.stream.getAudioTracks().length > 0,
      verdict: r.verdict || "unknown",
    };
    if (r.rtt_ms !== null && r.rtt_ms !== undefined) out.rtt_ms = round(r.rtt_ms);
    if (r.loss_percent !== null && r.loss_percent !== undefined) out.loss_percent = round(
      r.loss_percent);
    if (r.bitrate_kbps !== null && r.bitrate_kbps !== undefined) out.bitrate_kbps = round(
      r.bitrate_kbps);
    return out;
  }

  /** Stop the preview and meter; the stream stays open for the call unless `stopTracks`. */
  dispose({stopTracks = false} = {}) {
    this.meter.stop();
    if (this.echo) this.echo.stop();
    $("dc-preview").srcObject = null;
    if (stopTracks && this.stream) for (const track of this.stream.getTracks()) track.stop();
  }
}
