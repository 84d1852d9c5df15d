import { z } from 'zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { HttpError } from '../errors.js';
import { peerRequest, sendRelayed } from '../peer-request.js';
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
export const relayConfigRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  const forward = async (req: FastifyRequest, reply: FastifyReply, cameraId: string, method: 'GET' | 'POST', body?: unknown) => {
    if (cameraId === deps.config.current.camera.id) {
      // This node's own config: the same route a phone would call here, with the same checks.
      const inner = await app.inject({
        method, url: '/api/v1/config',
        headers: { host: 'localhost', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) },
        ...(method === 'POST' ? { payload: JSON.stringify(body ?? {}), headers: { host: 'localhost', 'content-type': 'application/json', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) } } : {}),
      });
      return reply.code(inner.statusCode).type('application/json; charset=utf-8').send(inner.body);
    }
    if (!deps.rig) throw new HttpError(503, 'NOT_AVAILABLE', 'the rig view is not available on this node');
    const r = await peerRequest(deps, req, cameraId, '/api/v1/config', { method, body, timeoutMs: 15_000 });
    return sendRelayed(reply, r, r.headers.get('content-type') ?? 'application/json; charset=utf-8');
  };

  app.get('/api/v1/rig/nodes/:cameraId/config', {
    schema: { summary: 'A node\'s configuration (secrets redacted), through this node', tags: ['rig'], params: NodeParams },
  }, (req, reply) => forward(req, reply, req.params.cameraId, 'GET'));

  app.post('/api/v1/rig/nodes/:cameraId/config', {
    schema: { summary: 'Change a node\'s configuration (validated by that node), through this node', tags: ['rig'], params: NodeParams, body: Patch },
  }, (req, reply) => forward(req, reply, req.params.cameraId, 'POST', req.body));
};
