import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { releaseReserve, takeReserve } from '../../../actors/recorder/reserve.js';
import { tempDir } from './helpers.js';

test('the reserve is a 1 MB file set aside, given back on release', async (t) => {
  const dir = await tempDir(t);
  t.is(await takeReserve(dir, 'CAM_L'), null);
  t.is((await stat(join(dir, '.manifest-reserve-CAM_L'))).size, 1024 * 1024);
  await releaseReserve(dir, 'CAM_L');
  t.deepEqual(await readdir(dir), []);
});

test('a reserve that cannot be written is reported with a code, not swallowed', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, '.manifest-reserve-CAM_L'));
  const err = await takeReserve(dir, 'CAM_L');
  t.is(err?.code, 'RESERVE_FAILED');
  t.regex(err?.message ?? '', /free some space/);
  t.is((await takeReserve(join(dir, 'missing'), 'CAM_L'))?.code, 'RESERVE_FAILED');
});
