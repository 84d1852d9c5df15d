import test from 'ava';

// "Delete offloaded files" estimate and answer formatting, imported as the browser gets it (plain JS).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const m: any = await import(new URL('../../../http/public/js/cleanup-model.js', import.meta.url).href);

const rec = (cameraId: string, file: string, sizeBytes: number, extra: Record<string, unknown> = {}) => ({ cameraId, file, sizeBytes, offloaded: false, ...extra });

test('the estimate counts only confirmed files still on disk and not being recorded, per node in the given order', (t) => {
  const e = m.toFree([
    rec('CAM_R', 'r1.mp4', 300, { offloaded: true }),
    rec('CAM_L', 'l1.mp4', 100, { offloaded: true }),
    rec('CAM_L', 'l2.mp4', 50, { offloaded: true }),
    rec('CAM_L', 'l3.mp4', 999), // not confirmed
    rec('CAM_C', 'c1.mp4', 999, { offloaded: true, deletedAt: 5 }), // already deleted
    rec('CAM_C', 'c2.mp4', 999, { offloaded: true, inProgress: true }), // being recorded
  ], ['CAM_L', 'CAM_C', 'CAM_R']);
  t.deepEqual(e.nodes, [
    { cameraId: 'CAM_L', files: 2, bytes: 150 },
    { cameraId: 'CAM_C', files: 0, bytes: 0 },
    { cameraId: 'CAM_R', files: 1, bytes: 300 },
  ]);
  t.is(e.bytes, 450);
  t.is(e.files, 3);
});

test('the confirmation says the space it frees, per node for the whole rig, or that there is nothing to delete', (t) => {
  const e = m.toFree([rec('CAM_L', 'l1.mp4', 2_500_000, { offloaded: true })], ['CAM_L', 'CAM_C']);
  t.is(m.confirmText(e), 'Delete the offloaded files on all cameras? This frees 2.5 MB (CAM_L 2.5 MB, 1 file; CAM_C nothing). Files not confirmed as offloaded stay.');
  t.is(m.confirmText(e, 'CAM_L'), 'Delete the offloaded files on CAM_L? This frees 2.5 MB. Files not confirmed as offloaded stay.');
  t.regex(m.confirmText(e, 'CAM_C'), /^Nothing to delete on CAM_C: .* Ask the node anyway\?$/);
  t.regex(m.confirmText(m.toFree([], ['CAM_L'])), /^Nothing to delete on all cameras: .* Ask the nodes anyway\?$/);
});

test('the answer reads per node: what was freed, what was kept and why, and a node that failed', (t) => {
  const lines = m.resultLines({
    freedBytes: 2_500_000,
    nodes: [
      { cameraId: 'CAM_L', ok: true, deleted: [{ file: 'l1.mp4', sizeBytes: 2_500_000 }], kept: [{ file: 'l3.mp4', reason: 'not confirmed as offloaded' }], freedBytes: 2_500_000 },
      { cameraId: 'CAM_C', ok: true, deleted: [], kept: ['a', 'b', 'c'].map((f) => ({ file: `${f}.mp4`, reason: 'not confirmed as offloaded' })), freedBytes: 0 },
      { cameraId: 'CAM_R', ok: false, error: { code: 'NODE_UNREACHABLE', message: 'no answer' } },
    ],
  });
  t.deepEqual(lines, [
    { cameraId: 'CAM_L', ok: true, text: 'CAM_L: freed 2.5 MB (1 file deleted) · kept l3.mp4: not confirmed as offloaded' },
    { cameraId: 'CAM_C', ok: true, text: 'CAM_C: nothing deleted · kept 3 files: not confirmed as offloaded' },
    { cameraId: 'CAM_R', ok: false, text: 'CAM_R: not done — no answer (NODE_UNREACHABLE)' },
  ]);
  // One node's answer is the node itself, not wrapped in {nodes}.
  t.deepEqual(m.resultLines({ cameraId: 'CAM_C', ok: true, deleted: [], kept: [], freedBytes: 0 }), [{ cameraId: 'CAM_C', ok: true, text: 'CAM_C: nothing deleted' }]);
});

test('recent deletions: only deletions, newest first, a short list; the reason in words', (t) => {
  const notes = [
    { type: 'deletion', at: 1, cameraId: 'CAM_L', file: 'old.mp4', bytes: 1000, reason: 'deleteAfterConfirm' },
    { type: 'network', at: 5, cameraId: 'CAM_L', from: 'rig', to: 'ap', reason: 'lost' },
    { type: 'deletion', at: 3, cameraId: 'CAM_C', file: 'new.mp4', bytes: 2_000_000, reason: 'minFreeMinutes' },
    { type: 'deletion', at: 2, cameraId: 'CAM_R', file: 'mid.mp4', bytes: 5, reason: 'operator' },
  ];
  t.deepEqual(m.recentDeletions(notes).map((d: { file: string }) => d.file), ['new.mp4', 'mid.mp4', 'old.mp4']);
  t.deepEqual(m.recentDeletions(notes, 2).map((d: { file: string }) => d.file), ['new.mp4', 'mid.mp4']);
  t.deepEqual(m.recentDeletions(undefined), []);
  t.is(m.deletionText(notes[2]), 'CAM_C · new.mp4 · 2.0 MB freed · retention: disk running low');
  t.is(m.deletionText(notes[3]), 'CAM_R · mid.mp4 · 5 B freed · Delete offloaded files');
  t.is(m.deletionText(notes[0]), 'CAM_L · old.mp4 · 1 kB freed · retention: delete after confirm');
});
