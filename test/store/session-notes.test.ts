import test from 'ava'
import { emptyRigState, reduceRig, type ReceivedEvent } from '../../store/view.js'
import { parseEvent } from '../../store/events.js'

const rec = (cameraId: string, key: string, index: number, at: number, meta: object): ReceivedEvent => ({
  key, cameraId, index, receivedAt: at, event: parseEvent({ type: 'session', at, sessionId: 'S1', meta })
})

test('session notes: the newest edit from any node wins, whatever the arrival order', (t) => {
  const a = rec('CAM_L', 'aa', 3, 1000, { home: 'Old name' })
  const b = rec('CAM_R', 'bb', 7, 2000, { home: 'New name', venue: 'North pitch' })
  for (const order of [[a, b], [b, a]]) {
    const s = order.reduce((st, r) => reduceRig(st, r), emptyRigState())
    t.deepEqual(s.sessions.get('S1')?.meta, { home: 'New name', venue: 'North pitch' })
    t.is(s.sessions.get('S1')?.by, 'CAM_R')
  }
})

test('session notes are validated like every event: unknown fields are refused', (t) => {
  t.throws(() => parseEvent({ type: 'session', at: 1, sessionId: 'S1', meta: { score: '3-1' } }))
  t.throws(() => parseEvent({ type: 'session', at: 1, sessionId: 'S1', meta: { notes: 'x'.repeat(3000) } }))
})
