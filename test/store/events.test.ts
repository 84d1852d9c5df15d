import test from 'ava'
import { decodeBlock, encodeBlock, parseEvent, type Block, type RigEvent } from '../../store/events.js'

const sha = 'a'.repeat(64)

const valid: RigEvent[] = [
  { type: 'status', at: 1, cameraId: 'CAM_L', status: { state: 'idle', cameraId: 'CAM_L' } },
  { type: 'manifest', at: 2, manifest: { sessionId: 'S1', cameraId: 'CAM_L', file: 'S1_CAM_L.mp4', sizeBytes: 10 } },
  { type: 'command', at: 3, commandId: 'c1', kind: 'start', sessionId: 'S1', startAt: 10, issuedAt: 3, issuer: 'CAM_C' },
  { type: 'ack', at: 4, commandId: 'c1', cameraId: 'CAM_L', ok: true, firstFrameAt: 11 },
  { type: 'ack', at: 4, commandId: 'c1', cameraId: 'CAM_R', ok: false, reason: { code: 'CAMERA_BUSY', message: 'busy' } },
  { type: 'confirm', at: 5, sessionId: 'S1', cameraId: 'CAM_L', file: 'S1_CAM_L.mp4', sha256: sha },
  { type: 'heartbeat', at: 6, seq: 3 }
]

test('every event type round-trips through a block', (t) => {
  for (const event of valid) {
    const block: Block = { v: 1, cameraId: 'CAM_L', base: 0, event }
    const decoded = decodeBlock(encodeBlock(block))
    t.deepEqual(decoded, { ok: true, block })
  }
})

test('manifest keeps fields the log does not know (opaque record)', (t) => {
  const e = parseEvent(valid[1])
  t.is(e.type === 'manifest' ? e.manifest['sizeBytes'] : undefined, 10)
})

test('invalid blocks are reported with a code, never thrown', (t) => {
  const bad: Array<[Uint8Array, 'BLOCK_NOT_JSON' | 'BLOCK_INVALID']> = [
    [Buffer.from('{not json'), 'BLOCK_NOT_JSON'],
    [Buffer.from([0xff, 0xfe, 0x00]), 'BLOCK_NOT_JSON'],
    [Buffer.from('null'), 'BLOCK_INVALID'],
    [Buffer.from(JSON.stringify({ v: 2, cameraId: 'X', base: 0, event: valid[0] })), 'BLOCK_INVALID'],
    [Buffer.from(JSON.stringify({ v: 1, cameraId: 'X', base: -1, event: valid[0] })), 'BLOCK_INVALID'],
    [Buffer.from(JSON.stringify({ v: 1, cameraId: 'X', base: 0, event: { type: 'reboot', at: 1 } })), 'BLOCK_INVALID'],
    [Buffer.from(JSON.stringify({ v: 1, cameraId: 'X', base: 0, event: { ...valid[2], kind: 'pause' } })), 'BLOCK_INVALID'],
    [Buffer.from(JSON.stringify({ v: 1, cameraId: 'X', base: 0, event: { ...valid[5], sha256: 'xyz' } })), 'BLOCK_INVALID'],
    [Buffer.from(JSON.stringify({ v: 1, cameraId: 'X', base: 0, event: { type: 'heartbeat', at: 1.5 } })), 'BLOCK_INVALID'],
    [Buffer.from(JSON.stringify({ v: 1, cameraId: '', base: 0, event: valid[6] })), 'BLOCK_INVALID']
  ]
  for (const [bytes, code] of bad) {
    const r = decodeBlock(bytes)
    t.false(r.ok)
    if (!r.ok) {
      t.is(r.code, code)
      t.true(r.message.length > 0)
    }
  }
})

test('encodeBlock refuses to write an invalid event', (t) => {
  t.throws(() => encodeBlock({ v: 1, cameraId: 'X', base: 0, event: { type: 'heartbeat', at: -1 } }))
})

test('a manifest without its identifying fields is rejected', (t) => {
  t.throws(() => parseEvent({ type: 'manifest', at: 1, manifest: { sessionId: 'S', cameraId: 'C' } }))
})
