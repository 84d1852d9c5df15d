import test from 'ava';
import { Metrics } from '../../runtime/metrics.js';
import { StatusBoard } from '../../runtime/status.js';
import { blankStatus } from '../helpers/app.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('event-loop delay: a recent window, net of the sampling interval, that sees a blocked loop', async (t) => {
  const m = new Metrics(new StatusBoard(blankStatus()), 300);
  t.teardown(() => m.close());
  t.is(m.snapshot().eventLoopDelayMs.lastWindow, null, 'no window before the first one ends');
  // The windows are real time (the histogram is libuv's own timer): wait out the first one and
  // block mid-way through the next. A block right at a window's rotation can be lost (tried: it
  // flaked on a loaded CI run), so this waits on the clock, not on a condition.
  await sleep(350);
  const quiet = m.snapshot().eventLoopDelayMs.lastWindow!;
  t.true(quiet.p50 < 5, `an idle loop reads about 0, not the 10 ms sampling interval (p50 ${quiet.p50} ms)`);
  const until = Date.now() + 60;
  while (Date.now() < until) { /* block the event loop for 60 ms */ }
  // Poll: the window holding the block is the next one to end (windows last 300 ms).
  let blocked = m.snapshot().eventLoopDelayMs.lastWindow!;
  for (let i = 0; i < 40 && blocked.endedAt <= quiet.endedAt; i++) {
    await sleep(25);
    blocked = m.snapshot().eventLoopDelayMs.lastWindow!;
  }
  t.true(blocked.max >= 40, `the 60 ms block shows up (max ${blocked.max} ms)`);
  t.true(blocked.endedAt > quiet.endedAt);
});
