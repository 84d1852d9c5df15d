import test from 'ava';
import { assessHealth, bytesPerMinute } from '../../actors/health.js';
import { testConfig } from '../helpers/config.js';

const cfg = testConfig('/tmp/x', { video: { bitrateMbps: 30 } });
const GB = 1e9;
const base = { temperatureC: 50, loadPercent: 10, batteryPercent: null };

test('minutes left follow the configured bitrate', (t) => {
  const a = assessHealth({ ...base, disk: { freeBytes: 100 * GB, totalBytes: 200 * GB } }, cfg);
  t.is(a.storage.minutesLeft, Math.floor(100 * GB / bytesPerMinute(30)));
  t.true(a.storage.minutesLeft! > 110 && a.storage.minutesLeft! < 450, String(a.storage.minutesLeft));
  t.deepEqual(a.warnings, []);
  t.deepEqual(a.blocks, []);
});

const cases: Array<[string, Parameters<typeof assessHealth>[0], string[], string[]]> = [
  ['disk low (12 %)', { ...base, disk: { freeBytes: 12 * GB, totalBytes: 100 * GB } }, ['DISK_LOW'], []],
  ['disk critical (8 %)', { ...base, disk: { freeBytes: 8 * GB, totalBytes: 100 * GB } }, ['DISK_CRITICAL'], ['DISK_CRITICAL']],
  ['data dir missing', { ...base, disk: { error: 'ENOENT' } }, ['DATA_DIR_UNAVAILABLE'], ['DATA_DIR_UNAVAILABLE']],
  ['battery low', { ...base, disk: { freeBytes: 90 * GB, totalBytes: 100 * GB }, batteryPercent: 15 }, ['BATTERY_LOW'], []],
  ['battery critical', { ...base, disk: { freeBytes: 90 * GB, totalBytes: 100 * GB }, batteryPercent: 5 }, ['BATTERY_CRITICAL'], ['BATTERY_CRITICAL']],
  ['battery unreadable', { ...base, disk: { freeBytes: 90 * GB, totalBytes: 100 * GB }, batteryPercent: { error: 'EIO' } }, ['BATTERY_UNKNOWN'], []],
  ['temperature high', { ...base, disk: { freeBytes: 90 * GB, totalBytes: 100 * GB }, temperatureC: 77 }, ['TEMP_HIGH'], []],
  ['temperature critical', { ...base, disk: { freeBytes: 90 * GB, totalBytes: 100 * GB }, temperatureC: 84 }, ['TEMP_CRITICAL'], ['TEMP_CRITICAL']],
  ['no sensors at all', { temperatureC: null, loadPercent: null, batteryPercent: null, disk: { freeBytes: 90 * GB, totalBytes: 100 * GB } }, [], []],
];

for (const [name, sample, warnings, blocks] of cases) {
  test(`health: ${name}`, (t) => {
    const a = assessHealth(sample, cfg);
    t.deepEqual(a.warnings.map((w) => w.code), warnings);
    t.deepEqual(a.blocks.map((w) => w.code), blocks);
    for (const w of a.warnings) t.true(w.message.length > 5);
  });
}

test('unknown readings stay null, never invented', (t) => {
  const a = assessHealth({ temperatureC: null, loadPercent: null, batteryPercent: null, disk: { error: 'EACCES' } }, cfg);
  t.deepEqual(a.storage, { freeBytes: null, totalBytes: null, minutesLeft: null });
  t.is(a.temperatureC, null);
  t.is(a.batteryPercent, null);
});
