import test from 'ava';
import { formatProgress, formatDuration, formatBytes, rateOf, ProgressDisplay, type FileProgress } from '../../../runtime/offload/progress.js';

const file = (o: Partial<FileProgress>): FileProgress => ({
  cameraId: 'CAM_L', file: 'm_CAM_L.mp4', totalBytes: 29e9, doneBytes: 0, movedBytes: 0, startedAt: null, via: null, state: 'waiting', ...o,
});

test('per file and total, with rate and ETA from the bytes this run moved', (t) => {
  const now = 100_000;
  const lines = formatProgress([
    // Resumed at 10 GB, 1 GB moved in 10 s: 100 MB/s, 18 GB left: 3 min.
    file({ doneBytes: 11e9, movedBytes: 1e9, startedAt: now - 10_000, via: 'direct', state: 'copying' }),
    file({ cameraId: 'CAM_C', file: 'm_CAM_C.mp4', totalBytes: 1e9, state: 'done' }),
    file({ cameraId: 'CAM_R', file: 'm_CAM_R.mp4', totalBytes: 2e9, doneBytes: 5e8, movedBytes: 5e8, startedAt: now - 10_000, via: 'relay', state: 'copying' }),
  ], now - 10_000, now);
  t.deepEqual(lines, [
    'CAM_L m_CAM_L.mp4   37.9 %  11.00 GB / 29.00 GB  100.0 MB/s  ETA 3:00  (direct)',
    'CAM_R m_CAM_R.mp4   25.0 %  500.0 MB / 2.00 GB  50.0 MB/s  ETA 0:30  (relay)',
    'total 1/3 files   39.1 %  12.50 GB / 32.00 GB  150.0 MB/s  ETA 2:10',
  ]);
});

test('no rate before anything moved; durations and sizes read naturally', (t) => {
  t.is(rateOf(0, 0, 1000), null);
  t.is(rateOf(10, null, 1000), null);
  t.is(formatDuration(3725), '1:02:05');
  t.is(formatDuration(Number.POSITIVE_INFINITY), '--:--');
  t.is(formatBytes(2500), '3 kB');
  t.deepEqual(formatProgress([file({ state: 'copying', startedAt: 0 })], 0, 0),
    ['CAM_L m_CAM_L.mp4    0.0 %  0 kB / 29.00 GB  -- MB/s  ETA --:--', 'total 0/1 files    0.0 %  0 kB / 29.00 GB  -- MB/s  ETA --:--']);
});

test('a TTY block is redrawn in place at most every interval; messages print above it', (t) => {
  let now = 0;
  const out: string[] = [];
  const d = new ProgressDisplay({ write: (s) => out.push(s), tty: true, now: () => now, intervalMs: 200 });
  d.update(['a 1', 'total 1']);
  t.deepEqual(out, ['a 1\ntotal 1\n']);
  now = 100;
  d.update(['a 2', 'total 2']);
  t.is(out.length, 1, 'too soon: not redrawn');
  now = 250;
  d.update(['a 3', 'total 3']);
  t.deepEqual(out.slice(1), ['\x1b[1A\x1b[2K\x1b[1A\x1b[2K', 'a 3\ntotal 3\n']);
  d.log('verified a');
  t.deepEqual(out.slice(3), ['\x1b[1A\x1b[2K\x1b[1A\x1b[2K', 'verified a\n']);
  d.close();
  t.is(out.length, 5, 'nothing left to erase');
});

test('a TTY line longer than the terminal is cut, so the redraw erases exactly what it drew', (t) => {
  const out: string[] = [];
  const d = new ProgressDisplay({ write: (s) => out.push(s), tty: true, now: () => 0, columns: () => 10 });
  d.update(['0123456789abc', 'short']);
  t.deepEqual(out, ['012345678\nshort\n']);
});

test('not a TTY: plain lines, no escape codes, every 10 s unless forced', (t) => {
  let now = 0;
  const out: string[] = [];
  const d = new ProgressDisplay({ write: (s) => out.push(s), tty: false, now: () => now });
  d.update(['total 1']);
  now = 5000;
  d.update(['total 2']);
  d.update(['total 3'], true);
  now = 16_000;
  d.update(['total 4']);
  d.log('verified');
  d.close();
  t.deepEqual(out, ['progress total 1\n', 'progress total 3\n', 'progress total 4\n', 'verified\n']);
});
