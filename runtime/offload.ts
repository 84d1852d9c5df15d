import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat, writeFile, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface OffloadOptions {
  from: string;
  to: string;
  token?: string;
  print?: (line: string) => void;
  fetch?: typeof fetch;
}

interface RemoteManifest {
  file: string; sessionId: string; cameraId: string; sha256: string | null; sizeBytes: number;
  inProgress?: boolean; deletedAt?: number; offloaded: boolean;
}

export interface OffloadSummary { copied: string[]; skipped: string[]; failed: Array<{ file: string; reason: string }> }

/**
 * Pulls every finished recording of the rig through one node to a laptop:
 * `<to>/<sessionId>/<file>` plus its manifest. Downloads resume from a `.part` file with
 * HTTP Range; each copy is hashed and compared with the manifest's SHA-256 before it gets
 * its final name, and only then is the node told (so it may later delete its copy).
 * Running it again skips what is already there and verified.
 */
export async function offload(o: OffloadOptions): Promise<OffloadSummary> {
  const f = o.fetch ?? fetch;
  const print = o.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const base = o.from.replace(/\/+$/, '');
  const auth: Record<string, string> = o.token ? { authorization: `Bearer ${o.token}` } : {};
  const list = await f(`${base}/api/v1/rig/recordings`);
  if (!list.ok) throw new Error(`${base}: GET /api/v1/rig/recordings answered ${list.status}`);
  const { recordings, sessions = {} } = await list.json() as { recordings: Array<RemoteManifest & Record<string, unknown>>; sessions?: Record<string, unknown> };
  const summary: OffloadSummary = { copied: [], skipped: [], failed: [] };

  for (const m of recordings) {
    if (!m.sha256 || m.inProgress || m.deletedAt) continue;
    const dir = join(o.to, m.sessionId);
    await mkdir(dir, { recursive: true });
    const final = join(dir, m.file);
    try {
      if (await sha256Of(final) === m.sha256) {
        summary.skipped.push(m.file);
      } else {
        const part = `${final}.part`;
        let got = await download(f, `${base}/api/v1/rig/nodes/${m.cameraId}/recordings/${encodeURIComponent(m.file)}`, part, m);
        if (got.hash !== m.sha256 && got.resumed) {
          // The earlier partial copy was bad: start over once from the first byte.
          await unlink(part).catch(() => undefined);
          got = await download(f, `${base}/api/v1/rig/nodes/${m.cameraId}/recordings/${encodeURIComponent(m.file)}`, part, m);
        }
        if (got.hash !== m.sha256) {
          await unlink(part).catch(() => undefined);
          throw new Error(`checksum mismatch (got ${got.hash?.slice(0, 12)}…, expected ${m.sha256.slice(0, 12)}…); nothing confirmed, run again`);
        }
        await rename(part, final);
        summary.copied.push(m.file);
        print(`verified ${m.cameraId} ${m.file} (${(m.sizeBytes / 1e6).toFixed(1)} MB)`);
      }
      await writeFile(join(dir, `${m.sessionId}_${m.cameraId}.json`), `${JSON.stringify(m, null, 2)}\n`);
      if (sessions[m.sessionId]) await writeFile(join(dir, 'session.json'), `${JSON.stringify({ sessionId: m.sessionId, ...(sessions[m.sessionId] as object) }, null, 2)}\n`);
      if (!m.offloaded) {
        const c = await f(`${base}/api/v1/recordings/confirm`, {
          method: 'POST', headers: { 'content-type': 'application/json', ...auth },
          body: JSON.stringify({ sessionId: m.sessionId, cameraId: m.cameraId, file: m.file, checksum: { algo: 'sha256', value: m.sha256 } }),
        });
        if (!c.ok) throw new Error(`copied and verified, but the confirmation was refused (${c.status}: ${await c.text()})`);
      }
    } catch (err) {
      summary.failed.push({ file: m.file, reason: (err as Error).message });
      print(`FAILED ${m.cameraId} ${m.file}: ${(err as Error).message}`);
    }
  }
  print(`offload: ${summary.copied.length} copied and verified, ${summary.skipped.length} already here, ${summary.failed.length} failed`);
  return summary;
}

/** Downloads into `part`, resuming with Range when a shorter part exists; returns the part's hash. */
async function download(f: typeof fetch, url: string, part: string, m: RemoteManifest): Promise<{ hash: string | null; resumed: boolean }> {
  const have = await stat(part).then((s) => s.size, () => 0);
  const r = await f(url, { headers: have > 0 && have < m.sizeBytes ? { range: `bytes=${have}-`, 'if-range': `"${m.sha256}"` } : {} });
  if (r.status !== 200 && r.status !== 206) throw new Error(`download answered ${r.status}`);
  const resumed = r.status === 206;
  if (r.body) await pipeline(Readable.fromWeb(r.body as never), createWriteStream(part, { flags: resumed ? 'a' : 'w' }));
  await fsyncFile(part);
  return { hash: await sha256Of(part), resumed };
}

async function sha256Of(path: string): Promise<string | null> {
  try {
    const h = createHash('sha256');
    for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
    return h.digest('hex');
  } catch {
    return null;
  }
}

async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try { await fh.sync(); } finally { await fh.close(); }
}
