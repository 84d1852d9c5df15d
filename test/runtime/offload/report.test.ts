import test from 'ava';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { offload } from '../../../runtime/offload.js';
import { startRig, converged } from '../../helpers/rig.js';
import { waitFor } from '../../helpers/net.js';
import { tempDir } from '../../helpers/tmp.js';

const post = (n: { app: any }, url: string, payload: object = {}) => n.app.inject({ method: 'POST', url, payload });

// Found in a match-day rehearsal: a session recorded twice (a restart after a fault) came to the
// laptop with one report.json, the last take's; the first take's verdict and reasons were lost.
test.serial('a session of two takes: the laptop keeps each take\'s QC report (report.json the latest, report_t1.json the first)', async (t) => {
  const rig = await startRig(t);
  await converged(rig.nodes, 30_000);
  const camC = rig.nodes[1]!;
  for (let take = 1; take <= 2; take++) {
    const start = await post(camC, '/api/v1/rig/record/start', { sessionId: 'two-takes' });
    t.is(start.statusCode, 200, start.body);
    await waitFor(async () => rig.nodes.every((n) => (n.board.snapshot().encoder.fps ?? 0) > 0), 20_000);
    t.deepEqual((await post(camC, '/api/v1/rig/record/stop')).json().results.map((r: any) => r.result), ['ok', 'ok', 'ok']);
  }
  await waitFor(async () => {
    const r = (await camC.app.inject({ method: 'GET', url: '/api/v1/rig/recordings' })).json().recordings
      .filter((m: any) => m.sessionId === 'two-takes' && m.sha256 && !m.inProgress);
    return r.length === 6 ? r : null;
  }, 15_000);

  const to = await tempDir(t, 'laptop-');
  const lines: string[] = [];
  const r = await offload({ from: camC.url, to, print: (l) => lines.push(l) });
  t.deepEqual(r.failed, [], lines.join('\n'));
  t.is(r.copied.length, 6);
  const files = (await readdir(join(to, 'two-takes'))).filter((f) => f.startsWith('report'));
  t.deepEqual(files.sort(), ['report.json', 'report_t1.json']);
  for (const [file, take] of [['report.json', 2], ['report_t1.json', 1]] as const) {
    const saved = JSON.parse(await readFile(join(to, 'two-takes', file), 'utf8'));
    t.is(saved.take, take, file);
    const served = (await camC.app.inject({ method: 'GET', url: `/api/v1/rig/sessions/two-takes/report?take=${take}` })).json();
    t.deepEqual(saved, served, `${file} is the report the node serves for take ${take}`);
  }
});
