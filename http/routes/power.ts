import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ERROR_RESPONSES, HttpError } from '../errors.js';
import { RigShutdownResponse, ShutdownResponse } from '../responses.js';
import { optionalBody } from '../zod.js';
import { peerRequest } from '../peer-request.js';
import type { AppDeps } from '../deps.js';

/**
 * The end of a match day: stop this node (finishing any recording first) and, when the
 * config says how, power the machine off. The answer goes out before the node stops.
 */
export const powerRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  const shutdownHook = (): ((reason: string) => void) => {
    if (!deps.shutdown) throw new HttpError(503, 'NOT_AVAILABLE', 'this node cannot shut itself down');
    return deps.shutdown;
  };

  app.post('/api/v1/shutdown', {
    schema: { summary: 'Stop this node (a recording is finished first) and power off if configured', tags: ['node'], body: optionalBody(z.strictObject({})), response: { 202: ShutdownResponse, ...ERROR_RESPONSES } },
  }, async (_req, reply) => {
    const shutdown = shutdownHook();
    const cfg = deps.config.current;
    reply.raw.once('finish', () => shutdown('shutdown requested over HTTP'));
    return reply.code(202).send({ ok: true as const, cameraId: cfg.camera.id, action: cfg.power.shutdownCommand ? 'power-off' as const : 'stop-node' as const });
  });

  app.post('/api/v1/rig/shutdown', {
    schema: { summary: 'Shut down every node the rig knows, this one last', tags: ['rig'], body: optionalBody(z.strictObject({})), response: { 202: RigShutdownResponse, ...ERROR_RESPONSES } },
  }, async (req, reply) => {
    const shutdown = shutdownHook();
    const cfg = deps.config.current;
    const others = (deps.rig?.snapshot().nodes ?? []).filter((n) => !n.self).map((n) => n.cameraId);
    const results = await Promise.all(others.map(async (cameraId) => {
      try {
        const r = await peerRequest(deps, req, cameraId, '/api/v1/shutdown', { method: 'POST', timeoutMs: 5000 });
        const body = await r.json().catch(() => ({})) as { error?: { message?: string } };
        return r.ok ? { cameraId, result: 'ok' as const } : { cameraId, result: 'refused' as const, message: body.error?.message ?? `HTTP ${r.status}` };
      } catch (err) {
        return { cameraId, result: 'unreachable' as const, message: (err as Error).message };
      }
    }));
    reply.raw.once('finish', () => shutdown('rig shutdown requested over HTTP'));
    return reply.code(202).send({ results: [...results, { cameraId: cfg.camera.id, result: 'ok' as const }] });
  });
};
