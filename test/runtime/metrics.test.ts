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
  const until = Date.now() + 60;
  while (Date.now() < until) { /* block the event loop for 60 ms */ }
  // Poll: the window holding the block is the next one to end (windows last 300 ms).
  let blocked = m.snapshot().eventLoopDelayMs.lastWindow!;
  blocked = await waitFor(async () => {
    const w = m.snapshot().eventLoopDelayMs.lastWindow!;
    return w.endedAt > quiet.endedAt ? w : null;
  }, 5_000, 25);
  t.true(blocked.max >= 40, `the 60 ms block shows up (max ${blocked.max} ms)`);
  t.true(blocked.endedAt > quiet.endedAt);
});
