import test from 'ava';
import { Shutter, type ShutterClock, type ShutterOptions } from '../../../actors/recorder/shutter.js';

/**
 * A fake clock that moves 0.05 ms on every read (so spin loops end) and jumps on demand, with
 * a wall clock of whole ms 1_000_000.37 ms ahead of the monotonic one, and manual timers.
 */
function fakeWorld() {
  let mono = 0;
  const offset = 1_000_000.37;
  const timers: Array<{ due: number; fn: () => void } | null> = [];
  const clock: ShutterClock = {
    mono: () => (mono += 0.05),
    wall: () => Math.floor(mono + offset),
  };
  const world = {
    clock,
    offset,
    get mono() {
      return mono;
    },
    setTimer: (fn: () => void, ms: number) => timers.push({ due: mono + ms, fn }) - 1,
    clearTimer: (id: unknown) => {
      timers[id as number] = null;
    },
    /** Jumps the clocks to `to` (monotonic ms) and fires the timers due by then, in order. */
    advance(to: number) {
      for (;;) {
        const next = timers
          .map((x, i) => ({ x, i }))
          .filter((e): e is { x: { due: number; fn: () => void }; i: number } => e.x !== null && e.x.due <= to)
          .sort((a, b) => a.x.due - b.x.due)[0];
        if (!next) break;
        timers[next.i] = null;
        if (mono < next.x.due) mono = next.x.due;
        next.x.fn();
      }
      if (mono < to) mono = to;
    },
    /** A shutter on this world's clocks and timers. */
    shutter: (opts: Omit<ShutterOptions, 'clock' | 'setTimer' | 'clearTimer'>) =>
      new Shutter({ ...opts, clock: world.clock, setTimer: world.setTimer, clearTimer: world.clearTimer }),
  };
  return world;
}

test('ticks (batchMs 0): nothing before the instant; tick 0 at the instant, measured below a ms; then one per frame interval', async (t) => {
  const w = fakeWorld();
  const writes: number[] = [];
  const shutter = w.shutter({
    kind: 'ticks', fps: 25, batchMs: 0,
    target: { writeTicks: (n) => { for (let i = 0; i < n; i++) writes.push(w.mono); } },
  });
  const at = 1_000_500; // wall ms: monotonic ≈ 499.63
  const opened = shutter.openAt(at);
  t.is(shutter.state, 'scheduled');
  w.advance(400);
  t.deepEqual(writes, [], 'no frame 100 ms before the instant');
  w.advance(499);
  t.is(shutter.state, 'open');
  const first = await opened;
  t.true(first! >= at && first! < at + 0.5, `firstFrameAt ${first} for an instant of ${at}`);
  t.is(writes.length, 1);
  t.true(Math.abs(first! - (writes[0]! + w.offset)) < 0.2, 'firstFrameAt is when tick 0 was written');
  w.advance(writes[0]! + 1000 + 1);
  t.is(shutter.frames, 26, 'tick 0 plus 25 more in the next second');
  for (let i = 1; i < writes.length; i++) t.true(Math.abs(writes[i]! - writes[0]! - i * 40) < 0.5, `tick ${i} at ${writes[i]! - writes[0]!} ms`);
});

test('ticks: a late wake-up writes every tick that was due, so frames always match the time elapsed', (t) => {
  const w = fakeWorld();
  let writes = 0;
  const shutter = w.shutter({ kind: 'ticks', fps: 30, batchMs: 0, target: { writeTicks: (n) => (writes += n) } });
  void shutter.openAt(0); // in the past: opens at once
  t.is(writes, 1);
  const opened = w.mono;
  // The event loop was blocked for 500 ms: the first timer fires that late.
  w.advance(opened + 500);
  t.is(writes, 16, 'ticks 0..15 (every 33.3 ms up to 500 ms) after a 500-ms stall');
  w.advance(opened + 2000);
  t.is(writes, 61);
});

test('ticks, batched (default 100 ms): tick 0 alone at the instant, then the due ticks in one write per wake-up', (t) => {
  const w = fakeWorld();
  const batches: Array<{ at: number; n: number }> = [];
  const shutter = w.shutter({ kind: 'ticks', fps: 30, target: { writeTicks: (n) => batches.push({ at: w.mono, n }) } });
  void shutter.openAt(0);
  const opened = w.mono;
  t.is(batches[0]!.n, 1, 'tick 0 on its own');
  w.advance(opened + 1050); // the 10th wake-up falls just after 1000 ms (the fake clock creeps)
  const wakes = batches.slice(1);
  t.is(wakes.length, 10, 'ten wake-ups in a second');
  for (let i = 1; i < wakes.length; i++) t.true(wakes[i]!.at - wakes[i - 1]!.at >= 99.9, 'at most one wake-up per 100 ms');
  t.is(shutter.frames, 31, 'frames 0..30 by the end of the second, batching or not');
  t.is(batches.reduce((sum, b) => sum + b.n, 0), shutter.frames);
});

test('end() before the instant: no frame, ticks ended, waiters get null; end() is idempotent', async (t) => {
  const w = fakeWorld();
  let writes = 0;
  let ended = 0;
  const shutter = w.shutter({ kind: 'ticks', fps: 30, target: { writeTicks: (n) => (writes += n), endTicks: () => ended++ } });
  const opened = shutter.openAt(2_000_000);
  shutter.end();
  shutter.end();
  t.is(await opened, null);
  w.advance(2_000_000);
  t.is(writes, 0);
  t.is(ended, 1);
  t.is(shutter.state, 'ended');
  t.is(await shutter.openAt(0), null, 'an ended shutter does not reopen');
});

test('signal: one signal at the instant, no ticks; stopping after it ends the shutter', async (t) => {
  const w = fakeWorld();
  let signals = 0;
  let writes = 0;
  const shutter = w.shutter({ kind: 'signal', fps: 30, target: { signal: () => signals++, writeTicks: (n) => (writes += n) } });
  const opened = shutter.openAt(1_000_100);
  w.advance(50);
  t.is(signals, 0);
  w.advance(200);
  t.truthy(await opened);
  t.is(signals, 1);
  t.is(writes, 0);
  shutter.end();
  t.is(shutter.state, 'ended');
  t.is(signals, 1);
});

test('real clocks: the shutter opens at the instant, not before, within a few ms', async (t) => {
  let wroteAt = 0;
  const shutter = new Shutter({ kind: 'ticks', fps: 30, target: { writeTicks: () => (wroteAt ||= Date.now()) } });
  const at = Date.now() + 100;
  const first = await shutter.openAt(at);
  shutter.end();
  t.true(first! >= at, `opened ${first! - at} ms after the instant`);
  t.true(wroteAt >= at, 'tick 0 was written at or after the instant');
  t.log(`opened ${(first! - at).toFixed(3)} ms after the instant`);
});

test('bad fps is refused', (t) => {
  t.throws(() => new Shutter({ kind: 'ticks', fps: 0, target: {} }), { instanceOf: RangeError });
});
