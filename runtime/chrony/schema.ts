import { z } from 'zod';

/**
 * What the node says about its chrony daemon (status `sync.chrony`). `state`:
 *  - synchronised: chrony follows a source it can reach (or leads the rig in orphan mode);
 *  - holdover: chrony still keeps the last reference but no source is reachable now (a
 *    leader vanished; the clock free-runs on its trained frequency);
 *  - unsynchronised: chrony runs but has no reference;
 *  - unavailable: chronyc is missing, the daemon is not running, or its output was unreadable.
 */
export const ChronyStatusSchema = z.object({
  state: z.enum(['synchronised', 'holdover', 'unsynchronised', 'unavailable']),
  synchronised: z.boolean(),
  stratum: z.number().nullable(),
  reference: z.string().nullable().describe("The reference's name or address; 'local' when this node leads in orphan mode"),
  offsetMs: z.number().nullable().describe('This clock minus the reference, ms (positive: ahead)'),
  estimatedErrorMs: z.number().nullable().describe('Root delay / 2 + root dispersion, ms'),
  leap: z.string().nullable(),
  sources: z.object({ total: z.number(), reachable: z.number(), selected: z.string().nullable() }),
  warning: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type ChronyStatus = z.infer<typeof ChronyStatusSchema>;

/** One peer's measured offset in status `sync.peers`. */
export const SyncPeerSchema = z.object({
  offsetMs: z.number().describe("The peer's clock minus this node's clock, ms"),
  vsRigMs: z.number().nullable().describe("The peer's clock minus rig time, ms; null while rig time is unknown"),
  rttMs: z.number(),
  errorMs: z.number(),
  ageMs: z.number(),
});
export type SyncPeer = z.infer<typeof SyncPeerSchema>;
