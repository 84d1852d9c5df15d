import test from 'ava';
import { createHash } from 'node:crypto';
import { FragmentHash } from '../../../actors/recorder/fragment-hash.js';

function box(type: string, payload: number, large = false): Buffer {
  if (large) {
    const b = Buffer.alloc(16 + payload, 0x5a);
    b.writeUInt32BE(1, 0);
    b.write(type, 4, 'latin1');
    b.writeBigUInt64BE(BigInt(16 + payload), 8);
    return b;
  }
  const b = Buffer.alloc(8 + payload, 0xa5);
  b.writeUInt32BE(8 + payload, 0);
  b.write(type, 4, 'latin1');
  return b;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const head = Buffer.concat([box('ftyp', 20), box('moov', 300)]);
const frag = (n: number, large = false) => Buffer.concat([box('moof', 60), box('mdat', n, large)]);

/** Feeds `data` in pieces of the given sizes (cycled), as a pipe would. */
function feed(h: FragmentHash, data: Buffer, sizes: number[]): void {
  let i = 0;
  let k = 0;
  while (i < data.length) {
    const n = sizes[k++ % sizes.length]!;
    h.update(data.subarray(i, i + n));
    i += n;
  }
}

for (const sizes of [[1], [3, 7], [64], [1000], [100_000]]) {
  test(`digest and the last complete fragment, fed in pieces of ${sizes.join('/')} bytes`, (t) => {
    const good = Buffer.concat([head, frag(500), frag(2000, true)]);
    const partial = frag(900).subarray(0, 200); // moof and part of its mdat
    const all = Buffer.concat([good, partial]);
    const h = new FragmentHash();
    feed(h, all, sizes);
    t.deepEqual(h.safePoint(), { bytes: good.length, sha256: sha(good) });
    t.is(h.bytes, all.length);
    t.is(h.digest(), sha(all));
  });
}

test('a stream that is not an MP4 has no safe point and is hashed plainly', (t) => {
  const data = Buffer.alloc(5000, 7);
  const h = new FragmentHash();
  feed(h, data, [333]);
  t.is(h.safePoint(), null);
  t.is(h.digest(), sha(data));
});

test('before the first complete box there is no safe point', (t) => {
  const h = new FragmentHash();
  h.update(box('ftyp', 20).subarray(0, 10));
  t.is(h.safePoint(), null);
});
