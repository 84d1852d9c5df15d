import { createHash, type Hash } from 'node:crypto';

/**
 * SHA-256 of a fragmented MP4 as it streams past, remembering the digest at the end of the
 * last complete fragment (a `moof` with its `mdat`, or the `ftyp`/`moov` header). When the
 * disk fills in the middle of a fragment, the file can be cut back to that point and the
 * remembered digest names it exactly, without re-reading gigabytes.
 * A stream that does not start with `ftyp` is hashed plainly (no safe points).
 */
export class FragmentHash {
  private readonly hash: Hash = createHash('sha256');
  private pos = 0;
  private tracking: boolean | null = null;
  private header = Buffer.alloc(0);
  private remaining = 0;
  private type = '';
  private pendingMoof = false;
  private safeAt: { bytes: number; hash: Hash } | null = null;

  update(data: Buffer): void {
    if (this.tracking === false) {
      this.hash.update(data);
      this.pos += data.length;
      return;
    }
    let i = 0;
    while (i < data.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, data.length - i);
        this.consume(data.subarray(i, i + n));
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) this.boxEnded();
        continue;
      }
      const need = this.header.length >= 8 && this.header.readUInt32BE(0) === 1 ? 16 : 8;
      const part = data.subarray(i, i + Math.min(need - this.header.length, data.length - i));
      this.header = Buffer.concat([this.header, part]);
      this.consume(part);
      i += part.length;
      if (this.header.length < 8 || (this.header.length < 16 && this.header.readUInt32BE(0) === 1)) continue;
      const small = this.header.readUInt32BE(0);
      const size = small === 1 ? Number(this.header.readBigUInt64BE(8)) : small;
      this.type = this.header.toString('latin1', 4, 8);
      if (this.tracking === null) this.tracking = this.type === 'ftyp';
      if (!this.tracking || size < this.header.length) {
        // Not an MP4 we understand (or a box "to the end of file"): hash the rest plainly.
        this.tracking = false;
        this.consume(data.subarray(i));
        return;
      }
      this.remaining = size - this.header.length;
      this.header = Buffer.alloc(0);
      if (this.remaining === 0) this.boxEnded();
    }
  }

  get bytes(): number {
    return this.pos;
  }

  digest(): string {
    return this.hash.digest('hex');
  }

  /** Where a cut-short file should end, and its digest there; null when no safe point is known. */
  safePoint(): { bytes: number; sha256: string } | null {
    return this.safeAt ? { bytes: this.safeAt.bytes, sha256: this.safeAt.hash.copy().digest('hex') } : null;
  }

  private consume(part: Buffer): void {
    this.hash.update(part);
    this.pos += part.length;
  }

  private boxEnded(): void {
    if (this.type === 'moof') {
      this.pendingMoof = true;
      return;
    }
    if (this.type === 'mdat') this.pendingMoof = false;
    if (!this.pendingMoof) this.safeAt = { bytes: this.pos, hash: this.hash.copy() };
  }
}
