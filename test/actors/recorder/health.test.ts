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
      rate.push(at, snap.frame ?? 0);
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
