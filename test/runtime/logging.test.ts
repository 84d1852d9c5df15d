import test from 'ava';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LogSink, createLogger } from '../../runtime/logging.js';
import { Ring } from '../../runtime/ring.js';
import { tempDir } from '../helpers/tmp.js';

function capture() {
  const out = { stdout: [] as string[], stderr: [] as string[] };
  return { out, streams: { stdout: (s: string) => out.stdout.push(s), stderr: (s: string) => out.stderr.push(s) } };
}

test('production: nothing on disk, only warnings and errors kept in the bounded ring', async (t) => {
  const dir = await tempDir(t);
  const { out, streams } = capture();
  const sink = new LogSink('production', join(dir, 'logs'), 'n', streams, 3);
  const log = createLogger(sink);
  log.info('routine');
  for (let i = 0; i < 5; i++) log.warn({ code: `W${i}` }, `warning ${i}`);
  log.error({ code: 'E1' }, 'broken');
  await sink.close();
  await t.throwsAsync(readdir(join(dir, 'logs')), { code: 'ENOENT' }, 'no log directory was even created');
  t.deepEqual(sink.ring.toArray().map((e) => e.code), ['W3', 'W4', 'E1']);
  t.deepEqual(out.stdout, []);
  t.is(out.stderr.length, 1, 'errors still reach journald');
});

test('development: JSON lines in the log directory, switchable at run time', async (t) => {
  const dir = await tempDir(t);
  const { streams } = capture();
  const sink = new LogSink('production', join(dir, 'logs'), 'n', streams);
  const log = createLogger(sink);
  log.info('before the switch');
  await sink.setMode('development');
  log.info({ token: 'secret-pin' }, 'after the switch');
  await sink.setMode('production');
  log.info('after switching back');
  await sink.close();
  const lines = (await readFile(join(dir, 'logs', 'n.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  t.deepEqual(lines.map((l) => l.msg), ['after the switch']);
  t.is(lines[0].token, '[redacted]');
});

test('an unwritable log directory is reported, not fatal', async (t) => {
  const dir = await tempDir(t);
  const notADir = join(dir, 'file');
  await writeFile(notADir, 'x');
  const { streams } = capture();
  const sink = new LogSink('development', join(notADir, 'logs'), 'n', streams);
  createLogger(sink).info('still fine');
  t.truthy(sink.fileError);
  await sink.close();
});

test('Ring keeps the newest items in order', (t) => {
  const r = new Ring<number>(3);
  for (let i = 1; i <= 7; i++) r.push(i);
  t.deepEqual(r.toArray(), [5, 6, 7]);
  t.is(r.size, 3);
  t.throws(() => new Ring(0));
});
