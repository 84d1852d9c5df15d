import { z } from 'zod';

/**
 * The `chrony` section of node.yaml: only what the rig cannot derive from its peers list.
 * Everything is optional; a rig on an isolated field LAN needs none of it.
 * (Wired into ConfigSchema as `chrony: ChronySettingsSchema,`.)
 */
export const ChronySettingsSchema = z.strictObject({
  allow: z.array(z.string().min(1)).default([])
    .describe('Networks chrony serves time to (CIDR, e.g. 10.42.0.0/24); empty: the /24 of every peer given by IPv4 address, or any address when peers are named'),
  servers: z.array(z.string().min(1)).default([])
    .describe('Internet NTP servers, used whenever reachable (e.g. time.cloudflare.com)'),
  pools: z.array(z.string().min(1)).default([])
    .describe('Internet NTP pools, used whenever reachable (e.g. 2.debian.pool.ntp.org)'),
  gps: z.strictObject({
    shm: z.number().int().min(0).max(3).default(0).describe('gpsd shared-memory segment carrying the NMEA time'),
    offsetS: z.number().min(-1).max(1).default(0.2).describe('NMEA sentence delay to correct, seconds (receiver specific)'),
  }).nullable().default(null).describe('A GPS receiver served by gpsd; null: none'),
  pps: z.strictObject({
    device: z.string().min(1).default('/dev/pps0').describe('Kernel PPS device of the GPS pulse-per-second line'),
  }).nullable().default(null).describe('A GPS PPS signal (needs gps for the seconds); null: none'),
  localStratum: z.number().int().min(2).max(15).default(8)
    .describe('Stratum the rig claims when no better source exists (orphan mode); the same on every node'),
}).refine((v) => v.pps === null || v.gps !== null, { message: 'pps needs gps: the pulse marks the second, GPS numbers it', path: ['pps'] }).default({ allow: [], servers: [], pools: [], gps: null, pps: null, localStratum: 8 });

export type ChronySettings = z.infer<typeof ChronySettingsSchema>;
