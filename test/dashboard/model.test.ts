import test from 'ava';
import { fileURLToPath } from 'node:url';

// The page's own logic module, imported as the browser gets it (plain JS, no build step).
const MODEL = new URL('../../../http/public/js/model.js', import.meta.url).href;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const m: any = await import(MODEL);

test('the model module is the file the page loads', (t) => {
  t.true(fileURLToPath(MODEL).endsWith('http/public/js/model.js'));
});

test('formatting for the cards', (t) => {
  t.is(m.fmtBytes(83_300_000_000), '83.3 GB');
  t.is(m.fmtBytes(null), '—');
  t.is(m.fmtMinutes(95), '95 min');
  t.is(m.fmtMinutes(5516), '91 h 56 min');
  t.is(m.fmtClock(3_723_000), '01:02:03');
  t.is(m.fmtAge(400), 'just now');
  t.is(m.fmtAge(12_000), '12 s ago');
  t.is(m.videoLine({ width: 320, height: 180, fps: 30, codec: 'h265', bitrateMbps: 2 }), '320×180 · 30 fps · H265 · 2 Mbps');
  t.is(m.encoderLine({ fps: 29.84, droppedFrames: 3, keepingUp: false }), '29.8 fps · 3 dropped · NOT keeping up');
  t.is(m.encoderLine({ fps: null }), 'not encoding');
  t.is(m.syncLine({ offsetMs: 1.234, confidence: 'high' }), '+1.2 ms (high)');
  t.is(m.syncLine({ offsetMs: -0.46, errorMs: 0.31, source: 'peers', confidence: null }), '-0.5 ms ± 0.3 ms (peers)');
  t.is(m.syncLine({ offsetMs: 0, errorMs: 2, source: 'chrony', confidence: 'high' }), '0.0 ms ± 2.0 ms (chrony, high)');
  t.is(m.syncLine({ offsetMs: null }), 'unknown (not measured yet)');
  t.is(m.syncLine({ offsetMs: null, source: 'alone' }), 'unknown (alone)');
  t.is(m.syncLine(null), 'unknown (not measured yet)');
});

const status = (id: string, over: Record<string, unknown> = {}) => ({
  cameraId: id, state: 'idle', sessionId: null, updatedAt: 1000, recording: { firstFrameAt: null, startedAt: null },
  storage: { freeBytes: 5e9 }, temperatureC: 50, encoder: { fps: null }, sync: { offsetMs: 0 }, warnings: [], ...over,
});

test('rig nodes keep the server\'s order (its field order), with ages on the phone clock and the rig clock skew', (t) => {
  const rig = {
    self: 'CAM_R', at: 10_000,
    nodes: [
      { cameraId: 'CAM_L', self: false, reachable: false, lastSeenMs: 7000, status: status('CAM_L') },
      { cameraId: 'CAM_C', self: false, reachable: true, lastSeenMs: 300, status: null },
      { cameraId: 'CAM_R', self: true, reachable: true, lastSeenMs: 0, status: status('CAM_R') },
    ],
  };
  const nodes = m.nodesFromRig(rig, 12_000);
  t.deepEqual(nodes.map((n: any) => n.cameraId), ['CAM_L', 'CAM_C', 'CAM_R']);
  t.deepEqual(m.nodesFromRig({ ...rig, nodes: [...rig.nodes].reverse() }, 12_000).map((n: any) => n.cameraId), ['CAM_R', 'CAM_C', 'CAM_L'], 'the page does not reorder');
  t.is(nodes[0].seenAt, 5000);
  t.is(nodes[2].clockSkew, 2000);
  t.false('FIELD_ORDER' in m, 'the field order is the server\'s');
});

test('stale is the server\'s word (reachable), or the page\'s lost link to its node; no age rule of its own', (t) => {
  const nodes = m.nodesFromRig({ at: 0, nodes: [
    { cameraId: 'CAM_L', reachable: false, lastSeenMs: 7000, status: status('CAM_L') },
    { cameraId: 'CAM_R', reachable: true, lastSeenMs: 3_600_000, status: status('CAM_R') },
  ] }, 0);
  t.true(m.isStale(nodes[0], false), 'unreachable is stale');
  t.false(m.isStale(nodes[1], false), 'reachable is live, however the page\'s clock reads its age');
  t.true(m.isStale(nodes[1], true), 'a lost link makes every card old news');
  t.false('STALE_MS' in m);
});

test('elapsed recording time is measured on the rig clock', (t) => {
  const node = { status: status('CAM_L', { state: 'recording', recording: { firstFrameAt: 5000, startedAt: 4900 } }), clockSkew: 1000 };
  t.is(m.elapsedMs(node, 16_000), 10_000);
  t.is(m.elapsedMs({ ...node, status: { ...node.status, state: 'idle' } }, 16_000), null);
});

test('disagreements are the server\'s; only those a newer start/stop answer has overtaken wait', (t) => {
  const fromServer = [
    { code: 'NOT_ALL_RECORDING', message: 'CAM_L, CAM_R not recording', cameraIds: ['CAM_L', 'CAM_R'] },
    { code: 'SYNC_DRIFT', message: 'x', cameraIds: ['CAM_C'] },
  ];
  t.deepEqual(m.shownDisagreements(fromServer, new Set()), fromServer);
  t.deepEqual(m.shownDisagreements(fromServer, new Set(['CAM_R'])), [fromServer[1]]);
  t.deepEqual(m.shownDisagreements(undefined, new Set()), []);
  t.false('disagreements' in m, 'the page has no rules of its own');
});

test('history keeps one sample per step and forgets what is older than its window', (t) => {
  const h = new m.History(10_000, 2000);
  h.add('CAM_L', 0, status('CAM_L', { temperatureC: 40 }));
  h.add('CAM_L', 500, status('CAM_L', { temperatureC: 41 }));
  t.deepEqual(h.series('CAM_L', 'temp'), [{ t: 0, v: 41 }], 'a change within one step replaces the sample');
  h.add('CAM_L', 2500, status('CAM_L', { temperatureC: 42, state: 'recording', encoder: { fps: 29.9 } }));
  t.deepEqual(h.series('CAM_L', 'fps'), [{ t: 0, v: null }, { t: 2500, v: 29.9 }], 'encoder fps only while recording');
  h.add('CAM_L', 11_000, status('CAM_L', { temperatureC: 43 }));
  t.deepEqual(h.series('CAM_L', 'temp').map((p: any) => p.t), [2500, 11_000]);
  for (let i = 0; i < 2000; i++) h.add('CAM_C', i * 1000, status('CAM_C'));
  t.true(h.series('CAM_C', 'temp').length <= 6, 'bounded memory');
});

test('sparklines: gaps stay gaps, flat lines are drawn, nothing when there is no data', (t) => {
  const s = m.sparkLines([{ t: 0, v: 1 }, { t: 50, v: 3 }, { t: 60, v: null }, { t: 100, v: 2 }], 104, 24, 0, 100, 2);
  t.is(s.lines.length, 2);
  t.is(s.lines[0], '2.0,22.0 52.0,2.0');
  t.is(s.min, 1);
  t.is(s.max, 3);
  t.is(m.sparkLines([{ t: 0, v: 5 }, { t: 10, v: 5 }], 100, 20, 0, 10).lines.length, 1);
  t.deepEqual(m.sparkLines([{ t: 0, v: null }], 100, 20, 0, 10).lines, []);
  const noisy = m.sparkLines([{ t: 0, v: 83.31 }, { t: 10, v: 83.29 }], 104, 24, 0, 10, 2, 10);
  const ys = noisy.lines[0].split(' ').map((p: string) => Number(p.split(',')[1]));
  t.true(Math.abs(ys[0]! - ys[1]!) < 0.1, 'a minimum span keeps tiny changes flat');
});

test('recordings are grouped by session, newest first, cameras in the rig view\'s order', (t) => {
  const mf = (sessionId: string, cameraId: string, startAt: number, over = {}) => ({ sessionId, cameraId, startAt, file: `${sessionId}_${cameraId}.mp4`, sizeBytes: 10, sha256: 'ab'.repeat(32), ...over });
  const order = ['CAM_L', 'CAM_C', 'CAM_R'];
  const groups = m.groupBySession([mf('s1', 'CAM_R', 1), mf('s2', 'CAM_C', 5), mf('s1', 'CAM_L', 1), mf('s2', 'CAM_L', 5)], order);
  t.deepEqual(groups.map((g: any) => g.sessionId), ['s2', 's1']);
  t.deepEqual(groups[1].files.map((f: any) => f.cameraId), ['CAM_L', 'CAM_R']);
  t.deepEqual(groups[0].cameras, ['CAM_L', 'CAM_C']);
  t.is(groups[1].totalBytes, 20);
  t.deepEqual(m.groupBySession([mf('s', 'CAM_L', 1), mf('s', 'CAM_R', 1)], ['CAM_R', 'CAM_L'])[0].cameras, ['CAM_R', 'CAM_L'], 'whatever order the server gives');
  t.is(m.checksumState(mf('s', 'c', 0)).ok, true);
  t.is(m.checksumState(mf('s', 'c', 0, { incomplete: true })).label, 'incomplete');
  t.is(m.checksumState(mf('s', 'c', 0, { inProgress: true, sha256: null })).label, 'recording…');
});

test('takes: grouped under their session, in take order, each take listed per camera; no take field is take 1', (t) => {
  const mf = (cameraId: string, take: number | undefined, startAt: number) => ({ sessionId: 's', cameraId, startAt, file: `s_${cameraId}_${take ?? 1}.mp4`, sizeBytes: 10, ...(take === undefined ? {} : { take }) });
  const [g, ...rest] = m.groupBySession([mf('CAM_R', 2, 50), mf('CAM_L', undefined, 10), mf('CAM_L', 2, 50), mf('CAM_R', 1, 10), mf('CAM_C', 3, 90)], ['CAM_L', 'CAM_C', 'CAM_R']);
  t.deepEqual(rest, [], 'one session');
  t.deepEqual(g.takes.map((x: any) => x.take), [1, 2, 3]);
  t.deepEqual(g.takes.map((x: any) => x.files.map((f: any) => f.cameraId)), [['CAM_L', 'CAM_R'], ['CAM_L', 'CAM_R'], ['CAM_C']]);
  t.deepEqual(g.takes.map((x: any) => x.totalBytes), [20, 20, 10]);
  t.is(g.takes[1].startAt, 50);
  t.is(g.totalBytes, 50);
  t.is(m.takeOf({}), 1);
  t.is(m.takeOf({ take: 0 }), 1, 'not a take number');
  t.is(m.takeOf({ take: 4 }), 4);
});

test('config errors map to the form field, or to its nearest parent', (t) => {
  const body = { error: { code: 'INVALID_CONFIG', message: 'video.bitrateMbps: Too big', field: 'video.bitrateMbps', problems: [{ path: 'video.bitrateMbps', message: 'Too big' }] } };
  t.deepEqual(m.problemsOf(body), [{ path: 'video.bitrateMbps', message: 'Too big' }]);
  t.deepEqual(m.problemsOf({ error: { code: 'VALIDATION_FAILED', message: 'mode: Invalid option', field: 'mode' } }), [{ path: 'mode', message: 'Invalid option' }]);
  t.is(m.fieldFor('network.wpa2Key', ['network.wpa2Key']), 'network.wpa2Key');
  t.is(m.fieldFor('peers[0].host', ['peers']), 'peers');
  t.is(m.fieldFor('rig.secret', ['video.codec']), null);
});

test('the settings patch holds only what changed, with numbers as numbers and blank secrets kept', (t) => {
  const current = { video: { bitrateMbps: 2, codec: 'h265' }, network: { wpa2Key: '********', apSsid: undefined }, camera: { position: 'left' } };
  t.deepEqual(m.configPatch({ 'video.bitrateMbps': '3.5', 'video.codec': 'h265', 'network.wpa2Key': '', 'network.apSsid': '', 'camera.position': 'left' }, current), { video: { bitrateMbps: 3.5 } });
  t.deepEqual(m.configPatch({ 'video.bitrateMbps': 'fast' }, current), { video: { bitrateMbps: 'fast' } }, 'the server judges what is not a number');
  t.deepEqual(m.configPatch({ 'network.wpa2Key': 'new-passphrase' }, current), { network: { wpa2Key: 'new-passphrase' } });
});

test('a card lists why its recording stopped: the recorder error comes first, beside the node\'s warnings', (t) => {
  const chrony = { code: 'CHRONY_NOT_RUNNING', message: 'chronyc could not talk to chronyd' };
  const error = { code: 'ENCODER_EXITED', message: 'encoder killed by SIGKILL' };
  t.deepEqual(m.cardWarnings({ state: 'error', recording: { error }, warnings: [chrony] }),
    [{ code: 'ENCODER_EXITED', message: 'Recording stopped: encoder killed by SIGKILL' }, chrony]);
  // The same code already among the warnings is not listed twice.
  t.deepEqual(m.cardWarnings({ state: 'error', recording: { error: { code: 'DISK_FULL', message: 'disk full' } }, warnings: [{ code: 'DISK_FULL', message: 'disk full' }] }),
    [{ code: 'DISK_FULL', message: 'disk full' }]);
  // An error reported while the recording goes on is not called a stop.
  t.deepEqual(m.cardWarnings({ state: 'recording', recording: { error: { code: 'PREVIEW_DROPPED', message: 'preview ffmpeg exited' } }, warnings: [] }),
    [{ code: 'PREVIEW_DROPPED', message: 'preview ffmpeg exited' }]);
  t.deepEqual(m.cardWarnings({ state: 'idle', recording: { error: null }, warnings: [chrony] }), [chrony]);
  t.deepEqual(m.cardWarnings(null), []);
});

test('the rig summary counts as recording only the cameras it hears from', (t) => {
  const node = (state: string, reachable = true) => ({ reachable, seenAt: 0, status: { state } });
  t.is(m.rigSummary([node('recording'), node('recording'), node('recording', false)], false), '2 of 3 recording · 1 not reachable');
  t.is(m.rigSummary([node('recording'), node('idle'), node('recording')], false), '2 of 3 recording');
  t.is(m.rigSummary([node('recording')], true), '0 of 1 recording · 1 not reachable', 'the page lost its node: nothing is known to record');
  t.is(m.rigSummary([], false), '');
});

test('the session the details form belongs to is one a camera heard from is recording, never a dead camera\'s last word', (t) => {
  const node = (state: string, sessionId: string | null, reachable = true) => ({ reachable, seenAt: 0, status: { state, sessionId } });
  t.is(m.recordingSessionId([node('idle', null), node('recording', 'S2'), node('idle', null)], false), 'S2');
  // CAM_L died mid-recording of S1; the others stopped: details typed now are for the next session.
  t.is(m.recordingSessionId([node('recording', 'S1', false), node('idle', null), node('idle', null)], false), 'next');
  t.is(m.recordingSessionId([node('recording', 'S1')], true), 'next', 'the page lost its node: nothing is known to record');
});
