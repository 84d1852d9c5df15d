// attachClock feeds a real Sync actor from a real encrypted connection: the wiring the mesh uses.
import test from 'ava'
import { dispatch, query, start, stop } from 'nact'
import { attachClock, type ClockEvent } from '../../store/clock-attach.js'
import { createWallClock, skewedClock } from '../../store/clock-source.js'
import { syncActor, type Conversion, type SyncMsg } from '../../actors/sync/actor.js'
import { spawnSupervised } from '../../runtime/actor.js'
import { StatusBoard } from '../../runtime/status.js'
import { LogSink, createLogger } from '../../runtime/logging.js'
import { blankStatus } from '../helpers/app.js'
import { testConfig } from '../helpers/config.js'
import { secretStreamPair } from '../helpers/secret-pair.js'
import { waitFor } from './helpers.js'

test('connect, samples and disconnect reach the Sync actor, which converts on the measured offset', async (t) => {
  const wall = createWallClock()
  const system = start()
  const board = new StatusBoard(blankStatus())
  const sink = new LogSink('production', '/nonexistent', 'test', { stdout: () => undefined, stderr: () => undefined })
  const cfg = testConfig('/tmp/sync-attach', { camera: { id: 'CAM_L' } })
  const a = spawnSupervised(system, syncActor({ board, config: () => cfg, now: wall.now, publishIntervalMs: 20 }), createLogger(sink))
  t.teardown(async () => { await a.stop(); stop(system) })

  const pair = await secretStreamPair()
  t.teardown(() => pair.destroy())
  const seen: ClockEvent[] = []
  const send = (m: ClockEvent): void => { seen.push(m); dispatch(a.ref, m satisfies SyncMsg) }
  const mine = attachClock(pair.a, 'CAM_R', wall.now, send, { gapMs: 1 })
  // The peer, 1.5 s ahead, answers (and probes) with its own channel.
  const theirs = attachClock(pair.b, 'CAM_L', skewedClock(wall.now, 1500), () => {}, { gapMs: 1 })
  t.truthy(mine)
  t.truthy(theirs)
  t.is(attachClock(pair.a, 'CAM_R', wall.now, send), null, 'one clock channel per connection')
  await waitFor('a burst', () => seen.filter((m) => m.type === 'sample').length >= 8)
  t.deepEqual(seen[0], { type: 'connected', peer: 'CAM_R' })

  // Two members: rig time is their midpoint, 750 ms ahead of this node.
  const conv = await query(a.ref, (replyTo) => ({ type: 'toRig' as const, localInstant: 1_000_000, replyTo }), 2000) as Conversion
  t.true(conv.known)
  t.true(Math.abs(conv.instant - 1_000_750) <= 0.5, String(conv.instant))

  pair.destroy()
  await waitFor('disconnect', () => seen.at(-1)?.type === 'disconnected')
  await waitFor('status', () => board.snapshot().sync.peers?.CAM_R !== undefined)
  t.true(Math.abs(board.snapshot().sync.peers!.CAM_R!.offsetMs - 1500) <= 0.5)
})
