import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { redact } from '../../runtime/config/patch.js';
import { HttpError } from '../errors.js';
import type { AppDeps } from '../deps.js';

const Patch = z.record(z.string(), z.unknown()).describe('Any part of the config; omitted keys keep their value');

export function configRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/api/v1/config', {
    schema: { summary: 'The node\'s configuration, secrets redacted', tags: ['config'] },
  }, async () => redact(deps.config.current));

  app.post('/api/v1/config', {
    schema: { summary: 'Validate, then save and apply a config change', tags: ['config'], body: Patch },
  }, async (req) => {
    const result = await deps.config.update(req.body as Record<string, unknown>).catch((err: NodeJS.ErrnoException) => {
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
    return {
      ok: true,
      changed: result.changed,
      restartRequired: result.restartRequired,
      notices: result.notices,
      config: redact(result.config),
    };
  });
}
