import test from 'ava';
import { StatusBoard } from '../../runtime/status.js';
import { blankStatus } from '../helpers/app.js';

test('patches merge nested parts; unchanged patches emit nothing', async (t) => {
  const b = new StatusBoard(blankStatus());
  let events = 0;
  b.on('change', () => { events += 1; });
  b.patch({ storage: { freeBytes: 10 } });
  await Promise.resolve();
  t.is(events, 1);
  t.deepEqual(b.snapshot().storage, { freeBytes: 10, totalBytes: null, minutesLeft: null });
  b.patch({ storage: { freeBytes: 10 } });
  await Promise.resolve();
  t.is(events, 1);
});

test('warnings are kept per source and combined', (t) => {
  const b = new StatusBoard(blankStatus());
  b.setWarnings('housekeeper', [{ code: 'DISK_LOW', message: 'x' }]);
  b.setWarnings('recorder', [{ code: 'ENCODER_SLOW', message: 'y' }]);
  b.setWarnings('housekeeper', []);
  t.deepEqual(b.snapshot().warnings.map((w) => w.code), ['ENCODER_SLOW']);
});

test('snapshots are immutable and reflect later changes', (t) => {
  let now = 1000;
  const b = new StatusBoard(blankStatus(), () => now);
  const s1 = b.snapshot();
  t.throws(() => { (s1.storage as any).freeBytes = 5; });
  b.patch({ state: 'recording' });
  now = 4000;
  const s2 = b.snapshot();
  t.is(s1.state, 'idle');
  t.is(s2.state, 'recording');
  t.is(s2.uptimeS, 3);
  t.is(s2.updatedAt, 4000);
});
