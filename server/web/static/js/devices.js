// Browser capabilities, device pickers, the microphone level meter and the speaker test tone.

export function capabilities() {
  const has = {
    webrtc: typeof RTCPeerConnection !== "undefined",
    media: !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia),
    websocket: typeof WebSocket !== "undefined",
    audioCodec: true,
    videoCodec: true,
  };
  if (has.webrtc && window.RTCRtpSender && RTCRtpSender.getCapabilities) {
    const audio = RTCRtpSender.getCapabilities("audio");
    const video = RTCRtpSender.getCapabilities("video");
    const names = (caps) => (caps ? caps.codecs.map((c) => c.mimeType.toLowerCase()) : []);
    has.audioCodec = names(audio).includes("audio/opus");
    has.videoCodec = names(video).some((n) => n === "video/vp8" || n === "video/h264");
  }
  return has;
}

/** Fill a <select> with the devices of one kind; keeps `selected` when it is still there. */
export async function fillPicker(select, kind, selected, fallbackLabel) {
  if (!select) return [];
  let devices = [];
  try {
    devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === kind);
  } catch (e) {
    devices = [];
  }
  select.replaceChildren();
  devices.forEach((device, index) => {
    const option = document.createElement("option");
    option.value = device.deviceId;
    option.textContent = device.label || `${fallbackLabel} ${index + 1}`;
    if (device.deviceId === selected) option.selected = true;
    select.appendChild(option);
  });
  select.disabled = devices.length < 2;
  return devices;
}

/** The microphone's level (0…1) ten times a second, for a <meter>. */
export class LevelMeter {
  constructor(meter, onLevel) {
    this.meter = meter;
    this.onLevel = onLevel;
    this.context = null;
    this.timer = null;
    this.source = null;
    this.resumeOnGesture = () => this.context && this.context.resume();
  }

  start(track) {
    this.stop();
    if (!track || !(window.AudioContext || window.webkitAudioContext)) return;
    const Context = window.AudioContext || window.webkitAudioContext;
    this.context = new Context();
    if (this.context.state === "suspended") {
      // Autoplay rules may hold the context until the first tap or key press.
      this.context.resume().catch(() => {});
      document.addEventListener("pointerdown", this.resumeOnGesture, {once: true});
      document.addEventListener("keydown", this.resumeOnGesture, {once: true});
    }
    this.source = this.context.createMediaStreamSource(new MediaStream([track]));
    const analyser = this.context.createAnalyser();
    analyser.fftSize = 1024;
    this.source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let level = 0;
    this.timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const x of samples) sum += x * x;
      const rms = Math.sqrt(sum / samples.length);
      level = Math.max(Math.min(1, rms * 5), level * 0.8);
      if (this.meter) this.meter.value = level;
      this.onLevel(level);
    }, 100);
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.source) this.source.disconnect();
    if (this.context) this.context.close().catch(() => {});
    this.context = null;
    this.source = null;
  }
}

/** Three rising tones as a WAV file, made here (nothing to download). */
function chimeUrl() {
  const rate = 22050;
  const tones = [523.25, 659.25, 783.99];
  const each = Math.floor(rate * 0.3);
  const count = each * tones.length;
  const buffer = new ArrayBuffer(44 + count * 2);
  const view = new DataView(buffer);
  const text = (offset, value) => [...value].forEach((c, i) => view.setUint8(offset + i,
    c.charCodeAt(0)));
  text(0, "RIFF");
  view.setUint32(4, 36 + count * 2, true);
  text(8, "WAVE");
  text(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);  // PCM
  view.setUint16(22, 1, true);  // mono
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, "data");
  view.setUint32(40, count * 2, true);
  for (let i = 0; i < count; i += 1) {
    const tone = tones[Math.floor(i / each)];
    const within = (i % each) / each;
    const envelope = Math.min(1, within * 20, (1 - within) * 8);
    const value = Math.sin((2 * Math.PI * tone * i) / rate) * envelope * 0.5;
    view.setInt16(44 + i * 2, value * 32767, true);
  }
  return URL.createObjectURL(new Blob([buffer], {type: "audio/wav"}));
}

let chime = null;

/** Play the test tone on `sinkId` (where the browser can choose the speaker). */
export async function playTestSound(sinkId) {
  chime = chime || chimeUrl();
  const audio = new Audio(chime);
  if (sinkId && audio.setSinkId) {
    try {
      await audio.setSinkId(sinkId);
    } catch (e) { /* the default speaker then */ }
  }
  await audio.play();
  return new Promise((resolve) => {
    audio.onended = resolve;
    setTimeout(resolve, 2000);
  });
}

export function canChooseSpeaker() {
  return typeof HTMLMediaElement !== "undefined" && "setSinkId" in HTMLMediaElement.prototype;
}
