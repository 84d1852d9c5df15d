import test from 'ava';

// The page's report and update formatting, imported as the browser gets it (plain JS).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const m: any = await import(new URL('../../../http/public/js/report-model.js', import.meta.url).href);

test('milliseconds are signed, and an unknown figure says "unknown"', (t) => {
  t.is(m.fmtMs(1.26), '+1.3 ms');
  t.is(m.fmtMs(-0.4), '-0.4 ms');
  t.is(m.fmtMs(0), '0.0 ms');
  t.is(m.fmtMs(null), 'unknown');
  t.is(m.fmtMs(Number.NaN), 'unknown');
  t.is(m.syncPointLine({ offsetMs: 2.04, errorMs: 0.25, source: 'peers' }), '+2.0 ms ± 0.3 ms (peers)');
  t.is(m.syncPointLine({ offsetMs: -3, errorMs: null, source: null }), '-3.0 ms');
  t.is(m.syncPointLine({ offsetMs: null, errorMs: null, source: null }), 'unknown');
  t.is(m.syncPointLine(null), 'unknown');
});

test('the summary repeats the server\'s verdict and spread; several takes are named', (t) => {
  t.is(m.reportSummary({ verdict: 'ok', spreadMs: 1.24, thresholdMs: 5, take: 1, takes: [1] }), 'OK · start spread 1.2 ms (limit 5 ms)');
  t.is(m.reportSummary({ verdict: 'fail', spreadMs: 40, thresholdMs: 5, take: 2, takes: [1, 2] }), 'FAIL · take 2 of 2 · start spread 40.0 ms (limit 5 ms)');
  t.is(m.reportSummary({ verdict: 'warn', spreadMs: null, thresholdMs: 5, take: 1, takes: [1] }), 'CHECK · start spread unknown (no rig time)');
});

test('a camera row: its file, start against the first camera, offsets at start and stop, duration, drops; missing and incomplete say so', (t) => {
  const row = m.reportRow({
    cameraId: 'CAM_C', missing: false, file: 'c.mp4', startOffsetMs: 1.5, syncAtStart: { offsetMs: 3, errorMs: 0.2, source: 'peers' },
    syncAtStop: null, durationS: 65, droppedFrames: 2, incomplete: false, inProgress: false,
  });
  t.is(row.state, 'ok');
  t.deepEqual(row.cells, ['c.mp4', '+1.5 ms', '+3.0 ms ± 0.2 ms (peers)', 'unknown', '00:01:05', '2']);
  t.is(row.cells.length, m.REPORT_HEADS.length);
  const old = m.reportRow({ cameraId: 'CAM_L', missing: false, file: 'l.mp4', startOffsetMs: null, syncAtStart: null, syncAtStop: null, durationS: null, droppedFrames: null, incomplete: true, inProgress: false });
  t.is(old.state, 'incomplete');
  t.deepEqual(old.cells, ['l.mp4 (incomplete)', 'unknown', 'unknown', 'unknown', '—', '—']);
  const gone = m.reportRow({ cameraId: 'CAM_R', missing: true });
  t.is(gone.state, 'missing');
  t.is(gone.cells[0], 'no file');
  t.is(gone.cells.length, m.REPORT_HEADS.length);
});

test('update lines: absent without an updater; latest, state and download progress when it runs', (t) => {
  t.is(m.updateLines({ version: '0.1.0' }), null);
  t.is(m.updateLines(null), null);
  t.deepEqual(m.updateLines({ version: '0.1.0', update: { state: 'idle', progress: null, latest: null, current: '0.1.0' } }),
    { current: '0.1.0', latest: 'not checked yet', state: 'idle', busy: false });
  t.deepEqual(m.updateLines({ update: { state: 'downloading', progress: 0.426, latest: '0.2.0', current: '0.1.0' } }),
    { current: '0.1.0', latest: '0.2.0', state: 'downloading 43 %', busy: true });
  t.is(m.updateLines({ update: { state: 'idle', progress: null, latest: '0.1.0', current: '0.1.0' } }).latest, '0.1.0 (up to date)');
  t.false(m.updateLines({ update: { state: 'queued', progress: null, latest: '0.2.0', current: '0.1.0' } }).busy, 'queued: the operator may still act');
});

test('history lines: what happened, the versions, and why when refused', (t) => {
  const at = Date.UTC(2026, 10, 1, 12, 0, 0);
  const line = m.historyLine({ at, kind: 'refused', from: '0.1.0', to: '0.2.0', code: 'SIGNATURE_BAD', message: 'signature does not verify' });
  t.true(line.startsWith(new Date(at).toLocaleString()));
  t.true(line.endsWith(' · refused · 0.1.0 → 0.2.0 · SIGNATURE_BAD: signature does not verify'));
  t.true(m.historyLine({ at, kind: 'check', from: '0.1.0', to: null, code: null, message: '' }).endsWith(' · check · 0.1.0'));
});
