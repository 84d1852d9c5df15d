import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ERROR_RESPONSES, HttpError } from '../errors.js';
import { ask } from '../ask.js';
import { optionalBody } from '../zod.js';
import type { AppDeps } from '../deps.js';
import type { RecorderMsg } from '../../actors/recorder/actor.js';
import type { StillReply } from '../../actors/recorder/still.js';

const RefreshResponse = z.object({
  source: z.enum(['still', 'recording']).describe('still: taken now from the idle camera; recording: the latest preview of the running recording'),
  at: z.number().describe('When the picture was taken (ms since the epoch, this node\'s clock)'),
});

/**
 * Framing before kick-off (issue 11 item 14): a fresh picture on demand, read afterwards from
 * GET /preview.jpg (or its relay). An armed camera answers 409 ARMED; a recording one is not
 * touched and its latest preview is the answer.
 */
export const previewRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.post('/api/v1/preview/refresh', {
    schema: {
      summary: 'Take a fresh preview still now when idle (409 ARMED; while recording: the recording\'s latest preview)',
      tags: ['recording'], body: optionalBody(z.strictObject({})), response: { 200: RefreshResponse, ...ERROR_RESPONSES },
    },
  }, async () => {
    const r = await ask<RecorderMsg, StillReply>(deps.recorder, (replyTo) => ({ type: 'still', replyTo }), 20_000, 'the recorder');
    if (!r.ok) throw new HttpError(r.code === 'SNAPSHOT_FAILED' ? 503 : 409, r.code, r.message);
    return { source: r.source, at: r.at };
  });
};
