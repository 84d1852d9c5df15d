import { FragmentHash } from './fragment-hash.js';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { RigError } from '../../runtime/errors.js';

/**
 * Streams the encoder's stdout into the recording file and hashes exactly the bytes that
 * reached the file, so the manifest's SHA-256 costs nothing at stop (re-reading a 25 GB
 * match costs 25 s to a minute on a Pi). ffmpeg never fsyncs; we do, on a cadence, so a power
 * cut loses at most about one interval.
 */

export interface WriterFile {
  write(data: Uint8Array): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  close(): Promise<void>;
  /** Cuts the file back (to its last complete fragment after a failed write). */
  truncate?(length: number): Promise<void>;
}

export interface WriterFs {
  /** Create exclusively: a recording never overwrites another. */
  create(path: string): Promise<WriterFile>;
  fsyncDir(dir: string): Promise<void>;
}

export const nodeWriterFs: WriterFs = {
  create: (path) => open(path, 'wx', 0o644),
  async fsyncDir(dir) {
    const dh = await open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  },
};

export interface HashResult {
  sha256: string;
  sizeBytes: number;
}

export interface HashingWriterOptions {
  path: string;
  source: Readable;
  fs?: WriterFs;
  syncIntervalMs?: number;
  now?: () => number;
  /** Called once, as soon as a write fails, before `done` settles (the session stops then). */
  onError?: (err: RigError) => void;
  /** Each chunk after it is safely written (the preview is fed from here). */
  onChunk?: (chunk: Buffer) => void;
}

export class HashingWriter {
  readonly path: string;
  private readonly hash = new FragmentHash();
  private written = 0;
  private discarded = 0;
  private failure: RigError | null = null;
  private file: WriterFile | null = null;
  private donePromise: Promise<HashResult> | null = null;

  constructor(private readonly opts: HashingWriterOptions) {
    this.path = opts.path;
  }

  get bytesWritten(): number {
    return this.written;
  }

  get error(): RigError | null {
    return this.failure;
  }

  /** Creates the file (and makes its directory entry durable), then starts pumping. */
  async open(): Promise<void> {
    const fs = this.opts.fs ?? nodeWriterFs;
    try {
      this.file = await fs.create(this.path);
      await fs.fsyncDir(dirname(this.path));
    } catch (err) {
      if (this.file) await this.file.close().catch(() => undefined);
      throw classify(err, this.path);
    }
    this.donePromise = this.pump(this.file);
    // `done` may be awaited late; the failure is also delivered through onError.
    this.donePromise.catch(() => undefined);
  }

  /** Settles when the source has ended and the file is synced and closed. */
  get done(): Promise<HashResult> {
    if (!this.donePromise) return Promise.reject(new RigError('WRITE_FAILED', 'the writer is not open yet'));
    return this.donePromise;
  }

  /** The digest of what reached the file, also when writing failed part-way (disk full). */
  partialResult: HashResult | null = null;

  private async pump(file: WriterFile): Promise<HashResult> {
    const now = this.opts.now ?? Date.now;
    const interval = this.opts.syncIntervalMs ?? 1000;
    let lastSync = now();
    for await (const chunk of this.opts.source as AsyncIterable<Buffer>) {
      if (this.failure) {
        // Keep draining: a producer blocked on a full pipe could not react to `q` or SIGTERM.
        this.discarded += chunk.length;
        continue;
      }
      try {
        await this.writeAll(file, chunk);
        if (now() - lastSync >= interval) {
          await file.sync();
          lastSync = now();
        }
      } catch (err) {
        this.fail(err);
        continue;
      }
      this.opts.onChunk?.(chunk);
    }
    try {
      if (!this.failure) await file.sync();
    } catch (err) {
      this.fail(err);
    }
    const safe = this.failure ? this.hash.safePoint() : null;
    if (safe && file.truncate && safe.bytes < this.written) {
      // The write failed inside a fragment: cut the half-written fragment off, so the file
      // decodes cleanly to its end, and take the digest remembered at that point.
      try {
        await file.truncate(safe.bytes);
        await file.sync();
        this.written = safe.bytes;
      } catch {
        // Keep the file as it is; its digest below still matches it byte for byte.
      }
    }
    await file.close().catch((err: unknown) => this.fail(err));
    const result = safe && this.written === safe.bytes
      ? { sha256: safe.sha256, sizeBytes: safe.bytes }
      : { sha256: this.hash.digest(), sizeBytes: this.written };
    // After a failed write the file holds exactly the bytes hashed: keep their digest.
    this.partialResult = result;
    if (this.failure) throw this.failure;
    return result;
  }

  private async writeAll(file: WriterFile, chunk: Buffer): Promise<void> {
    let off = 0;
    while (off < chunk.length) {
      const part = chunk.subarray(off);
      const { bytesWritten } = await file.write(part);
      // Hash only what the kernel accepted, so the digest matches the file even after a
      // short write followed by ENOSPC.
      this.hash.update(part.subarray(0, bytesWritten));
      this.written += bytesWritten;
      off += bytesWritten;
      if (bytesWritten === 0) throw Object.assign(new Error('write returned 0 bytes'), { code: 'EIO' });
    }
  }

  private fail(err: unknown): void {
    if (this.failure) return;
    this.failure = classify(err, this.path);
    this.opts.onError?.(this.failure);
  }
}

function classify(err: unknown, path: string): RigError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new RigError('DISK_FULL', `disk full while writing ${path}: ${message}`, { cause: err });
  }
  return new RigError('WRITE_FAILED', `writing ${path} failed (${code ?? 'unknown'}): ${message}`, { cause: err });
}
