// Camera and microphone, and the two PeerConnections of docs/signalling.md: "publish" (the
// browser offers its tracks, simulcast for the camera) and "subscribe" (the SFU offers what we
// may receive). Each side negotiates one step at a time.

export const SIMULCAST = [  // low to high, as the SFU expects (rids "q", "h", "f")
  {rid: "q", scaleResolutionDownBy: 4, maxBitrate: 100000},  // fits a 3G downlink with audio
  {rid: "h", scaleResolutionDownBy: 2, maxBitrate: 500000},
  {rid: "f", maxBitrate: 1200000},
];
const SCREEN_ENCODING = [{maxBitrate: 1200000}];

export function videoConstraints(deviceId) {
  const video = {width: {ideal: 1280}, height: {ideal: 720}, frameRate: {ideal: 15, max: 30}};
  if (deviceId) video.deviceId = {exact: deviceId};
  return video;
}

export function audioConstraints(deviceId) {
  const audio = {echoCancellation: true, noiseSuppression: true, autoGainControl: true};
  if (deviceId) audio.deviceId = {exact: deviceId};
  return audio;
}

/** Camera and microphone, each on its own so one missing device does not cost the other.
 * Returns {stream, errors: {camera, microphone}} (an error is a DOMException name). */
export async function openDevices({cameraId = null, microphoneId = null, camera = true} = {}) {
  const errors = {camera: null, microphone: null};
  const stream = new MediaStream();
  try {
    const both = await navigator.mediaDevices.getUserMedia({
      audio: audioConstraints(microphoneId), video: camera ? videoConstraints(cameraId) : false});
    for (const track of both.getTracks()) stream.addTrack(track);
  } catch (error) {
    try {
      const audio = await navigator.mediaDevices.getUserMedia({audio: audioConstraints(
        microphoneId)});
      stream.addTrack(audio.getAudioTracks()[0]);
    } catch (audioError) {
      errors.microphone = audioError.name || "Error";
    }
    if (camera) {
      try {
        const video = await navigator.mediaDevices.getUserMedia({video: videoConstraints(
          cameraId)});
        stream.addTrack(video.getVideoTracks()[0]);
      } catch (videoError) {
        errors.camera = videoError.name || "Error";
      }
    }
  }
  if (camera && !stream.getVideoTracks().length && !errors.camera) errors.camera = "NotFoundError";
  if (!stream.getAudioTracks().length && !errors.microphone) errors.microphone = "NotFoundError";
  return {stream, errors};
}

export async function openCamera(deviceId) {
  const stream = await navigator.mediaDevices.getUserMedia({video: videoConstraints(deviceId)});
  return stream.getVideoTracks()[0];
}

function serial() {
  let chain = Promise.resolve();
  return (task) => {
    const next = chain.then(task);
    chain = next.catch(() => {});
    return next;
  };
}

export class Publisher {
  constructor(signal, iceServers) {
    this.signal = signal;
    this.iceServers = iceServers;
    this.pc = null;
    this.audio = null;
    this.video = null;
    this.screen = null;
    this.queue = serial();
    this.onState = null;
  }

  /** A fresh publish PeerConnection with the stream's microphone and camera (`video`: false
   * leaves the camera out). */
  start(stream, {video = true} = {}) {
    return this.queue(async () => {
      this.closePc();
      const pc = new RTCPeerConnection({iceServers: this.iceServers});
      this.pc = pc;
      pc.onconnectionstatechange = () => this.onState && this.onState(pc.connectionState);
      const audioTrack = stream.getAudioTracks()[0];
      if (audioTrack) this.audio = pc.addTransceiver(audioTrack, {direction: "sendonly"});
      const videoTrack = video ? stream.getVideoTracks()[0] : null;
      if (videoTrack) this.addCamera(videoTrack);
      await this.negotiate(true);
    });
  }

  async negotiate(fresh = false) {
    const pc = this.pc;
    await pc.setLocalDescription(await pc.createOffer());
    const tracks = {};
    for (const transceiver of pc.getTransceivers()) {
      if (!transceiver.mid) continue;
      if (transceiver === this.audio) tracks[transceiver.mid] = "microphone";
      else if (transceiver === this.video) tracks[transceiver.mid] = "camera";
      else if (transceiver === this.screen) tracks[transceiver.mid] = "screen";
    }
    const answer = await this.signal.request("publish-offer", {
      sdp: pc.localDescription.sdp, tracks, fresh});
    if (this.pc === pc) await pc.setRemoteDescription({type: "answer", sdp: answer.sdp});
  }

  /** Another camera (the same m-line, no renegotiation). */
  replaceCamera(track) {
    if (!this.video) return Promise.resolve();
    return this.video.sender.replaceTrack(track);
  }

  addCamera(track) {
    this.video = this.pc.addTransceiver(track, {direction: "sendonly",
      sendEncodings: SIMULCAST.map((e) => ({...e}))});
  }

  /** Camera on (a track) or off (null). Off makes the camera's m-line inactive, so the other
   * side is told the camera is off (its track ends) instead of guessing from a picture that
   * stops. On is a new m-line: fresh SSRCs and rids the SFU learns from the first packets. */
  setCamera(track) {
    return this.queue(async () => {
      if (!this.pc) return;
      const video = this.video;
      if (!track) {
        if (!video || video.direction === "inactive") return;
        await video.sender.replaceTrack(null);
        video.direction = "inactive";
      } else if (video && video.direction === "sendonly") {
        await video.sender.replaceTrack(track);
        return;
      } else {
        this.addCamera(track);
      }
      await this.negotiate(false);
    });
  }

  startScreen(track) {
    return this.queue(async () => {
      track.contentHint = "detail";
      this.screen = this.pc.addTransceiver(track, {direction: "sendonly",
        sendEncodings: SCREEN_ENCODING.map((e) => ({...e}))});
      await this.negotiate(false);
    });
  }

  stopScreen() {
    return this.queue(async () => {
      const screen = this.screen;
      this.screen = null;
      if (!screen || !this.pc) return;
      if (screen.sender.track) screen.sender.track.stop();
      await screen.sender.replaceTrack(null);
      screen.direction = "inactive";
      await this.negotiate(false);
    });
  }

  restartIce() {
    return this.queue(async () => {
      if (!this.pc) return;
      this.pc.restartIce();
      await this.negotiate(false);
    });
  }

  closePc() {
    if (this.pc) {
      this.pc.onconnectionstatechange = null;
      this.pc.close();
    }
    this.pc = null;
    this.audio = this.video = this.screen = null;
  }

  close() {
    this.closePc();
  }
}

export class Subscriber {
  /** `onChange()` is called whenever tracks come, go or change their m-line info. */
  constructor(signal, iceServers, onChange) {
    this.signal = signal;
    this.iceServers = iceServers;
    this.onChange = onChange;
    this.pc = null;
    this.info = new Map();  // mid -> {mid, participant, source, kind, active}
    this.tracks = new Map();  // mid -> MediaStreamTrack
    this.queue = serial();
    this.onState = null;
    this.lastAnswer = null;
  }

  handleOffer(offer) {
    return this.queue(async () => {
      if (offer.fresh || !this.pc) this.newPc();
      for (const info of offer.tracks) this.info.set(info.mid, info);
      await this.pc.setRemoteDescription({type: "offer", sdp: offer.sdp});
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      this.lastAnswer = {sdp: this.pc.localDescription.sdp, version: offer.version};
      this.signal.send("subscribe-answer", this.lastAnswer);
      this.onChange();
    });
  }

  newPc() {
    this.closePc();
    const pc = new RTCPeerConnection({iceServers: this.iceServers});
    this.pc = pc;
    pc.ontrack = (event) => {
      this.tracks.set(event.transceiver.mid, event.track);
      this.onChange();
    };
    pc.onconnectionstatechange = () => this.onState && this.onState(pc.connectionState);
  }

  /** The live remote tracks with what they show. */
  live() {
    const out = [];
    for (const [mid, info] of this.info) {
      const track = this.tracks.get(mid);
      if (info.active && track) out.push({...info, track});
    }
    return out;
  }

  closePc() {
    if (this.pc) {
      this.pc.ontrack = null;
      this.pc.onconnectionstatechange = null;
      this.pc.close();
    }
    this.pc = null;
    this.info.clear();
    this.tracks.clear();
  }

  close() {
    this.closePc();
    this.onChange();
  }
}

/** What arrives, per m-line (for the quality indicator, the stalled-picture notice, tests). */
export async function inboundSummary(subscriber) {
  const out = {video: [], audio: [], videoFrames: 0, audioPackets: 0, rtt: null};
  if (!subscriber || !subscriber.pc) return out;
  const stats = await subscriber.pc.getStats();
  stats.forEach((s) => {
    if (s.type === "inbound-rtp") {
      const info = subscriber.info.get(s.mid) || {};
      const entry = {mid: s.mid, source: info.source || null, participant: info.participant || null,
        packetsReceived: s.packetsReceived || 0, packetsLost: s.packetsLost || 0,
        framesDecoded: s.framesDecoded || 0, frameWidth: s.frameWidth || 0,
        jitter: s.jitter || 0};
      if (s.kind === "video") {
        out.video.push(entry);
        out.videoFrames += entry.framesDecoded;
      } else {
        out.audio.push(entry);
        out.audioPackets += entry.packetsReceived;
      }
    } else if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded" &&
               s.currentRoundTripTime !== undefined) {
      out.rtt = s.currentRoundTripTime;
    }
  });
  return out;
}
