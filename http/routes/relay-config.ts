import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { forwardToNode } from '../peer-request.js';
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
  app.get('/api/v1/rig/nodes/:cameraId/config', {
    schema: { summary: 'A node\'s configuration (secrets redacted), through this node', tags: ['rig'], params: NodeParams },
  }, (req, reply) => forwardToNode(app, deps, req, reply, req.params.cameraId, '/api/v1/config', { method: 'GET', timeoutMs: 15_000 }));

  app.post('/api/v1/rig/nodes/:cameraId/config', {
    schema: { summary: 'Change a node\'s configuration (validated by that node), through this node', tags: ['rig'], params: NodeParams, body: Patch },
  }, (req, reply) => forwardToNode(app, deps, req, reply, req.params.cameraId, '/api/v1/config', { method: 'POST', body: req.body, timeoutMs: 15_000 }));
};
