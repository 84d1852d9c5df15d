import test from 'ava';
import { z } from 'zod';
import { RigViewResponse, StartAllResponse, StatusResponse, ConfirmResponse, RecordingsResponse } from '../../http/responses.js';
import { blankStatus } from '../helpers/app.js';

/** What other helpers add while this layer is not looking: it must reach the dashboard and scripts. */
test('status, rig view, recordings and start-all answers keep fields added elsewhere', (t) => {
  const status = { ...blankStatus(), warnings: [], uptimeS: 1, updatedAt: 2, versionLabel: 'soccer-rig-test', sync: { offsetMs: 1, confidence: 'high' as const, source: 'chrony', peers: { CAM_C: { offsetMs: 1, vsRigMs: 0.5, rttMs: 0.3, errorMs: 0.2, ageMs: 10 } } }, newTop: 1 };
  t.deepEqual(z.encode(StatusResponse, status), status);

  const rig = {
    self: 'CAM_L', at: 1, nodes: [{ cameraId: 'CAM_L', self: true, reachable: true, lastSeenMs: 0, status: { anything: { deep: 1 } }, extraNodeField: true }],
    disagreements: [{ code: 'SYNC_OFF', message: 'm', cameraIds: ['CAM_L'], limitMs: 5 }], mesh: { enabled: true, connected: [] }, staleAfterMs: 4000,
  };
  t.deepEqual(z.encode(RigViewResponse, rig), rig);

  const startAll = { sessionId: 'S', startAt: 1, commandId: 'c', superseded: false, results: [{ cameraId: 'CAM_L', result: 'ok', firstFrameAt: 3, firstFrameAtPrecise: 3.5 }], extra: 1 };
  t.deepEqual(z.encode(StartAllResponse, startAll), startAll);

  const recordings = { recordings: [], unreadable: [{ file: 'x.json', error: 'bad', extra: 1 }], skipped: 2 };
  t.deepEqual(z.encode(RecordingsResponse, recordings), recordings);
});

test('answers this layer builds itself are strict: nothing beyond the schema leaves', (t) => {
  t.deepEqual(z.encode(ConfirmResponse, { ok: true, file: 'f', offloaded: true, offloadedAt: 1, internal: 'x' } as z.input<typeof ConfirmResponse>), { ok: true, file: 'f', offloaded: true, offloadedAt: 1 });
});
