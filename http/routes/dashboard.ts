import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
};

// The page talks only to the node that served it; snapshots and previews arrive as data: URLs or same-origin images.
const CSP = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; "
  + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface StaticFile { path: string; type: string; body: Buffer; gzip: Buffer | null; etag: string }

/**
 * The page's files: http/public beside the sources. Compiled code runs from dist/http/routes, the
 * public files are not compiled, so both layouts are looked up.
 */
export function publicDir(): string {
  const candidates = ['../public/', '../../../http/public/'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? candidates[candidates.length - 1]!;
}

/** Reads every file once at boot: a node serves a few small files to a few phones, so memory beats disk. */
export function loadStatic(dir: string): StaticFile[] {
  const out: StaticFile[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) { walk(relPath); continue; }
      const type = TYPES[extname(entry.name)];
      if (!type) continue;
      const body = readFileSync(join(dir, relPath));
      const gz = gzipSync(body, { level: 9 });
      out.push({
        path: `/${relPath}`, type, body,
        // Gzip only where it pays (images are already compressed).
        gzip: gz.length < body.length * 0.9 ? gz : null,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      });
    }
  };
  if (existsSync(dir)) walk('');
  return out;
}

export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [name, ...params] = part.trim().split(';').map((s) => s.trim());
    if (name !== 'gzip' && name !== '*') return false;
    const q = params.find((p) => p.startsWith('q='));
    return !q || Number(q.slice(2)) > 0;
  });
}

function send(file: StaticFile, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  void reply
    .header('etag', file.etag)
    // Revalidate every time: an update must reach the phone at once, and a 304 costs a few hundred bytes.
    .header('cache-control', 'no-cache')
    .header('vary', 'accept-encoding')
    .header('x-content-type-options', 'nosniff');
  if (file.type.startsWith('text/html')) {
    void reply.header('content-security-policy', CSP).header('referrer-policy', 'no-referrer');
  }
  const inm = req.headers['if-none-match'];
  if (inm && inm.split(',').some((tag) => tag.trim().replace(/^W\//, '') === file.etag)) {
    return reply.code(304).send();
  }
  void reply.type(file.type);
  if (file.gzip && acceptsGzip(req.headers['accept-encoding'])) {
    return reply.header('content-encoding', 'gzip').send(file.gzip);
  }
  return reply.send(file.body);
}

/**
 * The dashboard: `/` and its static files, from memory, with ETag/304 and gzip. A Fastify plugin
 * (registered by buildApp) that registers everything synchronously, so it can also be called on a bare app.
 */
export async function dashboardRoutes(app: FastifyInstance, opts: { dir?: string } = {}): Promise<void> {
  const files = loadStatic(opts.dir ?? publicDir());
  const index = files.find((f) => f.path === '/index.html');
  const hide = { schema: { hide: true } };
  if (index) app.get('/', hide, (req, reply) => send(index, req, reply));
  for (const file of files) {
    app.get(file.path, hide, (req, reply) => send(file, req, reply));
  }
}
