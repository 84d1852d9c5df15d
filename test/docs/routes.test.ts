import test from 'ava';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { testApp } from '../helpers/app.js';

// Every public route the node serves (as GET /docs lists them) is written down for people in
// README.md or docs/*.md: an undocumented route is one a user cannot find. Paths are compared
// without the /api/v1 base and with any parameter (`:id`, `{id}`, `<file>`) as one placeholder.

const root = fileURLToPath(new URL('../../../', import.meta.url));

async function docsText(): Promise<string> {
  const docs = (await readdir(join(root, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => join(root, 'docs', f));
  return (await Promise.all([join(root, 'README.md'), ...docs].map((f) => readFile(f, 'utf8')))).join('\n');
}

export const normalise = (path: string): string => path
  .replace(/^\/api\/v1(?=\/)/, '')
  .replace(/:[A-Za-z]+|\{[A-Za-z]+\}|<[A-Za-z]+>/g, ':p');

test('a path in the docs and the same route in /docs compare equal', (t) => {
  t.is(normalise('/api/v1/rig/nodes/{cameraId}/live/{file}'), '/rig/nodes/:p/live/:p');
  t.is(normalise('/rig/nodes/:cameraId/live/:file'), '/rig/nodes/:p/live/:p');
  t.is(normalise('/recordings/<file>'), '/recordings/:p');
  t.is(normalise('/metrics'), '/metrics');
});

test('every route GET /docs lists is documented in README.md or docs/*.md', async (t) => {
  const { app } = await testApp(t);
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> };
  const paths = Object.keys(doc.paths);
  t.true(paths.length > 30, `GET /docs lists ${paths.length} routes`);
  const text = normalise(await docsText()).replace(/:[A-Za-z]+|\{[A-Za-z]+\}|<[A-Za-z]+>/g, ':p');
  const undocumented = paths.filter((p) => !text.includes(`${normalise(p)}\``) && !text.includes(`${normalise(p)} `));
  t.deepEqual(undocumented, [], 'routes that no doc mentions');
});
