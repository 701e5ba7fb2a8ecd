// The connection test: an echo session at the server (docs/signalling.md, role "echo") gets our
// camera and microphone and sends them back; the server reports round trip, loss and the
// bitrate it received once a second. The verdict is a plain-language sentence.

import {inboundSummary, Publisher, Subscriber} from "./media.js";
import {Signal, SignalError} from "./signal.js";

export const EXPECTED_SECONDS = 8;
const MIN_SECONDS = 6;
const MAX_SECONDS = 16;
const VIDEO_KBPS = 100;  // the lowest simulcast layer (150 kbit/s max) still shows a face

function median(values) {
  const sorted = values.filter((v) => v !== null && v !== undefined).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : null;
}

function mean(values) {
  const present = values.filter((v) => v !== null && v !== undefined);
  return present.length ? present.reduce((a, b) => a + b, 0) / present.length : null;
}

/** good / audio-only / poor / unknown from the measured values. The bitrate is what the
 * browser chose to send while its estimate was still ramping up, so it only proves a lower
 * bound: loss and round trip decide, a very low rate only vetoes video. */
export function verdictOf(result, hasCamera) {
  const {rtt_ms: rtt, loss_percent: loss, bitrate_kbps: rate} = result;
  if (rtt === null || loss === null || rate === null) return "unknown";
  if (hasCamera && result.returnedFrames === 0) return rtt <= 800 && loss <= 10 ? "audio-only"
    : "poor";
  const videoOk = !hasCamera || rate >= VIDEO_KBPS;
  if (rtt <= 300 && loss <= 3 && videoOk) return "good";
  if (rtt <= 800 && loss <= 10 && rate >= 30) return "audio-only";
  return "poor";
}

export class EchoTest {
  constructor({accessToken = null, onProgress}) {
    this.accessToken = accessToken;
    this.onProgress = onProgress;
    this.signal = null;
    this.publisher = null;
    this.subscriber = null;
    this.stopped = false;
  }

  /** Runs the test; resolves {rtt_ms, loss_percent, bitrate_kbps, returnedFrames, error}. */
  async run(stream) {
    const samples = [];
    let finalSeen = false;
    let closed = false;
    this.signal = new Signal({
      onMessage: (m) => {
        if (m.type === "echo-stats") {
          samples.push(m);
          if (m.final) finalSeen = true;
        } else if (m.type === "subscribe-offer") {
          this.subscriber.handleOffer(m).catch(() => {});
        }
      },
      onClose: () => { closed = true; },
    });
    const join = {role: "echo"};
    if (this.accessToken) join.access_token = this.accessToken;
    const started = performance.now();
    let error = null;
    let returnedFrames = 0;
    try {
      const joined = await this.signal.connect(join);
      this.subscriber = new Subscriber(this.signal, joined.ice_servers, () => {});
      this.publisher = new Publisher(this.signal, joined.ice_servers);
      await this.publisher.start(stream, {video: stream.getVideoTracks().length > 0});
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const seconds = (performance.now() - started) / 1000;
        const summary = await inboundSummary(this.subscriber);
        returnedFrames = summary.videoFrames;
        const usable = samples.filter((s) => s.rtt_ms !== null && s.bitrate_kbps !== null);
        this.onProgress(Math.min(1, seconds / EXPECTED_SECONDS), usable.at(-1) || null);
        const seenBack = returnedFrames > 0 || !stream.getVideoTracks().length;
        const enough = usable.length >= 4 && seenBack;
        if ((seconds >= MIN_SECONDS && enough) || seconds >= MAX_SECONDS || finalSeen || closed ||
            this.stopped) break;
      }
    } catch (e) {
      error = e instanceof SignalError ? e.code : "failed";
    }
    this.finish();
    const recent = samples.filter((s) => s.bitrate_kbps !== null).slice(-3);
    const result = {
      rtt_ms: median(samples.slice(-5).map((s) => s.rtt_ms)),
      loss_percent: mean(recent.map((s) => s.loss_percent)),
      bitrate_kbps: mean(recent.map((s) => s.bitrate_kbps)),
      returnedFrames, error,
    };
    if (result.rtt_ms !== null && result.loss_percent === null && recent.length) {
      result.loss_percent = 0;
    }
    return result;
  }

  finish() {
    if (this.signal) {
      this.signal.send("leave");
      this.signal.close();
    }
    if (this.publisher) this.publisher.close();
    if (this.subscriber) this.subscriber.closePc();
    this.signal = this.publisher = this.subscriber = null;
  }

  stop() {
    this.stopped = true;
  }
}
