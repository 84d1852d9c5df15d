import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ERROR_RESPONSES, HttpError } from '../errors.js';
import { CleanupResponse, ConfirmResponse } from '../responses.js';
import { peerRequest, sendRelayed } from '../peer-request.js';
import { SessionId } from './record.js';
import { CameraId } from '../../runtime/config/schema.js';
import { RigError } from '../../runtime/errors.js';
import { confirmOffload, deleteOffloaded } from '../../actors/recorder/offload.js';
import type { AppDeps } from '../deps.js';

/**
 * The documented body is camelCase; a client written against the spec sends `session_id` and
 * `camera_id` and may write the checksum in upper-case hex. Both forms are accepted and made one
 * here, so nothing after validation sees the difference.
 */
const ConfirmBody = z.strictObject({
  sessionId: SessionId.optional().describe('Required (or session_id)'),
  session_id: SessionId.optional().describe('The spec\'s spelling of sessionId'),
  cameraId: CameraId.optional().describe('Required (or camera_id)'),
  camera_id: CameraId.optional().describe('The spec\'s spelling of cameraId'),
  file: z.string().min(1).max(200),
  checksum: z.strictObject({
    algo: z.literal('sha256'),
    value: z.string().regex(/^[0-9a-fA-F]{64}$/, '64 hex digits').transform((v) => v.toLowerCase()),
  }),
}).transform((b, ctx) => {
  const sessionId = oneOf(b.sessionId, b.session_id, 'sessionId', 'session_id', ctx);
  const cameraId = oneOf(b.cameraId, b.camera_id, 'cameraId', 'camera_id', ctx);
  if (sessionId === undefined || cameraId === undefined) return z.NEVER;
  return { sessionId, cameraId, file: b.file, checksum: b.checksum };
});

/** One value from its two spellings: either is fine, both must agree, one is required. */
function oneOf(camel: string | undefined, snake: string | undefined, camelName: string, snakeName: string, ctx: z.RefinementCtx): string | undefined {
  if (camel !== undefined && snake !== undefined && camel !== snake) {
    ctx.addIssue({ code: 'custom', path: [snakeName], message: `differs from ${camelName} (send one of them)` });
    return undefined;
  }
  const value = camel ?? snake;
  if (value === undefined) ctx.addIssue({ code: 'custom', path: [camelName], message: `required (or ${snakeName})` });
  return value;
}

const STATUS: Record<string, number> = { NOT_FOUND: 404 };

/**
 * The end of a recording's life on the rig: an offload tool confirms a verified copy, and
 * only confirmed recordings are ever deleted. A confirmation for another node's file is
 * relayed to that node (the laptop may only reach one node).
 */
export const offloadRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  const now = deps.now ?? Date.now;

  app.post('/api/v1/recordings/confirm', {
    schema: {
      summary: 'Confirm a verified copy of a recording (sha256 must match)',
      description: 'Body in camelCase as documented; the spec\'s session_id/camera_id and upper-case hex are accepted too.',
      tags: ['files'], body: ConfirmBody, response: { 200: ConfirmResponse, ...ERROR_RESPONSES },
    },
  }, async (req, reply) => {
    const { body } = req;
    const cfg = deps.config.current;
    if (body.cameraId !== cfg.camera.id) {
      const r = await peerRequest(deps, req, body.cameraId, '/api/v1/recordings/confirm', { method: 'POST', body, timeoutMs: 15_000 });
      return sendRelayed(reply, r, 'application/json; charset=utf-8');
    }
    try {
      const m = await confirmOffload(cfg.storage.dataDir, { sessionId: body.sessionId, cameraId: body.cameraId, file: body.file, sha256: body.checksum.value }, now);
      await deps.rig?.confirmed({ sessionId: m.sessionId, cameraId: m.cameraId, file: m.file, sha256: m.sha256! });
      // retention.deleteAfterConfirm acts now, not at the next pass (kick never rejects).
      await deps.retention?.kick();
      return { ok: true as const, file: m.file, offloaded: true as const, offloadedAt: m.offloadedAt ?? null };
    } catch (err) {
      if (err instanceof RigError) throw new HttpError(STATUS[err.code] ?? 409, err.code, err.message, err.field ? { field: err.field } : {});
      throw err;
    }
  });

  app.delete('/api/v1/recordings/offloaded', {
    schema: { summary: 'Delete the videos of recordings confirmed as offloaded (manifests stay)', tags: ['files'], response: { 200: CleanupResponse, ...ERROR_RESPONSES } },
  }, async () => {
    const r = deps.retention ? await deps.retention.deleteOffloaded() : await deleteOffloaded(deps.config.current.storage.dataDir, now);
    if (r.deleted.length > 0) deps.log.info({ code: 'OFFLOADED_DELETED', files: r.deleted.map((d) => d.file) }, `deleted ${r.deleted.length} verified, offloaded recording(s)`);
    await deps.rig?.publishManifests();
    return r;
  });
};
