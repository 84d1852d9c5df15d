import test from 'ava';
import { Metrics } from '../../runtime/metrics.js';
import { StatusBoard } from '../../runtime/status.js';
import { blankStatus } from '../helpers/app.js';
import { waitFor } from '../helpers/net.js';

test('event-loop delay: a recent window, net of the sampling interval, that sees a blocked loop', async (t) => {
  const m = new Metrics(new StatusBoard(blankStatus()), 300);
  t.teardown(() => m.close());
  t.is(m.snapshot().eventLoopDelayMs.lastWindow, null, 'no window before the first one ends');
  const quiet = await waitFor(async () => m.snapshot().eventLoopDelayMs.lastWindow, 5_000, 25);
  t.true(quiet.p50 < 5, `an idle loop reads about 0, not the 10 ms sampling interval (p50 ${quiet.p50} ms)`);
  const blockEnd = Date.now() + 60;
  while (Date.now() < blockEnd) { /* block the event loop for 60 ms */ }
  // The delay is recorded when the sampler next runs, after the block: in the window then open,
  // or, when the window's own timer was due during the block and fired first, in the one after.
  // So look at the first two windows that end after the block.
  const first = await waitFor(async () => {
    const w = m.snapshot().eventLoopDelayMs.lastWindow!;
    return w.endedAt > blockEnd ? w : null;
  }, 5_000, 10);
  const second = await waitFor(async () => {
    const w = m.snapshot().eventLoopDelayMs.lastWindow!;
    return w.endedAt > first.endedAt ? w : null;
  }, 5_000, 10);
  const blocked = first.max >= second.max ? first : second;
  t.true(blocked.max >= 40, `the 60 ms block shows up (max ${first.max} then ${second.max} ms)`);
  t.true(blocked.endedAt > quiet.endedAt);
});
