import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { RigError } from '../../runtime/errors.js';
import { ERROR_RESPONSES, HttpError } from '../errors.js';
import { optionalBody } from '../zod.js';
import { RigRecordingsResponse, RigViewResponse, SessionResponse, StartAllResponse, StopAllResponse } from '../responses.js';
import { forwardToNode, peerRequest } from '../peer-request.js';
import { SessionId, newSessionId } from './record.js';
import { CameraId } from '../../runtime/config/schema.js';
import { SessionMetaSchema } from '../../store/events.js';
import type { AppDeps } from '../deps.js';

const StartAllBody = optionalBody(z.strictObject({
  sessionId: SessionId.optional().describe('Defaults to a new id from the start instant'),
  leadMs: z.number().int().min(200).max(10_000).optional().describe('How far ahead the common start instant is (default rig.startLeadMs)'),
}));
const NodeParams = z.strictObject({ cameraId: CameraId });
const SessionParams = z.strictObject({ sessionId: SessionId });
const LiveFileParams = z.strictObject({ cameraId: CameraId, file: z.string().regex(/^live(?:\.m3u8|-\d{5}\.ts)$/, 'not a live stream file') });
const NodeFileParams = z.strictObject({ cameraId: CameraId, file: z.string().min(1).max(200) });

/**
 * The rig seen from any node: the replicated view, leaderless start/stop, and per-node
 * control relayed through this node (a phone on one node's access point reaches no other).
 */
export const rigRoutes: FastifyPluginAsyncZod<{ deps: AppDeps }> = async (app, { deps }) => {
  const rig = () => {
    if (!deps.rig) throw new HttpError(503, 'NOT_AVAILABLE', 'the rig view is not available on this node');
    return deps.rig;
  };
  // A rig command that could not be carried out (the rig layer not open, no answer in time, the
  // log refusing an append) is this node being unable to serve it now: a 503 with the rig's
  // own code and reason, never a bare 500.
  const command = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      if (err instanceof RigError && !(err instanceof HttpError)) throw new HttpError(503, err.code, err.message);
      throw err;
    }
  };

  app.get('/api/v1/rig', {
    schema: { summary: 'Every node of the rig, from the replicated view', tags: ['rig'], response: { 200: RigViewResponse, ...ERROR_RESPONSES } },
  }, async () => rig().snapshot());

  app.get('/api/v1/rig/recordings', {
    schema: { summary: 'Every node\'s manifests, and the notes on each session', tags: ['rig'], response: { 200: RigRecordingsResponse, ...ERROR_RESPONSES } },
  }, async () => rig().library());

  app.get('/api/v1/sessions/:sessionId', {
    schema: { summary: 'Notes on a session (teams, venue, notes)', tags: ['rig'], params: SessionParams, response: { 200: SessionResponse, ...ERROR_RESPONSES } },
  }, async (req) => {
    const { sessionId } = req.params;
    return { sessionId, meta: await rig().sessionMeta(sessionId) };
  });
  app.post('/api/v1/sessions/:sessionId', {
    schema: {
      summary: 'Save notes on a session; they reach every node with the rig log', tags: ['rig'],
      params: SessionParams, body: SessionMetaSchema, response: { 200: SessionResponse, ...ERROR_RESPONSES },
    },
  }, async (req) => {
    const { sessionId } = req.params;
    return { sessionId, meta: await command(() => rig().setSessionMeta(sessionId, req.body)) };
  });

  app.post('/api/v1/rig/record/start', {
    schema: { summary: 'Start every camera together (leaderless); answers per node', tags: ['rig'], body: StartAllBody, response: { 200: StartAllResponse, ...ERROR_RESPONSES } },
  }, async (req) => {
    const { body } = req;
    const leadMs = body.leadMs ?? deps.config.current.rig.startLeadMs;
    const sessionId = body.sessionId ?? newSessionId(Date.now() + leadMs);
    return command(() => rig().startAll(sessionId, leadMs));
  });

  app.post('/api/v1/rig/record/stop', {
    schema: { summary: 'Stop every camera; answers per node', tags: ['rig'], body: optionalBody(z.strictObject({})), response: { 200: StopAllResponse, ...ERROR_RESPONSES } },
  }, async () => command(() => rig().stopAll()));

  const relay = async (req: FastifyRequest, cameraId: string, path: string, method: 'GET' | 'POST', timeoutMs = 40_000) => {
    if (cameraId === deps.config.current.camera.id) return { local: true as const };
    rig(); // 503 on a node without the rig view
    const r = await peerRequest(deps, req, cameraId, path, { method, body: req.body, timeoutMs });
    return { local: false as const, status: r.status, type: r.headers.get('content-type') ?? 'application/octet-stream', body: Buffer.from(await r.arrayBuffer()) };
  };

  app.get('/api/v1/rig/nodes/:cameraId/preview.jpg', {
    schema: { summary: 'A node\'s latest preview still, through this node', tags: ['rig'], params: NodeParams },
  }, async (req, reply) => {
    const r = await relay(req, req.params.cameraId, '/api/v1/preview.jpg', 'GET');
    if (r.local) return reply.redirect('/api/v1/preview.jpg', 307);
    return reply.code(r.status).type(r.type).header('cache-control', 'no-store').send(r.body);
  });

  app.get('/api/v1/rig/nodes/:cameraId/recordings/:file', {
    schema: { summary: 'A node\'s recording file through this node (Range passes through)', tags: ['rig'], params: NodeFileParams },
  }, async (req, reply) => {
    const { cameraId, file } = req.params;
    if (cameraId === deps.config.current.camera.id) return reply.redirect(`/recordings/${encodeURIComponent(file)}`, 307);
    rig(); // 503 on a node without the rig view
    const r = await peerRequest(deps, req, cameraId, `/recordings/${encodeURIComponent(file)}`, { pass: ['range', 'if-range'] });
    // Stream it through: a recording is gigabytes, never buffered here.
    for (const h of ['content-type', 'content-length', 'content-range', 'accept-ranges', 'etag']) {
      const v = r.headers.get(h);
      if (v) void reply.header(h, v);
    }
    void reply.code(r.status);
    // fetch's body is node:stream/web's ReadableStream, typed as such: fromWeb takes it without a cast.
    const body: WebReadableStream<Uint8Array> | null = r.body;
    return reply.send(body ? Readable.fromWeb(body) : '');
  });

  app.get('/api/v1/rig/nodes/:cameraId/live/:file', {
    schema: { summary: 'A node\'s Grandma Mode live stream (HLS) through this node', tags: ['rig'], params: LiveFileParams },
  }, async (req, reply) => {
    const { cameraId, file } = req.params;
    const r = await relay(req, cameraId, `/api/v1/live/${file}`, 'GET', 10_000);
    if (r.local) return reply.redirect(`/api/v1/live/${file}`, 307);
    return reply.code(r.status).type(r.type).header('cache-control', 'no-store').send(r.body);
  });

  // The per-camera controls an operator needs from whichever node the phone reached.
  const actions: Array<{ path: string; timeoutMs: number; summary: string }> = [
    { path: 'record/start', timeoutMs: 40_000, summary: 'Start one node' },
    { path: 'record/stop', timeoutMs: 40_000, summary: 'Stop one node' },
    { path: 'lockview', timeoutMs: 30_000, summary: 'Lock View on one node (its tone, its snapshot)' },
    { path: 'selftest', timeoutMs: 130_000, summary: 'Test recording on one node' },
    { path: 'preview/refresh', timeoutMs: 30_000, summary: 'A fresh framing still on one node' },
    { path: 'shutdown', timeoutMs: 10_000, summary: 'Shut down one node' },
  ];
  for (const action of actions) {
    app.post(`/api/v1/rig/nodes/:cameraId/${action.path}`, {
      schema: { summary: `${action.summary}, through this node (the body goes to that node's own route)`, tags: ['rig'], params: NodeParams },
    }, (req, reply) => forwardToNode(app, deps, req, reply, req.params.cameraId, `/api/v1/${action.path}`, { method: 'POST', body: req.body, timeoutMs: action.timeoutMs }));
  }
};
