import test from 'ava';
import { z } from 'zod';
import { testApp } from '../helpers/app.js';
import { looseDeep } from '../../http/zod.js';

test('looseDeep keeps unknown fields at every depth, and still checks the known ones', (t) => {
  const S = looseDeep(z.object({
    a: z.object({ b: z.array(z.object({ c: z.number() })), d: z.object({ e: z.string() }).nullable().optional() }).describe('the a part'),
  }));
  const value = { a: { b: [{ c: 1, extraInArray: true }], d: { e: 'x', extraInNullable: 2 }, extraInA: 'y' }, extraTop: [1] };
  t.deepEqual(z.encode(S, value), value);
  t.false(S.safeParse({ a: { b: [{ c: 'one' }] } }).success);
  t.is(S.shape.a.description, 'the a part');
});

test('an answer that does not match its schema is sent as it is and logged with a code, never a 500', async (t) => {
  const { app, deps } = await testApp(t);
  app.get('/test/drift', { schema: { response: { 200: z.object({ n: z.number() }) } } }, async () => JSON.parse('{"n":"not a number","other":1}'));
  const r = await app.inject({ method: 'GET', url: '/test/drift' });
  t.is(r.statusCode, 200);
  t.deepEqual(r.json(), { n: 'not a number', other: 1 });
  const logged = deps.logs.ring.toArray().filter((e) => e.code === 'HTTP_RESPONSE_SCHEMA');
  t.is(logged.length, 1);
  t.regex(logged[0]!.msg, /GET \/test\/drift/);
});

test('a matching answer is trimmed to a plain (strict) schema', async (t) => {
  const { app, deps } = await testApp(t);
  app.get('/test/strict', { schema: { response: { 200: z.object({ n: z.number() }) } } }, async () => JSON.parse('{"n":1,"secret":"x"}'));
  const r = await app.inject({ method: 'GET', url: '/test/strict' });
  t.deepEqual(r.json(), { n: 1 });
  t.deepEqual(deps.logs.ring.toArray(), []);
});
