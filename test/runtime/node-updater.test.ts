import test, { type ExecutionContext } from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeTestConfig } from '../helpers/config.js';
import { tempDir } from '../helpers/tmp.js';
import { freePort, waitFor } from '../helpers/net.js';
import { runCli } from '../helpers/cli.js';
import { fakeReleases, fixtureRelease, installedLayout, keys, REPO_NAME } from '../actors/updater/helpers.js';
import { currentVersion } from '../../runtime/release-layout.js';
import { softwareVersion } from '../../runtime/version.js';

const post = (url: string, body: unknown = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function startNode(t: ExecutionContext, dir: string, updater: Record<string, unknown>) {
  const port = await freePort();
  const configPath = await writeTestConfig(dir, { updater, audio: { enabled: false } });
  const proc = runCli(t, ['node', '--config', configPath, '--port', String(port)]);
  const base = `http://127.0.0.1:${port}`;
  const status = await waitFor(async () => {
    const r = await fetch(`${base}/api/v1/status`);
    return r.ok ? (await r.json() as any) : null;
  }, 15_000);
  return { proc, base, status };
}

test('a real node installs a release from the Releases API through its HTTP API (409 while recording), then exits for systemd', async (t) => {
  const k = keys();
  const first = await fixtureRelease(t, '0.0.1', k.privatePem);
  // Newer than whatever this checkout is, so the node sees an update.
  const next = `${Number(softwareVersion.split('.')[0]) + 1}.0.0`;
  const offered = await fixtureRelease(t, next, k.privatePem);
  const api = await fakeReleases(t);
  await api.publish(offered);
  const l = await installedLayout(t, first);
  const dir = await tempDir(t);
  const { proc, base, status } = await startNode(t, dir, { repo: REPO_NAME, apiBase: api.apiBase, publicKey: k.publicPem, installRoot: l.root, stateDir: l.stateDir });
  t.is(status.update?.state, 'idle', 'the Updater runs: status.update is there for the dashboard');
  t.is(status.update?.current, softwareVersion);

  const check = await post(`${base}/api/v1/update/check`);
  t.is(check.status, 200);
  t.like(await check.json(), { current: softwareVersion, latest: next, newer: true });

  const start = await post(`${base}/api/v1/record/start`, {});
  t.is(start.status, 200, await start.clone().text());
  await waitFor(async () => ((await (await fetch(`${base}/api/v1/status`)).json()) as any).state === 'recording', 15_000);
  const refused = await post(`${base}/api/v1/update/apply`);
  t.is(refused.status, 409);
  t.is(((await refused.json()) as any).error.code, 'RECORDING_IN_PROGRESS');
  const relayedRefusal = await post(`${base}/api/v1/rig/nodes/CAM_L/update/apply`);
  t.is(relayedRefusal.status, 409, 'the per-node relay carries the same refusal');
  t.is(((await relayedRefusal.json()) as any).error.code, 'RECORDING_IN_PROGRESS');
  t.is(await currentVersion(l), '0.0.1', 'nothing installed while recording');
  t.is((await post(`${base}/api/v1/record/stop`, {})).status, 200);

  const applied = await post(`${base}/api/v1/rig/nodes/CAM_L/update/apply`);
  t.is(applied.status, 202);
  t.like(await applied.json(), { state: 'restarting', to: next });
  const result = await proc;
  t.is(result.exitCode, 0, 'the node stopped by itself so systemd starts the new current');
  t.is(await currentVersion(l), next);
  t.regex(await readFile(l.trialFile, 'utf8'), new RegExp(next.replace(/\./g, '\\.')), 'the new version starts on trial');
  const history = JSON.parse(await readFile(l.historyFile, 'utf8')) as Array<{ kind: string; to: string | null }>;
  t.deepEqual(history.map((e) => [e.kind, e.to]), [['check', next], ['apply', next]]);
});

test('a node with no release source: the Updater still runs and a check is refused with NOT_CONFIGURED, not a 404', async (t) => {
  const dir = await tempDir(t);
  const { proc, base, status } = await startNode(t, dir, { installRoot: join(dir, 'opt'), stateDir: join(dir, 'state') });
  t.truthy(status.update, 'status.update present: the dashboard offers the controls');
  const check = await post(`${base}/api/v1/update/check`);
  t.is(check.status, 409);
  t.is(((await check.json()) as any).error.code, 'NOT_CONFIGURED');
  const other = await post(`${base}/api/v1/rig/nodes/CAM_R/update/apply`);
  t.is(other.status, 404, 'no address known for another camera');
  t.is(((await other.json()) as any).error.code, 'NODE_UNKNOWN');
  proc.kill('SIGTERM');
  t.is((await proc).exitCode, 0);
});
