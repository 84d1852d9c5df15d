import { bareServer } from './bare-server.js';

// Run as its own process so the baseline pays the same process boundary as the node.
const body = process.argv[2] ?? '{}';
const { url } = await bareServer(body);
process.stdout.write(`${url}\n`);
