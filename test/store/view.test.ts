import test from 'ava'
import type { RigEvent } from '../../store/events.js'
import { emptyRigState, reduceRig, RigView, snapshotRig, type ReceivedEvent } from '../../store/view.js'

const KL = 'aa'.repeat(32)
const KC = 'cc'.repeat(32)

function rec(cameraId: string, key: string, index: number, event: RigEvent, receivedAt: number | null = event.at): ReceivedEvent {
  return { cameraId, key, index, event, receivedAt }
}

const status = (at: number, cameraId: string, state: string): RigEvent => ({
  type: 'status',
  at,
  cameraId,
  status: { cameraId, state }
})

function fakeClock(start: number): { now: () => number; advance: (ms: number) => void } {
  let now = start
  return { now: () => now, advance: (ms) => void (now += ms) }
}

test('reduceRig is pure: the input state is untouched', (t) => {
  const s0 = emptyRigState()
  const s1 = reduceRig(s0, rec('CAM_L', KL, 0, status(1, 'CAM_L', 'idle')))
  t.is(s0.nodes.size, 0)
  const s2 = reduceRig(s1, rec('CAM_L', KL, 1, status(2, 'CAM_L', 'recording')))
  t.deepEqual(s1.nodes.get('CAM_L')?.status, { cameraId: 'CAM_L', state: 'idle' })
  t.deepEqual(s2.nodes.get('CAM_L')?.status, { cameraId: 'CAM_L', state: 'recording' })
})

test('latest status: block order within a core beats a clock that stepped back', (t) => {
  let s = emptyRigState()
  s = reduceRig(s, rec('CAM_L', KL, 5, status(1000, 'CAM_L', 'armed')))
  s = reduceRig(s, rec('CAM_L', KL, 6, status(900, 'CAM_L', 'recording')))
  // an older block replayed late (restart, compaction) does not win
  s = reduceRig(s, rec('CAM_L', KL, 2, status(2000, 'CAM_L', 'idle')))
  t.is(s.nodes.get('CAM_L')?.status?.['state'], 'recording')
})

test('latest status across cores (re-imaged node) goes by event time', (t) => {
  let s = emptyRigState()
  s = reduceRig(s, rec('CAM_L', KL, 50, status(1000, 'CAM_L', 'idle')))
  s = reduceRig(s, rec('CAM_L', KC, 0, status(2000, 'CAM_L', 'recording')))
  s = reduceRig(s, rec('CAM_L', KL, 51, status(1500, 'CAM_L', 'error')))
  const n = s.nodes.get('CAM_L')
  t.is(n?.status?.['state'], 'recording')
  t.is(n?.key, KC)
})

test('manifests are kept by file, newest version wins, any arrival order', (t) => {
  const m = (index: number, at: number, sizeBytes: number): ReceivedEvent =>
    rec('CAM_L', KL, index, { type: 'manifest', at, manifest: { sessionId: 'S', cameraId: 'CAM_L', file: 'f.mp4', sizeBytes } })
  const other = rec('CAM_L', KL, 3, { type: 'manifest', at: 5, manifest: { sessionId: 'S', cameraId: 'CAM_L', file: 'g.mp4' } })
  for (const order of [[m(1, 1, 10), m(2, 2, 20), other], [other, m(2, 2, 20), m(1, 1, 10)]]) {
    let s = emptyRigState()
    for (const r of order) s = reduceRig(s, r)
    const snap = snapshotRig(s, { now: 10, connected: new Set(), self: 'CAM_L', staleAfterMs: 5000 })
    t.deepEqual(
      snap.nodes[0]?.manifests.map((x) => [x.file, x['sizeBytes']]),
      [['f.mp4', 20], ['g.mp4', undefined]]
    )
  }
})

test('commands collect acks even when acks arrive first', (t) => {
  let s = emptyRigState()
  s = reduceRig(s, rec('CAM_R', 'rr'.repeat(32), 0, { type: 'ack', at: 5, commandId: 'c1', cameraId: 'CAM_R', ok: true, firstFrameAt: 10 }))
  const cmd: RigEvent = { type: 'command', at: 1, commandId: 'c1', kind: 'start', sessionId: 'S', startAt: 10, issuedAt: 1, issuer: 'CAM_L' }
  s = reduceRig(s, rec('CAM_L', KL, 0, cmd))
  s = reduceRig(s, rec('CAM_L', KL, 1, { type: 'ack', at: 6, commandId: 'c1', cameraId: 'CAM_L', ok: false, reason: { code: 'X', message: 'y' } }))
  // a restated copy of the command changes nothing
  s = reduceRig(s, rec('CAM_L', KL, 9, { ...cmd, at: 1 }))
  const snap = snapshotRig(s, { now: 10, connected: new Set(), self: 'CAM_L', staleAfterMs: 5000 })
  t.is(snap.commands.length, 1)
  t.is(snap.commands[0]?.issuerCameraId, 'CAM_L')
  t.deepEqual(Object.keys(snap.commands[0]?.acks ?? {}).sort(), ['CAM_L', 'CAM_R'])
  t.false(snap.commands[0]?.acks['CAM_L']?.ok)
})

test('confirmations are attached to the manifest they confirm', (t) => {
  let s = emptyRigState()
  s = reduceRig(s, rec('CAM_L', KL, 0, { type: 'manifest', at: 1, manifest: { sessionId: 'S', cameraId: 'CAM_L', file: 'f.mp4' } }))
  s = reduceRig(s, rec('CAM_C', KC, 0, { type: 'confirm', at: 2, sessionId: 'S', cameraId: 'CAM_L', file: 'f.mp4', sha256: 'b'.repeat(64) }))
  const snap = snapshotRig(s, { now: 10, connected: new Set(), self: 'CAM_L', staleAfterMs: 5000 })
  const l = snap.nodes.find((n) => n.cameraId === 'CAM_L')
  t.deepEqual(l?.manifests[0]?.confirmed, { sha256: 'b'.repeat(64), at: 2, by: 'CAM_C' })
})

test('reachable needs a live connection AND a recent receipt (fake clock)', (t) => {
  const clock = fakeClock(1_000_000)
  const view = new RigView({ self: 'CAM_L', clock: clock.now, staleAfterMs: 5000 })
  // The single-node lookup (polled by start/stop-all) must always agree with the snapshot.
  const reachable = (id: string): boolean | undefined => {
    t.is(view.reachable(id), view.node(id)?.reachable ?? false, `reachable(${id}) agrees with the snapshot`)
    return view.node(id)?.reachable
  }
  t.false(view.reachable('CAM_X'), 'an unknown node is not reachable')
  view.apply(rec('CAM_C', KC, 0, { type: 'heartbeat', at: 999_000 }, clock.now()))
  t.is(view.node('CAM_C')?.lastSeenMs, 0)
  t.false(reachable('CAM_C'), 'no connection yet')

  view.setConnected('CAM_C', true)
  t.true(reachable('CAM_C'))

  clock.advance(5000)
  t.is(view.node('CAM_C')?.lastSeenMs, 5000)
  t.true(reachable('CAM_C'), 'exactly staleAfterMs is still reachable')

  clock.advance(1)
  t.false(reachable('CAM_C'), 'connected but silent: stale')

  view.apply(rec('CAM_C', KC, 1, { type: 'heartbeat', at: 1_005_001 }, clock.now()))
  t.true(reachable('CAM_C'))

  view.setConnected('CAM_C', false)
  t.false(reachable('CAM_C'), 'fresh but disconnected')
})

test('replayed events (receivedAt null) fall back to the author time for lastSeenMs', (t) => {
  const clock = fakeClock(100_000)
  const view = new RigView({ self: 'CAM_L', clock: clock.now })
  view.apply(rec('CAM_C', KC, 0, { type: 'heartbeat', at: 40_000 }, null))
  t.is(view.node('CAM_C')?.lastSeenMs, 60_000)
  view.setConnected('CAM_C', true)
  t.false(view.node('CAM_C')?.reachable)
})

test('self is reachable without a connection to itself while it is fresh', (t) => {
  const clock = fakeClock(10_000)
  const view = new RigView({ self: 'CAM_L', clock: clock.now })
  view.apply(rec('CAM_L', KL, 0, { type: 'heartbeat', at: 10_000 }, 10_000))
  t.true(view.node('CAM_L')?.self)
  t.true(view.node('CAM_L')?.reachable)
  clock.advance(6000)
  t.false(view.node('CAM_L')?.reachable, 'a node whose own log went silent is not healthy either')
})

test('reducing 30k events stays fast', (t) => {
  const started = performance.now()
  let s = emptyRigState()
  for (let i = 0; i < 30_000; i++) {
    const cam = ['CAM_L', 'CAM_C', 'CAM_R'][i % 3] as string
    s = reduceRig(s, rec(cam, cam, i, i % 10 === 0 ? status(i, cam, 'recording') : { type: 'heartbeat', at: i }))
  }
  const ms = performance.now() - started
  t.log(`30k events reduced in ${ms.toFixed(0)} ms`)
  t.is(s.nodes.size, 3)
  t.true(ms < 2000)
})

test('notes (deletions, network changes): every node\'s, oldest first; the same note read again or restated is one note', (t) => {
  const del: RigEvent = { type: 'deletion', at: 2000, cameraId: 'CAM_L', file: 'a.mkv', bytes: 123, reason: 'operator' }
  const net: RigEvent = { type: 'network', at: 1000, cameraId: 'CAM_C', from: 'mesh', to: 'ap', reason: 'lost SOCCER_RIG' }
  let s = emptyRigState()
  s = reduceRig(s, rec('CAM_L', KL, 3, del))
  s = reduceRig(s, rec('CAM_C', KC, 1, net))
  s = reduceRig(s, rec('CAM_L', KL, 3, del)) // replayed
  s = reduceRig(s, rec('CAM_L', KL, 9, del)) // restated by a compaction
  t.deepEqual(s.notes.map((n) => [n.by, n.event.type]), [['CAM_C', 'network'], ['CAM_L', 'deletion']])
})
