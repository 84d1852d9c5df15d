import test from 'ava';
import { testApp } from '../helpers/app.js';

/** Reads SSE events from a real HTTP connection until `count` events of interest arrived. */
async function readEvents(url: string, count: number, signal: AbortSignal): Promise<Array<{ event: string; data: any }>> {
  const res = await fetch(url, { signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const out: Array<{ event: string; data: any }> = [];
  let buf = '';
  while (out.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let idx;
    while ((idx = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, idx);
      buf = buf.slice(idx + 2);
      const event = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (event && data) out.push({ event, data: JSON.parse(data) });
    }
  }
  await reader.cancel();
  return out;
}

test('/api/v1/events streams the status at once, on every change, and heartbeats', async (t) => {
  const { app, deps } = await testApp(t, {}, { heartbeatMs: 100 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const ctrl = new AbortController();
  t.teardown(() => ctrl.abort());
  const events = readEvents(`http://127.0.0.1:${port}/api/v1/events`, 4, ctrl.signal);
  await new Promise((r) => setTimeout(r, 150));
  deps.board.patch({ temperatureC: 61.5 });
  deps.board.setWarnings('test', [{ code: 'TEMP_HIGH', message: 'hot' }]);
  const got = await events;
  t.is(got[0]!.event, 'status');
  t.is(got[0]!.data.temperatureC, null);
  const statuses = got.filter((e) => e.event === 'status');
  const last = statuses[statuses.length - 1]!.data;
  t.is(last.temperatureC, 61.5);
  t.deepEqual(last.warnings, [{ code: 'TEMP_HIGH', message: 'hot' }]);
  t.true(got.some((e) => e.event === 'heartbeat'));
  t.true(statuses.length <= 2, 'two changes in one tick coalesce into one event');
});
