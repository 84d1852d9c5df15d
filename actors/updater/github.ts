import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RigError } from '../../runtime/errors.js';
import { assetNames } from '../../runtime/release.js';
import { parseVersion } from './semver.js';

export type Fetch = typeof fetch;

export interface LatestRelease {
  version: string;
  tag: string;
  tarball: { name: string; url: string; size: number | null } | null;
  sha256Url: string | null;
  sigUrl: string | null;
}

const HEADERS = { accept: 'application/vnd.github+json', 'user-agent': 'soccer-rig-updater' };

/** GET {apiBase}/repos/{repo}/releases/latest, assets picked by the names `soccer-rig release` gives them. */
export async function fetchLatest(apiBase: string, repo: string, fetchFn: Fetch, timeoutMs = 15000): Promise<LatestRelease> {
  const url = `${apiBase.replace(/\/+$/, '')}/repos/${repo}/releases/latest`;
  let res: Response;
  try {
    res = await fetchFn(url, { headers: HEADERS, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new RigError('UPDATE_SOURCE_UNREACHABLE', `${url}: ${(err as Error).message}`);
  }
  if (res.status === 404) throw new RigError('NO_RELEASE', `${repo} has no published release`);
  if (!res.ok) throw new RigError('UPDATE_SOURCE_ERROR', `${url} answered HTTP ${res.status}`);
  const body = await res.json().catch(() => null) as { tag_name?: unknown; assets?: unknown } | null;
  const tag = typeof body?.tag_name === 'string' ? body.tag_name : '';
  const parsed = parseVersion(tag);
  if (!tag.startsWith('v') || !parsed) throw new RigError('RELEASE_MALFORMED', `the latest release's tag "${tag}" is not vX.Y.Z`);
  const version = tag.slice(1);
  const names = assetNames(version);
  const assets = Array.isArray(body?.assets) ? body.assets as { name?: unknown; browser_download_url?: unknown; size?: unknown }[] : [];
  const find = (name: string) => assets.find((a) => a.name === name && typeof a.browser_download_url === 'string');
  const tarball = find(names.tarball);
  return {
    version, tag,
    tarball: tarball ? { name: names.tarball, url: String(tarball.browser_download_url), size: typeof tarball.size === 'number' ? tarball.size : null } : null,
    sha256Url: (find(names.sha256)?.browser_download_url as string | undefined) ?? null,
    sigUrl: (find(names.sig)?.browser_download_url as string | undefined) ?? null,
  };
}

/** A small asset (checksum, signature), or null when the release does not have it. */
export async function fetchSmall(url: string | null, fetchFn: Fetch, maxBytes = 64 * 1024): Promise<Buffer | null> {
  if (!url) return null;
  let res: Response;
  try {
    res = await fetchFn(url, { headers: { 'user-agent': HEADERS['user-agent'] }, signal: AbortSignal.timeout(15000) });
  } catch (err) {
    throw new RigError('UPDATE_SOURCE_UNREACHABLE', `${url}: ${(err as Error).message}`);
  }
  if (res.status === 404) return null;
  if (!res.ok) throw new RigError('UPDATE_SOURCE_ERROR', `${url} answered HTTP ${res.status}`);
  const buf = Buffer.from(await res.arrayBuffer());
  if (buf.length > maxBytes) throw new RigError('RELEASE_MALFORMED', `${url} is ${buf.length} bytes, more than a checksum or signature`);
  return buf;
}

/**
 * Streams the tarball to dest, hashing as it goes (no second read of the file), and reports
 * progress (0..1, or null while the size is unknown). A failed download leaves no file.
 */
export async function download(
  url: string, dest: string, fetchFn: Fetch, onProgress: (received: number, total: number | null) => void,
): Promise<{ sha256: string; size: number }> {
  let res: Response;
  try {
    res = await fetchFn(url, { headers: { 'user-agent': HEADERS['user-agent'] } });
  } catch (err) {
    throw new RigError('UPDATE_SOURCE_UNREACHABLE', `${url}: ${(err as Error).message}`);
  }
  if (!res.ok || !res.body) throw new RigError('UPDATE_SOURCE_ERROR', `${url} answered HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length')) || null;
  const hash = createHash('sha256');
  let received = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      received += chunk.length;
      onProgress(received, total);
      cb(null, chunk);
    },
  });
  await mkdir(dirname(dest), { recursive: true });
  try {
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), meter, createWriteStream(dest));
  } catch (err) {
    await rm(dest, { force: true });
    const code = (err as { code?: string }).code === 'ENOSPC' ? 'DISK_FULL' : 'DOWNLOAD_FAILED';
    throw new RigError(code, `downloading ${url}: ${(err as Error).message}`);
  }
  return { sha256: hash.digest('hex'), size: received };
}
