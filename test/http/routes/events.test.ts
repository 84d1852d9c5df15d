import test from 'ava';
import { testApp } from '../../helpers/app.js';

interface SseEvent { event: string; data: any }

/** The events of one real SSE connection, as they arrive. */
async function* sse(url: string, signal: AbortSignal): AsyncGenerator<SseEvent> {
  const res = await fetch(url, { signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += decoder.decode(value, { stream: true });
      let idx;
      while ((idx = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, idx);
        buf = buf.slice(idx + 2);
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (event && data) yield { event, data: JSON.parse(data) };
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** Reads events until `until` says the wanted one arrived (the test's timeout bounds the wait). */
async function readUntil(events: AsyncGenerator<SseEvent>, until: (e: SseEvent, seen: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const seen: SseEvent[] = [];
  // next(), not for-await: leaving a for-await loop would close the stream.
  for (let r = await events.next(); !r.done; r = await events.next()) {
    seen.push(r.value);
    if (until(r.value, seen)) return seen;
  }
  return seen;
}

test('/api/v1/events streams the status at once, on every change, and heartbeats', async (t) => {
  const { app, deps } = await testApp(t, {}, { heartbeatMs: 100 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const ctrl = new AbortController();
  t.teardown(() => ctrl.abort());
  const events = sse(`http://127.0.0.1:${port}/api/v1/events`, ctrl.signal);
  // The connection is registered once its first event is here: then a change must reach it.
  const [first] = await readUntil(events, () => true);
  t.is(first!.event, 'status');
  t.is(first!.data.temperatureC, null);
  t.is(first!.data.versionLabel, 'soccer-rig-test', 'the same status as GET /status');
  deps.board.patch({ temperatureC: 61.5 });
  deps.board.setWarnings('test', [{ code: 'TEMP_HIGH', message: 'hot' }]);
  const got = await readUntil(events, (_e, seen) => seen.some((x) => x.event === 'status') && seen.some((x) => x.event === 'heartbeat'));
  await events.return(undefined);
  const statuses = got.filter((e) => e.event === 'status');
  t.is(statuses.length, 1, 'two changes in one tick coalesce into one event');
  t.is(statuses[0]!.data.temperatureC, 61.5);
  t.deepEqual(statuses[0]!.data.warnings, [{ code: 'TEMP_HIGH', message: 'hot' }]);
  t.true(got.some((e) => e.event === 'heartbeat'));
});

test('/api/v1/events refuses a 33rd live view with 429', async (t) => {
  const { app } = await testApp(t, {}, { heartbeatMs: 60_000 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const ctrl = new AbortController();
  t.teardown(() => ctrl.abort());
  const views = Array.from({ length: 32 }, () => sse(`http://127.0.0.1:${port}/api/v1/events`, ctrl.signal));
  for (const v of views) t.is((await v.next()).value?.event, 'status');
  const r = await fetch(`http://127.0.0.1:${port}/api/v1/events`);
  t.is(r.status, 429);
  t.is(((await r.json()) as { error: { code: string } }).error.code, 'TOO_MANY_CLIENTS');
});
