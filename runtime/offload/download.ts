import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat, truncate } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface DownloadSource { url: string; via: 'direct' | 'relay' }

export interface DownloadResult { hash: string; resumed: boolean; via: 'direct' | 'relay' }

export interface DownloadOptions {
  fetch: typeof fetch;
  /** Tried in order; a source that fails (refused, dropped, silent) hands over to the next, which resumes. */
  sources: readonly DownloadSource[];
  part: string;
  sizeBytes: number;
  sha256: string;
  /** Called for every chunk: bytes now in the part, and the chunk's size (what this run moved). */
  onBytes?: (doneBytes: number, chunkBytes: number, via: 'direct' | 'relay') => void;
  /** A source that sends nothing for this long is given up (a node out of Wi-Fi range hangs, it does not refuse). */
  idleTimeoutMs?: number;
}

/**
 * Downloads into `part`, resuming with HTTP Range from whatever it already holds, and hashes
 * while it writes (a 29 GB file is not read twice; only a resumed prefix is read back once).
 * Returns the SHA-256 of the whole part; the caller compares it with the manifest's.
 */
export async function download(o: DownloadOptions): Promise<DownloadResult> {
  const errors: string[] = [];
  for (const src of o.sources) {
    try {
      return await attempt(o, src);
    } catch (err) {
      errors.push(`${src.via}: ${(err as Error).message}`);
    }
  }
  throw new Error(`download failed (${errors.join('; ')})`);
}

async function attempt(o: DownloadOptions, src: DownloadSource): Promise<DownloadResult> {
  let have = await stat(o.part).then((s) => s.size, () => 0);
  if (have > o.sizeBytes) {
    await truncate(o.part, 0);
    have = 0;
  }
  const ac = new AbortController();
  const idleMs = o.idleTimeoutMs ?? 20_000;
  let idle = setTimeout(() => ac.abort(new Error(`no data for ${idleMs} ms`)), idleMs);
  const touch = (): void => {
    clearTimeout(idle);
    idle = setTimeout(() => ac.abort(new Error(`no data for ${idleMs} ms`)), idleMs);
  };
  try {
    const wantRange = have > 0 && have < o.sizeBytes;
    const r = await o.fetch(src.url, { signal: ac.signal, headers: wantRange ? { range: `bytes=${have}-`, 'if-range': `"${o.sha256}"` } : {} });
    if (r.status !== 200 && r.status !== 206) throw new Error(`answered ${r.status}`);
    const resumed = r.status === 206;
    if (resumed && !(r.headers.get('content-range') ?? '').startsWith(`bytes ${have}-`)) throw new Error(`answered the wrong range (${r.headers.get('content-range')})`);
    const hash = createHash('sha256');
    if (resumed) await hashInto(hash, o.part);
    else have = 0;
    let done = have;
    if (r.body) {
      await pipeline(
        Readable.fromWeb(r.body as import('node:stream/web').ReadableStream<Uint8Array>),
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const c of chunks) {
            touch();
            hash.update(c);
            done += c.length;
            o.onBytes?.(done, c.length, src.via);
            yield c;
          }
        },
        createWriteStream(o.part, { flags: resumed ? 'a' : 'w' }),
      );
    }
    await fsyncFile(o.part);
    return { hash: hash.digest('hex'), resumed, via: src.via };
  } finally {
    clearTimeout(idle);
  }
}

async function hashInto(hash: Hash, path: string): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

export async function sha256Of(path: string): Promise<string | null> {
  try {
    const h = createHash('sha256');
    await hashInto(h, path);
    return h.digest('hex');
  } catch {
    return null;
  }
}

async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try { await fh.sync(); } finally { await fh.close(); }
}
