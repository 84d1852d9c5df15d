import test, { type ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import { readdir, readlink, truncate, writeFile } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import Fastify from 'fastify';
import { CHUNK_BYTES, sendFileSpan } from '../../http/send-file.js';
import { tempDir } from '../helpers/tmp.js';
import { until } from '../helpers/net.js';

interface Served { base: string; path: string; bytes: Buffer; finished: number[]; warnings: string[] }

/**
 * A real server on loopback whose one route sends the test file with sendFileSpan, as the
 * recordings route does: 206 with `?start=&end=`, 200 otherwise. onResponse counts the
 * responses Fastify saw finish (a hijacked reply must still reach it).
 */
async function serve(t: ExecutionContext, size: number): Promise<Served> {
  const dir = await tempDir(t);
  const path = join(dir, 'clip.mp4');
  const bytes = randomBytes(size);
  await writeFile(path, bytes);
  const warnings: string[] = [];
  const finished: number[] = [];
  const app = Fastify({ logger: { level: 'warn', stream: { write: (l: string) => { warnings.push(l); } } } });
  app.addHook('onResponse', async (_req, reply) => { finished.push(reply.statusCode); });
  app.get<{ Querystring: { start?: string; end?: string; path?: string } }>('/f', async (req, reply) => {
    const target = req.query.path ?? path;
    const ranged = req.query.start !== undefined;
    const start = ranged ? Number(req.query.start) : 0;
    const end = ranged ? Number(req.query.end) : size - 1;
    void reply.header('content-type', 'video/mp4').header('content-length', end - start + 1);
    await sendFileSpan(reply, { path: target, start, end, status: ranged ? 206 : 200 });
    return reply;
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  return { base, path, bytes, finished, warnings };
}

interface Got { status: number; headers: IncomingMessage['headers']; body: Buffer; complete: boolean }

/** GET (or HEAD) to the end or until the connection breaks; `pace` waits between chunks (a slow phone). */
function get(url: string, o: { method?: string; pace?: number; onFirstChunk?: () => Promise<void> } = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    request(url, { method: o.method ?? 'GET' }, (res) => {
      const parts: Buffer[] = [];
      let first = true;
      const done = (complete: boolean) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts), complete });
      res.on('data', (c: Buffer) => {
        parts.push(c);
        if (first && o.onFirstChunk) { first = false; res.pause(); void o.onFirstChunk().then(() => res.resume()); }
        if (o.pace) { res.pause(); setTimeout(() => res.resume(), o.pace); }
      });
      res.on('end', () => done(res.complete));
      res.on('error', () => done(false));
      res.on('aborted', () => done(false));
    }).on('error', reject).end();
  });
}

async function openHandlesOn(path: string): Promise<number> {
  let n = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    if (await readlink(`/proc/self/fd/${fd}`).catch(() => '') === path) n += 1;
  }
  return n;
}

const SIZE = Math.round(CHUNK_BYTES * 2.5) + 123; // several turns of both buffers, and a short last read

test('a file goes out byte for byte over real HTTP, whole, as a range across chunk edges, and as HEAD', async (t) => {
  const s = await serve(t, SIZE);
  const whole = await get(`${s.base}/f`);
  t.is(whole.status, 200);
  t.is(Number(whole.headers['content-length']), SIZE);
  t.is(whole.headers['content-type'], 'video/mp4');
  t.true(whole.complete);
  t.true(whole.body.equals(s.bytes));

  const start = CHUNK_BYTES - 7;
  const end = 2 * CHUNK_BYTES + 11;
  const part = await get(`${s.base}/f?start=${start}&end=${end}`);
  t.is(part.status, 206);
  t.true(part.body.equals(s.bytes.subarray(start, end + 1)));

  const head = await get(`${s.base}/f`, { method: 'HEAD' });
  t.is(head.status, 200);
  t.is(Number(head.headers['content-length']), SIZE);
  t.is(head.body.length, 0);
  await until(() => s.finished.length === 3, 'Fastify sees every hijacked response finish');
  t.deepEqual(s.finished, [200, 206, 200]);
  t.is(await openHandlesOn(s.path), 0, 'every file handle closed');
});

test('a slow client gets the exact bytes: a buffer is refilled only after the socket took it', async (t) => {
  // Reading slowly fills the socket, so writes queue: refilling a buffer too early would show here as corrupt bytes.
  const s = await serve(t, CHUNK_BYTES * 40 + 5);
  const r = await get(`${s.base}/f`, { pace: 2 });
  t.true(r.complete);
  t.true(r.body.equals(s.bytes));
});

test('a client that leaves mid-download stops the reads, frees the file, and the node serves the next one', async (t) => {
  const s = await serve(t, CHUNK_BYTES * 40);
  await new Promise<void>((resolve, reject) => {
    const req = request(`${s.base}/f`, (res) => { res.once('data', () => { req.destroy(); resolve(); }); });
    req.on('error', () => undefined);
    req.on('close', () => resolve());
    req.end();
  }).catch(() => undefined);
  await until(async () => await openHandlesOn(s.path) === 0, 'the file handle closed after the client left');
  t.true(s.finished.length <= 1, 'no second response for one request');
  const next = await get(`${s.base}/f?start=0&end=99`);
  t.true(next.body.equals(s.bytes.subarray(0, 100)));
});

test('a file that shrinks under the send ends the connection: the client never takes a short body as whole', async (t) => {
  const s = await serve(t, CHUNK_BYTES * 8);
  const r = await get(`${s.base}/f`, { onFirstChunk: () => truncate(s.path, CHUNK_BYTES) });
  t.false(r.complete);
  t.true(r.body.length < s.bytes.length, `got ${r.body.length} of ${s.bytes.length} declared bytes`);
  t.true(r.body.equals(s.bytes.subarray(0, r.body.length)), 'what arrived is the file as it was');
  await until(async () => await openHandlesOn(s.path) === 0, 'the file handle closed');
});

test('a read that fails once the reply is taken over ends the connection with a warning, and the node goes on', async (t) => {
  const s = await serve(t, 1000);
  // A directory opens for reading on Linux but every read fails (EISDIR): a stand-in for a dying card's EIO.
  // Headers go out with the first chunk, so the client sees the connection reset, never a 200 with a short body.
  await t.throwsAsync(get(`${s.base}/f?path=${encodeURIComponent(join(s.path, '..'))}&start=0&end=999`), { code: 'ECONNRESET' });
  await until(() => s.warnings.some((l) => l.includes('a download failed while reading the file')), 'the failure is logged');
  const next = await get(`${s.base}/f`);
  t.true(next.body.equals(s.bytes));
});
