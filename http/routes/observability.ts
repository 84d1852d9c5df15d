import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';

export function observabilityRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/api/v1/logs', {
    schema: { summary: 'Recent warnings and errors (bounded, in memory)', tags: ['node'] },
  }, async () => ({
    mode: deps.logs.mode,
    entries: deps.logs.ring.toArray(),
    fileError: deps.logs.fileError,
  }));

  app.get('/api/v1/metrics', {
    schema: { summary: 'Process and node metrics as JSON', tags: ['node'] },
  }, async () => deps.metrics.snapshot());

  app.get('/metrics', {
    schema: { summary: 'Prometheus text exposition', tags: ['node'] },
  }, async (_req, reply) => {
    void reply.type('text/plain; version=0.0.4; charset=utf-8');
    return deps.metrics.prometheus(deps.config.current.camera.id);
  });
}
