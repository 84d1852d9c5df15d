import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { powerOff, rememberPowerOffFailure, takePowerOffFailure } from '../../runtime/power.js';
import { execaRunner } from '../../actors/recorder/runner.js';
import { tempDir } from '../helpers/tmp.js';

test('a command that succeeds is run to completion (real process)', async (t) => {
  const dir = await tempDir(t);
  const marker = join(dir, 'marker');
  t.deepEqual(await powerOff(['sh', '-c', `echo off > '${marker}'`], execaRunner), { ok: true });
  t.is(await readFile(marker, 'utf8'), 'off\n');
});

test('a command that fails, or cannot start, is a POWER_OFF_FAILED with the reason', async (t) => {
  const failed = await powerOff(['sh', '-c', 'echo "Interactive authentication required." >&2; exit 1'], execaRunner);
  t.false(failed.ok);
  if (!failed.ok) {
    t.is(failed.code, 'POWER_OFF_FAILED');
    t.regex(failed.message, /exit code 1/);
    t.regex(failed.message, /Interactive authentication required/);
  }
  const missing = await powerOff(['/nonexistent/poweroff'], execaRunner);
  t.false(missing.ok);
  if (!missing.ok) t.regex(missing.message, /\/nonexistent\/poweroff/);
  const empty = await powerOff([], execaRunner);
  t.false(empty.ok);
});

test('a failure is remembered for the next boot, shown once as a warning, then cleared', async (t) => {
  const dir = await tempDir(t);
  t.is(await takePowerOffFailure(dir), null);
  await rememberPowerOffFailure(dir, { message: 'shutdown command poweroff failed (exit code 1)' }, 1234);
  const w = await takePowerOffFailure(dir);
  t.is(w?.code, 'POWER_OFF_FAILED');
  t.regex(w?.message ?? '', /exit code 1/);
  t.is(await takePowerOffFailure(dir), null, 'cleared once shown');
});
