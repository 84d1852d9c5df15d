// The clock channel over real encrypted connections (Noise secret streams on loopback TCP),
// with injected skewed clocks: the measured offset must match the skew within 0.5 ms.
import test, { type ExecutionContext } from 'ava'
import Corestore from 'corestore'
import Protomux, { type EncodingState } from 'protomux'
import { CLOCK_PROTOCOL, ClockChannel, sampleFrom, type ClockChannelOptions, type ClockSample } from '../../store/clock-channel.js'
import { createWallClock, skewedClock } from '../../store/clock-source.js'
import { estimateOffset } from '../../actors/sync/estimator.js'
import { secretStreamPair } from '../helpers/secret-pair.js'
import { tmpDir, waitFor } from './helpers.js'

const wall = createWallClock()

function probe (conn: ConstructorParameters<typeof ClockChannel>[0], now: () => number, extra: Partial<ClockChannelOptions> = {}) {
  const samples: ClockSample[] = []
  const events: string[] = []
  const ch = new ClockChannel(conn, {
    now,
    onSample: (s) => samples.push(s),
    onOpen: () => events.push('open'),
    onClose: () => events.push('close'),
    gapMs: 1,
    ...extra
  })
  return { ch, samples, events }
}

async function measure (t: ExecutionContext, skewB: number) {
  const pair = await secretStreamPair()
  t.teardown(() => pair.destroy())
  const a = probe(pair.a, wall.now, { burstSize: 16 })
  const b = probe(pair.b, skewedClock(wall.now, skewB), { burstSize: 16 })
  t.true(a.ch.open())
  t.true(b.ch.open())
  await waitFor('a burst of samples on both sides', () => a.samples.length >= 16 && b.samples.length >= 16)
  const ea = estimateOffset(a.samples, wall.now())
  const eb = estimateOffset(b.samples, skewedClock(wall.now, skewB)())
  t.log(`skew ${skewB} ms: A measures ${ea?.offsetMs.toFixed(4)} ± ${ea?.errorMs.toFixed(4)} (rtt ${ea?.rttMs.toFixed(3)}), B measures ${eb?.offsetMs.toFixed(4)}`)
  t.truthy(ea)
  t.truthy(eb)
  t.true(Math.abs(ea!.offsetMs - skewB) <= 0.5, `A: ${ea!.offsetMs} vs ${skewB}`)
  t.true(Math.abs(eb!.offsetMs + skewB) <= 0.5, `B: ${eb!.offsetMs} vs ${-skewB}`)
  // The error bound holds the truth.
  t.true(Math.abs(ea!.offsetMs - skewB) <= ea!.errorMs + 1e-9)
  for (const s of a.samples) t.true(s.rttMs >= 0 && s.rttMs < 1000)
  return { a, b }
}

test('measures a peer clock 2.5 s ahead, from both ends, within 0.5 ms', async (t) => {
  await measure(t, 2500)
})

test('measures a peer clock 1.7 s behind, from both ends, within 0.5 ms', async (t) => {
  const { a, b } = await measure(t, -1700.25)
  t.deepEqual(a.events, ['open'])
  t.deepEqual(b.events, ['open'])
  t.is(a.ch.stats.invalid, 0)
  t.true(a.ch.stats.repliesSent >= 16 && a.ch.stats.requestsSent >= 16)
})

test('sample arithmetic: the NTP offset and round trip', (t) => {
  // Peer 100 ms ahead, 3 ms out, 1 ms turnaround, 5 ms back: offset error = (3 − 5) / 2 = −1.
  const s = sampleFrom(1, 1000, 1103, 1104, 1009)
  t.is(s.offsetMs, 99)
  t.is(s.rttMs, 8)
  t.is(s.at, 1009)
})

test('shares the muxer with corestore replication on the same connection', async (t) => {
  const pair = await secretStreamPair()
  t.teardown(() => pair.destroy())
  const [da, db] = await Promise.all([tmpDir(t, 'clock-a-'), tmpDir(t, 'clock-b-')])
  const sa = new Corestore(da)
  const sb = new Corestore(db)
  t.teardown(async () => { await sa.close(); await sb.close() })
  const core = sa.get({ name: 'log' })
  await core.ready()
  await core.append(Buffer.from('hello'))
  const copy = sb.get({ key: core.key })
  await copy.ready()
  sa.replicate(pair.a)
  sb.replicate(pair.b)
  const a = probe(pair.a, wall.now)
  const b = probe(pair.b, skewedClock(wall.now, 40))
  t.true(a.ch.open())
  t.true(b.ch.open())
  const block = await copy.get(0, { timeout: 10_000 })
  t.is(block?.toString(), 'hello')
  await waitFor('samples', () => a.samples.length >= 8)
  t.true(Math.abs(estimateOffset(a.samples, wall.now())!.offsetMs - 40) <= 0.5)
  // Only one clock channel per connection.
  t.false(new ClockChannel(pair.a, { now: wall.now, onSample: () => {} }).open())
})

test('bursts again on every new connection, repeats every interval, and closes with the connection', async (t) => {
  let pair = await secretStreamPair()
  const a = probe(pair.a, wall.now, { burstSize: 4, burstIntervalMs: 60_000 })
  const b = probe(pair.b, wall.now, { burstSize: 4, burstIntervalMs: 60_000 })
  a.ch.open()
  b.ch.open()
  await waitFor('first burst', () => a.samples.length === 4)
  pair.destroy()
  await waitFor('both closed', () => a.events.includes('close') && b.events.includes('close'))
  t.false(a.ch.opened)
  t.false(a.ch.open(), 'a closed channel does not reopen: a new connection gets a new channel')

  pair = await secretStreamPair()
  t.teardown(() => pair.destroy())
  // The interval is a minute: samples now can only come from the burst on (re)connect.
  const a2 = probe(pair.a, wall.now, { burstSize: 4, burstIntervalMs: 60_000 })
  const b2 = probe(pair.b, wall.now, { burstSize: 4, burstIntervalMs: 20 })
  a2.ch.open()
  b2.ch.open()
  await waitFor('burst after reconnect', () => a2.samples.length === 4)
  await waitFor('periodic bursts', () => b2.samples.length >= 12)
  a2.ch.close()
  await waitFor('remote sees the close', () => b2.events.includes('close'))
  t.deepEqual(a2.events, ['open', 'close'])
})

test('malformed frames and replies to nothing are counted, never thrown', async (t) => {
  const pair = await secretStreamPair()
  t.teardown(() => pair.destroy())
  const a = probe(pair.a, wall.now, { burstSize: 2, burstIntervalMs: 60_000 })
  const raw = {
    preencode (s: EncodingState, v: unknown) { s.end += (v as Buffer).length },
    encode (s: EncodingState, v: unknown) { s.start += (v as Buffer).copy(s.buffer, s.start) },
    decode (s: EncodingState) { const b = s.buffer.subarray(s.start, s.end); s.start = s.end; return b }
  }
  const rogue = Protomux.from(pair.b).createChannel({
    protocol: CLOCK_PROTOCOL,
    unique: true,
    messages: [{ encoding: raw, onmessage: () => {} }]
  })
  rogue!.open()
  a.ch.open()
  await waitFor('open', () => a.ch.opened)
  const reply = Buffer.alloc(29)
  reply[0] = 1
  reply.writeUInt32LE(77, 1)
  rogue!.messages[0]!.send(Buffer.from('garbage'))
  rogue!.messages[0]!.send(reply)
  await waitFor('both counted', () => a.ch.stats.invalid === 2)
  t.is(a.samples.length, 0)
  t.true(a.ch.opened)
  // Its requests went unanswered: counted as lost, the channel carries on.
  await waitFor('lost', () => a.ch.stats.lost >= 1, 5000)
})
