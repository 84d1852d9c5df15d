import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAMS, faketimeWorks, findLibfaketime, rigTimeKnown, skewAt, startAllOnce, startSkewedRig, type InjectedClock, type SkewedRig } from '../test/helpers/skewed-rig.js';
import { waitFor } from '../test/helpers/net.js';
import { type Row, fmt } from './lib.js';

/**
 * Issue 10, the product's promise: with wall clocks seconds apart, do the cameras' first frames
 * line up in true time? Three node processes on libfaketime clocks (+2.5 s drifting 100 ppm,
 * true, −1.8 s), a start-all from each node in turn, first frames compared in true time (each
 * node's firstFrameAt minus its injected skew). Side by side in one run: starts on rig time
 * (sync.rigTime: true, the default) and on each node's own clock (sync.rigTime: false, how
 * every node started before rig time existed).
 */

const CLOCKS: InjectedClock[] = [{ skewMs: 2500, rate: 1.0001 }, { skewMs: 0, rate: 1 }, { skewMs: -1800, rate: 1 }];

interface Spread { spreads: number[]; armed: number[]; lateMs: number[]; missing: string[] }

async function run(lib: string, rigTime: boolean): Promise<Spread> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-rigtime-'));
  let rig: SkewedRig | null = null;
  try {
    rig = await startSkewedRig({ dir, lib, clocks: CLOCKS, config: { sync: { rigTime } } });
    const r = rig;
    if (rigTime) await rigTimeKnown(r);
    else await waitFor(async () => (await Promise.all(r.nodes.map(async (n) => ((await (await fetch(`${n.url}/api/v1/rig`)).json()) as { mesh: { connected: string[] } }).mesh.connected.length === 2))).every(Boolean), 60_000, 250);
    const out: Spread = { spreads: [], armed: [], lateMs: [], missing: [] };
    for (const [from] of CAMS.entries()) {
      const { manifests } = await startAllOnce(r, from, `B-${rigTime ? 'rig' : 'own'}-${from}`);
      const truth = manifests.flatMap((m, i) => (m && typeof m.firstFrameAt === 'number' ? [m.firstFrameAt - skewAt(r.nodes[i]!, m.firstFrameAt - CLOCKS[i]!.skewMs)] : []));
      out.missing.push(...manifests.flatMap((m, i) => (m ? [] : [`${CAMS[i]} (start-all from ${CAMS[from]})`])));
      if (truth.length > 1) out.spreads.push(Math.max(...truth) - Math.min(...truth));
      // Apart from the clocks: the instants each node armed for (true time), and how late each shutter opened on its own clock.
      const armed = manifests.flatMap((m, i) => (m ? [m.startAtLocal - skewAt(r.nodes[i]!, m.startAtLocal - CLOCKS[i]!.skewMs)] : []));
      if (armed.length > 1) out.armed.push(Math.max(...armed) - Math.min(...armed));
      out.lateMs.push(...manifests.flatMap((m) => (m && typeof m.firstFrameAt === 'number' ? [Math.max(0, m.firstFrameAt - m.startAtLocal)] : [])));
    }
    return out;
  } finally {
    await rig?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function rigTime(): Promise<Row[]> {
  const lib = findLibfaketime();
  if (lib.path === null || !faketimeWorks(lib.path)) {
    const why = lib.path === null ? lib.why : 'libfaketime does not move Node\'s clock here';
    return [{ name: 'True-time start spread, skewed clocks', value: NaN, unit: 'ms', target: '≤ 5 ms', met: null, note: `not measured: ${why}` }];
  }
  const rig = await run(lib.path, true);
  const own = await run(lib.path, false);
  const worst = Math.max(...rig.spreads);
  const naive = own.spreads.length ? Math.max(...own.spreads) : NaN;
  const armedWorst = Math.max(...rig.armed);
  const armedNaive = own.armed.length ? Math.max(...own.armed) : NaN;
  return [{
    name: 'Start instants armed, spread in true time (worst of 3 start-alls)', value: armedWorst, unit: 'ms', baseline: armedNaive, ratio: armedWorst / armedNaive,
    target: '≤ 2 ms (each node within 1 ms of rig time)', met: armedWorst <= 2,
    note: 'the instant each node set its shutter for, on its own clock, minus its injected skew: what rig time controls, apart from how promptly a shutter wakes; baseline = own clocks (sync.rigTime: false)',
  }, {
    name: 'True-time start spread with clocks +2.5 s / 0 / −1.8 s apart (worst of 3 start-alls)', value: worst, unit: 'ms', baseline: naive, ratio: worst / naive,
    target: '≤ 5 ms', met: worst <= 5 && rig.missing.length === 0,
    note: `three node processes on libfaketime clocks (CAM_L +2.5 s drifting 100 ppm, CAM_C true, CAM_R −1.8 s), a start-all from each node; `
      + `rig time (sync.rigTime: true): ${rig.spreads.map((x) => fmt(x, 3)).join(', ')} ms${rig.missing.length ? `, did not start: ${rig.missing.join('; ')}` : ''} `
      + `(the instants armed, in true time, ${rig.armed.map((x) => fmt(x, 3)).join(', ')} ms apart; shutters opened up to ${fmt(Math.max(...rig.lateMs), 3)} ms after their instant on a busy 2-core box); `
      + `baseline = each node on its own clock (sync.rigTime: false): ${own.spreads.map((x) => fmt(x, 0)).join(', ')} ms among the cameras that started`
      + `${own.missing.length ? `; did not start (instant already stale on its clock): ${own.missing.join('; ')}` : ''}`,
  }];
}

// `node dist/bench/rig-time.js` runs this suite alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await rigTime()) console.log(`${r.name}: ${fmt(r.value, 3)} ${r.unit}${r.baseline === undefined ? '' : ` (baseline ${fmt(r.baseline, 3)})`} ${r.met === null ? '' : r.met ? 'met' : 'NOT met'}\n  ${r.note ?? ''}`);
  process.exit(0);
}
