import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { versionLabel } from '../../runtime/version.js';
import { ERROR_RESPONSES } from '../errors.js';
import { StatusResponse } from '../responses.js';
import type { AppDeps } from '../deps.js';

export const statusRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get('/api/v1/status', {
    schema: { summary: 'This node\'s status', tags: ['node'], response: { 200: StatusResponse, ...ERROR_RESPONSES } },
  }, async () => {
    const s = deps.board.snapshot();
    return { ...s, versionLabel: versionLabel(s.version) };
  });
};
