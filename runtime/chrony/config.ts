import { isIPv4 } from 'node:net';
import type { Config } from '../config/schema.js';
import { ChronySettingsSchema, type ChronySettings } from './config-schema.js';

/**
 * chrony configuration for one node, generated from its node config, so the rig's clocks agree
 * with no master: every node serves the LAN and polls every other node as a symmetric peer;
 * orphan mode (`local stratum N orphan`) lets them agree among themselves when nothing better
 * exists (the node with the lowest reference id, i.e. address, leads; the others follow at N+1;
 * when the leader goes, the others keep its time in holdover and one of them takes over once
 * its root distance exceeds `local distance`). Internet servers, GPS and PPS, when configured,
 * are better sources (lower stratum) and win automatically.
 *
 * The text is the drop-in /etc/chrony/conf.d/soccer-rig.conf; `files` makes it a standalone
 * file (tests run `chronyd -x -f` on it, with their own pid file, drift file and command socket).
 */

export interface ChronyFiles {
  pidfile: string;
  driftfile: string;
  /** chronyd's Unix command socket (its directory must be mode 0700). */
  cmdSocket: string;
}

export interface ChronyConfigOptions {
  files?: ChronyFiles;
  /** The chrony section of node.yaml, when the node config carries one. */
  settings?: ChronySettings;
}

/** LAN poll intervals: 2^0 = 1 s to 2^2 = 4 s, so a rig converges in seconds, not minutes. */
const LAN_POLL = 'minpoll 0 maxpoll 2';

export function chronyConfig(config: Config, options: ChronyConfigOptions = {}): string {
  const s = options.settings ?? ChronySettingsSchema.parse(undefined);
  const peers = [...new Set(config.peers.map((p) => p.host))];
  const lines: string[] = [
    `# soccer-rig ${config.camera.id}: generated from node.yaml; edits are overwritten.`,
    '',
    '# The other rig nodes, as symmetric peers on LAN intervals (interleaved mode for accuracy).',
    ...peers.map((host) => `peer ${host} ${LAN_POLL} xleave`),
    '',
    '# Leaderless time on an isolated LAN: all nodes claim the same stratum; the lowest',
    '# reference id leads, the others follow it, and any of them can take over.',
    `local stratum ${s.localStratum} orphan`,
    '',
    '# Serve the rig.',
    ...allowLines(config, s),
    '',
    '# Step the clock only in the first 3 updates after chronyd starts (boot, before the node',
    '# records); afterwards it is only slewed, so a recording\'s timestamps never jump. A Pi',
    '# without an RTC battery boots minutes or days off, which only a step fixes quickly.',
    'makestep 1 3',
  ];
  const better = [
    ...s.pools.map((p) => `pool ${p} iburst`),
    ...s.servers.map((h) => `server ${h} iburst`),
    ...gpsLines(s),
  ];
  if (better.length > 0) lines.push('', '# Better sources when present (lower stratum than the rig\'s own).', ...better);
  if (options.files) {
    const f = options.files;
    lines.push('', '# Standalone files (this is not a drop-in).', `pidfile ${f.pidfile}`, `driftfile ${f.driftfile}`, `bindcmdaddress ${f.cmdSocket}`, 'cmdport 0');
  }
  return `${lines.join('\n')}\n`;
}

function allowLines(config: Config, s: ChronySettings): string[] {
  if (s.allow.length > 0) return s.allow.map((a) => `allow ${a}`);
  const hosts = config.peers.map((p) => p.host);
  if (hosts.length > 0 && hosts.every((h) => isIPv4(h))) {
    return [...new Set(hosts.map((h) => `${h.split('.').slice(0, 3).join('.')}.0/24`))].map((n) => `allow ${n}`);
  }
  // Peers named by host name (mDNS): their addresses are unknown here, so serve any address.
  return ['allow'];
}

function gpsLines(s: ChronySettings): string[] {
  if (!s.gps) return [];
  const nmea = `refclock SHM ${s.gps.shm} refid GPS poll 3 precision 1e-1 offset ${s.gps.offsetS} delay 0.2`;
  // With PPS, NMEA only numbers the seconds (noselect); the pulse gives the edge.
  if (!s.pps) return [nmea];
  return [`${nmea} noselect`, `refclock PPS ${s.pps.device} lock GPS refid PPS poll 2 precision 1e-7 prefer`];
}
