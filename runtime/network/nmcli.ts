import type { ProcessRunner, RunResult } from '../../actors/recorder/runner.js';
import { RigError } from '../errors.js';

/**
 * NetworkManager through `nmcli`, the one tool Raspberry Pi OS Bookworm manages Wi-Fi with.
 * The node owns two connection profiles, so reading state never depends on SSIDs or on
 * localised device states: `soccer-rig-field` (join the field network) and `soccer-rig-ap`
 * (its own access point). Every call uses terse output (`-t`), whose fields are ':'-separated
 * with ':' and '\' inside values escaped by a backslash.
 */

export const FIELD_PROFILE = 'soccer-rig-field';
export const AP_PROFILE = 'soccer-rig-ap';

export interface WifiSettings {
  ifname: string;
  meshSsid: string;
  apSsid: string;
  /** null: the field network is open and no access point is made (an open AP would let anyone in). */
  wpa2Key: string | null;
}

export interface ActiveConnection { name: string; type: string; device: string; state: string }

/** Splits one terse nmcli line into fields, undoing its backslash escapes. */
export function splitTerse(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) cur += line[++i];
    else if (c === ':') { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out;
}

export function parseActive(stdout: string): ActiveConnection[] {
  return stdout.split('\n').filter(Boolean).map((l) => {
    const [name = '', type = '', device = '', state = ''] = splitTerse(l);
    return { name, type, device, state };
  });
}

/** `nmcli -t -f SSID,SIGNAL,SECURITY device wifi list`: the distinct non-hidden SSIDs. */
export function parseScan(stdout: string): string[] {
  const seen = new Set<string>();
  for (const l of stdout.split('\n').filter(Boolean)) {
    const ssid = splitTerse(l)[0] ?? '';
    if (ssid && ssid !== '--') seen.add(ssid);
  }
  return [...seen];
}

export interface Nmcli {
  available(): Promise<boolean>;
  active(): Promise<ActiveConnection[]>;
  profiles(): Promise<string[]>;
  /** Creates or updates both profiles (idempotent), power saving off on both. */
  ensureProfiles(s: WifiSettings): Promise<void>;
  up(profile: string): Promise<void>;
  down(profile: string): Promise<void>;
  scan(ifname: string): Promise<string[]>;
  /** `iw dev <if> set power_save off`, best effort: the profiles already ask for it. */
  powerSaveOff(ifname: string): Promise<void>;
}

export function createNmcli(runner: ProcessRunner, opts: { nmcli?: string; iw?: string; timeoutMs?: number } = {}): Nmcli {
  const file = opts.nmcli ?? 'nmcli';
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const run = async (args: string[]): Promise<RunResult> => {
    const r = await runner.run({ file, args }, { timeoutMs });
    if (r.spawnError) throw new RigError('NMCLI_MISSING', `${file} cannot run: ${r.spawnError}`);
    if (r.code !== 0) throw new RigError('NMCLI_FAILED', `nmcli ${redact(args).join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
    return r;
  };
  const profileArgs = (s: WifiSettings, ap: boolean): string[] => {
    const sec = s.wpa2Key === null ? [] : ['wifi-sec.key-mgmt', 'wpa-psk', 'wifi-sec.psk', s.wpa2Key];
    // powersave 2 = disable: power save adds 50–150 ms of latency to every packet.
    const common = ['connection.interface-name', s.ifname, '802-11-wireless.powersave', '2', ...sec];
    return ap
      ? ['802-11-wireless.ssid', s.apSsid, '802-11-wireless.mode', 'ap', '802-11-wireless.band', 'bg',
          'ipv4.method', 'shared', 'connection.autoconnect', 'no', ...common]
      : ['802-11-wireless.ssid', s.meshSsid, '802-11-wireless.mode', 'infrastructure',
          'connection.autoconnect', 'yes', ...common];
  };
  const self: Nmcli = {
    async available() {
      const r = await runner.run({ file, args: ['-t', '-f', 'RUNNING', 'general'] }, { timeoutMs });
      return r.code === 0 && r.stdout.trim() === 'running';
    },
    async active() {
      return parseActive((await run(['-t', '-f', 'NAME,TYPE,DEVICE,STATE', 'connection', 'show', '--active'])).stdout);
    },
    async profiles() {
      return (await run(['-t', '-f', 'NAME', 'connection', 'show'])).stdout.split('\n').filter(Boolean).map((l) => splitTerse(l)[0]!);
    },
    async ensureProfiles(s) {
      const have = new Set(await self.profiles());
      for (const [name, ap] of [[FIELD_PROFILE, false], [AP_PROFILE, true]] as const) {
        if (ap && s.wpa2Key === null) continue;
        if (have.has(name)) await run(['connection', 'modify', name, ...profileArgs(s, ap)]);
        else await run(['connection', 'add', 'type', 'wifi', 'con-name', name, 'ifname', s.ifname, ...profileArgs(s, ap)]);
      }
    },
    async up(profile) { await run(['--wait', '20', 'connection', 'up', profile]); },
    async down(profile) { await run(['connection', 'down', profile]); },
    async scan(ifname) {
      return parseScan((await run(['-t', '-f', 'SSID,SIGNAL,SECURITY', 'device', 'wifi', 'list', 'ifname', ifname, '--rescan', 'yes'])).stdout);
    },
    async powerSaveOff(ifname) {
      await runner.run({ file: opts.iw ?? 'iw', args: ['dev', ifname, 'set', 'power_save', 'off'] }, { timeoutMs: 5000 });
    },
  };
  return self;
}

/** The passphrase never reaches a log line or an error message. */
function redact(args: string[]): string[] {
  return args.map((a, i) => (args[i - 1] === 'wifi-sec.psk' ? '***' : a));
}
