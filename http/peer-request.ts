import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';
import type { AppDeps } from './deps.js';

export interface PeerRequestOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  /** JSON body for a POST. */
  body?: unknown;
  /** Request headers passed through unchanged (e.g. range, if-range). */
  pass?: readonly string[];
  timeoutMs?: number;
}

/**
 * A request to another node of the rig on behalf of a phone that reached only this one:
 * the address comes from LAN beacons or the config, the caller's PIN goes along, and the
 * two ways it can fail are named (404 NODE_UNKNOWN, 502 NODE_UNREACHABLE).
 */
export async function peerRequest(deps: AppDeps, req: FastifyRequest, cameraId: string, path: string, o: PeerRequestOptions = {}): Promise<Response> {
  const addr = deps.rig?.httpAddress(cameraId);
  if (!addr) {
    throw new HttpError(404, 'NODE_UNKNOWN', `no HTTP address known for ${cameraId} (not heard on the LAN; peers[].httpPort not configured)`, { field: 'cameraId' });
  }
  const headers: Record<string, string> = {};
  if (req.headers.authorization) headers.authorization = req.headers.authorization;
  for (const h of o.pass ?? []) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h] as string;
  const method = o.method ?? 'GET';
  if (method === 'POST') headers['content-type'] = 'application/json';
  try {
    return await fetch(`http://${addr.host}:${addr.port}${path}`, {
      method, headers,
      ...(method === 'POST' ? { body: JSON.stringify(o.body ?? {}) } : {}),
      ...(o.timeoutMs ? { signal: AbortSignal.timeout(o.timeoutMs) } : {}),
    });
  } catch (err) {
    throw new HttpError(502, 'NODE_UNREACHABLE', `${cameraId} did not answer: ${(err as Error).message}`);
  }
}

/**
 * Sends another node's answer on as it came (status, type, bytes): that node already shaped it,
 * and this one must not reshape a newer or older release's answer.
 */
export async function sendRelayed(reply: FastifyReply, r: Response, type = r.headers.get('content-type') ?? 'application/octet-stream'): Promise<FastifyReply> {
  return reply.code(r.status).type(type).send(Buffer.from(await r.arrayBuffer()));
}

/**
 * One camera's own route, for a phone that reached this node: this node's answers in-process
 * (the same route, the same checks, the caller's PIN), another node's through peerRequest. Its
 * answer goes back as that node shaped it. The one relay the per-node controls share.
 */
export async function forwardToNode(
  app: FastifyInstance, deps: AppDeps, req: FastifyRequest, reply: FastifyReply,
  cameraId: string, path: string, o: { method: 'GET' | 'POST'; body?: unknown; timeoutMs: number },
): Promise<FastifyReply> {
  const auth = req.headers.authorization ? { authorization: req.headers.authorization } : {};
  if (cameraId === deps.config.current.camera.id) {
    const inner = await app.inject(o.method === 'POST'
      ? { method: 'POST', url: path, headers: { host: 'localhost', 'content-type': 'application/json', ...auth }, payload: JSON.stringify(o.body ?? {}) }
      : { method: 'GET', url: path, headers: { host: 'localhost', ...auth } });
    return reply.code(inner.statusCode).type(String(inner.headers['content-type'] ?? 'application/json; charset=utf-8')).send(inner.rawPayload);
  }
  if (!deps.rig) throw new HttpError(503, 'NOT_AVAILABLE', 'the rig view is not available on this node');
  const r = await peerRequest(deps, req, cameraId, path, { method: o.method, body: o.body, timeoutMs: o.timeoutMs });
  return sendRelayed(reply, r, r.headers.get('content-type') ?? 'application/json; charset=utf-8');
}
