import type { FastifyInstance } from 'fastify';
import { NodeStatusSchema } from '../../runtime/status.js';
import type { AppDeps } from '../deps.js';

export function statusRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/api/v1/status', {
    schema: { summary: 'This node\'s status', tags: ['node'], response: { 200: NodeStatusSchema } },
  }, async () => deps.board.snapshot());
}
