import test, { type ExecutionContext } from 'ava';
import { EventEmitter } from 'node:events';
import { start, stop } from 'nact';
import { peer, type PeerMembership } from '../../../actors/peer.js';
import { rigApi, type RigApiMembership, type RigApiOptions } from '../../../actors/rig/rig-api.js';
import type { RigMembershipEvents, StopAllResult } from '../../../actors/rig/membership.js';
import type { StartAllResult } from '../../../actors/rig/coordinator.js';
import { spawnSupervised } from '../../../runtime/actor.js';
import { LogSink, createLogger } from '../../../runtime/logging.js';
import { join } from 'node:path';
import { RigLog } from '../../../store/log.js';
import { startNode } from '../../../runtime/node.js';
import { testApp } from '../../helpers/app.js';
import { writeTestConfig } from '../../helpers/config.js';
import { freePort, freeUdpPort, until } from '../../helpers/net.js';
import { tempDir } from '../../helpers/tmp.js';

/**
 * The membership both the Peer actor (commands) and the API (reads, readiness) see. `opened`
 * is what the real one says after open() completed; `stuck` makes every command hang.
 */
class FakeMembership extends EventEmitter<RigMembershipEvents> implements PeerMembership, RigApiMembership {
  opened = false;
  stuck = false;
  confirmations = 0;
  async open(): Promise<void> {}
  async close(): Promise<void> {}
  becomeOpen(): void {
    this.opened = true;
    this.emit('opened');
  }
  startAll(sessionId: string): Promise<StartAllResult> {
    if (this.stuck) return new Promise(() => undefined);
    return Promise.resolve({ sessionId, startAt: 1, commandId: 'c1', superseded: false, results: [] });
  }
  async stopAll(): Promise<StopAllResult> { return { results: [{ cameraId: 'CAM_L', result: 'ok' }] }; }
  async setSessionMeta(_id: string, meta: Record<string, unknown>): Promise<never> { return meta as never; }
  confirmed(): Promise<void> {
    this.confirmations++;
    return this.stuck ? new Promise(() => undefined) : Promise.resolve();
  }
  async publishManifests(): Promise<void> {}
  snapshot(): never { throw new Error('not read in these tests'); }
  async library(): Promise<never> { throw new Error('not read in these tests'); }
  async recordings(): Promise<never> { throw new Error('not read in these tests'); }
  async sessions(): Promise<never> { throw new Error('not read in these tests'); }
  async sessionMeta(): Promise<never> { throw new Error('not read in these tests'); }
  httpAddress(): null { return null; }
  async note(): Promise<void> {}
  notes(): [] { return []; }
  beeps(): [] { return []; }
}

function setup(t: ExecutionContext, o: Partial<RigApiOptions> = {}) {
  const m = new FakeMembership();
  const system = start();
  t.teardown(() => stop(system));
  const sink = new LogSink('production', '/nonexistent', 'test', { stdout: () => undefined, stderr: () => undefined });
  const actor = spawnSupervised(system, peer(m), createLogger(sink));
  const warnings: string[] = [];
  const api = rigApi(actor.ref, m, { peerFailed: () => false, openWaitMs: 200, timeoutMs: 300, announceTimeoutMs: 300, log: { warn: (o: object) => { warnings.push(String((o as { code?: string }).code)); } }, ...o });
  return { m, api, warnings };
}

test('a command while the rig layer is not open is refused with RIG_UNAVAILABLE once the short wait is over, never left in a mailbox', async (t) => {
  const { api } = setup(t);
  const err = await t.throwsAsync(api.startAll('S1', 1500));
  t.is((err as { code?: string }).code, 'RIG_UNAVAILABLE');
  t.regex(err!.message, /not open/);
});

test('a command that arrives while the rig layer is opening waits for it and runs', async (t) => {
  const { m, api } = setup(t, { openWaitMs: 5_000 });
  const started = api.startAll('S1', 1500);
  setTimeout(() => m.becomeOpen(), 20);
  t.is((await started).sessionId, 'S1');
});

test('when the supervisor gave up on the Peer actor a command is refused at once, saying what to do', async (t) => {
  const { m, api } = setup(t, { peerFailed: () => true });
  m.becomeOpen();
  const err = await t.throwsAsync(api.stopAll());
  t.is((err as { code?: string }).code, 'RIG_UNAVAILABLE');
  t.regex(err!.message, /restart the node/);
});

test('a command with no answer in time is RIG_TIMEOUT', async (t) => {
  const { m, api } = setup(t);
  m.becomeOpen();
  m.stuck = true;
  const err = await t.throwsAsync(api.startAll('S1', 1500));
  t.is((err as { code?: string }).code, 'RIG_TIMEOUT');
});

test('announcing a confirmation never fails the operator\'s action: skipped while not open, logged when unanswered', async (t) => {
  const { m, api, warnings } = setup(t);
  await t.notThrowsAsync(api.confirmed({ sessionId: 'S1', cameraId: 'CAM_L', file: 'S1_CAM_L_20260101_120000.mp4', sha256: 'a'.repeat(64) }));
  t.is(m.confirmations, 0, 'not sent while the rig layer is not open (open() publishes the manifests)');
  t.deepEqual(warnings, []);
  m.becomeOpen();
  m.stuck = true;
  await t.notThrowsAsync(api.confirmed({ sessionId: 'S1', cameraId: 'CAM_L', file: 'S1_CAM_L_20260101_120000.mp4', sha256: 'a'.repeat(64) }));
  t.is(m.confirmations, 1);
  t.deepEqual(warnings, ['RIG_ANNOUNCE_DEFERRED']);
});

test('over HTTP: start-all and stop-all on a node whose rig layer is not open answer 503 with the rig\'s code, not 500', async (t) => {
  const { api } = setup(t);
  const { app } = await testApp(t, {}, { rig: api });
  for (const url of ['/api/v1/rig/record/start', '/api/v1/rig/record/stop']) {
    const r = await app.inject({ method: 'POST', url, payload: {} });
    t.is(r.statusCode, 503, url);
    t.is(r.json().error.code, 'RIG_UNAVAILABLE', url);
  }
});

test('a real node whose rig store cannot open (its RocksDB lock held) refuses start-all with 503 RIG_UNAVAILABLE and still records on its own', async (t) => {
  const dir = await tempDir(t, 'rig-api-node-');
  const [http, dht] = [await freePort(), await freeUdpPort()];
  const configPath = await writeTestConfig(dir, {
    http: { host: '127.0.0.1', port: http }, recording: { plannedDurationMin: 1 },
    rig: { secret: 'test-rig-secret-0123456789', dhtHost: '127.0.0.1', dhtPort: dht, discoveryPort: null },
  });
  // Another holder of the store's lock: every open of the Peer actor fails, and the supervisor retries.
  const holder = new RigLog({ dataDir: join(dir, 'data', '.rig'), cameraId: 'CAM_L', autoHeartbeat: false });
  await holder.ready();
  t.teardown(() => holder.close());
  const node = await startNode({ configPath });
  t.teardown(() => node.stop());
  await until(() => node.board.snapshot().warnings.some((w) => w.code === 'RIG_RESTARTING'), 'the card says the rig layer is restarting');
  const all = await node.app.inject({ method: 'POST', url: '/api/v1/rig/record/start', payload: {} });
  t.is(all.statusCode, 503);
  t.is(all.json().error.code, 'RIG_UNAVAILABLE');
  const own = await node.app.inject({ method: 'POST', url: '/api/v1/record/start', payload: {} });
  t.is(own.statusCode, 200, own.body);
  const stopped = await node.app.inject({ method: 'POST', url: '/api/v1/record/stop', payload: {} });
  t.is(stopped.statusCode, 200, stopped.body);
  t.truthy(stopped.json().manifest?.sha256, 'a final manifest with its checksum');
  // The lock freed: the supervisor's next try opens the rig layer, the warning goes, start-all works.
  await holder.close();
  await until(() => !node.board.snapshot().warnings.some((w) => w.code === 'RIG_RESTARTING'), 'the rig layer open again', 60_000, 50);
  const again = await node.app.inject({ method: 'POST', url: '/api/v1/rig/record/start', payload: { leadMs: 500 } });
  t.is(again.statusCode, 200, again.body);
  await node.app.inject({ method: 'POST', url: '/api/v1/rig/record/stop', payload: {} });
});
