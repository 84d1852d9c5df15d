import test from 'ava';
import { readFile, readdir, chmod } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigStore } from '../../../runtime/config/store.js';
import { loadConfigFile, saveConfigFile } from '../../../runtime/config/file.js';
import { writeTestConfig } from '../../helpers/config.js';
import { tempDir } from '../../helpers/tmp.js';

async function store(t: any) {
  const dir = await tempDir(t);
  const path = await writeTestConfig(dir);
  const loaded = await loadConfigFile(path);
  if (!loaded.ok) throw new Error('fixture invalid');
  return { path, dir, s: new ConfigStore(loaded.config, { save: (c) => saveConfigFile(path, c) }, { dataDir: '/override' }) };
}

test('concurrent updates are serialised: both land, the file matches memory', async (t) => {
  const { s, path } = await store(t);
  const [a, b] = await Promise.all([s.update({ video: { bitrateMbps: 4 } }), s.update({ camera: { position: 'corner flag' } })]);
  t.true(a.ok && b.ok);
  const onDisk = await loadConfigFile(path);
  if (!onDisk.ok) return t.fail();
  t.is(onDisk.config.video.bitrateMbps, 4);
  t.is(onDisk.config.camera.position, 'corner flag');
  t.is(s.current.storage.dataDir, '/override', 'overrides stay in force');
  t.not(onDisk.config.storage.dataDir, '/override', 'overrides are never persisted');
  t.deepEqual((await readdir(dirname(path))).filter((f) => f.endsWith('.tmp')), []);
});

test('an invalid update writes nothing and changes nothing in memory', async (t) => {
  const { s, path } = await store(t);
  const before = await readFile(path, 'utf8');
  const r = await s.update({ video: { fps: 0 } });
  t.false(r.ok);
  t.is(await readFile(path, 'utf8'), before);
  t.is(s.current.video.fps, 30);
});

test('a failed write (e.g. read-only or full disk) rejects, keeps the old config, and the next update still works', async (t) => {
  const { s } = await store(t);
  let fail = true;
  const flaky = new ConfigStore(s.current, {
    save: async () => {
      if (fail) { fail = false; throw Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' }); }
    },
  });
  await t.throwsAsync(flaky.update({ video: { fps: 25 } }), { message: /EROFS/ });
  t.is(flaky.current.video.fps, 30);
  const after = await flaky.update({ video: { fps: 24 } });
  t.true(after.ok);
  t.is(flaky.current.video.fps, 24);
});

test('the 4K clamp notice comes back from an update', async (t) => {
  const { s } = await store(t);
  const r = await s.update({ video: { width: 3840, height: 2160, bitrateMbps: 60 } });
  if (!r.ok) return t.fail();
  t.is(r.config.video.bitrateMbps, 35);
  t.regex(r.notices.join(), /clamped to 35/);
});

test('saveConfigFile keeps the previous file as .bak', async (t) => {
  const { path, s } = await store(t);
  const before = await readFile(path, 'utf8');
  await s.update({ mode: 'development' });
  t.is(await readFile(`${path}.bak`, 'utf8'), before);
  await chmod(path, 0o644);
});
