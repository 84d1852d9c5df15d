import test from 'ava';
import { RateWindow, SlowWatch, type SessionHealth } from '../../../actors/recorder/health.js';
import { ProgressParser } from '../../../actors/recorder/progress.js';

/**
 * A progress stream as ffmpeg prints it for an encoder that cannot keep up: the camera
 * delivers 30 fps, the encoder manages about 12, and the v4l2 input drops what it cannot
 * queue (drop_frames grows). One block every 0.5 s.
 */
function slowStream(blocks: number): Array<{ at: number; text: string }> {
  const out: Array<{ at: number; text: string }> = [];
  for (let i = 1; i <= blocks; i++) {
    const frame = i * 6;
    out.push({
      at: 1_000_000 + i * 500,
      text: `frame=${frame}\nfps=12.0\nstream_0_0_q=28.0\nbitrate=800.0kbits/s\ntotal_size=${frame * 4000}\nout_time_us=${frame * 33_333}\ndup_frames=0\ndrop_frames=${i * 9}\nspeed=0.4x\nprogress=continue\n`,
    });
  }
  return out;
}

function replay(stream: Array<{ at: number; text: string }>, targetFps = 30): SessionHealth[] {
  const parser = new ProgressParser();
  const rate = new RateWindow();
  const out: SessionHealth[] = [];
  for (const { at, text } of stream) {
    for (const snap of parser.push(text)) {
      rate.push(at, snap.frame ?? 0, snap.outTimeUs);
      out.push(rate.health(snap, at, targetFps, snap.totalSizeBytes ?? 0));
    }
  }
  return out;
}

test('the sustained rate is measured from the frame counts, not taken from ffmpeg\'s own fps line', (t) => {
  const h = replay(slowStream(12));
  t.is(h[0]!.keepingUp, null, 'not judged before a second of history');
  const last = h.at(-1)!;
  t.true(Math.abs(last.fps! - 12) < 0.01, String(last.fps));
  t.false(last.keepingUp);
  t.is(last.droppedFrames, 108, 'frames lost before the encoder, as the source reports them');
});

test('ENCODER_SLOW: raised only once slow for the sustain time, with the rate and the lost frames; cleared when it keeps up', (t) => {
  const watch = new SlowWatch(3000);
  const warnings = replay(slowStream(12)).map((h) => watch.update(h));
  const firstAt = warnings.findIndex((w) => w !== null);
  // Reports every 0.5 s: judged from the 3rd (0.9 s of history), slow from then for 3 s: the 9th.
  t.is(firstAt, 8);
  const w = warnings.at(-1)!;
  t.is(w.code, 'ENCODER_SLOW');
  t.is(w.fps, 12);
  t.is(w.targetFps, 30);
  t.is(w.droppedFrames, 108);
  t.regex(w.message, /12 fps of 30 for \d+ s, 0\.4x real time; 108 frames lost before the encoder/);
  const recovered = watch.update({ ...replay(slowStream(12)).at(-1)!, fps: 30, speed: 1, keepingUp: true });
  t.is(recovered, null);
});

test('a single slow report (start-up, a hiccup) raises nothing', (t) => {
  const watch = new SlowWatch(3000);
  const base = replay(slowStream(3)).at(-1)!;
  t.is(watch.update({ ...base, at: 0, keepingUp: false }), null);
  t.is(watch.update({ ...base, at: 500, keepingUp: true, fps: 30 }), null);
  t.is(watch.update({ ...base, at: 3600, keepingUp: false }), null, 'the clock restarted when it kept up');
});

/**
 * Found in a match-day rehearsal: an encoder that stalled for its first seconds (a loaded CPU at
 * start) and then ran at full rate kept ENCODER_SLOW ("35.9 fps of 30 … 0.896x real time; lower
 * the resolution") for minutes, because ffmpeg's speed is averaged since the start. A 4 s stall,
 * then 30 fps steadily: ffmpeg's own speed line is still 0.88x after 30 s.
 */
function stallThenSteady(stallS: number, steadyS: number): Array<{ at: number; text: string }> {
  const out: Array<{ at: number; text: string }> = [];
  for (let i = 1; i <= (stallS + steadyS) * 2; i++) {
    const wallS = i / 2;
    const frame = Math.max(0, Math.round((wallS - stallS) * 30));
    const outUs = Math.round(frame * 33_333.33);
    out.push({
      at: 1_000_000 + wallS * 1000,
      text: `frame=${frame}\nfps=30.0\nbitrate=800.0kbits/s\ntotal_size=${frame * 4000}\nout_time_us=${outUs}\ndup_frames=0\ndrop_frames=0\nspeed=${(outUs / 1e6 / wallS).toFixed(3)}x\nprogress=continue\n`,
    });
  }
  return out;
}

test('a slow start then full rate: judged on the last seconds, not on ffmpeg\'s speed averaged since the start', (t) => {
  const h = replay(stallThenSteady(4, 30));
  const last = h.at(-1)!;
  t.true(Math.abs(last.fps! - 30) < 0.1, String(last.fps));
  t.true(Math.abs(last.speed! - 1) < 0.01, `speed over the last seconds: ${last.speed}`);
  t.true(last.keepingUp);
  const watch = new SlowWatch(3000);
  const raised = h.map((x) => watch.update(x)).slice(-40);
  t.true(raised.every((w) => w === null), 'no ENCODER_SLOW in the last 20 s of steady full rate');
});
