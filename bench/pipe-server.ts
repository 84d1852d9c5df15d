import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';

// The download baseline: a bare node:http server piping one file, in its own process so it
// pays the same process boundary as the node. Usage: pipe-server.js FILE
const file = process.argv[2]!;
const size = (await stat(file)).size;
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': size });
  createReadStream(file).pipe(res);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${(server.address() as { port: number }).port}/\n`));
