import test from 'ava';
import { ProgressParser } from '../../../actors/recorder/progress.js';

const block = `frame=61
fps=30.49
stream_0_0_q=9.7
bitrate= 953.7kbits/s
total_size=178835
out_time_us=2000065
out_time_ms=2000065
out_time=00:00:02.000065
dup_frames=1
drop_frames=2
speed=0.994x
progress=continue
`;

test('parses a full block into a typed snapshot', (t) => {
  const p = new ProgressParser();
  const [s, ...rest] = p.push(block);
  t.is(rest.length, 0);
  t.deepEqual(s, {
    frame: 61, fps: 30.49, dropFrames: 2, dupFrames: 1, bitrateKbps: 953.7, totalSizeBytes: 178835,
    outTimeUs: 2000065, speed: 0.994, end: false,
  });
});

test('blocks split at arbitrary byte boundaries give the same snapshots', (t) => {
  const text = block + block.replace('continue', 'end');
  for (const step of [1, 3, 7, 50]) {
    const p = new ProgressParser();
    const snaps = [];
    for (let i = 0; i < text.length; i += step) snaps.push(...p.push(text.slice(i, i + step)));
    t.is(snaps.length, 2, `step ${step}`);
    t.is(snaps[0]!.frame, 61);
    t.true(snaps[1]!.end);
  }
});

test('N/A values become null; out_time is used when out_time_us is missing', (t) => {
  const p = new ProgressParser();
  const [s] = p.push('frame=0\nfps=0.00\nbitrate=N/A\ntotal_size=N/A\nout_time_us=N/A\nout_time=-00:00:01.500000\nspeed=N/A\nprogress=continue\n');
  t.is(s!.bitrateKbps, null);
  t.is(s!.totalSizeBytes, null);
  t.is(s!.speed, null);
  t.is(s!.outTimeUs, -1_500_000, 'falls back to the hh:mm:ss field, sign kept');
  const [u] = p.push('frame=1\nout_time_us=N/A\nout_time=N/A\nprogress=continue\n');
  t.is(u!.outTimeUs, null);
});

test('garbage and log lines go to the message tail, not into snapshots', (t) => {
  const p = new ProgressParser(3);
  const snaps = p.push(
    '[libx265 @ 0x1] error: something\nx265 [error]: cpu count\nframe=abc\n\u0000\u0001binary\nnot a key=value\nframe=5\nout_time_us=100\nprogress=continue\n',
  );
  t.is(snaps.length, 1);
  t.is(snaps[0]!.frame, 5, 'the bad frame= value was overwritten by the good one');
  t.deepEqual(p.lastMessages(), ['x265 [error]: cpu count', '\u0000\u0001binary', 'not a key=value']);
  t.is(p.lastMessage(), 'not a key=value');
});

test('an unterminated last line is flushed by end(); an over-long line is dropped', (t) => {
  const p = new ProgressParser();
  t.deepEqual(p.push('Conversion failed!'), []);
  t.deepEqual(p.end(), []);
  t.is(p.lastMessage(), 'Conversion failed!');
  p.push('x'.repeat(10_000));
  p.push('\nframe=1\nprogress=end');
  const [s] = p.end();
  t.true(s!.end);
  t.is(s!.frame, 1);
  t.is(p.lastMessage(), 'Conversion failed!');
});
