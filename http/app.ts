import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { softwareVersion, versionLabel } from '../runtime/version.js';
import { frameworkErrors, installErrorHandling } from './errors.js';
import { installZod } from './zod.js';
import { installSecurity } from './security.js';
import { statusRoutes } from './routes/status.js';
import { configRoutes } from './routes/config.js';
import { observabilityRoutes } from './routes/observability.js';
import { eventHub, eventRoutes } from './routes/events.js';
import { recordRoutes, liveRoutes } from './routes/record.js';
import { rigRoutes } from './routes/rig.js';
import { relayConfigRoutes } from './routes/relay-config.js';
import { fileRoutes } from './routes/files.js';
import { offloadRoutes } from './routes/offload.js';
import { retentionRoutes } from './routes/retention.js';
import { powerRoutes } from './routes/power.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { updateRoutes } from './routes/update.js';
import { relayUpdateRoutes } from './routes/relay-update.js';
import { previewRoutes } from './routes/preview.js';
import { rigLogRoutes } from './routes/rig-log.js';
import { reportRoutes } from './routes/report.js';
import type { AppDeps } from './deps.js';

export const BODY_LIMIT = 64 * 1024;

/**
 * Builds the node's HTTP app without listening (tests use inject(); the runtime
 * listens). Each group of routes is a plugin typed by its zod schemas (requests
 * and answers, which /docs shows); every failure leaves through the one error
 * handler as {error:{code,message,field?}}.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log.child({ actor: 'http' }) as unknown as FastifyBaseLogger,
    // Access logs are written by our own hook, and only in development mode.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    return503OnClosing: true,
    frameworkErrors,
    ajv: { customOptions: { strict: false } },
  });
  installZod(app);
  // JSON only: a form or text body is a client mistake (415), not a string to validate.
  app.removeContentTypeParser(['text/plain']);
  installErrorHandling(app);
  installSecurity(app, {
    token: () => deps.config.current.api.token,
    // The configured addresses are always the node's own, even while their interface is down
    // (os.networkInterfaces() leaves out links that are not running: a node cut off from the
    // rig must still answer on its own address).
    allowedHosts: () => {
      const c = deps.config.current;
      return [...c.http.allowedHosts, c.http.host, c.rig.dhtHost].filter((h) => h !== '0.0.0.0' && h !== '::');
    },
    ...(deps.ownHosts ? { ownHosts: deps.ownHosts } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });

  app.addHook('onResponse', async (req, reply) => {
    deps.metrics.http.requests += 1;
    if (reply.statusCode >= 500) deps.metrics.http.serverErrors += 1;
    else if (reply.statusCode >= 400) deps.metrics.http.clientErrors += 1;
    if (deps.logs.mode === 'development') {
      req.log.info({ method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    }
  });

  await app.register(swagger, {
    openapi: {
      info: { title: `soccer-rig node API (${versionLabel()})`, version: softwareVersion, description: 'One camera node of the rig. Errors: {error:{code,message,field?}}.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const hub = eventHub(deps);
  app.decorate('broadcast', hub.broadcast);
  // preClose: the live views end before the server waits for its connections to close.
  app.addHook('preClose', async () => hub.close());
  for (const routes of [statusRoutes, configRoutes, observabilityRoutes, recordRoutes, liveRoutes, rigRoutes, relayConfigRoutes, fileRoutes, offloadRoutes, retentionRoutes, powerRoutes, previewRoutes, rigLogRoutes]) {
    await app.register(routes, { deps });
  }
  await app.register(eventRoutes, { hub });
  await app.register(dashboardRoutes);
  if (deps.update) await app.register(updateRoutes, deps.update);
  await app.register(relayUpdateRoutes, { deps });
  await app.register(reportRoutes, { rig: deps.rig, thresholdMs: () => deps.config.current.thresholds.syncOffsetMs });
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    broadcast(event: string, data: unknown): void;
  }
}
