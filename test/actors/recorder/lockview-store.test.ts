import test from 'ava';
import { startNode } from '../../../runtime/node.js';
import { writeTestConfig } from '../../helpers/config.js';
import { tempDir } from './helpers.js';

const post = (n: { app: any }, url: string) => n.app.inject({ method: 'POST', url });

// Found in a match-day rehearsal: Lock View is taken when a camera is set up, minutes before
// kick-off. A node restarted in between (a power-bank swap, a crash) forgot it: the phone still
// showed the snapshot on the card, but the match's manifest came without it.
test.serial('a Lock View survives a restart of the node before kick-off, lands in the next manifest only, and only once', async (t) => {
  const dir = await tempDir(t);
  const configPath = await writeTestConfig(dir, { recording: { plannedDurationMin: 1 } });
  const first = await startNode({ configPath, overrides: { httpPort: 0 } });
  let stopped = false;
  t.teardown(() => (stopped ? undefined : first.stop()));
  const lv = await post(first, '/api/v1/lockview');
  t.is(lv.statusCode, 200, lv.body);
  const snapshot = lv.json().snapshot as string;
  await first.stop('test: power-bank swap');
  stopped = true;

  const again = await startNode({ configPath, overrides: { httpPort: 0 } });
  t.teardown(() => again.stop());
  t.is((await post(again, '/api/v1/record/start')).statusCode, 200);
  const m1 = (await post(again, '/api/v1/record/stop')).json().manifest;
  t.is(m1.snapshot, snapshot, 'the match\'s manifest has the Lock View taken before the restart');
  t.is((await post(again, '/api/v1/record/start')).statusCode, 200);
  const m2 = (await post(again, '/api/v1/record/stop')).json().manifest;
  t.is(m2.snapshot, null, 'a Lock View belongs to the next recording only');
});
