import test from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { download } from '../../../runtime/offload/download.js';
import { fileUrl, addressUrl } from '../../../runtime/offload/sources.js';
import { tempDir } from '../../helpers/tmp.js';

const listen = (s: Server) => new Promise<string>((resolve) => s.listen(0, '127.0.0.1', () => resolve(addressUrl({ host: '127.0.0.1', port: (s.address() as { port: number }).port }))));

/** Serves `body` with Range like a node does; `cutAt`: the connection dies after that many bytes of a full answer. */
function server(t: any, body: Buffer, cutAt: number | null, seen: string[]): Promise<string> {
  const s = createServer((req, res) => {
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    seen.push(range ? `range ${range[1]}` : 'full');
    const start = range ? Number(range[1]) : 0;
    res.writeHead(range ? 206 : 200, { 'content-length': body.length - start, ...(range ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}) });
    if (cutAt === null) return res.end(body.subarray(start));
    res.write(body.subarray(0, cutAt), () => res.socket?.destroy());
  });
  t.teardown(() => new Promise((r) => s.close(r)));
  return listen(s);
}

test('a direct download that dies half-way is resumed through the relay from where it stopped, and the hash covers every byte', async (t) => {
  const body = randomBytes(3_000_000);
  const sha256 = createHash('sha256').update(body).digest('hex');
  const direct: string[] = [];
  const relay: string[] = [];
  const d = await server(t, body, 1_000_000, direct);
  const r = await server(t, body, null, relay);
  const part = join(await tempDir(t), 'x.part');
  const vias = new Set<string>();
  const got = await download({
    fetch, part, sizeBytes: body.length, sha256,
    sources: [{ url: `${d}/f.mp4`, via: 'direct' }, { url: `${r}/f.mp4`, via: 'relay' }],
    onBytes: (_done, _chunk, via) => vias.add(via),
  });
  t.is(got.hash, sha256);
  t.is(got.via, 'relay');
  t.true(got.resumed);
  t.deepEqual(direct, ['full']);
  t.is(relay.length, 1);
  t.regex(relay[0]!, /^range [1-9]\d*$/, 'the relay was asked only for the rest');
  t.deepEqual([...vias].sort(), ['direct', 'relay']);
  t.true((await readFile(part)).equals(body));
});

test('every source failing is one error naming each', async (t) => {
  const part = join(await tempDir(t), 'y.part');
  await writeFile(part, '');
  const closed = 'http://127.0.0.1:9';
  const err = await t.throwsAsync(download({ fetch, part, sizeBytes: 10, sha256: 'a'.repeat(64), sources: [{ url: `${closed}/a`, via: 'direct' }, { url: `${closed}/b`, via: 'relay' }] }));
  t.regex(err!.message, /^download failed \(direct: .+; relay: .+\)$/);
});

test('file URLs: direct from the node, relayed through /rig/nodes', (t) => {
  t.is(fileUrl({ base: 'http://10.0.0.11:8080', via: 'direct' }, 'CAM_L', 'a b.mp4'), 'http://10.0.0.11:8080/recordings/a%20b.mp4');
  t.is(fileUrl({ base: 'http://cam-c.local:8080', via: 'relay' }, 'CAM_L', 'x.json'), 'http://cam-c.local:8080/api/v1/rig/nodes/CAM_L/recordings/x.json');
  t.is(addressUrl({ host: 'fe80::1', port: 80 }), 'http://[fe80::1]:80');
});
