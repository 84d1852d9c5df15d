import { open, type FileHandle } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

/** Bytes read from disk per turn: large enough that a 29 GB match file is ~60 000 turns, not ~450 000. */
export const CHUNK_BYTES = 512 * 1024;

export interface FileSpan {
  path: string;
  /** First and last byte to send, inclusive (HTTP Range's convention). */
  start: number;
  end: number;
  status: 200 | 206;
}

/**
 * Sends a span of a file (or, for HEAD, only its headers) on the reply without allocating per chunk: two buffers take turns,
 * one filled from disk while the socket drains the other, and a buffer is refilled only after
 * the write that carried it has been handed to the kernel.
 *
 * Why not `reply.send(createReadStream(path))`: a node runs with a 1 MB young generation and a
 * 256 MB old space (runtime/node-flags.ts, for its idle memory on a Pi). A read stream makes a
 * new 64 KB Buffer per read; at a few hundred MB/s that garbage runs the collector flat out and
 * measured half the throughput of a bare `node:http` pipe (BENCHMARKS.md, issue 11).
 *
 * The file is opened before the reply is taken over, so a file that vanished is still an
 * ordinary error answer. After that the reply is hijacked: Fastify's onResponse hooks still
 * run when the response finishes. A client that goes away stops the reads at once; a file
 * that shrinks under the send (it cannot, for a finished recording) ends the connection
 * rather than padding the body.
 */
export async function sendFileSpan(reply: FastifyReply, span: FileSpan): Promise<void> {
  const fh = await open(span.path, 'r');
  const res = reply.raw;
  reply.hijack();
  try {
    res.writeHead(span.status, reply.getHeaders() as Record<string, string | number | string[]>);
    // HEAD: the same headers (content-length included), no body.
    if (reply.request.method === 'HEAD') res.end();
    else await pump(fh, res, span);
  } catch (err) {
    // A read that failed (EIO from a dying card) after the headers went: the client must not
    // take a short body for the file, so the connection ends, and the node goes on.
    reply.log.warn({ err, path: span.path }, 'a download failed while reading the file');
    res.destroy();
  } finally {
    await fh.close().catch(() => undefined);
  }
}

async function pump(fh: FileHandle, res: ServerResponse, span: FileSpan): Promise<void> {
  let gone = res.destroyed;
  const onClose = () => { gone = true; };
  res.once('close', onClose);
  const buffers = [Buffer.allocUnsafeSlow(CHUNK_BYTES), Buffer.allocUnsafeSlow(CHUNK_BYTES)];
  // The write that last carried each buffer: it must be flushed before that buffer is refilled.
  const carrying: Array<Promise<void>> = [Promise.resolve(), Promise.resolve()];
  try {
    let pos = span.start;
    for (let turn = 0; pos <= span.end && !gone; turn ^= 1) {
      await carrying[turn];
      if (gone) break;
      const want = Math.min(CHUNK_BYTES, span.end - pos + 1);
      const { bytesRead } = await fh.read(buffers[turn]!, 0, want, pos);
      if (bytesRead === 0 || gone) break;
      pos += bytesRead;
      carrying[turn] = written(res, buffers[turn]!.subarray(0, bytesRead)).then((ok) => { if (!ok) gone = true; });
    }
    if (pos <= span.end || gone) {
      // Short (the file shrank) or the client left: the body cannot be completed, so the connection goes.
      res.destroy();
      return;
    }
    await Promise.all(carrying);
    if (gone) return;
    res.end();
  } finally {
    res.removeListener('close', onClose);
  }
}

/**
 * Whether the chunk left the process (the socket's write callback): true once it has, false if
 * the connection failed or closed first. Never rejects: a client leaving is not the node's error.
 */
function written(res: ServerResponse, chunk: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const onClose = () => resolve(false);
    res.once('close', onClose);
    res.write(chunk, (err) => {
      res.removeListener('close', onClose);
      resolve(!err);
    });
  });
}
