import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { NodeStatus } from '../../runtime/status.js';
import { HttpError } from '../errors.js';
import { statusAnswer } from './status.js';
import type { AppDeps } from '../deps.js';

const MAX_CLIENTS = 32;

export interface EventHub {
  /** Sends one event to every live view; other modules publish extra event kinds through it. */
  broadcast(event: string, data: unknown): void;
  /** Whether the node already serves MAX_CLIENTS live views. */
  full(): boolean;
  /** Adds a live view (an SSE response whose head is written) until its request closes. */
  add(req: IncomingMessage, res: ServerResponse): void;
  close(): void;
}

/**
 * The live views' fan-out: a status event on every change, the rig view on its changes, and a
 * heartbeat so phones and proxies notice a dead link.
 */
export function eventHub(deps: AppDeps): EventHub {
  const clients = new Set<ServerResponse>();
  const heartbeatMs = deps.heartbeatMs ?? 2_000;
  const send = (res: ServerResponse, event: string, data: unknown): void => {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const broadcast = (event: string, data: unknown): void => {
    for (const res of clients) send(res, event, data);
  };
  const onStatus = (s: NodeStatus): void => broadcast('status', statusAnswer(s));
  deps.board.on('change', onStatus);
  const onRig = (view: unknown): void => broadcast('rig', view);
  deps.rig?.on('change', onRig);
  const heartbeat = setInterval(() => {
    broadcast('heartbeat', { at: Date.now() });
    // Staleness is a matter of time passing, not of events: refresh the rig view with the beat.
    if (deps.rig && clients.size > 0) broadcast('rig', deps.rig.snapshot());
  }, heartbeatMs);
  heartbeat.unref();

  return {
    broadcast,
    full: () => clients.size >= MAX_CLIENTS,
    add(req, res) {
      res.write('retry: 2000\n\n');
      clients.add(res);
      deps.metrics.sseClients = clients.size;
      send(res, 'status', statusAnswer(deps.board.snapshot()));
      if (deps.rig) send(res, 'rig', deps.rig.snapshot());
      const done = (): void => {
        clients.delete(res);
        deps.metrics.sseClients = clients.size;
      };
      req.on('close', done);
      res.on('error', done);
    },
    close() {
      clearInterval(heartbeat);
      deps.board.off('change', onStatus);
      deps.rig?.off('change', onRig);
      for (const res of clients) res.end();
      clients.clear();
    },
  };
}

/** Server-Sent Events: the current status at once, then every change (see eventHub). */
export const eventRoutes: FastifyPluginAsyncZod<{ hub: EventHub }> = async (app, { hub }) => {
  app.get('/api/v1/events', {
    schema: { summary: 'Live status as Server-Sent Events (status, rig, heartbeat, …)', tags: ['node'] },
  }, (req, reply) => {
    if (hub.full()) throw new HttpError(429, 'TOO_MANY_CLIENTS', `at most ${MAX_CLIENTS} live views per node`);
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    hub.add(req.raw, reply.raw);
  });
};
