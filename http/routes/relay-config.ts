import { z } from 'zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import { peerRequest } from '../peer-request.js';
import { CameraId } from '../../runtime/config/schema.js';
import type { AppDeps } from '../deps.js';

const NodeParams = z.strictObject({ cameraId: CameraId });
const Patch = z.record(z.string(), z.unknown()).describe('Any part of that node\'s config; omitted keys keep their value');

/**
 * Another node's configuration through this node, beside the other per-node relays of
 * routes/rig.ts: a phone on one node's access point reaches no other, yet the dashboard's
 * audio and mode switches work on every camera. The node that owns the config validates it
 * and checks its own PIN (the caller's Authorization goes along); this node only carries it.
 */
export function relayConfigRoutes(app: FastifyInstance, deps: AppDeps): void {
  const forward = async (req: FastifyRequest, reply: FastifyReply, method: 'GET' | 'POST') => {
    const { cameraId } = req.params as z.infer<typeof NodeParams>;
    if (cameraId === deps.config.current.camera.id) {
      // This node's own config: the same route a phone would call here, with the same checks.
      const inner = await app.inject({
        method, url: '/api/v1/config',
        headers: { host: 'localhost', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) },
        ...(method === 'POST' ? { payload: (req.body ?? {}) as object } : {}),
      });
      return reply.code(inner.statusCode).type('application/json; charset=utf-8').send(inner.body);
    }
    if (!deps.rig) throw new HttpError(503, 'NOT_AVAILABLE', 'the rig view is not available on this node');
    const r = await peerRequest(deps, req, cameraId, '/api/v1/config', { method, body: req.body, timeoutMs: 15_000 });
    return reply.code(r.status).type(r.headers.get('content-type') ?? 'application/json; charset=utf-8').send(Buffer.from(await r.arrayBuffer()));
  };

  app.get('/api/v1/rig/nodes/:cameraId/config', {
    schema: { summary: 'A node\'s configuration (secrets redacted), through this node', tags: ['rig'], params: NodeParams },
  }, (req, reply) => forward(req, reply, 'GET'));

  app.post('/api/v1/rig/nodes/:cameraId/config', {
    schema: { summary: 'Change a node\'s configuration (validated by that node), through this node', tags: ['rig'], params: NodeParams, body: Patch },
  }, (req, reply) => forward(req, reply, 'POST'));
}
