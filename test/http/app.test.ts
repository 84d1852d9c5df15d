import test from 'ava';
import { testApp } from '../helpers/app.js';

test('OpenAPI document and UI are served', async (t) => {
  const { app } = await testApp(t);
  const doc = await app.inject({ method: 'GET', url: '/docs/json' });
  t.is(doc.statusCode, 200);
  const paths = Object.keys(doc.json().paths);
  for (const p of ['/api/v1/status', '/api/v1/config', '/api/v1/logs', '/api/v1/metrics', '/api/v1/events']) t.true(paths.includes(p), p);
  const ui = await app.inject({ method: 'GET', url: '/docs/' });
  t.is(ui.statusCode, 200);
});


test('/docs describes what the main routes take and what they answer', async (t) => {
  const { app } = await testApp(t);
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
  const answer = (path: string, method: string, code = '200') => doc.paths[path]?.[method]?.responses?.[code]?.content?.['application/json']?.schema;
  const main: Array<[string, string, string[]]> = [
    ['/api/v1/status', 'get', ['cameraId', 'state', 'sync', 'warnings', 'version', 'versionLabel']],
    ['/api/v1/rig', 'get', ['self', 'nodes', 'disagreements']],
    ['/api/v1/recordings', 'get', ['recordings', 'unreadable']],
    ['/api/v1/rig/recordings', 'get', ['recordings', 'sessions']],
    ['/api/v1/config', 'post', ['ok', 'changed', 'restartRequired', 'config']],
    ['/api/v1/record/start', 'post', ['ok', 'sessionId', 'startAt', 'firstFrameAt']],
    ['/api/v1/record/stop', 'post', ['ok', 'wasRecording', 'manifest']],
    ['/api/v1/rig/record/start', 'post', ['sessionId', 'startAt', 'results']],
    ['/api/v1/rig/record/stop', 'post', ['results']],
    ['/api/v1/logs', 'get', ['mode', 'entries']],
  ];
  for (const [path, method, fields] of main) {
    const schema = answer(path, method);
    t.truthy(schema, `${method} ${path} answer`);
    for (const f of fields) t.truthy(schema?.properties?.[f], `${method} ${path} answers ${f}`);
    const err = answer(path, method, '4XX') ?? answer(path, method, '4xx');
    t.truthy(err?.properties?.error?.properties?.code, `${method} ${path} documents its error shape`);
  }
  const start = doc.paths['/api/v1/record/start'].post.requestBody.content['application/json'].schema;
  t.truthy(start.properties.sessionId, 'request bodies are described too');
  t.regex(doc.paths['/api/v1/logs'].get.description, /only warnings and errors|warnings, errors/i);
  t.regex(doc.info.title, /soccer-rig-\d+\.\d+\.\d+/);
});
