import test from 'ava'
import { PeerNames, systemResolve } from '../../store/peer-names.js'

test('an IP needs no lookup; a name is its last resolution, null before one', async (t) => {
  const names = new PeerNames({ resolve: async () => '10.0.0.7' })
  t.is(names.ip('192.168.4.2'), '192.168.4.2')
  t.is(names.ip('cam-c.local'), null)
  await names.refresh(['cam-c.local', '192.168.4.2'])
  t.is(names.ip('cam-c.local'), '10.0.0.7')
})

test('a name whose lookup hangs is looked up once, however often it is asked for (lookups share the file writes\' thread pool)', async (t) => {
  let calls = 0
  const names = new PeerNames({ resolve: () => { calls++; return new Promise<string>(() => {}) } })
  for (let i = 0; i < 10; i++) void names.refresh(['cam-c.local'])
  t.is(calls, 1)
})

test('a name that failed is looked up again only after retryAfterMs', async (t) => {
  let now = 1_000_000
  let calls = 0
  const names = new PeerNames({ clock: () => now, retryAfterMs: 30_000, resolve: async () => { calls++; throw new Error('ENOTFOUND') } })
  await names.refresh(['cam-c.local'])
  await names.refresh(['cam-c.local'])
  now += 29_000
  await names.refresh(['cam-c.local'])
  t.is(calls, 1)
  now += 2000
  await names.refresh(['cam-c.local'])
  t.is(calls, 2)
  t.is(names.ip('cam-c.local'), null)
})

test('the system resolver, for real: localhost is 127.0.0.1', async (t) => {
  t.is(await systemResolve('localhost'), '127.0.0.1')
})
