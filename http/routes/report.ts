import { z } from 'zod';
import type { FastifyPluginAsync } from 'fastify';
import { HttpError } from '../errors.js';
import { SessionId } from './record.js';
import { sessionReport, type SessionBeep } from '../../actors/rig/session-report.js';

/** What the report needs of the rig: every node's manifests and the members of the rig view. */
export interface ReportRig {
  recordings(): Promise<Array<Record<string, unknown>>>;
  snapshot(): { nodes: Array<{ cameraId: string; reachable?: boolean }> };
  /** The session's start beeps from the rig log. */
  beeps(sessionId: string): SessionBeep[];
}

export interface ReportRouteDeps {
  /** The rig membership; absent: 503 like every rig route on a node without the rig view. */
  rig: ReportRig | undefined;
  /** config thresholds.syncOffsetMs, read per request (the config can change at runtime). */
  thresholdMs: () => number;
}

const Params = z.strictObject({ sessionId: SessionId });
const Query = z.strictObject({
  take: z.coerce.number().int().positive().optional().describe('The take to report; default the session\'s latest'),
});

const SyncPoint = z.object({ offsetMs: z.number().nullable(), errorMs: z.number().nullable(), source: z.string().nullable() });
const Camera = z.object({
  cameraId: z.string(), missing: z.boolean(), file: z.string().nullable(), take: z.number().int(),
  firstFrameAt: z.number().nullable(), firstFrameAtRig: z.number().nullable(), startOffsetMs: z.number().nullable(),
  syncAtStart: SyncPoint.nullable(), syncAtStop: SyncPoint.nullable(),
  durationS: z.number().nullable(), droppedFrames: z.number().nullable(), incomplete: z.boolean(), inProgress: z.boolean(),
  resumes: z.string().nullable().describe('The file this recording continues (it resumed by itself when that one stopped); null for a start-all\'s'),
});
export const SessionReportSchema = z.object({
  sessionId: z.string(), take: z.number().int(), takes: z.array(z.number().int()),
  verdict: z.enum(['ok', 'warn', 'fail']), spreadMs: z.number().nullable(), thresholdMs: z.number(),
  cameras: z.array(Camera),
  reasons: z.array(z.object({ code: z.string(), level: z.enum(['warn', 'fail']), message: z.string(), cameraIds: z.array(z.string()) })),
  beep: z.object({ cameraId: z.string(), atRig: z.number(), rigTimeKnown: z.boolean(), durationMs: z.number(), frequencyHz: z.number() }).nullable()
    .describe('The start beep of this take (audio.startBeep): which node played it and when on rig time; null when none'),
});

/** GET /api/v1/rig/sessions/:sessionId/report: the session's QC report from the replicated view. */
export const reportRoutes: FastifyPluginAsync<ReportRouteDeps> = async (app, deps) => {
  app.get('/api/v1/rig/sessions/:sessionId/report', {
    schema: {
      summary: 'Quality report of a session: per camera start in rig time, offsets, duration, drops; a verdict with reasons',
      tags: ['rig'], params: Params, querystring: Query, response: { 200: SessionReportSchema },
    },
  }, async (req) => {
    const { sessionId } = req.params as z.infer<typeof Params>;
    const { take } = req.query as z.infer<typeof Query>;
    if (!deps.rig) throw new HttpError(503, 'NOT_AVAILABLE', 'the rig view is not available on this node');
    const { nodes } = deps.rig.snapshot();
    const members = nodes.map((n) => n.cameraId);
    const unreachable = nodes.filter((n) => n.reachable === false).map((n) => n.cameraId);
    const r = sessionReport(sessionId, await deps.rig.recordings(), members, {
      thresholdMs: deps.thresholdMs(), beeps: deps.rig.beeps(sessionId), unreachable, ...(take ? { take } : {}),
    });
    if (!r.ok) throw new HttpError(404, r.code, r.message, { field: r.code === 'TAKE_NOT_FOUND' ? 'take' : 'sessionId' });
    return r.report;
  });
};
