import test from 'ava';
import { start, stop, dispatch, query } from 'nact';
import { spawnSupervised } from '../../runtime/actor.js';
import { restartPolicy } from '../../runtime/supervision.js';
import { LogSink, createLogger } from '../../runtime/logging.js';
import { startNode } from '../../runtime/node.js';
import { writeTestConfig } from '../helpers/config.js';
import { tempDir } from '../helpers/tmp.js';
import { fakeProbe } from '../helpers/probe.js';

function quietLog() {
  const sink = new LogSink('production', '/nonexistent', 'test', { stdout: () => undefined, stderr: () => undefined });
  return { sink, log: createLogger(sink) };
}

type Msg = { type: 'boom' } | { type: 'get'; replyTo: any };

test('a crashing actor is restarted with backoff, its resources cleaned, and keeps serving', async (t) => {
  const system = start();
  t.teardown(() => stop(system));
  const { sink, log } = quietLog();
  const cleaned: number[] = [];
  let inits = 0;
  const a = spawnSupervised<{ gen: number }, Msg>(system, {
    name: 'flaky',
    init: () => ({ gen: ++inits }),
    handle(state, msg) {
      if (msg.type === 'boom') throw new Error('injected fault');
      dispatch(msg.replyTo, state.gen);
      return state;
    },
    cleanup: (s) => { cleaned.push(s.gen); },
  }, log, { baseDelayMs: 5 });
  dispatch(a.ref, { type: 'boom' });
  const gen = await query(a.ref, (replyTo) => ({ type: 'get', replyTo }), 2000);
  t.is(gen, 2, 'state was re-initialised');
  t.deepEqual(cleaned, [1], 'the crashed state was cleaned up');
  t.is(a.restarts, 1);
  t.false(a.failed);
  const logged = sink.ring.toArray();
  t.true(logged.some((e) => e.code === 'ACTOR_CRASHED' && e.actor === 'flaky' && /injected fault/.test(e.msg)));
});

test('after too many crashes in the window the actor is stopped and reported, never escalated', async (t) => {
  const system = start();
  t.teardown(() => stop(system));
  const { log } = quietLog();
  let gaveUp: Error | null = null;
  let signalGaveUp: () => void = () => undefined;
  const gaveUpP = new Promise<void>((r) => { signalGaveUp = r; });
  const a = spawnSupervised<number, Msg>(system, {
    name: 'hopeless',
    init: () => 0,
    handle() { throw new Error('always'); },
  }, log, { baseDelayMs: 1, maxRestarts: 3, onGiveUp: (e) => { gaveUp = e; signalGaveUp(); } });
  for (let i = 0; i < 10; i++) dispatch(a.ref, { type: 'boom' });
  await gaveUpP;
  await a.stop();
  t.true(a.failed);
  t.is(a.restarts, 3);
  t.is((gaveUp as Error | null)?.message, 'always');
});

test('backoff doubles and is capped', async (t) => {
  const { log } = quietLog();
  const delays: number[] = [];
  let now = 0;
  const policy = restartPolicy({ name: 'x', log, baseDelayMs: 100, maxDelayMs: 500, maxRestarts: 10, sleep: async (ms) => { delays.push(ms); }, now: () => now });
  const ctx = { reset: Symbol('reset'), stop: Symbol('stop') };
  for (let i = 0; i < 5; i++) { now += 10; t.is(await policy({}, new Error('e'), ctx), ctx.reset); }
  t.deepEqual(delays, [100, 200, 400, 500, 500]);
});

test('node: a crash injected into the Housekeeper is survived; the node keeps answering', async (t) => {
  const dir = await tempDir(t);
  const configPath = await writeTestConfig(dir);
  let calls = 0;
  const node = await startNode({
    configPath,
    overrides: { httpPort: 0 },
    probe: fakeProbe({
      temperatureC: async () => {
        calls += 1;
        if (calls <= 2) throw new Error('injected sensor fault');
        return 48;
      },
    }),
  });
  t.teardown(() => node.stop());
  const deadline = Date.now() + 5000;
  while (node.board.snapshot().temperatureC !== 48 && Date.now() < deadline) {
    const r = await fetch(`${node.url}/api/v1/status`);
    t.is(r.status, 200, 'answering throughout');
    await new Promise((r) => setTimeout(r, 50));
  }
  t.is(node.board.snapshot().temperatureC, 48);
  t.is(node.actors.housekeeper!.restarts, 2);
  const metrics = await (await fetch(`${node.url}/api/v1/metrics`)).json() as any;
  t.is(metrics.actors.housekeeper.restarts, 2);
  const logs = await (await fetch(`${node.url}/api/v1/logs`)).json() as any;
  t.true(logs.entries.some((e: any) => e.code === 'ACTOR_CRASHED'));
});
