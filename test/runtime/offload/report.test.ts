import test, { type ExecutionContext } from 'ava';
import Fastify from 'fastify';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { installZod } from '../../../http/zod.js';
import { installErrorHandling } from '../../../http/errors.js';
import { reportRoutes, type ReportRig } from '../../../http/routes/report.js';
import { saveSessionReports, reportFileName } from '../../../runtime/offload/report.js';
import { tempDir } from '../../helpers/tmp.js';

// The real report route over real HTTP, fed a rig whose manifests are given here: what the
// laptop keeps of each take's QC report.

const T0 = 1_800_000_000_000;
const manifest = (cameraId: string, take: number, over: Record<string, unknown> = {}) => ({
  file: `m1_${cameraId}_t${take}.mp4`, sessionId: 'match-1', cameraId, startAt: T0 + take * 60_000, take,
  firstFrameAt: T0 + take * 60_000 + 1, firstFrameAtRig: T0 + take * 60_000 + 1, offsetMs: 0,
  durationS: 30, droppedFrames: 0, incomplete: false, ...over,
});

async function serve(t: ExecutionContext, manifests: Array<Record<string, unknown>>): Promise<string> {
  const rig: ReportRig = { recordings: async () => manifests, snapshot: () => ({ nodes: ['CAM_L', 'CAM_C', 'CAM_R'].map((cameraId) => ({ cameraId })) }), beeps: () => [] };
  const app = Fastify();
  installZod(app);
  installErrorHandling(app);
  await app.register(reportRoutes, { rig, thresholdMs: () => 5 });
  t.teardown(() => app.close());
  return app.listen({ host: '127.0.0.1', port: 0 });
}

test('the names follow the manifests: report.json for take 1, report_tN.json for take N', (t) => {
  t.is(reportFileName(1), 'report.json');
  t.is(reportFileName(2), 'report_t2.json');
  t.throws(() => reportFileName(0), { instanceOf: RangeError });
});

test('a session recorded twice: the laptop keeps each take\'s report, neither overwrites the other', async (t) => {
  const cams = ['CAM_L', 'CAM_C', 'CAM_R'];
  // Take 1 started 12 ms apart (fail); take 2 cleanly (ok): the analyst must see both verdicts.
  const base = await serve(t, [
    ...cams.map((c, i) => manifest(c, 1, { firstFrameAtRig: T0 + 60_000 + i * 6 })),
    ...cams.map((c) => manifest(c, 2)),
  ]);
  const to = await tempDir(t, 'laptop-');
  const warnings: string[] = [];
  const saved = await saveSessionReports({ fetch, from: base, to, takes: [{ sessionId: 'match-1', take: 2 }, { sessionId: 'match-1', take: 1 }, { sessionId: 'match-1', take: 2 }], warn: (l) => warnings.push(l) });
  t.deepEqual(warnings, []);
  t.deepEqual(saved.sort(), [join('match-1', 'report.json'), join('match-1', 'report_t2.json')]);
  t.deepEqual((await readdir(join(to, 'match-1'))).sort(), ['report.json', 'report_t2.json']);
  const first = JSON.parse(await readFile(join(to, 'match-1', 'report.json'), 'utf8'));
  const second = JSON.parse(await readFile(join(to, 'match-1', 'report_t2.json'), 'utf8'));
  t.is(first.take, 1);
  t.is(first.verdict, 'fail');
  t.deepEqual(first.cameras.map((c: any) => c.file), cams.map((c) => `m1_${c}_t1.mp4`));
  t.is(second.take, 2);
  t.is(second.verdict, 'ok');
  t.deepEqual(second.cameras.map((c: any) => c.file), cams.map((c) => `m1_${c}_t2.mp4`));
});

test('a report that cannot be fetched is a warning naming the session and take; the others are still saved', async (t) => {
  const base = await serve(t, [manifest('CAM_L', 1), manifest('CAM_C', 1), manifest('CAM_R', 1)]);
  const to = await tempDir(t, 'laptop-');
  const warnings: string[] = [];
  const saved = await saveSessionReports({ fetch, from: base, to, takes: [{ sessionId: 'match-1', take: 1 }, { sessionId: 'match-1', take: 3 }], warn: (l) => warnings.push(l) });
  t.deepEqual(saved, [join('match-1', 'report.json')]);
  t.is(warnings.length, 1);
  t.regex(warnings[0]!, /session match-1 take 3: no QC report saved \(answered 404\)/);
});
