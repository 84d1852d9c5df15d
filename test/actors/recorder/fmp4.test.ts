import test from 'ava';
import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { completeLength, trimPartialFragment } from '../../../actors/recorder/fmp4.js';
import { tempDir } from './helpers.js';

function box(type: string, payload: number): Buffer {
  const b = Buffer.alloc(8 + payload, 0xab);
  b.writeUInt32BE(8 + payload, 0);
  b.write(type, 4, 'latin1');
  return b;
}

const head = Buffer.concat([box('ftyp', 16), box('moov', 100)]);
const frag = () => Buffer.concat([box('moof', 40), box('mdat', 500)]);

test('a complete fragmented file is left as it is', async (t) => {
  const p = join(await tempDir(t), 'a.mp4');
  const whole = Buffer.concat([head, frag(), frag()]);
  await writeFile(p, whole);
  t.deepEqual(await completeLength(p), { size: whole.length, complete: whole.length });
  t.is(await trimPartialFragment(p), 0);
  t.true((await readFile(p)).equals(whole));
});

const cuts: Array<[string, (f: Buffer) => Buffer]> = [
  ['inside an mdat', (f) => f.subarray(0, f.length - 100)],
  ['after a moof without its mdat', (f) => f.subarray(0, 48)],
  ['inside a box header', (f) => f.subarray(0, 4)],
];

for (const [where, cut] of cuts) {
  test(`a file cut ${where} is trimmed to its last complete fragment`, async (t) => {
    const p = join(await tempDir(t), 'b.mp4');
    const good = Buffer.concat([head, frag()]);
    await writeFile(p, Buffer.concat([good, cut(frag())]));
    const removed = await trimPartialFragment(p);
    t.true(removed > 0);
    t.true((await readFile(p)).equals(good));
  });
}

test('a file without a complete header is left alone', async (t) => {
  const p = join(await tempDir(t), 'c.mp4');
  await writeFile(p, Buffer.alloc(100, 7));
  t.is(await trimPartialFragment(p), 0);
  t.is((await readFile(p)).length, 100);
});
