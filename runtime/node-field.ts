import type { Logger } from './logging.js';
import type { ConfigStore } from './config/store.js';
import type { NodeStatus, StatusBoard } from './status.js';
import { startFieldNetwork, type FieldNetwork } from './network/field-network.js';
import { createNmcli } from './network/nmcli.js';
import type { Transition } from './network/decide.js';
import { HealthTones } from '../actors/tones.js';
import { createTonePlayer, type TonePlayer } from '../actors/recorder/tone.js';
import type { ProcessRunner } from '../actors/recorder/runner.js';

/**
 * The node on the field (issue 12): the Wi-Fi manager when network.manage is on (joins the rig
 * network, falls back to its own access point; each change goes to the rig log through
 * `onTransition`), and the health tones an operator at the camera hears. Both stop with the node.
 */
export interface NodeField { network: FieldNetwork | null; tones: HealthTones; stop(): void }

export function startField(d: {
  store: ConfigStore; board: StatusBoard; log: Logger; runner: ProcessRunner;
  onTransition: (t: Transition) => void;
}): NodeField {
  const network = startFieldNetwork(d.store.current, {
    board: d.board, nmcli: createNmcli(d.runner),
    onTransition: (t) => {
      d.log.info({ code: 'NETWORK_TRANSITION', from: t.from, to: t.to }, `network: ${t.from} -> ${t.to} (${t.reason})`);
      d.onTransition(t);
    },
  });
  let player: Promise<TonePlayer> | null = null;
  const tones = new HealthTones({
    player: () => (player ??= createTonePlayer(d.runner)),
    syncLimitMs: () => d.store.current.thresholds.syncOffsetMs,
    onError: (err) => d.log.warn({ err, code: 'TONE_FAILED' }, 'could not play a health tone'),
  });
  const observe = (s: NodeStatus): void => tones.observe(s);
  d.board.on('change', observe);
  return {
    network, tones,
    stop() {
      network?.stop();
      d.board.off('change', observe);
    },
  };
}
