// The WebSocket signalling connection (docs/signalling.md): join, requests with replies,
// keep-alive pings, probe answers for the echo session, and a clear "dropped" callback.

const PING_SECONDS = 15;
const JOIN_TIMEOUT_MS = 15000;
const REQUEST_TIMEOUT_MS = 15000;

export class SignalError extends Error {
  constructor(code, message = "") {
    super(message || code);
    this.code = code;
  }
}

export class Signal {
  /** `onMessage(m)` gets every server message after `joined`; `onClose({bye, code})` is
   * called once when a joined connection ends (bye is the server's reason, or null). */
  constructor({onMessage, onClose}) {
    this.onMessage = onMessage;
    this.onClose = onClose;
    this.ws = null;
    this.nextId = 1;
    this.waiting = new Map();
    this.pingTimer = null;
  }

  connect(join) {
    return new Promise((resolve, reject) => {
      const scheme = location.protocol === "https:" ? "wss:" : "ws:";
      const ws = new WebSocket(`${scheme}//${location.host}/ws`);
      this.ws = ws;
      let joined = false;
      let bye = null;
      const timer = setTimeout(() => {
        if (!joined) {
          reject(new SignalError("timeout"));
          ws.close();
        }
      }, JOIN_TIMEOUT_MS);
      ws.onopen = () => ws.send(JSON.stringify({v: 1, type: "join", id: "join", ...join}));
      ws.onmessage = (event) => {
        let message;
        try {
          message = JSON.parse(event.data);
        } catch (e) {
          return;
        }
        if (!joined) {
          if (message.type === "joined") {
            joined = true;
            clearTimeout(timer);
            this.startPing(ws);
            resolve(message);
          } else if (message.type === "error" && message.re === "join") {
            clearTimeout(timer);
            reject(new SignalError(message.code, message.message));
            ws.close();
          }
          return;
        }
        if (message.type === "bye") bye = message.reason;
        if (message.type === "probe") {
          this.send("probe-reply", {nonce: message.nonce});
          return;
        }
        if (message.re !== undefined && this.waiting.has(message.re)) {
          const pending = this.waiting.get(message.re);
          this.waiting.delete(message.re);
          if (message.type === "error") pending.reject(new SignalError(message.code,
            message.message));
          else pending.resolve(message);
          return;
        }
        this.onMessage(message);
      };
      ws.onclose = (event) => {
        clearTimeout(timer);
        if (this.ws !== ws) return;
        this.stopPing();
        this.failWaiting();
        if (!joined) {
          reject(new SignalError("connection-failed"));
          return;
        }
        this.ws = null;
        this.onClose({bye, code: event.code});
      };
    });
  }

  startPing(ws) {
    this.stopPing();
    this.pingTimer = setInterval(() => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({v: 1, type: "ping"}));
    }, PING_SECONDS * 1000);
  }

  stopPing() {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  failWaiting() {
    for (const pending of this.waiting.values()) pending.reject(new SignalError("closed"));
    this.waiting.clear();
  }

  get open() {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  send(type, fields = {}) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify({v: 1, type, ...fields}));
    return true;
  }

  /** Send and wait for the reply (the message whose `re` is this request's id). */
  request(type, fields = {}) {
    const id = `r${this.nextId++}`;
    return new Promise((resolve, reject) => {
      if (!this.send(type, {...fields, id})) {
        reject(new SignalError("closed"));
        return;
      }
      const timer = setTimeout(() => {
        if (this.waiting.delete(id)) reject(new SignalError("timeout"));
      }, REQUEST_TIMEOUT_MS);
      this.waiting.set(id, {
        resolve: (m) => { clearTimeout(timer); resolve(m); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
    });
  }

  /** Close without the drop callback (we are leaving on purpose). */
  close() {
    const ws = this.ws;
    this.ws = null;
    this.stopPing();
    this.failWaiting();
    if (ws) ws.close(1000);
  }

  /** For tests and the "connection lost" path: drop the socket as a network would. */
  drop() {
    if (this.ws) this.ws.close(4000, "dropped");
  }
}
