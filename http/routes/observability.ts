import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ERROR_RESPONSES } from '../errors.js';
import { LogsResponse } from '../responses.js';
import type { AppDeps } from '../deps.js';

export const observabilityRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get('/api/v1/logs', {
    schema: {
      summary: 'Recent warnings and errors (bounded, in memory)',
      description: 'Always from memory, newest last: the last 200 warnings, errors and fatal lines, in both modes. '
        + 'In production nothing else exists (no log file, no info lines, no access log); in development the full '
        + 'JSON log is written to `logging.dir` on the node, and this view still holds only warnings and errors.',
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
