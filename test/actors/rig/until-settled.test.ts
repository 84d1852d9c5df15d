import test from 'ava';
import { untilSettled } from '../../../actors/rig/until-settled.js';
import type { RigEvent } from '../../../store/events.js';

type OnEvent = (event: RigEvent, author: string, live: boolean) => void;

/** A port whose events and reachability changes the test fires by hand. */
function port() {
  const events = new Set<OnEvent>();
  const reach = new Set<() => void>();
  return {
    onEvent: (fn: OnEvent) => { events.add(fn); return () => { events.delete(fn); }; },
    onReachability: (fn: () => void) => { reach.add(fn); return () => { reach.delete(fn); }; },
    event: () => { for (const fn of [...events]) fn({ type: 'heartbeat', at: 1 }, 'CAM_C', true); },
    reachability: () => { for (const fn of [...reach]) fn(); },
    listeners: () => events.size + reach.size,
  };
}

test('settles on the event that makes the answer final, and unsubscribes', async (t) => {
  const p = port();
  let acks = 0;
  let checks = 0;
  const done = untilSettled(p, Date.now, () => { checks++; return acks >= 2 || Infinity; });
  t.is(checks, 1, 'checked at once');
  acks = 1;
  p.event();
  acks = 2;
  p.reachability();
  await done;
  t.is(checks, 3);
  t.is(p.listeners(), 0);
  p.event();
  t.is(checks, 3, 'no checks after settling');
});

test('settles at the instant check() names when no event comes', async (t) => {
  const p = port();
  const due = Date.now() + 30;
  await untilSettled(p, Date.now, () => Date.now() >= due || due);
  t.true(Date.now() >= due);
  t.is(p.listeners(), 0);
});
