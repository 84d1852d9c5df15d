import { dispatch, type Ref } from 'nact';
import type { ActorDef } from '../runtime/actor.js';
import type { Config } from '../runtime/config/schema.js';
import type { StatusBoard } from '../runtime/status.js';
import type { SystemProbe } from '../runtime/system-probe.js';
import { errorMessage } from '../runtime/errors.js';
import { assessHealth, type HealthAssessment, type HealthSample } from './health.js';
import { StorageWatch } from './housekeeper/storage-watch.js';

export type HousekeeperMsg =
  | { type: 'tick' }
  | { type: 'check'; replyTo: Ref<HealthAssessment> };

interface State { timer: NodeJS.Timeout | null; last: HealthAssessment | null; lastAt: number }

export interface HousekeeperDeps {
  probe: SystemProbe;
  board: StatusBoard;
  config: () => Config;
  intervalMs?: number;
  now?: () => number;
  /** Mount, write and SMART checks of the data directory (default: the real ones); null: off. */
  storage?: StorageWatch | null;
}

/** A start gate may use an assessment this fresh instead of sampling again (keeps starts fast). */
const FRESH_MS = 1000;

/**
 * Watches the node's health: free space and minutes left at the configured
 * bitrate, CPU temperature and load, battery. Publishes it into status with
 * coded warnings, and answers 'check' with a fresh assessment for the start gates.
 * Sensors that are simply absent (no battery, no thermal zone) read as null;
 * an unexpected probe failure crashes the actor and supervision restarts it.
 */
export function housekeeper(deps: HousekeeperDeps): ActorDef<State, HousekeeperMsg> {
  const now = deps.now ?? Date.now;
  const storage = deps.storage === undefined ? new StorageWatch({}, { now }) : deps.storage;
  return {
    name: 'housekeeper',
    init(self) {
      dispatch(self, { type: 'tick' });
      return { timer: null, last: null, lastAt: 0 };
    },
    async handle(state, msg, self) {
      if (msg.type === 'check' && state.last && now() - state.lastAt < FRESH_MS) {
        dispatch(msg.replyTo, state.last);
        return state;
      }
      const assessment = await sampleAndPublish(deps, storage, msg.type === 'check');
      if (msg.type === 'check') {
        dispatch(msg.replyTo, assessment);
        return { ...state, last: assessment, lastAt: now() };
      }
      // The next tick is scheduled after this one finished: on a loaded machine slow samples
      // must not pile up in the mailbox ahead of a start gate's 'check'.
      const timer = setTimeout(() => dispatch(self, { type: 'tick' }), deps.intervalMs ?? deps.config().housekeeping.intervalMs);
      timer.unref();
      return { timer, last: assessment, lastAt: now() };
    },
    cleanup(state) {
      if (state.timer) clearTimeout(state.timer);
    },
  };
}

async function sampleAndPublish(deps: HousekeeperDeps, storage: StorageWatch | null, fresh: boolean): Promise<HealthAssessment> {
  const cfg = deps.config();
  const sample: HealthSample = {
    disk: await deps.probe.disk(cfg.storage.dataDir).catch((err: unknown) => ({ error: errorMessage(err) })),
    batteryPercent: await deps.probe.batteryPercent().catch((err: unknown) => ({ error: errorMessage(err) })),
    temperatureC: await deps.probe.temperatureC(),
    loadPercent: await deps.probe.loadPercent(),
  };
  const a = assessHealth(sample, cfg);
  if (storage) {
    // Storage gates travel in the assessment's blocks, which the recorder's start gates already honour.
    const s = await storage.check(cfg.storage, fresh);
    a.warnings.push(...s.warnings);
    a.blocks.push(...s.blocks);
  }
  deps.board.patch({
    storage: a.storage,
    temperatureC: a.temperatureC,
    batteryPercent: a.batteryPercent,
    cpu: { loadPercent: a.loadPercent },
  });
  deps.board.setWarnings('housekeeper', a.warnings);
  return a;
}
