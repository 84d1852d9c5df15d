import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { ProcessRunner, RunResult } from '../../../actors/recorder/runner.js';
import { mountOf, parseMountinfo, smartDevice } from '../../../actors/housekeeper/mountinfo.js';
import { dataMount, driveHealthWarnings, storageGate } from '../../../actors/housekeeper/storage.js';
import { StorageWatch } from '../../../actors/housekeeper/storage-watch.js';
import { tempDir } from '../../helpers/tmp.js';

const FIX = fileURLToPath(new URL('../../../../test/actors/housekeeper/fixtures/', import.meta.url));
/** A captured Pi mount table with its NVMe mount moved onto a real directory here. */
const mountinfoAt = async (fixture: string, dir: string) => (await readFile(FIX + fixture, 'utf8')).replaceAll('/mnt/nvme', dir);

test('mountinfo: the longest mount point wins, escapes are undone, devices map to their SMART disk', async (t) => {
  const m = parseMountinfo(await readFile(FIX + 'mountinfo-pi-nvme.txt', 'utf8'));
  t.is(mountOf(m, '/mnt/nvme/recordings')?.source, '/dev/nvme0n1p1');
  t.is(mountOf(m, '/mnt/nvmeX/recordings')?.source, '/dev/mmcblk0p2');
  t.is(mountOf(m, '/media/soccer/USB STICK/a')?.fsType, 'exfat');
  const failed = parseMountinfo(await readFile(FIX + 'mountinfo-pi-nvme-failed.txt', 'utf8'));
  t.is(mountOf(failed, '/mnt/nvme/recordings')?.mountPoint, '/', 'a failed NVMe mount leaves the data dir on the SD card');
  t.is(smartDevice('/dev/nvme0n1p1'), '/dev/nvme0');
  t.is(smartDevice('/dev/nvme1n1'), '/dev/nvme1');
  t.is(smartDevice('/dev/sda1'), '/dev/sda');
  t.is(smartDevice('/dev/mmcblk0p2'), null);
});

test('gate: data dir on the configured mount and writable passes; a failed mount blocks with the SD card named', async (t) => {
  const dir = await tempDir(t);
  const dataDir = join(dir, 'recordings');
  await mkdir(dataDir);
  const ok = await storageGate({ dataDir, mountPoint: dir }, { mountinfo: () => mountinfoAt('mountinfo-pi-nvme.txt', dir) });
  t.deepEqual(ok, []);
  const bad = await storageGate({ dataDir, mountPoint: dir }, { mountinfo: () => mountinfoAt('mountinfo-pi-nvme-failed.txt', dir) });
  t.deepEqual(bad.map((w) => w.code), ['STORAGE_NOT_MOUNTED']);
  t.regex(bad[0]!.message, /on \/ \(\/dev\/mmcblk0p2\), not on/);
});

test('gate on this machine: a path that is not a mount point is caught, an unwritable data dir blocks', async (t) => {
  const dir = await tempDir(t);
  const real = await dataMount(dir);
  t.truthy(real);
  t.deepEqual(await storageGate({ dataDir: dir, mountPoint: real!.mountPoint }), []);
  t.deepEqual((await storageGate({ dataDir: dir, mountPoint: dir })).map((w) => w.code), ['STORAGE_NOT_MOUNTED']);
  t.deepEqual(await storageGate({ dataDir: dir, mountPoint: null }), [], 'no mount configured: not checked');
  await writeFile(join(dir, 'file'), '');
  const w = await storageGate({ dataDir: join(dir, 'file'), mountPoint: null });
  t.deepEqual(w.map((x) => x.code), ['STORAGE_UNWRITABLE']);
  t.regex(w[0]!.message, /ENOTDIR/);
});

const canMount = process.getuid?.() === 0 && ['/usr/bin/mount', '/bin/mount'].some((p) => existsSync(p));
const maybe = canMount ? test.serial : test.skip;
if (!canMount) console.log('skipping the real-mount test: it needs root and mount(8)');

maybe('real tmpfs: mounted passes, unmounted (dir left on the root disk) and read-only both block', async (t) => {
  const dir = await tempDir(t);
  const mnt = join(dir, 'nvme');
  await mkdir(mnt);
  await execa('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'fieldtest', mnt]);
  let mounted = true;
  t.teardown(async () => { if (mounted) await execa('umount', [mnt], { reject: false }); });
  await mkdir(join(mnt, 'recordings'));
  const storage = { dataDir: join(mnt, 'recordings'), mountPoint: mnt };
  t.deepEqual(await storageGate(storage), []);
  await execa('mount', ['-o', 'remount,ro', mnt]);
  t.deepEqual((await storageGate(storage)).map((w) => w.code), ['STORAGE_UNWRITABLE']);
  await execa('umount', [mnt]);
  mounted = false;
  await mkdir(join(mnt, 'recordings'));
  t.deepEqual((await storageGate(storage)).map((w) => w.code), ['STORAGE_NOT_MOUNTED']);
});

/** Plays back captured tool outputs; a tool not in the map is "not installed". */
function playback(outputs: Record<string, string>, calls: string[][]): ProcessRunner {
  return {
    spawn() { throw new Error('not used'); },
    async run(argv): Promise<RunResult> {
      calls.push([argv.file, ...argv.args]);
      const out = outputs[argv.file];
      if (out === undefined) return { code: null, signal: null, spawnError: `spawn ${argv.file} ENOENT`, stdout: '', stderr: '' };
      return { code: argv.file === 'smartctl' && out.includes('"passed": false') ? 8 : 0, signal: null, spawnError: null, stdout: out, stderr: '' };
    },
  };
}

test('SMART: smartctl when installed (exit status 8 still parsed), else nvme-cli, neither: nothing said', async (t) => {
  const dir = await tempDir(t);
  const mountinfo = () => mountinfoAt('mountinfo-pi-nvme.txt', dir);
  const fix = (f: string) => readFile(FIX + f, 'utf8');
  const calls: string[][] = [];
  const worn = await driveHealthWarnings(join(dir, 'recordings'), { mountinfo, sudo: false, runner: playback({ smartctl: await fix('smartctl-nvme-worn.json') }, calls) });
  t.true(worn.some((w) => w.code === 'STORAGE_WORN'));
  t.deepEqual(calls, [['smartctl', '-j', '-a', '/dev/nvme0']]);
  calls.length = 0;
  const viaNvme = await driveHealthWarnings(join(dir, 'recordings'), { mountinfo, sudo: false, runner: playback({ nvme: await fix('nvme-smart-log-2.9-critical.json') }, calls) });
  t.deepEqual(viaNvme.map((w) => w.code), ['STORAGE_CRITICAL_WARNING', 'STORAGE_MEDIA_ERRORS']);
  t.deepEqual(calls, [['smartctl', '-j', '-a', '/dev/nvme0'], ['nvme', 'smart-log', '/dev/nvme0', '-o', 'json']]);
  t.deepEqual(await driveHealthWarnings(join(dir, 'recordings'), { mountinfo, sudo: false, runner: playback({}, []) }), []);
  const sd = await driveHealthWarnings(join(dir, 'recordings'), { mountinfo: () => mountinfoAt('mountinfo-pi-nvme-failed.txt', dir), sudo: false, runner: playback({ smartctl: '{}' }, calls) });
  t.deepEqual(sd, [], 'an SD card has no SMART');
  calls.length = 0;
  await driveHealthWarnings(join(dir, 'recordings'), { mountinfo, sudo: true, runner: playback({}, calls) });
  t.deepEqual(calls[0], ['sudo', '-n', 'smartctl', '-j', '-a', '/dev/nvme0'], 'as the soccer user, through the sudoers rule');
});

test('watch: worn is a warning, not a block; SMART is paced, a start gate probes afresh', async (t) => {
  const dir = await tempDir(t);
  let clock = 0;
  const calls: string[][] = [];
  const watch = new StorageWatch({
    mountinfo: () => mountinfoAt('mountinfo-pi-nvme.txt', dir),
    sudo: false,
    runner: playback({ smartctl: await readFile(FIX + 'smartctl-nvme-worn.json', 'utf8') }, calls),
  }, { now: () => clock, gateEveryMs: 60_000, smartEveryMs: 600_000 });
  const storage = { dataDir: dir, mountPoint: dir };
  const first = await watch.check(storage, false);
  t.deepEqual(first.blocks, []);
  t.true(first.warnings.some((w) => w.code === 'STORAGE_WORN'));
  clock = 1000;
  await watch.check(storage, true);
  t.is(calls.length, 1, 'SMART not read again within ten minutes');
  clock = 600_000;
  await watch.check(storage, false);
  t.is(calls.length, 2);
});
