import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../errors.js';
import { peerRequest } from '../peer-request.js';
import { SessionId } from './record.js';
import { CameraId } from '../../runtime/config/schema.js';
import { RigError } from '../../runtime/errors.js';
import { confirmOffload, deleteOffloaded } from '../../actors/recorder/offload.js';
import type { AppDeps } from '../deps.js';

const ConfirmBody = z.strictObject({
  sessionId: SessionId,
  cameraId: CameraId,
  file: z.string().min(1).max(200),
  checksum: z.strictObject({
    algo: z.literal('sha256'),
    value: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits'),
  }),
});

const STATUS: Record<string, number> = { NOT_FOUND: 404 };

/**
 * The end of a recording's life on the rig: an offload tool confirms a verified copy, and
 * only confirmed recordings are ever deleted. A confirmation for another node's file is
 * relayed to that node (the laptop may only reach one node).
 */
export function offloadRoutes(app: FastifyInstance, deps: AppDeps): void {
  const now = deps.now ?? Date.now;

  app.post('/api/v1/recordings/confirm', {
    schema: { summary: 'Confirm a verified copy of a recording (sha256 must match)', tags: ['files'], body: ConfirmBody },
  }, async (req, reply) => {
    const body = req.body as z.infer<typeof ConfirmBody>;
    const cfg = deps.config.current;
    if (body.cameraId !== cfg.camera.id) {
      const r = await peerRequest(deps, req, body.cameraId, '/api/v1/recordings/confirm', { method: 'POST', body, timeoutMs: 15_000 });
      return reply.code(r.status).type('application/json; charset=utf-8').send(Buffer.from(await r.arrayBuffer()));
    }
    try {
      const m = await confirmOffload(cfg.storage.dataDir, { sessionId: body.sessionId, cameraId: body.cameraId, file: body.file, sha256: body.checksum.value }, now);
      await deps.rig?.confirmed({ sessionId: m.sessionId, cameraId: m.cameraId, file: m.file, sha256: m.sha256! });
      return { ok: true, file: m.file, offloaded: true, offloadedAt: m.offloadedAt ?? null };
    } catch (err) {
      if (err instanceof RigError) throw new HttpError(STATUS[err.code] ?? 409, err.code, err.message, err.field ? { field: err.field } : {});
      throw err;
    }
  });

  app.delete('/api/v1/recordings/offloaded', {
    schema: { summary: 'Delete the videos of recordings confirmed as offloaded (manifests stay)', tags: ['files'] },
  }, async () => {
    const r = await deleteOffloaded(deps.config.current.storage.dataDir, now);
    if (r.deleted.length > 0) deps.log.info({ code: 'OFFLOADED_DELETED', files: r.deleted.map((d) => d.file) }, `deleted ${r.deleted.length} verified, offloaded recording(s)`);
    await deps.rig?.publishManifests();
    return r;
  });
}
