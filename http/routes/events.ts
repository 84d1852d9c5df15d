import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { NodeStatus } from '../../runtime/status.js';
import { HttpError } from '../errors.js';
import type { AppDeps } from '../deps.js';

const MAX_CLIENTS = 32;

/**
 * Server-Sent Events: the current status at once, a status event on every
 * change, and a heartbeat so phones and proxies notice a dead link. Other
 * modules publish extra event kinds through `broadcast`.
 */
export function eventRoutes(app: FastifyInstance, deps: AppDeps): { broadcast(event: string, data: unknown): void } {
  const clients = new Set<ServerResponse>();
  const heartbeatMs = deps.heartbeatMs ?? 2_000;

  const send = (res: ServerResponse, event: string, data: unknown): void => {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const broadcast = (event: string, data: unknown): void => {
    for (const res of clients) send(res, event, data);
  };
  const onStatus = (s: NodeStatus): void => broadcast('status', s);
  deps.board.on('change', onStatus);
  const onRig = (view: unknown): void => broadcast('rig', view);
  deps.rig?.on('change', onRig);
  const heartbeat = setInterval(() => {
    broadcast('heartbeat', { at: Date.now() });
    // Staleness is a matter of time passing, not of events: refresh the rig view with the beat.
    if (deps.rig && clients.size > 0) broadcast('rig', deps.rig.snapshot());
  }, heartbeatMs);
  heartbeat.unref();

  app.addHook('onClose', async () => {
    clearInterval(heartbeat);
    deps.board.off('change', onStatus);
    deps.rig?.off('change', onRig);
    for (const res of clients) res.end();
    clients.clear();
  });

  app.get('/api/v1/events', {
    schema: { summary: 'Live status as Server-Sent Events (status, heartbeat, …)', tags: ['node'] },
  }, (req, reply) => {
    if (clients.size >= MAX_CLIENTS) throw new HttpError(429, 'TOO_MANY_CLIENTS', `at most ${MAX_CLIENTS} live views per node`);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    clients.add(res);
    deps.metrics.sseClients = clients.size;
    send(res, 'status', deps.board.snapshot());
    if (deps.rig) send(res, 'rig', deps.rig.snapshot());
    const done = (): void => {
      clients.delete(res);
      deps.metrics.sseClients = clients.size;
    };
    req.raw.on('close', done);
    res.on('error', done);
  });

  return { broadcast };
}
