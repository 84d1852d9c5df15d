import test from 'ava';
import { waitFor } from '../helpers/net.js';
import { start, stop, query } from 'nact';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnSupervised } from '../../runtime/actor.js';
import { housekeeper } from '../../actors/housekeeper.js';
import { StatusBoard } from '../../runtime/status.js';
import { LogSink, createLogger } from '../../runtime/logging.js';
import { createSystemProbe, batteryProvider, parsePercent } from '../../runtime/system-probe.js';
import { blankStatus } from '../helpers/app.js';
import { testConfig } from '../helpers/config.js';
import { fakeProbe } from '../helpers/probe.js';
import { tempDir } from '../helpers/tmp.js';
import { StorageWatch } from '../../actors/housekeeper/storage-watch.js';

function setup(t: any, probe = fakeProbe(), cfg = testConfig('/tmp/hk'), storage: StorageWatch | null = null) {
  const system = start();
  const board = new StatusBoard(blankStatus());
  const sink = new LogSink('production', '/nonexistent', 'test', { stdout: () => undefined, stderr: () => undefined });
  const a = spawnSupervised(system, housekeeper({ probe, board, config: () => cfg, intervalMs: 50, storage }), createLogger(sink));
  t.teardown(async () => { await a.stop(); stop(system); });
  return { a, board };
}

test('publishes storage, temperature, load and battery into status, with warnings', async (t) => {
  const { a, board } = setup(t, fakeProbe({ disk: async () => ({ freeBytes: 12e9, totalBytes: 100e9 }), batteryPercent: async () => 64 }));
  const assessed = await query(a.ref, (replyTo) => ({ type: 'check' as const, replyTo }), 2000);
  t.deepEqual(assessed.blocks, []);
  const s = board.snapshot();
  t.is(s.storage.freeBytes, 12e9);
  t.true(s.storage.minutesLeft! > 0);
  t.is(s.temperatureC, 55);
  t.is(s.cpu.loadPercent, 12.5);
  t.is(s.batteryPercent, 64);
  t.deepEqual(s.warnings.map((w) => w.code), ['DISK_LOW']);
});

test('warnings clear when the condition clears, and each change is pushed', async (t) => {
  let free = 5e9;
  const { board } = setup(t, fakeProbe({ disk: async () => ({ freeBytes: free, totalBytes: 100e9 }) }));
  const seen: string[][] = [];
  board.on('change', (s) => seen.push(s.warnings.map((w: { code: string }) => w.code)));
  await waitFor(async () => seen.some((w) => w.includes('DISK_CRITICAL')), 5_000, 10);
  free = 50e9;
  await waitFor(async () => board.snapshot().warnings.length === 0, 5_000, 10);
  t.deepEqual(board.snapshot().warnings, []);
  t.deepEqual(seen[seen.length - 1], [], 'the clearing was pushed as a change');
});

test('the real probe reads the real data directory and this machine', async (t) => {
  const dir = await tempDir(t);
  const probe = createSystemProbe({ provider: 'none' });
  const d = await probe.disk(dir);
  t.true(d.totalBytes > 0 && d.freeBytes > 0 && d.freeBytes <= d.totalBytes);
  await t.throwsAsync(probe.disk(join(dir, 'missing')), { code: 'ENOENT' });
  const temp = await probe.temperatureC();
  t.true(temp === null || (temp > -40 && temp < 130), String(temp));
  const load = await probe.loadPercent();
  t.true(load === null || (load >= 0 && load <= 100), String(load));
  t.is(await probe.batteryPercent(), null);
});

test('battery providers: sysfs file and a command (UPS HAT)', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'BAT0'));
  const cap = join(dir, 'BAT0', 'capacity');
  await writeFile(cap, '73\n');
  t.is(await batteryProvider({ provider: 'sysfs', path: cap })(), 73);
  t.is(await batteryProvider({ provider: 'command', command: ['echo', '41%'] })(), 41);
  await t.throwsAsync(batteryProvider({ provider: 'command', command: ['echo', 'charging'] })(), { message: /not a battery percentage/ });
  await t.throwsAsync(batteryProvider({ provider: 'sysfs', path: join(dir, 'nope') })());
  t.is(parsePercent(' 99.5 '), 99.5);
  t.throws(() => parsePercent('120'));
});

test('storage checks: a data dir not on its configured mount is a start block and a warning on the board', async (t) => {
  const dir = await tempDir(t);
  const cfg = testConfig(dir, { storage: { dataDir: dir, mountPoint: join(dir, 'nvme') } });
  const { a, board } = setup(t, fakeProbe({ disk: async () => ({ freeBytes: 80e9, totalBytes: 100e9 }) }), cfg, new StorageWatch());
  const assessed = await query(a.ref, (replyTo) => ({ type: 'check' as const, replyTo }), 2000);
  t.deepEqual(assessed.blocks.map((b: { code: string }) => b.code), ['STORAGE_NOT_MOUNTED']);
  t.true(board.snapshot().warnings.some((w) => w.code === 'STORAGE_NOT_MOUNTED'));
});
