import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { redact } from '../../runtime/config/patch.js';
import { ERROR_RESPONSES, HttpError } from '../errors.js';
import { ConfigResponse, ConfigUpdateResponse } from '../responses.js';
import type { AppDeps } from '../deps.js';

const Patch = z.record(z.string(), z.unknown()).describe('Any part of the config; omitted keys keep their value');

export const configRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get('/api/v1/config', {
    schema: { summary: 'The node\'s configuration, secrets redacted', tags: ['config'], response: { 200: ConfigResponse, ...ERROR_RESPONSES } },
  }, async () => redact(deps.config.current));

  app.post('/api/v1/config', {
    schema: { summary: 'Validate, then save and apply a config change', tags: ['config'], body: Patch, response: { 200: ConfigUpdateResponse, ...ERROR_RESPONSES } },
  }, async (req) => {
    const result = await deps.config.update(req.body).catch((err: NodeJS.ErrnoException) => {
      // The file system refused (full, read-only, gone): nothing changed, and the caller may retry later.
      req.log.error({ err, code: 'CONFIG_WRITE_FAILED' }, 'config could not be saved');
      throw new HttpError(err.code === 'ENOSPC' ? 507 : 503, 'CONFIG_WRITE_FAILED', `the config could not be saved (${err.code ?? err.message}); nothing was changed`);
    });
    if (!result.ok) {
      const first = result.problems[0]!;
      throw new HttpError(400, 'INVALID_CONFIG', result.problems.map((p) => `${p.path}: ${p.message}`).join('; '),
        { field: first.path, details: { problems: result.problems } });
    }
    req.log.info({ changed: result.changed, restartRequired: result.restartRequired }, 'config updated');
    // A running recording keeps the settings it started with (and the status shows those).
    const state = deps.board.snapshot().state;
    const later = state === 'recording' || state === 'armed' || state === 'stopping'
      ? result.changed.filter((k) => k.startsWith('video.') || k.startsWith('audio.')) : [];
    return {
      ok: true as const,
      changed: result.changed,
      restartRequired: result.restartRequired,
      notices: later.length ? [...result.notices, `${later.join(', ')}: from the next recording; the one running keeps its settings`] : result.notices,
      config: redact(result.config),
    };
  });
};
