import test from 'ava';
import { ToneLimiter } from '../../actors/tones-limit.js';

test('the same degradation sounds once per repeat window; a different one after the gap', (t) => {
  let now = 0;
  const l = new ToneLimiter({ now: () => now, repeatMs: 300_000, gapMs: 10_000 });
  t.true(l.allow('temperature'));
  now = 5_000;
  t.false(l.allow('battery'), 'within the gap: one tone per burst');
  now = 10_000;
  t.false(l.allow('temperature'), 'flapping warning: not again');
  t.true(l.allow('battery'));
  now = 299_999;
  t.false(l.allow('temperature'));
  now = 300_000;
  t.true(l.allow('temperature'));
});

test('operator actions always sound and do not use up a degradation\'s budget', (t) => {
  let now = 0;
  const l = new ToneLimiter({ now: () => now, repeatMs: 300_000, gapMs: 10_000 });
  t.true(l.allow('recording-started', true));
  t.true(l.allow('recording-stopped', true));
  t.true(l.allow('recording-started', true));
  t.true(l.allow('disk'), 'start tones do not count toward the gap');
  now = 1;
  t.true(l.allow('recording-stopped', true), 'nor does a degradation silence the operator');
});
