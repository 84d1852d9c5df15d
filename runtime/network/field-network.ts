import { EventEmitter } from 'node:events';
import type { Config } from '../config/schema.js';
import type { StatusBoard, Warning } from '../status.js';
import { errorMessage } from '../errors.js';
import { AP_PROFILE, FIELD_PROFILE, type Nmcli, type WifiSettings } from './nmcli.js';
import { DEFAULT_TIMINGS, decide, initialNetState, modeOf, type Action, type NetState, type Timings, type Transition } from './decide.js';

export interface FieldNetworkDeps {
  nmcli: Nmcli;
  board: Pick<StatusBoard, 'patch' | 'setWarnings'>;
  settings: WifiSettings;
  now?: () => number;
  timings?: Timings;
  /** How often the Wi-Fi state is observed. */
  tickMs?: number;
}

/** The Wi-Fi settings a node's config asks for; the AP is SOCCER_CAM_{ID} unless named. */
export function wifiSettings(cfg: Config, ifname = 'wlan0'): WifiSettings {
  return { ifname, meshSsid: cfg.network.meshSsid, apSsid: cfg.network.apSsid ?? `SOCCER_${cfg.camera.id}`, wpa2Key: cfg.network.wpa2Key };
}

/**
 * Runs the Wi-Fi decision against NetworkManager: observes, decides (decide.ts), acts, and
 * publishes network.mode plus a warning while the node is not on the field network.
 * Emits 'transition' (Transition) for the rig log. A failed nmcli call is a warning and is
 * retried on the next tick; it never stops the node.
 */
export class FieldNetwork extends EventEmitter {
  #d: FieldNetworkDeps;
  #now: () => number;
  #state: NetState;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(deps: FieldNetworkDeps) {
    super();
    this.#d = deps;
    this.#now = deps.now ?? Date.now;
    this.#state = initialNetState(this.#now());
  }

  get phase(): NetState['phase'] { return this.#state.phase; }

  async start(): Promise<void> {
    const { nmcli, settings } = this.#d;
    if (!(await nmcli.available().catch(() => false))) {
      this.#warn([{ code: 'NETWORK_UNMANAGED', message: 'NetworkManager (nmcli) is not running: Wi-Fi is not managed by the node' }]);
      return;
    }
    try {
      await nmcli.ensureProfiles(settings);
      await nmcli.powerSaveOff(settings.ifname);
    } catch (err) {
      this.#warn([{ code: 'NETWORK_SETUP_FAILED', message: `cannot set up the Wi-Fi profiles: ${errorMessage(err)}` }]);
    }
    const loop = async (): Promise<void> => {
      await this.tick();
      if (!this.#stopped) this.#timer = setTimeout(() => void loop(), this.#d.tickMs ?? 5000);
    };
    await loop();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  /** One observe-decide-act round (public so tests drive it with their own clock). */
  async tick(): Promise<void> {
    const { nmcli, settings } = this.#d;
    const t = this.#d.timings ?? DEFAULT_TIMINGS;
    const problems: Warning[] = [];
    let active;
    try {
      active = await nmcli.active();
    } catch (err) {
      this.#warn([{ code: 'NETWORK_PROBE_FAILED', message: `cannot read the Wi-Fi state: ${errorMessage(err)}` }]);
      return;
    }
    const on = (name: string) => active.some((c) => c.name === name && c.state === 'activated');
    const obs = { fieldConnected: on(FIELD_PROFILE), apActive: on(AP_PROFILE), visible: null };
    let d = decide(this.#state, obs, this.#now(), settings.meshSsid, t);
    const transitions: Transition[] = d.transition ? [d.transition] : [];
    const scan = await this.#act(d.actions, problems);
    this.#state = d.state;
    if (scan) {
      // A scan's answer is decided on at once: the field network may be back.
      d = decide(this.#state, { ...obs, ...scan }, this.#now(), settings.meshSsid, t);
      if (d.transition) transitions.push(d.transition);
      await this.#act(d.actions, problems);
      this.#state = d.state;
    }
    for (const tr of transitions) this.emit('transition', tr);
    this.#d.board.patch({ network: { mode: modeOf(obs) } });
    if (this.#state.phase === 'ap') {
      problems.unshift({ code: 'NETWORK_AP', message: `field network ${settings.meshSsid} not found: this node runs its own Wi-Fi ${settings.apSsid}` });
    } else if (this.#state.phase === 'joining') {
      problems.unshift({ code: 'NETWORK_JOINING', message: `joining the field network ${settings.meshSsid}` });
    }
    this.#warn(problems);
  }

  /** Runs the actions; returns the scan's outcome when one of them was a scan. */
  async #act(actions: Action[], problems: Warning[]): Promise<{ visible: string[] | null; scanFailed: boolean } | null> {
    const { nmcli, settings } = this.#d;
    let scan: { visible: string[] | null; scanFailed: boolean } | null = null;
    for (const a of actions) {
      try {
        if (a === 'join') await nmcli.up(FIELD_PROFILE);
        else if (a === 'startAp') {
          if (settings.wpa2Key === null) problems.push({ code: 'NETWORK_NO_KEY', message: 'no network.wpa2Key set: the node makes no access point of its own' });
          else await nmcli.up(AP_PROFILE);
        } else if (a === 'stopAp') await nmcli.down(AP_PROFILE);
        else scan = { visible: await nmcli.scan(settings.ifname), scanFailed: false };
      } catch (err) {
        if (a === 'scan') scan = { visible: null, scanFailed: true };
        // A failed join is expected while the field network is away; the decision retries it.
        else if (a !== 'join') problems.push({ code: 'NETWORK_ACTION_FAILED', message: `${a}: ${errorMessage(err)}` });
      }
    }
    return scan;
  }

  #warn(w: Warning[]): void { this.#d.board.setWarnings('network', w); }
}

/**
 * The node's Wi-Fi manager when `network.manage` is on (the Pis), else null (laptops, the demo).
 * Transitions go to `onTransition` (the rig log); stop() it when the node stops.
 */
export function startFieldNetwork(cfg: Config, deps: { board: FieldNetworkDeps['board']; nmcli: Nmcli; onTransition: (t: Transition) => void }): FieldNetwork | null {
  if (!cfg.network.manage) return null;
  const net = new FieldNetwork({ nmcli: deps.nmcli, board: deps.board, settings: wifiSettings(cfg) });
  net.on('transition', deps.onTransition);
  void net.start().catch((err: unknown) =>
    deps.board.setWarnings('network', [{ code: 'NETWORK_SETUP_FAILED', message: `Wi-Fi management stopped: ${errorMessage(err)}` }]));
  return net;
}
