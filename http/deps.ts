import type {} from '@fastify/swagger';
import type { Logger } from 'pino';
import type { ConfigStore } from '../runtime/config/store.js';
import type { LogSink } from '../runtime/logging.js';
import type { StatusBoard } from '../runtime/status.js';
import type { Metrics } from '../runtime/metrics.js';
import type { Ref } from 'nact';
import type { RecorderMsg } from '../actors/recorder/actor.js';
import type { RigApi } from '../actors/rig/rig-api.js';
import type { UpdateRouteDeps } from './routes/update.js';
import type { Retention } from '../actors/housekeeper/retention-run.js';

/** Everything the HTTP layer may touch. buildApp never reaches past these. */
export interface AppDeps {
  board: StatusBoard;
  config: ConfigStore;
  logs: LogSink;
  log: Logger;
  metrics: Metrics;
  /** The Recorder actor; absent in tests of routes that do not need it. */
  recorder?: Ref<RecorderMsg>;
  /** The rig membership (replicated view, start-all); absent in tests of other routes. */
  rig?: RigApi;
  /** The node's retention: the one deletion path (rules and operator), each deletion into the rig log. Absent in route tests. */
  retention?: Pick<Retention, 'deleteOffloaded' | 'kick'>;
  /** The Updater's API (and the rig's nodes for a rig-wide apply); absent: /update/* answers 404. */
  update?: UpdateRouteDeps;
  /** Stops this node (and powers the machine off when configured); called after the answer is sent. */
  shutdown?: (reason: string) => void;
  /** SSE heartbeat period; tests shorten it. */
  heartbeatMs?: number;
  /** This machine's names and addresses for the Host check; tests inject them. */
  ownHosts?: () => string[];
  now?: () => number;
}
