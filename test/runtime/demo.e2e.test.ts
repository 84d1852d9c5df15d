import test from 'ava';
import { execa } from 'execa';
import { freePort, waitFor } from '../helpers/net.js';
import { tempDir } from '../helpers/tmp.js';
import { runCli } from '../helpers/cli.js';

test('soccer-rig demo: three node processes, any node shows the whole rig, Ctrl-C stops them all', async (t) => {
  const data = await tempDir(t, 'demo-');
  let base = await freePort();
  // The demo takes base..base+2 (HTTP), base+100.. (DHT), base+200.. (beacons): stay below 65535.
  if (base > 65000) base = 40000 + (base % 20000);
  const demo = runCli(t, ['demo', '--base-port', String(base), '--data', data, '--resolution', '320x180']);
  const out: string[] = [];
  demo.all!.on('data', (d: Buffer) => out.push(d.toString()));
  await waitFor(async () => out.join('').includes('Ctrl-C stops the rig'), 20_000);
  for (const id of ['CAM_L', 'CAM_C', 'CAM_R']) t.regex(out.join(''), new RegExp(`${id}: http://127\\.0\\.0\\.1:\\d+/`));
  const rig = await waitFor(async () => {
    const v = await (await fetch(`http://127.0.0.1:${base + 2}/api/v1/rig`)).json() as any;
    return v.nodes.length === 3 && v.nodes.every((n: any) => n.reachable && n.status) ? v : null;
  }, 20_000, 200);
  t.deepEqual(rig.nodes.map((n: any) => n.cameraId), ['CAM_L', 'CAM_C', 'CAM_R']);
  // One machine, one clock: chronyd's state is not read, so its absence is no red mark on a demo card.
  for (const n of rig.nodes) t.false(n.status.warnings.some((w: any) => w.code.startsWith('CHRONY_')), `${n.cameraId}: ${JSON.stringify(n.status.warnings)}`);
  const pids = (await execa('pgrep', ['-f', `${data}/CAM_`], { reject: false })).stdout.trim().split('\n').filter(Boolean);
  t.is(pids.length, 3, 'one OS process per node');
  demo.kill('SIGINT');
  const r = await demo;
  t.is(r.exitCode, 0);
  const left = (await execa('pgrep', ['-f', `${data}/CAM_`], { reject: false })).stdout.trim();
  t.is(left, '', 'no node process left behind');
});

test('soccer-rig demo rejects bad options with a clear message', async (t) => {
  for (const [args, re] of [[['--nodes', '5'], /--nodes/], [['--resolution', 'big'], /--resolution/], [['--host', '10.0.0.1'], /--host/]] as const) {
    const r = await runCli(t, ['demo', ...args]);
    t.is(r.exitCode, 2);
    t.regex(r.all, re);
  }
});
