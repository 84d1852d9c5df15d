import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ERROR_RESPONSES } from '../errors.js';
import { LogsResponse } from '../responses.js';
import type { AppDeps } from '../deps.js';

export const observabilityRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get('/api/v1/logs', {
    schema: {
      summary: 'Recent warnings and errors (bounded, in memory)',
      description: 'In production: only warnings and errors (and fatal lines), from memory: a bounded ring of the last '
        + '200, oldest first; nothing is written to disk and there are no info or access lines. In development the node '
        + 'also writes every line as JSON under `logging.dir`; this view still holds only the warnings and errors.',
      tags: ['node'],
      response: { 200: LogsResponse, ...ERROR_RESPONSES },
    },
  }, async () => ({
    mode: deps.logs.mode,
    entries: deps.logs.ring.toArray(),
    fileError: deps.logs.fileError,
  }));

  app.get('/api/v1/metrics', {
    schema: { summary: 'Process and node metrics as JSON', tags: ['node'], response: { 200: z.looseObject({}), ...ERROR_RESPONSES } },
  }, async () => deps.metrics.snapshot());

  app.get('/metrics', {
    schema: { summary: 'Prometheus text exposition', tags: ['node'] },
  }, async (_req, reply) => {
    void reply.type('text/plain; version=0.0.4; charset=utf-8');
    return deps.metrics.prometheus(deps.config.current.camera.id);
  });
};
