import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { ManifestSchema } from '../../../actors/recorder/manifest.js';
import { RecordingSession } from '../../../actors/recorder/session.js';
import { alive, sessionDeps, sessionOptions, sha256sum, tempDir, trackingRunner } from './helpers.js';

/**
 * Issue 11.6 at the session: start, stop, close (node shutdown) and abandon in any order end
 * with no encoder left (every pid the runner spawned is gone) and, when something was
 * recorded, a final manifest whose checksum matches the file. Real ffmpeg, synthetic camera.
 */

async function finalManifests(dir: string) {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  return Promise.all(names.map(async (n) => ManifestSchema.parse(JSON.parse(await readFile(join(dir, n), 'utf8')))));
}

function session(dir: string, over: Parameters<typeof sessionOptions>[1] = {}) {
  const { runner, pids } = trackingRunner();
  const s = new RecordingSession(sessionOptions(dir, { codec: 'h264', startAt: Date.now(), ...over }), sessionDeps({ runner }));
  return { s, pids };
}

test('stop called while start() is running: the start completes, then the stop finishes it with a final manifest', async (t) => {
  const dir = await tempDir(t);
  const { s, pids } = session(dir);
  const starting = s.start();
  const stopping = s.stop('stop during start');
  const [started, result] = await Promise.all([starting, stopping]);
  t.true(pids.length > 0);
  t.deepEqual(pids.filter(alive), [], 'no encoder left');
  t.is(result.manifest.file, started.file);
  t.false(result.manifest.inProgress);
  t.is(result.manifest.stopReason, 'stop during start');
  t.is(result.manifest.sha256, await sha256sum(result.filePath));
  t.deepEqual((await finalManifests(dir)).map((m) => m.inProgress), [false]);
});

test('close (node shutdown) while start() is running: the new encoder is stopped and the take finalised', async (t) => {
  const dir = await tempDir(t);
  const { s, pids } = session(dir);
  const starting = s.start();
  const closing = s.close('node stopping');
  const [, result] = await Promise.all([starting, closing]);
  t.deepEqual(pids.filter(alive), []);
  t.is(result?.manifest.stopReason, 'node stopping');
  t.is(s.state, 'stopped');
  t.deepEqual((await finalManifests(dir)).map((m) => m.inProgress), [false]);
});

test('two stops and a close racing a start all get the same final result', async (t) => {
  const dir = await tempDir(t);
  const { s, pids } = session(dir);
  const starting = s.start();
  const [a, b, c] = await Promise.all([s.stop('first'), s.stop('second'), s.close('shutdown')]);
  await starting;
  t.deepEqual(pids.filter(alive), []);
  t.is(a, b);
  t.is(b, c!);
  t.is(a.manifest.stopReason, 'first');
});

test('close while an armed session is still preparing its encoder: nothing left running, no manifest left behind', async (t) => {
  const dir = await tempDir(t);
  const { s, pids } = session(dir, { startAt: Date.now() + 5000 });
  const preparing = s.prepare();
  const closed = await s.close('node stopping');
  await preparing;
  t.is(closed, null, 'nothing was recorded');
  t.deepEqual(pids.filter(alive), []);
  t.deepEqual(await finalManifests(dir), []);
  await t.throwsAsync(s.start(), { message: /abandoned/ });
  t.deepEqual(pids.filter(alive), [], 'a start after the close spawns nothing');
});

test('abandon while an armed start() is waiting: the start is refused and its waiting encoder stopped', async (t) => {
  const dir = await tempDir(t);
  const { s, pids } = session(dir, { startAt: Date.now() + 3000 });
  const starting = s.start();
  await s.abandon();
  await t.throwsAsync(starting, { message: /abandoned|session is/ });
  t.deepEqual(pids.filter(alive), []);
  t.deepEqual(await finalManifests(dir), []);
});
