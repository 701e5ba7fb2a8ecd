// One participant's connection to a consultation room, for the citizen and the advisor alike:
// join (taking back a place with the resume secret after a reload), publish, subscribe, and
// reconnect by itself when the network drops — the page only says what is happening.

import {Publisher, Subscriber} from "./media.js";
import {Signal} from "./signal.js";
import {sleep} from "./ui.js";

const RETRY_MS = [300, 1000, 2000, 3000, 5000];
const LEAVE_WAIT_MS = 3000;
/** Join refusals that no retry can fix: the page ends with an explanation. */
export const FATAL = new Set(["access-denied", "access-over", "access-cancelled",
  "access-too-early", "consent-required", "not-your-room", "advisor-auth-required",
  "room-full", "echo-limit"]);
/** Goodbyes after which we do not reconnect. */
const FINAL_BYES = new Set(["left", "denied", "removed", "replaced", "consent-withdrawn"]);

/** A message in a few words, for the diagnosis log (never SDP or names). */
function describe(m) {
  if (m.type === "subscribe-offer") {
    return `offer v${m.version}${m.fresh ? " fresh" : ""} ${
      m.tracks.map((x) => `${x.mid}:${x.source}:${x.active ? "on" : "off"}`).join(",")}`;
  }
  if (m.type === "track-pause" || m.type === "partner-track-pause") {
    return `${m.type} ${m.mid} ${m.paused ? "paused" : "resumed"}`;
  }
  if (m.type === "transport") return `transport ${m.transport} ${m.state}`;
  if (m.type === "error") return `error ${m.code}`;
  return m.type;
}

export class RoomConnection {
  /**
   * join: the join fields (role, access_token or appointment_id); memory: tabMemory for the
   * resume secret; stream: local camera/microphone; video: publish a camera transceiver;
   * on: {joined(joined, kept), message(m), tracks(), pause(mid, paused), media(which, state),
   * reconnecting(on), closed(reason)}.
   */
  constructor({join, memory, stream, video = true, on}) {
    this.join = join;
    this.memory = memory;
    this.stream = stream;
    this.video = video;
    this.on = on;
    this.signal = new Signal({onMessage: (m) => this.message(m),
      onClose: (info) => this.closed(info)});
    this.publisher = null;
    this.subscriber = null;
    this.joined = null;
    this.finished = false;
    this.reconnecting = false;
    this.log = [];  // the last message types, for diagnosis (no contents)
    this.refusedAnswer = null;
  }

  /** The first join: resumes the tab's place if it still has a resume secret. */
  async open() {
    const resume = this.memory.load().resume || null;
    try {
      return await this.connect(resume, false);
    } catch (error) {
      if (error.code !== "resume-invalid" || !resume) throw error;
      this.memory.save({resume: null});
      return this.connect(null, false);
    }
  }

  async connect(resume, keep) {
    const fields = {...this.join};
    if (resume) {
      fields.resume = resume;
      if (keep) fields.keep_transports = true;
    }
    const joined = await this.signal.connect(fields);
    this.joined = joined;
    this.memory.save({resume: joined.resume_secret});
    const kept = keep && joined.resumed && !!this.publisher && !!this.publisher.pc;
    if (!this.subscriber) {
      this.subscriber = new Subscriber(this.signal, joined.ice_servers, () => this.on.tracks());
      this.subscriber.onState = (state) => this.mediaState("subscribe", state);
    }
    this.subscriber.iceServers = joined.ice_servers;
    if (!this.publisher) {
      this.publisher = new Publisher(this.signal, joined.ice_servers);
      this.publisher.onState = (state) => this.mediaState("publish", state);
    }
    this.publisher.iceServers = joined.ice_servers;
    if (!kept) this.subscriber.closePc();  // the server offers a fresh subscribe transport
    this.on.joined(joined, kept);
    if (kept) this.repair();
    else this.publish();
    return joined;
  }

  publish() {
    this.publisher.start(this.stream, {video: this.video}).catch((error) => {
      console.warn("publishing failed", error);
    });
  }

  /** After a resume that kept the PeerConnections: restart what broke meanwhile. */
  repair() {
    if (this.publisher.pc && this.publisher.pc.connectionState === "failed") {
      this.publisher.restartIce().catch(() => this.publish());
    }
    if (this.subscriber.pc && this.subscriber.pc.connectionState === "failed") {
      this.signal.send("subscribe-reset");
    }
  }

  mediaState(which, state) {
    this.on.media(which, state);
    if (state !== "failed" || !this.signal.open) return;
    if (which === "publish") this.publisher.restartIce().catch(() => this.publish());
    else this.signal.send("subscribe-reset");
  }

  message(m) {
    this.log.push(describe(m));
    if (this.log.length > 60) this.log.shift();
    if (m.type === "subscribe-offer") {
      this.subscriber.handleOffer(m).catch((error) => console.warn("subscribe failed", error));
    } else if (m.type === "transport" && m.state !== "connected") {
      if (m.transport === "publish") this.publish();
      else this.subscriber.closePc();
    } else if (m.type === "track-pause") {
      this.on.pause(m.mid, m.paused);
    } else if (m.type === "partner-track-pause") {
      if (this.on.partnerPause) this.on.partnerPause(m.mid, m.paused);
    } else if (m.type === "error" && m.code === "not-admitted") {
      // The server offered while we were being sent back to the waiting room (the advisor
      // left) and then refused our answer; it still awaits it, so answer again once admitted.
      this.refusedAnswer = this.subscriber.lastAnswer;
    } else {
      if (m.type === "admitted" && this.refusedAnswer) {
        this.signal.send("subscribe-answer", this.refusedAnswer);
        this.refusedAnswer = null;
      }
      this.on.message(m);
    }
  }

  closed({bye}) {
    if (this.finished) return;
    if (bye && FINAL_BYES.has(bye)) {
      this.finish();
      this.on.closed(bye);
      return;
    }
    this.reconnect();
  }

  transportsAlive() {
    const pc = this.publisher && this.publisher.pc;
    return !!pc && pc.connectionState !== "closed";
  }

  async reconnect() {
    if (this.reconnecting || this.finished) return;
    this.reconnecting = true;
    this.on.reconnecting(true);
    for (let attempt = 0; !this.finished; attempt += 1) {
      await sleep(RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]);
      if (navigator.onLine === false || this.finished) continue;
      const resume = this.memory.load().resume || null;
      try {
        await this.connect(resume, this.transportsAlive());
        break;
      } catch (error) {
        if (error.code === "resume-invalid") this.memory.save({resume: null});
        if (FATAL.has(error.code)) {
          this.finish();
          this.on.closed(error.code);
        }
      }
    }
    this.reconnecting = false;
    this.on.reconnecting(false);
  }

  /** Leave on purpose: the server answers `bye` (left); we end after a short wait anyway. */
  async leave() {
    if (this.finished) return;
    if (this.signal.send("leave")) {
      const deadline = performance.now() + LEAVE_WAIT_MS;
      while (!this.finished && performance.now() < deadline) await sleep(50);
    }
    if (!this.finished) {
      this.finish();
      this.on.closed("left");
    }
  }

  finish() {
    this.finished = true;
    this.memory.save({resume: null});
    this.signal.close();
    if (this.publisher) this.publisher.close();
    if (this.subscriber) this.subscriber.close();
  }
}
