import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { manifestFileName } from '../actors/recorder/manifest.js';
import { fsyncDir as fsyncDirDefault, writeFileAtomic } from './atomic-write.js';
import { download, sha256Of } from './offload/download.js';
import { formatProgress, ProgressDisplay, type FileProgress } from './offload/progress.js';
import { fileUrl, nodeSources, type NodeSource } from './offload/sources.js';
import { saveSessionReports } from './offload/report.js';

export interface OffloadOptions {
  from: string;
  to: string;
  token?: string;
  /** Messages (and, without `out`, plain progress lines). */
  print?: (line: string) => void;
  fetch?: typeof fetch;
  /** Where progress goes; a TTY gets a block redrawn in place. Default: stdout. */
  out?: { write: (s: string) => void; isTTY?: boolean; columns?: number };
  /** Node addresses given by the user, over what GET /rig reports (e.g. CAM_R → http://10.0.0.13:8080). */
  nodes?: Readonly<Record<string, string>>;
  now?: () => number;
  /** Give up a source that sends nothing for this long (default 20 s). */
  idleTimeoutMs?: number;
  /** Makes a directory's entries durable (default: runtime/atomic-write.ts fsyncDir). */
  fsyncDir?: (dir: string) => Promise<void>;
}

interface RemoteManifest {
  file: string; sessionId: string; cameraId: string; sha256: string | null; sizeBytes: number;
  inProgress?: boolean; deletedAt?: number; offloaded: boolean;
  /** Which take of the session (1 when absent: written before takes existed). */
  take?: number;
}

export interface OffloadSummary {
  copied: string[]; skipped: string[]; failed: Array<{ file: string; reason: string }>;
  /** Files the --from node could not read (manifests, session notes), as it listed them. */
  unreadable: Array<{ file: string; error: string }>;
  /** How each copied file came: straight from its node, or relayed by --from. */
  via: Record<string, 'direct' | 'relay'>;
}

/**
 * Pulls every finished recording of the rig to a laptop: `<to>/<sessionId>/<file>` plus its
 * manifest, and each take's QC report as `report.json` (`report_tN.json` for take N ≥ 2). Each node's files come straight from that node when the laptop reaches it, one
 * stream per node in parallel, through the --from node otherwise. Downloads resume from a
 * `.part` with HTTP Range and are hashed while written; a copy gets its final name only when
 * its SHA-256 equals the manifest's, and only then is the node told (so it may delete its
 * copy). The manifest kept on the laptop is the node's own after the confirmation (with its
 * Lock View snapshot and `offloaded: true`). Running it again skips what is verified here.
 */
export async function offload(o: OffloadOptions): Promise<OffloadSummary> {
  const f = o.fetch ?? fetch;
  const now = o.now ?? Date.now;
  const fsyncDir = o.fsyncDir ?? fsyncDirDefault;
  const base = o.from.replace(/\/+$/, '');
  const out = o.out ?? (o.print ? { write: (s: string) => { for (const l of s.split('\n')) if (l) o.print!(l); }, isTTY: false } : process.stdout);
  const display = new ProgressDisplay({ write: (s) => out.write(s), tty: out.isTTY === true, now, columns: () => out.columns });
  const list = await f(`${base}/api/v1/rig/recordings`).catch((err: unknown) => {
    // fetch says only "fetch failed"; the laptop's user needs the address and the cause.
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach ${base} (${cause?.code ?? cause?.message ?? (err as Error).message}): is the laptop on the rig's Wi-Fi, and --from a node's address?`);
  });
  if (!list.ok) throw new Error(`${base}: GET /api/v1/rig/recordings answered ${list.status}`);
  const { recordings, sessions = {}, unreadable = [] } = await list.json() as { recordings: RemoteManifest[]; sessions?: Record<string, unknown>; unreadable?: Array<{ file: string; error: string }> };
  // A manifest the node cannot read hides its video from this listing: say so, or the laptop
  // reports "all copied" while a recording stays behind.
  for (const u of unreadable) display.log(`WARNING ${base}: ${u.file} is unreadable (${u.error}); what it describes is not offloaded, check that node`);
  const todo = recordings.filter((m): m is RemoteManifest & { sha256: string } => !!m.sha256 && !m.inProgress && !m.deletedAt);
  const sources = await nodeSources({ fetch: f, from: base, cameraIds: [...new Set(todo.map((m) => m.cameraId))], ...(o.nodes ? { overrides: o.nodes } : {}) });
  for (const s of sources.values()) display.log(`${s.cameraId}: ${s.bases[0]!.via === 'direct' ? `direct from ${s.bases[0]!.base}` : `relayed through ${base}`}`);

  const summary: OffloadSummary = { copied: [], skipped: [], failed: [], unreadable, via: {} };
  const progress = new Map<string, FileProgress>(todo.map((m) => [m.file, {
    cameraId: m.cameraId, file: m.file, totalBytes: m.sizeBytes, doneBytes: 0, movedBytes: 0, startedAt: null, via: null, state: 'waiting',
  }]));
  const startedAt = now();
  const redraw = (force = false) => display.update(formatProgress([...progress.values()], startedAt, now()), force);
  const auth: Record<string, string> = o.token ? { authorization: `Bearer ${o.token}` } : {};

  const one = async (m: RemoteManifest & { sha256: string }, src: NodeSource): Promise<void> => {
    const p = progress.get(m.file)!;
    // The names come from the rig's log, which any member (or a damaged block) writes: each
    // must be one plain name, or the copy would land beside --to instead of in it.
    for (const [what, name] of [['session id', m.sessionId], ['file', m.file]] as const) {
      if (!isPlainName(name)) throw new Error(`${what} ${JSON.stringify(name)} is not a plain name; not copied, nothing confirmed`);
    }
    const dir = join(o.to, m.sessionId);
    await mkdir(dir, { recursive: true });
    const final = join(dir, m.file);
    const here = await stat(final).then((s) => s.size === m.sizeBytes, () => false) && await sha256Of(final) === m.sha256;
    if (here) {
      summary.skipped.push(m.file);
      p.state = 'skipped';
    } else {
      const part = `${final}.part`;
      p.state = 'copying';
      p.startedAt = now();
      const run = () => download({
        fetch: f, part, sizeBytes: m.sizeBytes, sha256: m.sha256,
        sources: src.bases.map((b) => ({ url: fileUrl(b, m.cameraId, m.file), via: b.via })),
        onBytes: (done, chunk, via) => {
          p.movedBytes += chunk;
          p.doneBytes = done;
          p.via = via;
          redraw();
        },
        ...(o.idleTimeoutMs ? { idleTimeoutMs: o.idleTimeoutMs } : {}),
      });
      let got = await run();
      if (got.hash !== m.sha256 && got.resumed) {
        // The earlier partial copy was bad: start over once from the first byte.
        await unlink(part).catch(() => undefined);
        p.doneBytes = 0;
        got = await run();
      }
      if (got.hash !== m.sha256) {
        await unlink(part).catch(() => undefined);
        throw new Error(`checksum mismatch (got ${got.hash.slice(0, 12)}…, expected ${m.sha256.slice(0, 12)}…); nothing confirmed, run again`);
      }
      await rename(part, final);
      summary.copied.push(m.file);
      summary.via[m.file] = got.via;
      p.state = 'done';
      display.log(`verified ${m.cameraId} ${m.file} (${(m.sizeBytes / 1e6).toFixed(1)} MB, ${got.via})`);
    }
    // The copy's name is durable before its node is told: it may delete its own at once.
    await fsyncDir(dir);
    if (!m.offloaded) await confirm(f, src, m, auth);
    // Whole or not at all: once the node deleted its file, a rerun no longer rewrites this manifest.
    await writeFileAtomic(join(dir, manifestFileName(m.sessionId, m.cameraId, m.take ?? 1)), `${JSON.stringify(await nodeManifest(f, src, m, (l) => display.log(l)), null, 2)}\n`);
    if (sessions[m.sessionId]) await writeFileAtomic(join(dir, 'session.json'), `${JSON.stringify({ sessionId: m.sessionId, ...(sessions[m.sessionId] as object) }, null, 2)}\n`);
  };

  // One worker per node, in parallel; each node's files one after the other.
  await Promise.all([...sources.values()].map(async (src) => {
    for (const m of todo.filter((x) => x.cameraId === src.cameraId)) {
      try {
        await one(m, src);
      } catch (err) {
        progress.get(m.file)!.state = 'failed';
        summary.failed.push({ file: m.file, reason: (err as Error).message });
        display.log(`FAILED ${m.cameraId} ${m.file}: ${(err as Error).message}`);
      }
      redraw(true);
    }
  }));
  display.close();
  // After the copies: the report then sees every manifest marked offloaded.
  const done = new Set([...summary.copied, ...summary.skipped]);
  await saveSessionReports({ fetch: f, from: base, to: o.to, takes: todo.filter((m) => done.has(m.file)).map((m) => ({ sessionId: m.sessionId, take: m.take ?? 1 })), warn: (l) => display.log(l) });
  // A failed file was not confirmed, so its node keeps it: say so, and what to do.
  const failedOn = [...new Set(summary.failed.map((x) => todo.find((m) => m.file === x.file)?.cameraId ?? '?'))];
  const after = summary.failed.length === 0 ? '' : `. Not confirmed, so ${failedOn.join(', ')} ${summary.failed.length === 1 ? 'keeps it' : 'keep them'}: `
    + `run the same command again once ${failedOn.join(', ')} ${failedOn.length === 1 ? 'is' : 'are'} back (finished copies are skipped, partial ones resume)`;
  display.log(`offload: ${summary.copied.length} copied and verified, ${summary.skipped.length} already here, ${summary.failed.length} failed${unreadable.length ? `, ${unreadable.length} unreadable on the rig (see the warnings)` : ''}${after}`);
  return summary;
}

/** One path segment: no separator, not `.` or `..`, no NUL. */
export function isPlainName(name: string): boolean {
  return name.length > 0 && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

/** Confirms to the node itself when reachable, else through the relay. */
async function confirm(f: typeof fetch, src: NodeSource, m: RemoteManifest & { sha256: string }, auth: Record<string, string>): Promise<void> {
  let last = '';
  for (const b of src.bases) {
    try {
      const c = await f(`${b.base}/api/v1/recordings/confirm`, {
        method: 'POST', headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({ sessionId: m.sessionId, cameraId: m.cameraId, file: m.file, checksum: { algo: 'sha256', value: m.sha256 } }),
      });
      if (c.ok) return;
      last = `${c.status}: ${await c.text()}`;
      if (c.status < 500) break; // refused by the node itself: another route gets the same answer
    } catch (err) {
      last = (err as Error).message;
    }
  }
  throw new Error(`copied and verified, but the confirmation was refused (${last})`);
}

/**
 * The manifest as its node holds it now (snapshot, offloaded flag, offloadedAt): the rig's
 * listing leaves the Lock View JPEG out. Falls back to the listing, saying so.
 */
async function nodeManifest(f: typeof fetch, src: NodeSource, m: RemoteManifest, warn: (l: string) => void): Promise<unknown> {
  const name = manifestFileName(m.sessionId, m.cameraId, m.take ?? 1);
  for (const b of src.bases) {
    try {
      const r = await f(fileUrl(b, m.cameraId, name), { signal: AbortSignal.timeout(15_000) });
      if (!r.ok) continue;
      const body = await r.json() as RemoteManifest;
      if (body.file === m.file) return body;
    } catch {
      // next route
    }
  }
  warn(`WARNING ${m.cameraId} ${m.file}: the node's manifest could not be fetched; kept the rig's summary (no Lock View snapshot)`);
  return m;
}
