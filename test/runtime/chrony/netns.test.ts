// Leaderless chrony for real (root only): three network namespaces on a bridge, each running
// `chronyd -x` (no control of the shared system clock) with the config this project generates,
// read through the adapter. They converge with the lowest address leading; with the leader
// killed, the other two keep its time (holdover), never falling back to unsynchronised.
import test from 'ava';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chronyConfig } from '../../../runtime/chrony/config.js';
import { createChronyReader } from '../../../runtime/chrony/adapter.js';
import type { ChronyStatus } from '../../../runtime/chrony/schema.js';
import { parseSources } from '../../../runtime/chrony/parse.js';
import { execaRunner } from '../../../runtime/chrony/adapter.js';
import { netnsUnavailable } from '../../helpers/netns.js';
import { createLab } from '../../helpers/netns.js';
import { testConfig } from '../../helpers/config.js';

const CAMS = ['CAM_L', 'CAM_C', 'CAM_R'] as const;
const why = await netnsUnavailable();
const chronyd = (await execaRunner()('chronyd', ['--version']).catch(() => null))?.exitCode === 0 ? null : 'chronyd is not installed';
const reason = why ?? chronyd;
const maybe = reason === null ? test : test.skip;
if (reason !== null) console.log(`chrony namespace test skipped: ${reason}`);

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

maybe('three chronyd with the generated config converge leaderless; killing the leader leaves the others in holdover', async (t) => {
  const lab = await createLab(3, 'sync');
  const dirs: string[] = [];
  t.teardown(async () => {
    await lab.destroy();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  const daemons: ReturnType<typeof lab.spawn>[] = [];
  const readers: Array<() => Promise<ChronyStatus>> = [];
  for (const [i, host] of lab.hosts.entries()) {
    const dir = await mkdtemp(join(tmpdir(), 'sync-chrony-'));
    dirs.push(dir);
    await chmod(dir, 0o700); // chronyd silently makes no command socket otherwise
    const cfg = testConfig(dir, {
      camera: { id: CAMS[i] },
      peers: lab.hosts.filter((_, j) => j !== i).map((h, j) => ({ host: h.ip, port: 49737, cameraId: CAMS.filter((_, k) => k !== i)[j] })),
    });
    const files = { pidfile: join(dir, 'chronyd.pid'), driftfile: join(dir, 'drift'), cmdSocket: join(dir, 'chronyd.sock') };
    const conf = join(dir, 'chrony.conf');
    await writeFile(conf, chronyConfig(cfg, { files }));
    // -u root: the socket directory belongs to root, and chronyd checks its owner.
    daemons.push(lab.spawn(i, 'chronyd', ['-x', '-d', '-u', 'root', '-f', conf]));
    readers.push(createChronyReader({ socket: files.cmdSocket }));
  }
  const leader = lab.hosts[0]!.ip; // the lowest address
  const all = () => Promise.all(readers.map((r) => r()));
  const started = Date.now();
  const converged = await until('convergence', all, (s) =>
    s[0]!.state === 'synchronised' && s[0]!.reference === 'local' && s[0]!.stratum === 8
    && s.slice(1).every((x) => x.state === 'synchronised' && x.reference === leader && x.stratum === 9 && x.leap === 'Normal'), 45_000);
  t.log(`converged in ${Date.now() - started} ms: ${converged.map((s) => `${s.reference}@${s.stratum} ±${s.estimatedErrorMs?.toFixed(3)} ms`).join(', ')}`);
  for (const s of converged) t.is(s.warning, null);

  daemons[0]!.kill('SIGKILL');
  await daemons[0];
  const leaderSource = async (i: number) => {
    const out = await execaRunner()('chronyc', ['-h', join(dirs[i]!, 'chronyd.sock'), '-c', 'sources']);
    return parseSources(out.stdout).find((s) => s.name === leader);
  };
  // Three polls in a row missed (reach's low bits clear): the survivors know the leader is gone.
  await until('the survivors to miss the leader', () => Promise.all([1, 2].map(leaderSource)), (xs) => xs.every((x) => x !== undefined && (x.reach & 0b111) === 0), 30_000);
  const after: ChronyStatus[] = (await all()).slice(1);
  t.log(`after the leader died: ${after.map((s) => `${s.state} ${s.reference}@${s.stratum} leap ${s.leap}`).join(', ')}`);
  for (const s of after) {
    // Holdover on the dead leader's time, or (if chrony already re-elected) following a survivor.
    t.true(s.state === 'holdover' || (s.state === 'synchronised' && s.reference !== leader), `${s.state} ${s.reference}`);
    if (s.state === 'holdover') t.is(s.warning?.code, 'CHRONY_HOLDOVER');
    t.is(s.leap, 'Normal');
    t.not(s.stratum, null);
    t.not(s.offsetMs, null);
  }
  t.is((await readers[0]!()).warning?.code, 'CHRONY_NOT_RUNNING');
});
