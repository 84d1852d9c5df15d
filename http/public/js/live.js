// The live link: Server-Sent Events with our own reconnect (EventSource gives up on an
// HTTP error, and a dead Wi-Fi link can leave it "open" forever), plus a slow poll that
// keeps ages honest between events.

const WATCHDOG_MS = 25_000; // the node sends a heartbeat every 10 s
const BACKOFF = [500, 1000, 2000, 3000];

export class Live {
  constructor({ url = '/api/v1/events', onEvent, onState }) {
    this.url = url;
    this.onEvent = onEvent;
    this.onState = onState;
    this.es = null;
    this.state = 'connecting';
    this.failures = 0;
    this.lastMessageAt = 0;
    this.timer = null;
    this.watchdog = setInterval(() => this.#check(), 5000);
  }

  start() {
    this.#open();
  }

  #set(state) {
    if (this.state === state) return;
    this.state = state;
    this.onState(state);
  }

  #open() {
    clearTimeout(this.timer);
    this.es?.close();
    const es = new EventSource(this.url);
    this.es = es;
    const seen = () => { this.lastMessageAt = Date.now(); this.failures = 0; this.#set('live'); };
    es.onopen = seen;
    for (const type of ['status', 'rig', 'heartbeat']) {
      es.addEventListener(type, (ev) => {
        seen();
        let data;
        try { data = JSON.parse(ev.data); } catch { return; }
        this.onEvent(type, data);
      });
    }
    es.onerror = () => {
      if (this.es !== es) return;
      this.#set('reconnecting');
      // Retry ourselves: the browser would stop after a non-200 answer (e.g. 503 while the node restarts).
      es.close();
      this.#retry();
    };
  }

  #retry() {
    clearTimeout(this.timer);
    const delay = BACKOFF[Math.min(this.failures, BACKOFF.length - 1)];
    this.failures += 1;
    this.timer = setTimeout(() => this.#open(), delay);
  }

  #check() {
    if (this.state === 'live' && Date.now() - this.lastMessageAt > WATCHDOG_MS) {
      this.#set('reconnecting');
      this.es?.close();
      this.#retry();
    }
  }
}
