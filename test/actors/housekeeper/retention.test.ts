import test from 'ava';
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { planRetention, minutesOf, RetentionConfigSchema, type RetentionFile } from '../../../actors/housekeeper/retention.js';
import { Retention, type RetentionDeletion } from '../../../actors/housekeeper/retention-run.js';
import { StatusBoard } from '../../../runtime/status.js';
import { LogSink, createLogger } from '../../../runtime/logging.js';
import { startNode } from '../../../runtime/node.js';
import { blankStatus } from '../../helpers/app.js';
import { testConfig, writeTestConfig } from '../../helpers/config.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/net.js';

/** mulberry32: a seeded PRNG, so a failing case is reproducible from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

test('property: never an unconfirmed or recording file; frees enough when possible; oldest first; no more than needed', (t) => {
  const cases = 5000;
  const failures: string[] = [];
  const fail = (m: string) => { if (failures.length < 10) failures.push(m); };
  for (let seed = 1; seed <= cases; seed++) {
    const r = prng(seed);
    const int = (n: number) => Math.floor(r() * n);
    const files: RetentionFile[] = Array.from({ length: int(12) }, (_, i) => ({
      file: `f${i}.mp4`, sizeBytes: 1 + int(5e9), startAt: int(1000) * 1000,
      confirmed: r() < 0.6, recording: r() < 0.15,
    }));
    const bpm = 1 + int(3e8);
    const config = { deleteAfterConfirm: r() < 0.3, minFreeMinutes: int(200) };
    const freeBytes = int(3e10);
    const plan = planRetention({ files, freeBytes, bytesPerMinute: bpm, config });
    const byName = new Map(files.map((f) => [f.file, f]));
    const picked = plan.delete.map((d) => byName.get(d.file)!);
    const ctx = `seed ${seed}`;
    // 1. Never an unconfirmed or recording file, and each file at most once.
    if (picked.some((f) => !f.confirmed || f.recording)) fail(`${ctx}: deleted an unconfirmed or recording file`);
    if (new Set(plan.delete.map((d) => d.file)).size !== plan.delete.length) fail(`${ctx}: a file twice`);
    const eligible = files.filter((f) => f.confirmed && !f.recording);
    const freed = picked.reduce((s, f) => s + f.sizeBytes, 0);
    const all = eligible.reduce((s, f) => s + f.sizeBytes, 0);
    // 2. Enough is freed whenever deleting everything eligible would be enough.
    const possible = minutesOf(freeBytes + all, bpm) >= config.minFreeMinutes;
    if (possible && minutesOf(freeBytes + freed, bpm) < config.minFreeMinutes) fail(`${ctx}: freed too little though it could`);
    if (plan.unreclaimable !== !possible) fail(`${ctx}: unreclaimable is ${plan.unreclaimable}, possible is ${possible}`);
    if (plan.minutesAfter !== minutesOf(freeBytes + freed, bpm)) fail(`${ctx}: minutesAfter is wrong`);
    if (config.deleteAfterConfirm) {
      // 3a. Every confirmed, finished file goes.
      if (picked.length !== eligible.length) fail(`${ctx}: deleteAfterConfirm kept a confirmed file`);
    } else {
      // 3b. Under pressure: oldest first, and it stops as soon as the room is enough.
      const sorted = eligible.slice().sort((a, b) => a.startAt - b.startAt || (a.file < b.file ? -1 : 1));
      if (picked.some((f, i) => f !== sorted[i])) fail(`${ctx}: not oldest first`);
      const beforeLast = freed - (picked.at(-1)?.sizeBytes ?? 0);
      if (picked.length > 0 && minutesOf(freeBytes + beforeLast, bpm) >= config.minFreeMinutes) fail(`${ctx}: deleted more than needed`);
      if (minutesOf(freeBytes, bpm) >= config.minFreeMinutes && picked.length > 0) fail(`${ctx}: deleted with room enough`);
      if (plan.delete.some((d) => d.reason !== 'minFreeMinutes')) fail(`${ctx}: wrong reason`);
    }
  }
  t.log(`${cases} random cases`);
  t.deepEqual(failures, []);
});

test('the config section has safe defaults and rejects a typo', (t) => {
  t.deepEqual(RetentionConfigSchema.parse(undefined), { deleteAfterConfirm: false, minFreeMinutes: 30 });
  t.false(RetentionConfigSchema.safeParse({ deleteAfterConfrim: true }).success);
  t.deepEqual(testConfig('/tmp/r').retention, { deleteAfterConfirm: false, minFreeMinutes: 30 });
});

// The runner against real files on disk: only the free-space figure is supplied by the test.
const MB = 1_000_000;

async function manifestOn(dir: string, name: string, o: { startAt: number; bytes: number; offloaded: boolean; inProgress?: boolean }): Promise<void> {
  const file = `${name}_CAM_L_20260101_120000.mp4`;
  await writeFile(join(dir, file), Buffer.alloc(o.bytes, 1));
  const m = {
    file, sessionId: name, cameraId: 'CAM_L', cameraPosition: 'left', startAt: o.startAt, firstFrameAt: o.startAt, offsetMs: 0,
    durationS: 1, video: { width: 320, height: 180, fps: 30, codec: 'h265', bitrateMbps: 1 }, droppedFrames: 0,
    sha256: o.inProgress ? null : 'a'.repeat(64), sizeBytes: o.bytes, snapshot: null, softwareVersion: 'test',
    offloaded: o.offloaded, incomplete: false, ...(o.inProgress ? { inProgress: true } : {}),
  };
  await writeFile(join(dir, `${name}_CAM_L.json`), JSON.stringify(m));
}

async function runner(t: any, retention: { deleteAfterConfirm: boolean; minFreeMinutes: number }, disk: () => number) {
  const dir = join(await tempDir(t), 'data');
  await mkdir(dir);
  // 1 Mbps: 7.575 MB per minute of recording room.
  const cfg = testConfig(dir, { storage: { dataDir: dir }, retention });
  const board = new StatusBoard(blankStatus());
  const lines: string[] = [];
  const sink = new LogSink('development', join(dir, '..', 'logs'), 'test', { stdout: (l: string) => { lines.push(l); }, stderr: () => undefined });
  t.teardown(() => sink.close());
  const warnings = { get length() { return lines.filter((l) => l.includes('"DISK_NO_RECLAIM"')).length; } };
  const deleted: RetentionDeletion[] = [];
  const r = new Retention({ config: () => cfg, board, disk: async () => ({ freeBytes: disk(), totalBytes: 1e12 }), log: createLogger(sink), onDeleted: (d) => deleted.push(d) });
  t.teardown(() => r.stop());
  return { dir, board, r, deleted, warnings, lines };
}

test('deleteAfterConfirm: confirmed files go at once, unconfirmed and in-progress ones stay, each deletion is reported', async (t) => {
  const { dir, r, deleted, lines } = await runner(t, { deleteAfterConfirm: true, minFreeMinutes: 0 }, () => 1e12);
  await manifestOn(dir, 'a', { startAt: 1, bytes: 2 * MB, offloaded: true });
  await manifestOn(dir, 'b', { startAt: 2, bytes: 1 * MB, offloaded: false });
  await manifestOn(dir, 'c', { startAt: 3, bytes: 1 * MB, offloaded: true, inProgress: true });
  await r.kick();
  t.deepEqual(deleted, [{ file: 'a_CAM_L_20260101_120000.mp4', bytes: 2 * MB, reason: 'deleteAfterConfirm' }]);
  const left = await readdir(dir);
  t.false(left.includes('a_CAM_L_20260101_120000.mp4'));
  t.true(left.includes('b_CAM_L_20260101_120000.mp4'));
  t.true(left.includes('c_CAM_L_20260101_120000.mp4'));
  t.is(typeof JSON.parse(await readFile(join(dir, 'a_CAM_L.json'), 'utf8')).deletedAt, 'number', 'the manifest stays, marked deleted');
  await r.kick();
  t.is(deleted.length, 1, 'a second pass deletes nothing more');
  t.is(lines.filter((l) => l.includes('"RETENTION_DELETED"') && l.includes('a_CAM_L_20260101_120000.mp4')).length, 1, 'logged with its code');
});

test('under pressure: oldest confirmed first, only until the room is back; never the file being recorded', async (t) => {
  let free = 10 * 7.575 * MB; // 10 minutes
  const { dir, board, r, deleted } = await runner(t, { deleteAfterConfirm: false, minFreeMinutes: 12 }, () => free);
  await manifestOn(dir, 'old', { startAt: 1, bytes: 8 * MB, offloaded: true });
  await manifestOn(dir, 'mid', { startAt: 2, bytes: 8 * MB, offloaded: true });
  await manifestOn(dir, 'new', { startAt: 3, bytes: 8 * MB, offloaded: true });
  // The recorder writes 'new' right now (its manifest says finished: a status says otherwise).
  board.patch({ state: 'recording', recording: { file: 'new_CAM_L_20260101_120000.mp4' } });
  const plan = await r.kick();
  t.deepEqual(deleted.map((d) => d.file), ['old_CAM_L_20260101_120000.mp4', 'mid_CAM_L_20260101_120000.mp4']);
  t.true(deleted.every((d) => d.reason === 'minFreeMinutes'));
  t.false(plan!.unreclaimable);
  t.true((await readdir(dir)).includes('new_CAM_L_20260101_120000.mp4'));
  free += 16 * MB;
  await r.kick();
  t.is(deleted.length, 2, 'with the room back, nothing more goes');
});

test('nothing that may be freed: a loud DISK_NO_RECLAIM in status and the log, cleared when room is back', async (t) => {
  let free = 1 * MB;
  const { dir, board, r, deleted, warnings } = await runner(t, { deleteAfterConfirm: false, minFreeMinutes: 30 }, () => free);
  await manifestOn(dir, 'x', { startAt: 1, bytes: 3 * MB, offloaded: false });
  await r.kick();
  await r.kick();
  t.deepEqual(deleted, []);
  t.true((await readdir(dir)).includes('x_CAM_L_20260101_120000.mp4'));
  t.deepEqual(board.snapshot().warnings.map((w) => w.code), ['DISK_NO_RECLAIM']);
  t.is(warnings.length, 1, 'logged once, not on every pass');
  free = 1e12;
  await r.kick();
  t.deepEqual(board.snapshot().warnings, []);
});

test('a real node with deleteAfterConfirm deletes a recording once it is confirmed', async (t) => {
  const dir = await tempDir(t);
  const n = await startNode({ configPath: await writeTestConfig(dir, { recording: { plannedDurationMin: 1 }, retention: { deleteAfterConfirm: true } }), overrides: { httpPort: 0 } });
  t.teardown(() => n.stop());
  const deleted: RetentionDeletion[] = [];
  n.retention.on('deleted', (d: RetentionDeletion) => deleted.push(d));
  t.is((await n.app.inject({ method: 'POST', url: '/api/v1/record/start', payload: { sessionId: 'keep-1' } })).statusCode, 200);
  await waitFor(async () => n.board.snapshot().state === 'recording', 20_000);
  const m = (await n.app.inject({ method: 'POST', url: '/api/v1/record/stop' })).json().manifest;
  const dataDir = n.config.current.storage.dataDir;
  await n.retention.kick();
  t.true((await readdir(dataDir)).includes(m.file), 'not deleted before it is confirmed');
  const ok = await n.app.inject({ method: 'POST', url: '/api/v1/recordings/confirm', payload: { sessionId: m.sessionId, cameraId: m.cameraId, file: m.file, checksum: { algo: 'sha256', value: m.sha256 } } });
  t.is(ok.statusCode, 200, ok.body);
  await waitFor(async () => deleted.length > 0, 10_000);
  t.deepEqual(deleted, [{ file: m.file, bytes: m.sizeBytes, reason: 'deleteAfterConfirm' }]);
  t.false((await readdir(dataDir)).includes(m.file));
});
