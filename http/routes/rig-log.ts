import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { HttpError } from '../errors.js';
import type { AppDeps } from '../deps.js';

/** The rig log's notes: every node's deletions (with the bytes freed) and network changes, oldest first. */
export const rigLogRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get('/api/v1/rig/log', {
    schema: { summary: 'Deletions and network changes of every node, as the rig log holds them (oldest first)', tags: ['rig'] },
  }, async () => {
    if (!deps.rig) throw new HttpError(503, 'NOT_AVAILABLE', 'the rig view is not available on this node');
    return { notes: deps.rig.notes().map((n) => ({ by: n.by, ...n.event })) };
  });
};
