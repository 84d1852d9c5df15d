import test, { type ExecutionContext } from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'node:http';
import { stringify } from 'yaml';
import type { ResultPromise } from 'execa';
import { createLab, netnsUnavailable, type NetnsLab } from '../../helpers/netns.js';
import { testConfig } from '../../helpers/config.js';
import { waitFor } from '../../helpers/net.js';
import { NODE_FLAGS } from '../../../runtime/node-flags.js';

const CLI = fileURLToPath(new URL('../../../runtime/cli.js', import.meta.url));
const CAMS = ['CAM_L', 'CAM_C', 'CAM_R'] as const;
const HTTP_PORT = 8080; // every namespace has its own port space
const DHT_PORT = 49737;
const CUT = 2; // CAM_R is cut off
/** A GET run inside a namespace (no curl needed): prints the body whatever the status. */
const FETCH_SCRIPT = `const [url, host] = process.argv.slice(1);
require('node:http').get(url, { timeout: 3000, headers: host ? { host } : {} }, (res) => {
  let b = ''; res.on('data', (c) => { b += c; }); res.on('end', () => process.stdout.write(b));
}).on('timeout', function () { this.destroy(new Error('timeout')); }).on('error', (e) => { console.error(e.message); process.exit(1); });`;

/**
 * GET over node:http. `host` overrides the Host header: a node whose link lost carrier refuses
 * its own address in Host (see the note in the test), so the cut-off node is asked as localhost.
 */
function get(url: string, timeoutMs = 2000, host?: string): Promise<any> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, timeout: timeoutMs, headers: host ? { host } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200) reject(Object.assign(new Error(`GET ${url}: ${res.statusCode} ${text}`), { status: res.statusCode }));
        else resolve(JSON.parse(text));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

async function post(url: string, body: object = {}, timeoutMs = 60_000): Promise<any> {
  const r = await fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
  const json = await r.json();
  if (!r.ok) throw new Error(`POST ${url}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

interface Lab { lab: NetnsLab; urls: string[]; procs: ResultPromise[]; logs: string[] }

/** Three nodes, one per namespace, on the lab's bridge; all torn down with the test. */
async function startNetnsRig(t: ExecutionContext): Promise<Lab> {
  const dir = await mkdtemp(join(tmpdir(), 'soccer-rig-netns-'));
  const lab = await createLab(3, 'peer-srig').catch(async (err: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  const procs: ResultPromise[] = [];
  const logs = ['', '', ''];
  t.teardown(async () => {
    // SIGTERM first so each node stops its encoder and finalises; SIGKILL (in destroy) if it hangs.
    await Promise.all(procs.map(async (p) => {
      p.kill('SIGTERM');
      const timer = setTimeout(() => p.kill('SIGKILL'), 10_000);
      await p.catch(() => undefined);
      clearTimeout(timer);
    }));
    await lab.destroy();
    await rm(dir, { recursive: true, force: true });
  });
  const secret = `netns-rig-secret-${lab.suffix}-0123456789`;
  for (const [i, id] of CAMS.entries()) {
    const nodeDir = join(dir, id);
    const cfg = testConfig(nodeDir, {
      camera: { id, position: id.toLowerCase(), source: 'synthetic' },
      http: { host: lab.hosts[i]!.ip, port: HTTP_PORT },
      storage: { dataDir: join(nodeDir, 'data') },
      recording: { plannedDurationMin: 1 },
      rig: { secret, dhtHost: lab.hosts[i]!.ip, dhtPort: DHT_PORT, startLeadMs: 1500 },
      peers: CAMS.map((cid, j) => ({ cameraId: cid, host: lab.hosts[j]!.ip, port: DHT_PORT, httpPort: HTTP_PORT })).filter((_, j) => j !== i),
    });
    const file = join(dir, `${id}.yaml`);
    await writeFile(file, stringify(cfg));
    const p = lab.spawn(i, process.execPath, [...NODE_FLAGS, CLI, 'node', '--config', file]);
    const keep = (d: Buffer) => { logs[i] = (logs[i] + d.toString()).slice(-8000); };
    p.stdout!.on('data', keep);
    p.stderr!.on('data', keep);
    procs.push(p);
  }
  return { lab, urls: lab.hosts.map((h) => `http://${h.ip}:${HTTP_PORT}`), procs, logs };
}

const reachable = (view: any): Record<string, boolean> => Object.fromEntries(view.nodes.map((n: any) => [n.cameraId, n.reachable]));

const unavailable = await netnsUnavailable();
if (unavailable) console.log(`netns test not run: ${unavailable}`);
const netnsTest = unavailable ? test.skip : test;

netnsTest('three nodes in three network namespaces: a node cut off mid-recording is marked stale, everyone keeps recording, the link heals and nothing is lost; a stop-all while it is away stops it when it is back', async (t) => {
  const t0 = Date.now();
  const rig = await startNetnsRig(t);
  const { lab, urls } = rig;
  const dump = () => rig.logs.map((l, i) => `--- ${CAMS[i]} (exit ${rig.procs[i]!.exitCode ?? 'running'})\n${l}`).join('\n');
  try {
    await waitFor(async () => (await Promise.all(urls.map((u) => get(`${u}/api/v1/status`)))).length === 3, 20_000, 100);
    const up = Date.now();
    await waitFor(async () => {
      for (const u of urls) {
        const v = await get(`${u}/api/v1/rig`);
        if (v.nodes.length !== 3 || !v.nodes.every((n: any) => n.reachable && n.status)) return false;
      }
      return true;
    }, 30_000, 50);
    t.log(`${lab.hosts.map((h) => `${h.ns}=${h.ip}`).join(' ')}; full mesh ${Date.now() - up} ms after every /status answered`);

    const sessionId = `netns-${lab.suffix}`;
    const start = await post(`${urls[0]}/api/v1/rig/record/start`, { sessionId });
    t.is(start.sessionId, sessionId);
    t.deepEqual(start.results.map((r: any) => r.result), ['ok', 'ok', 'ok'], JSON.stringify(start));
    const ffa = start.results.map((r: any) => r.firstFrameAt as number);
    t.log(`start-all: first frames ${ffa.map((x: number) => x - start.startAt).join(', ')} ms after startAt (spread ${Math.max(...ffa) - Math.min(...ffa)} ms)`);

    await waitFor(async () => (await Promise.all(urls.map((u) => get(`${u}/api/v1/status`))))
      .every((s) => s.state === 'recording' && s.recording.firstFrameAt !== null), 10_000, 100);
    const cutAt = Date.now();
    await lab.cut(CUT);
    const others = [0, 1];
    const staleViews = await waitFor(async () => {
      const vs = await Promise.all(others.map((i) => get(`${urls[i]}/api/v1/rig`)));
      return vs.every((v) => reachable(v)[CAMS[CUT]] === false) ? vs : null;
    }, 5_000, 50); // the promise: stale within 5 s (it is 4 s after the last word, see view.ts)
    t.log(`${CAMS[CUT]} cut off; both others marked it stale after ${Date.now() - cutAt} ms`);
    for (const v of staleViews) {
      t.true(v.disagreements.some((d: any) => d.code === 'NODE_STALE' && d.cameraIds.includes(CAMS[CUT])), JSON.stringify(v.disagreements));
      t.is(reachable(v).CAM_L, true);
      t.is(reachable(v).CAM_C, true);
    }
    for (const i of others) {
      const s = await get(`${urls[i]}/api/v1/status`);
      t.is(s.state, 'recording', `${CAMS[i]} keeps recording`);
      t.is(s.sessionId, sessionId);
    }
    // The cut-off node is reachable only from inside its namespace now. Its own address is
    // refused in Host while its link has no carrier (Node's os.networkInterfaces() leaves out
    // interfaces that are not RUNNING), so it is asked as localhost; the refusal is logged.
    const curl = async (path: string, host?: string): Promise<any> =>
      JSON.parse(await lab.run(CUT, process.execPath, ['-e', FETCH_SCRIPT, `${urls[CUT]}${path}`, host ?? '']));
    const plain = await curl('/api/v1/status');
    if (plain.error) t.log(`${CAMS[CUT]} asked at its own address while cut off: ${plain.error.code} (${plain.error.message})`);
    const cutStatus = await curl('/api/v1/status', 'localhost');
    t.is(cutStatus.state, 'recording', `${CAMS[CUT]} keeps recording while cut off: ${JSON.stringify(cutStatus).slice(0, 500)}`);
    t.is(cutStatus.sessionId, sessionId);
    const cutView = await waitFor(async () => {
      const v = await curl('/api/v1/rig', 'localhost');
      return reachable(v).CAM_L === false && reachable(v).CAM_C === false ? v : null;
    }, 6_000, 200);
    t.log(`${CAMS[CUT]}'s own view: ${JSON.stringify(reachable(cutView))} after ${Date.now() - cutAt} ms`);

    const healAt = Date.now();
    await lab.heal(CUT);
    // The promise: fresh again within 5 s of its return.
    await waitFor(async () => {
      const vs = await Promise.all(others.map((i) => get(`${urls[i]}/api/v1/rig`)));
      return vs.every((v) => reachable(v)[CAMS[CUT]] === true);
    }, 5_000, 50);
    t.log(`${CAMS[CUT]} back; both others see it reachable ${Date.now() - healAt} ms after the heal`);
    // Converged: every node sees all three reachable, all three recording the same session.
    await waitFor(async () => {
      for (const [i, u] of urls.entries()) {
        const v = await get(`${u}/api/v1/rig`, 2000, i === CUT ? 'localhost' : undefined);
        if (!v.nodes.every((n: any) => n.reachable && n.status?.state === 'recording' && n.status?.sessionId === sessionId)) return false;
        if (v.disagreements.length !== 0) return false;
      }
      return true;
    }, 15_000, 100);
    t.log(`link healed; all three views converged after ${Date.now() - healAt} ms`);
    // How long the healed node still refuses its own address in Host (its interface list is cached).
    const hostOk = await waitFor(async () => {
      try { await get(`${urls[CUT]}/api/v1/status`); return true; } catch (err) { if ((err as { status?: number }).status === 403) return false; throw err; }
    }, 15_000, 100).then(() => Date.now() - healAt, () => null);
    t.log(`${CAMS[CUT]} accepts its own address in Host again ${hostOk === null ? 'not within 15 s' : `${hostOk} ms after the heal`}`);

    // Stop-all while CAM_R is cut off again: the rig answers without waiting for it, and CAM_R
    // stops the session when it is back (the operator ended the match; nothing runs on).
    await lab.cut(CUT);
    await waitFor(async () => {
      const vs = await Promise.all(others.map((i) => get(`${urls[i]}/api/v1/rig`)));
      return vs.every((v) => reachable(v)[CAMS[CUT]] === false);
    }, 6_000, 50);
    const stopAsked = Date.now();
    const stop = await post(`${urls[1]}/api/v1/rig/record/stop`);
    const stoppedAt = Date.now();
    t.deepEqual(stop.results.map((r: any) => [r.result, r.code ?? null]), [['ok', null], ['ok', null], ['timeout', 'NODE_UNREACHABLE']], JSON.stringify(stop));
    t.log(`stop-all with ${CAMS[CUT]} cut off answered in ${stoppedAt - stopAsked} ms`);
    t.is((await curl('/api/v1/status', 'localhost')).state, 'recording', `${CAMS[CUT]} records on while cut off`);
    const reHealAt = Date.now();
    await lab.heal(CUT);
    await waitFor(async () => ['idle', 'error'].includes((await curl('/api/v1/status', 'localhost')).state), 15_000, 100);
    const cutStoppedAt = Date.now();
    t.log(`${CAMS[CUT]} stopped ${cutStoppedAt - reHealAt} ms after its link came back`);

    const manifests = await Promise.all(urls.map(async (u) => {
      const { recordings } = await get(`${u}/api/v1/recordings`, 5000);
      return recordings.filter((m: any) => m.sessionId === sessionId);
    }));
    for (const [i, ms] of manifests.entries()) {
      t.is(ms.length, 1, `${CAMS[i]} has one recording of the session: ${JSON.stringify(ms)}`);
      const m = ms[0];
      if (!m) continue;
      t.is(m.cameraId, CAMS[i]);
      t.regex(String(m.sha256), /^[0-9a-f]{64}$/, `${CAMS[i]} manifest has its sha256`);
      t.false(m.incomplete, `${CAMS[i]} recording is complete`);
      t.falsy(m.inProgress);
      t.true(m.sizeBytes > 0);
      // Nothing lost: the file covers the whole span from the first frame to the stop.
      const wallS = ((i === CUT ? reHealAt : stoppedAt) - m.firstFrameAt) / 1000;
      // (Duration counts encoded frames: a machine too loaded to encode in real time shows up
      // as dropped frames, reported by the manifest, not as a gap in the file.)
      t.true(m.durationS + m.droppedFrames / 30 >= wallS - 1.5 || m.durationS >= wallS * 0.75, `${CAMS[i]}: ${m.durationS} s recorded of ~${wallS.toFixed(1)} s`);
      t.log(`${CAMS[i]}: ${m.file} ${m.durationS} s, ${m.sizeBytes} B, dropped ${m.droppedFrames}, sha256 ${String(m.sha256).slice(0, 12)}…; first frame ${(m.firstFrameAt - m.startAt).toFixed(2)} ms after startAt, stop reason ${m.stopReason}`);
    }
    // And every node learns every node's manifest (the cut-off one's too) through the rig.
    await waitFor(async () => {
      for (const u of urls) {
        const { recordings } = await get(`${u}/api/v1/rig/recordings`);
        const done = recordings.filter((m: any) => m.sessionId === sessionId && typeof m.sha256 === 'string');
        if (new Set(done.map((m: any) => m.cameraId)).size !== 3) return false;
      }
      return true;
    }, 10_000, 100);
    t.log(`total ${Date.now() - t0} ms`);
  } catch (err) {
    t.log(dump());
    throw err;
  }
});
