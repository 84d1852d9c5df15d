import test from 'ava';
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chronyConfig } from '../../../runtime/chrony/config.js';
import { ChronySettingsSchema } from '../../../runtime/chrony/config-schema.js';
import { testConfig } from '../../helpers/config.js';

// Decided before any test is declared (ava needs tests declared synchronously after this).
const hasChronyd = (await execa('chronyd', ['--version'], { reject: false })).exitCode === 0;

const rig = (peers: Array<{ host: string; port?: number; cameraId?: string }>) =>
  testConfig('/tmp/chrony', { camera: { id: 'CAM_C' }, peers: peers.map((p) => ({ port: 49737, ...p })) });

const lines = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

test('a LAN rig: peers the others, orphan mode, serves their /24, steps only at boot', (t) => {
  const text = chronyConfig(rig([{ host: '10.42.0.11', cameraId: 'CAM_L' }, { host: '10.42.0.13', cameraId: 'CAM_R' }]));
  t.deepEqual(lines(text), [
    'peer 10.42.0.11 minpoll 0 maxpoll 2 xleave',
    'peer 10.42.0.13 minpoll 0 maxpoll 2 xleave',
    'local stratum 8 orphan',
    'allow 10.42.0.0/24',
    'makestep 1 3',
  ]);
  t.regex(text, /^# soccer-rig CAM_C: generated/);
  t.regex(text, /never jump/, 'the makestep line says why');
  t.notRegex(text, /pidfile|driftfile|bindcmdaddress/, 'a drop-in leaves the daemon files to chrony.conf');
});

test('peers named by host name: served on any address; duplicates once', (t) => {
  const text = chronyConfig(rig([{ host: 'cam-l.local' }, { host: 'cam-r.local' }, { host: 'cam-r.local', port: 1 }]));
  t.deepEqual(lines(text).filter((l) => l.startsWith('peer') || l.startsWith('allow')), [
    'peer cam-l.local minpoll 0 maxpoll 2 xleave',
    'peer cam-r.local minpoll 0 maxpoll 2 xleave',
    'allow',
  ]);
});

test('internet, GPS and PPS sources when configured; explicit allow; standalone files for chronyd -x', (t) => {
  const settings = ChronySettingsSchema.parse({
    allow: ['192.168.4.0/24'], pools: ['2.debian.pool.ntp.org'], servers: ['time.cloudflare.com'],
    gps: { shm: 0, offsetS: 0.15 }, pps: { device: '/dev/pps0' }, localStratum: 10,
  });
  const text = chronyConfig(rig([{ host: '192.168.4.2' }]), {
    settings, files: { pidfile: '/run/x/chronyd.pid', driftfile: '/run/x/drift', cmdSocket: '/run/x/chronyd.sock' },
  });
  const l = lines(text);
  for (const want of [
    'local stratum 10 orphan',
    'allow 192.168.4.0/24',
    'pool 2.debian.pool.ntp.org iburst',
    'server time.cloudflare.com iburst',
    'refclock SHM 0 refid GPS poll 3 precision 1e-1 offset 0.15 delay 0.2 noselect',
    'refclock PPS /dev/pps0 lock GPS refid PPS poll 2 precision 1e-7 prefer',
    'pidfile /run/x/chronyd.pid',
    'driftfile /run/x/drift',
    'bindcmdaddress /run/x/chronyd.sock',
    'cmdport 0',
  ]) t.true(l.includes(want), want);
  const gpsOnly = lines(chronyConfig(rig([]), { settings: ChronySettingsSchema.parse({ gps: {} }) }));
  t.true(gpsOnly.includes('refclock SHM 0 refid GPS poll 3 precision 1e-1 offset 0.2 delay 0.2'), 'GPS alone is selectable');
  t.false(gpsOnly.some((x) => x.startsWith('refclock PPS')));
});

test('settings: defaults, and PPS without GPS is refused naming the field', (t) => {
  t.deepEqual(ChronySettingsSchema.parse(undefined), { allow: [], servers: [], pools: [], gps: null, pps: null, localStratum: 8 });
  const r = ChronySettingsSchema.safeParse({ pps: { device: '/dev/pps0' } });
  t.false(r.success);
  t.deepEqual(r.error?.issues[0]?.path, ['pps']);
  t.false(ChronySettingsSchema.safeParse({ bogus: 1 }).success);
});

(hasChronyd ? test : test.skip)('real chronyd accepts every generated config (chronyd -p parses it)', async (t) => {
  if (!hasChronyd) t.log('skipped: chronyd is not installed');
  const dir = await mkdtemp(join(tmpdir(), 'sync-chrony-conf-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const files = { pidfile: join(dir, 'pid'), driftfile: join(dir, 'drift'), cmdSocket: join(dir, 'sock') };
  const settings = ChronySettingsSchema.parse({ pools: ['2.debian.pool.ntp.org'], servers: ['time.cloudflare.com'], gps: {}, pps: {} });
  const variants = [
    chronyConfig(rig([{ host: '10.42.0.11' }, { host: '10.42.0.13' }])),
    chronyConfig(rig([{ host: 'cam-l.local' }]), { settings, files }),
  ];
  for (const [i, text] of variants.entries()) {
    const file = join(dir, `c${i}.conf`);
    await writeFile(file, text);
    const r = await execa('chronyd', ['-p', '-f', file], { reject: false });
    t.is(r.exitCode, 0, r.stderr);
    t.true(r.stdout.includes('local stratum'), r.stdout);
  }
});
