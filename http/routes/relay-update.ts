import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { optionalBody } from '../zod.js';
import { forwardToNode } from '../peer-request.js';
import { CameraId } from '../../runtime/config/schema.js';
import type { AppDeps } from '../deps.js';

const NodeParams = z.strictObject({ cameraId: CameraId });
const ApplyBody = optionalBody(z.strictObject({
  force: z.boolean().optional().describe('Install even when the latest release is older than that node\'s version'),
  queue: z.boolean().optional().describe('While that node records: apply once it is idle, instead of 409'),
}));

/**
 * One camera's update through the node the phone reached (the phone on one node's access point
 * reaches no other): that node's own POST /update/apply answers, with its own checks (recording,
 * PIN); this node only carries the request. A download takes minutes, hence the long timeout.
 */
export const relayUpdateRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.post('/api/v1/rig/nodes/:cameraId/update/apply', {
    schema: { summary: 'Update one node to the latest release, through this node (409 while it records)', tags: ['update'], params: NodeParams, body: ApplyBody },
  }, (req, reply) => forwardToNode(app, deps, req, reply, req.params.cameraId, '/api/v1/update/apply', { method: 'POST', body: req.body, timeoutMs: 16 * 60_000 }));
};
