import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { versionLabel } from '../../runtime/version.js';
import type { NodeStatus } from '../../runtime/status.js';
import { ERROR_RESPONSES } from '../errors.js';
import { StatusResponse } from '../responses.js';
import type { AppDeps } from '../deps.js';

/** This node's status as GET /status and the live `status` events answer it. */
export function statusAnswer(s: NodeStatus): NodeStatus & { versionLabel: string } {
  return { ...s, versionLabel: versionLabel(s.version) };
}

export const statusRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get('/api/v1/status', {
    schema: { summary: 'This node\'s status', tags: ['node'], response: { 200: StatusResponse, ...ERROR_RESPONSES } },
  }, async () => statusAnswer(deps.board.snapshot()));
};
