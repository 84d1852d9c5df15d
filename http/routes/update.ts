import { z } from 'zod';
import type { FastifyPluginAsync } from 'fastify';
import { HttpError } from '../errors.js';
import { optionalBody } from '../zod.js';
import type { Outcome, UpdateApi } from '../../actors/updater/actor.js';
import { HistoryEntry } from '../../actors/updater/history.js';
import { rigApply, type RigNodeUpdate } from '../../actors/updater/rig-apply.js';

export interface UpdateRouteDeps {
  update: UpdateApi;
  /** Every node of the rig, this one included (localRigNode); absent: no rig-wide apply here. */
  rigNodes?: () => RigNodeUpdate[];
  /** How long each node may take to restart into the new version. */
  rigWaitMs?: number;
}

const ApplyBody = z.strictObject({
  force: z.boolean().default(false).describe('Install even when the latest release is older than the running version'),
  queue: z.boolean().default(false).describe('While recording: wait and apply once the node is idle, instead of 409'),
});

/**
 * Why an update was refused decides who can act on it: the operator (recording, up to date,
 * downgrade: 409), the release itself (checksum, signature, assets: 502, the source served
 * something the node will not install), or the node's disk (507).
 */
const STATUS: Record<string, number> = {
  RECORDING_IN_PROGRESS: 409, UPDATE_BUSY: 409, UP_TO_DATE: 409, DOWNGRADE: 409, TRIAL_IN_PROGRESS: 409,
  NOT_CONFIGURED: 409, NO_PUBLIC_KEY: 409, NO_RELEASE: 404,
  CHECKSUM_MISSING: 502, CHECKSUM_MALFORMED: 502, CHECKSUM_MISMATCH: 502, SIGNATURE_MISSING: 502, SIGNATURE_BAD: 502,
  ASSET_MISSING: 502, RELEASE_MALFORMED: 502, UPDATE_SOURCE_ERROR: 502, UPDATE_SOURCE_UNREACHABLE: 502, DOWNLOAD_FAILED: 502,
  DISK_FULL: 507, UPDATE_TIMEOUT: 504,
};

function unwrap<T>(o: Outcome<T>): T {
  if (o.ok) return o.value;
  throw new HttpError(STATUS[o.code] ?? 503, o.code, o.message);
}

/** POST /update/check, POST /update/apply, GET /update/history (a self-contained plugin). */
export const updateRoutes: FastifyPluginAsync<UpdateRouteDeps> = async (app, deps) => {
  app.post('/api/v1/update/check', {
    schema: { summary: 'Ask the release source for the latest version (409 while recording)', tags: ['update'], body: optionalBody(z.strictObject({})) },
  }, async () => unwrap(await deps.update.check()));

  app.post('/api/v1/update/apply', {
    schema: {
      summary: 'Download, verify and install the latest release, then restart into it (409 while recording unless queued)',
      tags: ['update'], body: optionalBody(ApplyBody),
    },
  }, async (req, reply) => {
    const body = req.body as z.infer<typeof ApplyBody>;
    const value = unwrap(await deps.update.apply({ force: body.force, queue: body.queue }));
    return reply.code(202).send(value);
  });

  app.post('/api/v1/update/rig/apply', {
    schema: {
      summary: 'Update every node to the latest release, one at a time, only while no node records; this node last',
      tags: ['update'], body: optionalBody(ApplyBody.pick({ force: true })),
    },
  }, async (req, reply) => {
    if (!deps.rigNodes) throw new HttpError(503, 'NOT_AVAILABLE', 'this node cannot reach the rig for a rig-wide update');
    const { force } = req.body as { force: boolean };
    const latest = unwrap(await deps.update.check());
    const r = await rigApply(deps.rigNodes(), { target: latest.latest, force, waitMs: deps.rigWaitMs ?? 5 * 60_000 });
    if (!r.ok) throw new HttpError(409, r.code, r.message, { details: { results: r.results } });
    return reply.code(202).send({ target: latest.latest, results: r.results });
  });

  app.get('/api/v1/update/history', {
    schema: { summary: 'Every check, apply, refusal, success and rollback, newest last', tags: ['update'] },
  }, async () => ({ entries: z.array(HistoryEntry).parse(await deps.update.history()) }));
};
