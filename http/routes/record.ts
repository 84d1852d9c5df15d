import { z } from 'zod';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ERROR_RESPONSES, HttpError } from '../errors.js';
import { ask } from '../ask.js';
import { optionalBody } from '../zod.js';
import { LockViewResponse, RecordingsResponse, SelfTestResponse, StartResponse, StopResponse } from '../responses.js';
import type { AppDeps } from '../deps.js';
import type { RecorderMsg, StartReply, StopReply, LockViewReply, SelfTestReply } from '../../actors/recorder/actor.js';
import { listRecordings } from '../../actors/recorder/library.js';

export const SessionId = z.string().regex(/^[A-Za-z0-9-]{1,48}$/, 'letters, digits and "-" only (1–48)');

const StartBody = optionalBody(z.strictObject({
  sessionId: SessionId.optional().describe('Defaults to a new id from the start time'),
  startAt: z.number().int().positive().optional().describe('Start instant (epoch ms); default now; at most 60 s ahead'),
}));

const StopBody = optionalBody(z.strictObject({ reason: z.string().max(200).optional() }));
const SelfTestBody = optionalBody(z.strictObject({
  durationS: z.number().int().min(2).max(60).optional().describe('Seconds to record (default 10)'),
}));

/** A session id anyone can read: the UTC start time, e.g. 20261125-143000. */
export function newSessionId(at: number): string {
  const d = new Date(at).toISOString();
  return `${d.slice(0, 10).replaceAll('-', '')}-${d.slice(11, 19).replaceAll(':', '')}`;
}

export const recordRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  const now = deps.now ?? Date.now;

  app.post('/api/v1/record/start', {
    schema: { summary: 'Start recording on this node (409 with reasons when a gate refuses)', tags: ['recording'], body: StartBody, response: { 200: StartResponse, ...ERROR_RESPONSES } },
  }, async (req, reply) => {
    const { body } = req;
    const t = now();
    const startAt = body.startAt ?? t;
    if (startAt > t + 60_000) throw new HttpError(400, 'VALIDATION_FAILED', 'startAt: at most 60 s in the future', { field: 'startAt' });
    if (startAt < t - 5_000) throw new HttpError(400, 'VALIDATION_FAILED', 'startAt: is in the past', { field: 'startAt' });
    const sessionId = body.sessionId ?? newSessionId(startAt);
    const r = await ask<RecorderMsg, StartReply>(deps.recorder, (replyTo) => ({ type: 'start', sessionId, startAt, replyTo }), startAt - t + 30_000, 'the recorder');
    if (!r.ok) {
      throw new HttpError(409, r.code, r.message, { details: { reasons: r.reasons } });
    }
    return reply.code(200).send(r);
  });

  app.post('/api/v1/record/stop', {
    schema: { summary: 'Stop recording on this node (finalises file and manifest)', tags: ['recording'], body: StopBody, response: { 200: StopResponse, ...ERROR_RESPONSES } },
  }, async (req) => {
    const { body } = req;
    return ask<RecorderMsg, StopReply>(deps.recorder, (replyTo) => ({ type: 'stop', reason: body.reason ?? 'stopped by operator', replyTo }), 30_000, 'the recorder');
  });

  app.post('/api/v1/lockview', {
    schema: { summary: 'Take a snapshot for the next manifest and play a tone', tags: ['recording'], response: { 200: LockViewResponse, ...ERROR_RESPONSES } },
  }, async () => {
    const r = await ask<RecorderMsg, LockViewReply>(deps.recorder, (replyTo) => ({ type: 'lockview', replyTo }), 20_000, 'the recorder');
    if (!r.ok) throw new HttpError(409, r.code, r.message);
    return r;
  });

  app.post('/api/v1/selftest', {
    schema: { summary: 'Record a short clip with the configured settings, verify it, delete it', tags: ['recording'], body: SelfTestBody, response: { 200: SelfTestResponse, ...ERROR_RESPONSES } },
  }, async (req) => {
    const { body } = req;
    const r = await ask<RecorderMsg, SelfTestReply>(deps.recorder, (replyTo) => ({ type: 'selftest', ...(body.durationS ? { durationS: body.durationS } : {}), replyTo }), ((body.durationS ?? 10) + 60) * 1000, 'the recorder');
    if (!r.ok) throw new HttpError(409, r.code, r.message);
    return r.result;
  });

  app.get('/api/v1/recordings', {
    schema: { summary: 'This node\'s recordings with their manifests', tags: ['recording'], response: { 200: RecordingsResponse, ...ERROR_RESPONSES } },
  }, async () => listRecordings(deps.config.current.storage.dataDir));

  app.get('/api/v1/preview.jpg', {
    schema: { summary: 'The latest preview still (about every 2 s while recording)', tags: ['recording'] },
  }, async (_req, reply) => {
    const cfg = deps.config.current;
    try {
      const jpeg = await readFile(join(cfg.storage.dataDir, '.preview', `${cfg.camera.id}.jpg`));
      return reply.type('image/jpeg').header('cache-control', 'no-store').send(jpeg);
    } catch {
      throw new HttpError(404, 'PREVIEW_NOT_READY', 'no preview still yet (the preview is written while recording)');
    }
  });
};

const LiveFile = z.strictObject({ file: z.string().regex(/^live(?:\.m3u8|-\d{5}\.ts)$/, 'not a live stream file') });

/** Grandma Mode: the HLS playlist and segments, while the live stream is on. */
export const liveRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get('/api/v1/live/:file', {
    schema: { summary: 'Grandma Mode live stream (HLS), while recording with live.enabled', tags: ['recording'], params: LiveFile },
  }, async (req, reply) => {
    const { file } = req.params;
    const cfg = deps.config.current;
    if (deps.board.snapshot().live.state !== 'on') {
      throw new HttpError(404, 'LIVE_OFF', cfg.live.enabled ? 'the live stream runs only while recording (and not under high CPU load)' : 'Grandma Mode is off (config live.enabled)');
    }
    try {
      const body = await readFile(join(cfg.storage.dataDir, '.live', cfg.camera.id, file));
      return reply
        .type(file.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t')
        .header('cache-control', file.endsWith('.m3u8') ? 'no-store' : 'max-age=60')
        .send(body);
    } catch {
      throw new HttpError(404, 'NOT_FOUND', `${file} is not (or no longer) there`);
    }
  });
};
