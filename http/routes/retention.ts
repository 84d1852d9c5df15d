import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { peerRequest } from '../peer-request.js';
import { CameraId } from '../../runtime/config/schema.js';
import { fieldOrder } from '../../runtime/cameras.js';
import { deleteOffloaded, type CleanupResult } from '../../actors/recorder/offload.js';
import type { AppDeps } from '../deps.js';

type NodeCleanup = { cameraId: string; ok: true } & CleanupResult | { cameraId: string; ok: false; error: { code: string; message: string } };

/**
 * "Delete offloaded files" for one node or the whole rig, from whichever node the phone
 * reached: each node deletes its own confirmed videos (the same deleteOffloaded as
 * DELETE /recordings/offloaded) and answers what it freed; a node that cannot be reached
 * says so and deletes nothing.
 */
export const retentionRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  const now = deps.now ?? Date.now;

  const cleanup = async (req: FastifyRequest, cameraId: string): Promise<NodeCleanup> => {
    if (cameraId === deps.config.current.camera.id) {
      const r = deps.retention ? await deps.retention.deleteOffloaded() : await deleteOffloaded(deps.config.current.storage.dataDir, now);
      if (r.deleted.length > 0) deps.log.info({ code: 'OFFLOADED_DELETED', files: r.deleted, freedBytes: r.freedBytes }, `deleted ${r.deleted.length} verified, offloaded recording(s)`);
      await deps.rig?.publishManifests();
      return { cameraId, ok: true, ...r };
    }
    try {
      const r = await peerRequest(deps, req, cameraId, '/api/v1/recordings/offloaded', { method: 'DELETE', timeoutMs: 60_000 });
      const body = await r.json() as CleanupResult & { error?: { code: string; message: string } };
      return r.ok ? { cameraId, ok: true, ...body } : { cameraId, ok: false, error: body.error ?? { code: 'HTTP_ERROR', message: `answered ${r.status}` } };
    } catch (err) {
      const e = err as { code?: string; message: string };
      return { cameraId, ok: false, error: { code: e.code ?? 'NODE_UNREACHABLE', message: e.message } };
    }
  };

  app.delete('/api/v1/rig/recordings/offloaded', {
    schema: { summary: 'Delete the confirmed (offloaded) videos on every node; answers per node with the bytes freed', tags: ['files'] },
  }, async (req) => {
    const ids = new Set<string>([deps.config.current.camera.id, ...(deps.rig?.snapshot().nodes ?? []).map((n) => n.cameraId)]);
    const nodes = await Promise.all([...ids].sort(fieldOrder).map((id) => cleanup(req, id)));
    return { nodes, freedBytes: nodes.reduce((s, n) => s + (n.ok ? n.freedBytes : 0), 0) };
  });

  const NodeParams = z.strictObject({ cameraId: CameraId });
  app.delete('/api/v1/rig/nodes/:cameraId/recordings/offloaded', {
    schema: { summary: 'Delete one node\'s confirmed (offloaded) videos, through this node', tags: ['files'], params: NodeParams },
  }, async (req) => cleanup(req, req.params.cameraId));
};
