import { stat, readdir } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ERROR_RESPONSES, HttpError } from '../errors.js';
import { FileIndexResponse } from '../responses.js';
import type { AppDeps } from '../deps.js';
import { listRecordings } from '../../actors/recorder/library.js';
import { sendFileSpan } from '../send-file.js';
import { CAMERA_IDS } from '../../runtime/cameras.js';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Only names the recorder itself writes: `{SESSION}_{CAM}_{YYYYMMDD}_{HHMMSS}.mp4`, the manifest
 * `{SESSION}_{CAM}.json`, and a later take's manifest `{SESSION}_{CAM}_t{N}.json`. The camera ids
 * come from their one home.
 */
export const FILE_NAME = new RegExp(`^[A-Za-z0-9-]{1,48}_(?:${CAMERA_IDS.map(escape).join('|')})(?:_\\d{8}_\\d{6}\\.mp4|(?:_t\\d{1,3})?\\.json)$`);
const FileParams = z.strictObject({ file: z.string().regex(FILE_NAME, 'not a recording of this node') });

export interface ByteRange { start: number; end: number }

/**
 * One `bytes=` range (what download managers and `curl -C -` send to resume). Multiple
 * ranges are answered with the whole file, which RFC 9110 allows. Returns 'unsatisfiable'
 * for a range outside the file, null for no (or an unusable) Range header.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/**
 * Recordings straight from the data directory, resumable with HTTP Range. A file is served
 * only if its name is one the recorder writes and its resolved path stays inside the data
 * directory, so no request can read anything else on the node.
 */
export const fileRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get('/recordings/', {
    schema: {
      summary: 'Index of this node\'s recording files (HTML, or JSON with Accept: application/json)', tags: ['files'],
      response: { 200: z.union([FileIndexResponse, z.string().describe('The HTML page')]), ...ERROR_RESPONSES },
    },
  }, async (req, reply) => {
    const dir = deps.config.current.storage.dataDir;
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => FILE_NAME.test(n)).sort();
    const files = await Promise.all(names.map(async (name) => ({ name, sizeBytes: (await stat(join(dir, name))).size })));
    if ((req.headers.accept ?? '').includes('application/json')) return { files };
    const rows = files.map((f) => `<li><a href="/recordings/${encodeURIComponent(f.name)}">${f.name}</a> ${(f.sizeBytes / 1e6).toFixed(1)} MB</li>`).join('\n');
    return reply.type('text/html; charset=utf-8').send(`<!doctype html><meta charset="utf-8"><title>Recordings</title><h1>Recordings on ${deps.config.current.camera.id}</h1><ul>\n${rows}\n</ul>\n`);
  });

  app.get('/recordings/:file', {
    schema: { summary: 'One recording or manifest file (supports Range)', tags: ['files'], params: FileParams },
  }, async (req, reply) => {
    const { file } = req.params;
    const root = resolve(deps.config.current.storage.dataDir);
    const path = resolve(root, file);
    if (!path.startsWith(root + sep)) throw new HttpError(404, 'NOT_FOUND', 'no such recording');
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) throw new HttpError(404, 'NOT_FOUND', `no recording ${file} on this node`);
    const isVideo = file.endsWith('.mp4');
    let etag: string | null = null;
    if (isVideo) {
      const m = (await listRecordings(root)).recordings.find((r) => r.file === file);
      // The checksum names the content exactly, but only once the recording is final.
      if (m?.sha256 && !m.inProgress && m.sizeBytes === info.size) etag = `"${m.sha256}"`;
    }
    void reply.header('accept-ranges', 'bytes').type(isVideo ? 'video/mp4' : 'application/json; charset=utf-8');
    if (etag) void reply.header('etag', etag);
    const range = parseRange(typeof req.headers.range === 'string' ? req.headers.range : undefined, info.size);
    const ifRange = req.headers['if-range'];
    const useRange = range !== null && (!ifRange || (etag !== null && ifRange === etag));
    if (useRange && range === 'unsatisfiable') {
      void reply.header('content-range', `bytes */${info.size}`);
      throw new HttpError(416, 'RANGE_NOT_SATISFIABLE', `the file has ${info.size} bytes`, { field: 'range' });
    }
    const ranged = useRange && range !== null && range !== 'unsatisfiable' ? range : null;
    if (ranged) void reply.code(206).header('content-range', `bytes ${ranged.start}-${ranged.end}/${info.size}`);
    const span = ranged ?? { start: 0, end: info.size - 1 };
    void reply.header('content-length', span.end - span.start + 1);
    await sendFileSpan(reply, { path, ...span, status: ranged ? 206 : 200 });
    return reply;
  });
};
