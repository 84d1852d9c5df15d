import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { HttpError } from '../errors.js';
import { optionalBody } from '../zod.js';
import { peerRequest, sendRelayed } from '../peer-request.js';
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
  }, async (req, reply) => {
    const body = req.body;
    if (req.params.cameraId === deps.config.current.camera.id) {
      const auth = req.headers.authorization ? { authorization: req.headers.authorization } : {};
      const inner = await app.inject({
        method: 'POST', url: '/api/v1/update/apply', payload: JSON.stringify(body),
        headers: { host: 'localhost', 'content-type': 'application/json', ...auth },
      });
      return reply.code(inner.statusCode).type('application/json; charset=utf-8').send(inner.body);
    }
    if (!deps.rig) throw new HttpError(503, 'NOT_AVAILABLE', 'the rig view is not available on this node');
    const r = await peerRequest(deps, req, req.params.cameraId, '/api/v1/update/apply', { method: 'POST', body, timeoutMs: 16 * 60_000 });
    return sendRelayed(reply, r, r.headers.get('content-type') ?? 'application/json; charset=utf-8');
  });
};
