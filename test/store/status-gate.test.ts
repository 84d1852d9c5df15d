import test from 'ava'
import { StatusGate } from '../../store/status-gate.js'

function gate(now: { t: number }) {
  const written: Array<Record<string, unknown>> = []
  const failures: Error[] = []
  const g = new StatusGate({
    minIntervalMs: 1000,
    clock: () => now.t,
    last: () => written.at(-1) ?? null,
    write: async (s) => {
      if ('bad' in s) throw new Error('disk says no')
      written.push(s)
    },
    writable: () => true,
    onDeferredFailure: (err) => failures.push(err)
  })
  return { g, written, failures }
}

test('unchanged status is not written; a change within the interval waits, and only the last one is written', async (t) => {
  const now = { t: 10_000 }
  const { g, written } = gate(now)
  t.is(await g.offer({ state: 'idle' }), 'appended')
  t.is(await g.offer({ state: 'idle' }), 'unchanged')
  now.t += 10
  t.is(await g.offer({ state: 'armed' }), 'deferred')
  t.is(await g.offer({ state: 'recording' }), 'deferred')
  t.is(await g.offer({ state: 'recording' }), 'unchanged', 'same as the pending one')
  await g.flushNow()
  t.deepEqual(written, [{ state: 'idle' }, { state: 'recording' }])
  now.t += 1000
  t.is(await g.offer({ state: 'stopping' }), 'appended', 'once the interval passed, at once')
  g.cancel()
})

test('a deferred write that fails is reported, a cancelled one is dropped', async (t) => {
  const now = { t: 10_000 }
  const { g, written, failures } = gate(now)
  await g.offer({ state: 'idle' })
  t.is(await g.offer({ state: 'recording', bad: true }), 'deferred')
  await g.flushNow()
  t.deepEqual(failures.map((e) => e.message), ['disk says no'])
  t.is(await g.offer({ state: 'error' }), 'deferred')
  g.cancel()
  await g.flushNow()
  t.deepEqual(written, [{ state: 'idle' }])
})
