import { timingSafeEqual, createHash } from 'node:crypto';
import { hostname, networkInterfaces } from 'node:os';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

export interface SecurityOptions {
  /** The API token (dashboard PIN) now in force, or null for an open node. Read per request: it can change live. */
  token: () => string | null;
  /** Extra Host names to accept: config http.allowedHosts, and the node's configured own addresses. */
  allowedHosts: () => string[];
  maxFailures?: number;
  lockoutMs?: number;
  now?: () => number;
  /** This machine's own names and addresses; injectable for tests. */
  ownHosts?: () => string[];
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Three defences, cheap enough for every request:
 * - Host check on every route: a page on some other site that rebinds its DNS
 *   name to a node's IP still sends its own name in Host, and is refused.
 * - Bearer token on mutating routes when a token is set; reads stay open so a
 *   phone can always see status.
 * - Repeated bad tokens from one address lock that address out for a while (429),
 *   so a 4-digit PIN cannot be brute-forced from the sideline.
 */
export function installSecurity(app: FastifyInstance, opts: SecurityOptions): void {
  const maxFailures = opts.maxFailures ?? 5;
  const lockoutMs = opts.lockoutMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const own = cached(opts.ownHosts ?? defaultOwnHosts, 10_000, now);
  const failures = new Map<string, { count: number; first: number; lockedUntil: number }>();

  app.addHook('onRequest', async (req) => {
    const host = hostOnly(req.headers.host);
    if (!host) throw new HttpError(400, 'HOST_REQUIRED', 'the Host header is missing');
    const allowed = own().includes(host) || opts.allowedHosts().map((h) => h.toLowerCase()).includes(host);
    if (!allowed) throw new HttpError(403, 'HOST_NOT_ALLOWED', `Host "${host}" is not this node; use its address or name`);

    if (SAFE_METHODS.has(req.method)) return;
    const token = opts.token();
    if (!token) return;
    const ip = req.ip;
    const t = now();
    const f = failures.get(ip);
    if (f && f.lockedUntil > t) {
      throw new HttpError(429, 'TOO_MANY_ATTEMPTS', `too many wrong tokens; try again in ${Math.ceil((f.lockedUntil - t) / 1000)} s`,
        { details: { retryAfterS: Math.ceil((f.lockedUntil - t) / 1000) } });
    }
    if (tokenMatches(req, token)) {
      failures.delete(ip);
      return;
    }
    const rec = f && t - f.first < lockoutMs ? f : { count: 0, first: t, lockedUntil: 0 };
    rec.count += 1;
    if (rec.count >= maxFailures) rec.lockedUntil = t + lockoutMs;
    failures.set(ip, rec);
    if (failures.size > 1000) failures.delete(failures.keys().next().value as string);
    const hasHeader = typeof req.headers.authorization === 'string';
    throw new HttpError(401, hasHeader ? 'TOKEN_INVALID' : 'TOKEN_REQUIRED',
      hasHeader ? 'the API token (PIN) is wrong' : 'this node needs the API token (PIN): send Authorization: Bearer <token>',
      { field: 'authorization' });
  });
}

function tokenMatches(req: FastifyRequest, token: string): boolean {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
  // Compare digests so the comparison takes the same time whatever the length.
  const a = createHash('sha256').update(header.slice(7)).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

export function hostOnly(host: string | undefined): string | null {
  if (!host) return null;
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon > 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

function defaultOwnHosts(): string[] {
  const name = hostname().toLowerCase();
  const out = ['localhost', '127.0.0.1', '::1', name, `${name}.local`];
  for (const list of Object.values(networkInterfaces())) {
    for (const ni of list ?? []) out.push(ni.address.toLowerCase());
  }
  return out;
}

/** Interface addresses change when the node falls back to AP mode, so they are re-read now and then. */
function cached<T>(f: () => T, ttlMs: number, now: () => number): () => T {
  let value: T | undefined;
  let at = -Infinity;
  return () => {
    if (value === undefined || now() - at > ttlMs) {
      value = f();
      at = now();
    }
    return value;
  };
}
