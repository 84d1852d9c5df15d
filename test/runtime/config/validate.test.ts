import test from 'ava';
import { validateConfig, formatProblems } from '../../../runtime/config/validate.js';
import { migrate } from '../../../runtime/config/migrate.js';

const minimal = { version: 1, camera: { id: 'CAM_C' } };

test('a minimal config gets safe defaults and the AP SSID pattern', (t) => {
  const r = validateConfig(minimal);
  if (!r.ok) return t.fail(formatProblems(r.problems));
  t.is(r.config.mode, 'production');
  t.is(r.config.video.codec, 'h265');
  t.is(r.config.thresholds.diskWarnPercent, 15);
  t.is(r.config.thresholds.diskBlockPercent, 10);
  t.is(r.config.thresholds.batteryWarnPercent, 20);
  t.is(r.config.thresholds.batteryBlockPercent, 10);
  t.is(r.config.thresholds.syncOffsetMs, 5);
  t.is(r.config.logging.dir, '/var/log/soccer_rig');
  t.is(r.config.network.apSsid, 'SOCCER_CAM_C');
  t.is(r.config.api.token, null);
  t.deepEqual(r.notices, []);
});

const bad: Array<[string, unknown, string, RegExp]> = [
  ['unknown camera id', { ...minimal, camera: { id: 'CAM_X' } }, 'camera.id', /CAM_L/],
  ['missing camera', { version: 1 }, 'camera', /required|expected object/],
  ['typo in a key', { ...minimal, video: { bitrateMpbs: 30 } }, 'video.bitrateMpbs', /unknown field/],
  ['unknown top-level key', { ...minimal, colour: 'red' }, 'colour', /unknown field/],
  ['port as string', { ...minimal, http: { port: '8080' } }, 'http.port', /number/],
  ['port out of range', { ...minimal, http: { port: 70000 } }, 'http.port', /65535/],
  ['fps zero', { ...minimal, video: { fps: 0 } }, 'video.fps', /1/],
  ['odd width', { ...minimal, video: { width: 641, height: 360 } }, 'video.width', /even/],
  ['short wpa2 key', { ...minimal, network: { wpa2Key: 'short' } }, 'network.wpa2Key', /8/],
  ['short rig secret', { ...minimal, rig: { secret: 'abc' } }, 'rig.secret', /16/],
  ['block above warn', { ...minimal, thresholds: { diskWarnPercent: 5, diskBlockPercent: 10 } }, 'thresholds.diskBlockPercent', /diskWarnPercent/],
  ['temperature order', { ...minimal, thresholds: { temperatureWarnC: 90, temperatureBlockC: 80 } }, 'thresholds.temperatureWarnC', /temperatureBlockC/],
  ['v4l2 without device', { ...minimal, camera: { id: 'CAM_C', source: 'v4l2' } }, 'camera.device', /required/],
  ['bad battery provider', { ...minimal, battery: { provider: 'solar' } }, 'battery.provider', /.+/],
  ['peer without port', { ...minimal, peers: [{ host: 'cam-r.local' }] }, 'peers[0].port', /required|number/],
  ['future version', { ...minimal, version: 9 }, 'version', /1/],
  ['not an object', 'hello', '(root)', /object/],
];

for (const [name, input, path, message] of bad) {
  test(`rejects ${name} naming ${path}`, (t) => {
    const r = validateConfig(input);
    if (r.ok) return t.fail('accepted');
    const p = r.problems.find((x) => x.path === path);
    t.truthy(p, `problems were: ${formatProblems(r.problems)}`);
    t.regex(p!.message, message);
  });
}

test('every problem is reported, not just the first', (t) => {
  const r = validateConfig({ version: 1, camera: { id: 'CAM_Q' }, http: { port: -1 }, video: { fps: 'fast' } });
  if (r.ok) return t.fail('accepted');
  t.deepEqual(r.problems.map((p) => p.path).sort(), ['camera.id', 'http.port', 'video.fps']);
  t.regex(formatProblems(r.problems), /^camera\.id: .+\nhttp\.port: .+\nvideo\.fps: .+$/m);
});

test('4K bitrate is clamped to 25–35 Mbps with a notice naming the key', (t) => {
  const hi = validateConfig({ ...minimal, video: { width: 3840, height: 2160, bitrateMbps: 50 } });
  if (!hi.ok) return t.fail();
  t.is(hi.config.video.bitrateMbps, 35);
  t.regex(hi.notices[0]!, /^video\.bitrateMbps: 50 Mbps clamped to 35 Mbps/);
  const lo = validateConfig({ ...minimal, video: { width: 3840, height: 2160, bitrateMbps: 10 } });
  if (!lo.ok) return t.fail();
  t.is(lo.config.video.bitrateMbps, 25);
  const hd = validateConfig({ ...minimal, video: { width: 1920, height: 1080, bitrateMbps: 10 } });
  if (!hd.ok) return t.fail();
  t.is(hd.config.video.bitrateMbps, 10, 'below 4K the bitrate is left alone');
  t.deepEqual(hd.notices, []);
});

test('a version 0 (flat prototype) file is migrated to version 1', (t) => {
  const v0 = { cameraId: 'CAM_R', port: 8083, dataDir: '/mnt/nvme', resolution: '1920x1080', fps: 25, codec: 'h264', bitrate: 12 };
  const m = migrate(v0);
  t.true(m.migrated);
  t.is(m.fromVersion, 0);
  const r = validateConfig(v0);
  if (!r.ok) return t.fail(formatProblems(r.problems));
  t.is(r.migratedFrom, 0);
  t.is(r.config.version, 1);
  t.is(r.config.camera.id, 'CAM_R');
  t.is(r.config.http.port, 8083);
  t.is(r.config.storage.dataDir, '/mnt/nvme');
  t.deepEqual([r.config.video.width, r.config.video.height, r.config.video.fps], [1920, 1080, 25]);
  t.is(r.config.video.codec, 'h264');
  t.is(r.config.video.bitrateMbps, 12);
});

test('a current file is not migrated', (t) => {
  const r = validateConfig(minimal);
  if (!r.ok) return t.fail();
  t.is(r.migratedFrom, null);
});

test('a v0 file with a broken resolution is reported, not silently dropped', (t) => {
  const r = validateConfig({ cameraId: 'CAM_L', resolution: 'big' });
  if (r.ok) return t.fail('accepted');
  t.truthy(r.problems.find((p) => p.path === 'video.resolution'));
});

test('a retired key (updater.source) is dropped with a notice, so an older config still starts', (t) => {
  const r = validateConfig({ version: 1, camera: { id: 'CAM_C' }, updater: { source: '/mnt/usb/releases' } });
  if (!r.ok) return t.fail(JSON.stringify(r.problems));
  t.false('source' in r.config.updater);
  t.is(r.config.updater.repo, null);
  t.true(r.notices.some((n) => n.startsWith('updater.source: retired')));
});
