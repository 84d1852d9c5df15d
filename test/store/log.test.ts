import test from 'ava'
import { join } from 'node:path'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import Corestore from 'corestore'
import NoiseSecretStream from '@hyperswarm/secret-stream'
import { RigLog, RigLogError, type RigLogOptions } from '../../store/log.js'
import { RigView, type ReceivedEvent } from '../../store/view.js'
import { encodeBlock } from '../../store/events.js'
import { link, tmpDir, waitFor } from './helpers.js'

async function openLog(t: import('ava').ExecutionContext, opts: RigLogOptions): Promise<{ log: RigLog; view: RigView; seen: ReceivedEvent[] }> {
  const log = new RigLog({ autoHeartbeat: false, ...opts })
  const view = new RigView({ self: opts.cameraId })
  const seen: ReceivedEvent[] = []
  log.on('event', (e) => {
    seen.push(e)
    view.apply(e)
  })
  t.teardown(() => log.close())
  await log.ready()
  return { log, view, seen }
}

const status = (at: number, cameraId: string, state: string) =>
  ({ type: 'status', at, cameraId, status: { cameraId, state } }) as const

test('append validates the event and resolves with its block index', async (t) => {
  const dir = await tmpDir(t)
  const { log, seen } = await openLog(t, { dataDir: dir, cameraId: 'CAM_L' })
  t.is(await log.append(status(1, 'CAM_L', 'idle')), 0)
  t.is(await log.append({ type: 'heartbeat', at: 2 }), 1)
  const err = await t.throwsAsync(log.append({ type: 'heartbeat', at: -5 }))
  t.is((err as RigLogError).code, 'EVENT_INVALID')
  await waitFor('own events read back', () => seen.length === 2)
  t.deepEqual(seen.map((e) => [e.index, e.event.type, e.event.seq, e.cameraId]), [
    [0, 'status', 0, 'CAM_L'],
    [1, 'heartbeat', 1, 'CAM_L']
  ])
})

test('a closed log refuses appends with a code', async (t) => {
  const dir = await tmpDir(t)
  const log = new RigLog({ dataDir: dir, cameraId: 'CAM_L', autoHeartbeat: false })
  const early = await t.throwsAsync(log.append({ type: 'heartbeat', at: 1 }))
  t.is((early as RigLogError).code, 'LOG_NOT_OPEN')
  await log.ready()
  await log.close()
  const late = await t.throwsAsync(log.append({ type: 'heartbeat', at: 1 }))
  t.is((late as RigLogError).code, 'LOG_CLOSED')
})

test('status is appended only on change and coalesced within the interval', async (t) => {
  const dir = await tmpDir(t)
  const { log, view, seen } = await openLog(t, { dataDir: dir, cameraId: 'CAM_L', statusMinIntervalMs: 150 })
  t.is(await log.appendStatus({ state: 'idle' }), 'appended')
  t.is(await log.appendStatus({ state: 'idle' }), 'unchanged')
  t.is(await log.appendStatus({ state: 'armed' }), 'deferred')
  t.is(await log.appendStatus({ state: 'recording' }), 'deferred')
  t.is(await log.appendStatus({ state: 'recording' }), 'unchanged', 'same as the pending one')
  t.is(log.stats().length, 1)
  await waitFor('coalesced status written', () => log.stats().length === 2, 2000)
  await waitFor('coalesced status read back', () => view.node('CAM_L')?.status?.['state'] === 'recording', 2000)
  t.deepEqual(seen.flatMap((e) => (e.event.type === 'status' ? [e.event.status['state']] : [])),
    ['idle', 'recording'], 'only the last change of the interval was written')
  t.is(await log.appendStatus({ state: 'recording' }), 'unchanged', 'nothing left pending')
})

test('heartbeat is skipped while other appends prove liveness', async (t) => {
  const dir = await tmpDir(t)
  let now = 10_000
  const { log } = await openLog(t, { dataDir: dir, cameraId: 'CAM_L', clock: () => now, heartbeatMs: 1000 })
  t.true(await log.heartbeat(), 'first one goes through')
  now += 500
  await log.append(status(now, 'CAM_L', 'idle'))
  t.false(await log.heartbeat(), 'a status 0 ms ago proves liveness')
  now += 999
  t.false(await log.heartbeat())
  now += 1
  t.true(await log.heartbeat())
  t.is(log.stats().length, 3)
})

test('two logs replicate, and a restart rebuilds the whole view from disk with no network', async (t) => {
  const [da, db] = [await tmpDir(t), await tmpDir(t)]
  const a = await openLog(t, { dataDir: da, cameraId: 'CAM_L' })
  const b = await openLog(t, { dataDir: db, cameraId: 'CAM_C' })
  const cut = link(a.log, b.log)
  t.teardown(cut)
  await a.log.append(status(1, 'CAM_L', 'recording'))
  await a.log.append({ type: 'manifest', at: 2, manifest: { sessionId: 'S1', cameraId: 'CAM_L', file: 'S1_CAM_L.mp4' } })
  await b.log.append(status(3, 'CAM_C', 'idle'))
  await waitFor('b sees a', () => b.view.node('CAM_L')?.manifests.length === 1)
  await waitFor('a sees b', () => a.view.node('CAM_C')?.status !== null && a.view.node('CAM_C') !== undefined)
  cut()
  await b.log.close()

  const again = await openLog(t, { dataDir: db, cameraId: 'CAM_C' })
  // open() resolves after the disk replay: no waiting, no network.
  const l = again.view.node('CAM_L')
  t.is(l?.status?.['state'], 'recording')
  t.deepEqual(l?.manifests.map((m) => m.file), ['S1_CAM_L.mp4'])
  t.is(again.view.node('CAM_C')?.status?.['state'], 'idle')
  t.true(again.seen.every((e) => e.receivedAt === null), 'replayed, not received')
  t.deepEqual(again.log.peerCores(), [{ key: a.log.key, cameraId: 'CAM_L' }])
})

test('compaction restates state, clears old blocks, and replicas follow', async (t) => {
  const [da, db] = [await tmpDir(t), await tmpDir(t)]
  const now = 1_000_000
  const a = await openLog(t, { dataDir: da, cameraId: 'CAM_L', compactEvery: 25, clock: () => now, retentionMs: 500_000 })
  const b = await openLog(t, { dataDir: db, cameraId: 'CAM_C' })
  const cut = link(a.log, b.log)
  t.teardown(cut)
  // older than the retention window: not restated, so gone once its block is cleared
  await a.log.append({ type: 'command', at: 1, commandId: 'c0', kind: 'start', sessionId: 'S0', startAt: 50, issuedAt: 1, issuer: 'CAM_L' })
  await a.log.append({ type: 'command', at: 900_000, commandId: 'c1', kind: 'start', sessionId: 'S1', startAt: 900_050, issuedAt: 900_000, issuer: 'CAM_L' })
  await a.log.append({ type: 'ack', at: 900_001, commandId: 'c1', cameraId: 'CAM_L', ok: true, firstFrameAt: 51 })
  for (let i = 0; i < 4; i++) {
    await a.log.append({ type: 'manifest', at: 10 + i, manifest: { sessionId: 'S1', cameraId: 'CAM_L', file: `f${i}.mp4` } })
  }
  for (let i = 0; i < 60; i++) await a.log.append(status(100 + i, 'CAM_L', `s${i}`))
  const stats = a.log.stats()
  t.true(stats.base > 0, `compacted (base ${stats.base}, length ${stats.length})`)
  t.true(stats.length - stats.base < 25 + 10, 'bounded tail')

  await waitFor('replica caught up', () => b.view.node('CAM_L')?.status?.['state'] === 's59')
  await waitFor('replica jumped to base', () => (b.log.stats().replicas[0]?.base ?? 0) === stats.base)
  cut()
  await a.log.close()
  await b.log.close()

  // Blocks below base are gone on both sides...
  for (const dir of [da, db]) {
    const store = new Corestore(join(dir, 'store', 'cores'))
    t.teardown(() => store.close())
    const core = dir === da ? store.get({ name: 'rig-events' }) : store.get({ key: Buffer.from(stats.key, 'hex') })
    await core.ready()
    t.is(await core.get(0, { wait: false }), null, `block 0 cleared in ${dir === da ? 'own core' : 'replica'}`)
    t.not(await core.get(core.length - 1, { wait: false }), null)
    await store.close()
  }
  // ...and a fresh reader (restart of the replica) still derives everything.
  const again = await openLog(t, { dataDir: db, cameraId: 'CAM_C' })
  const node = again.view.node('CAM_L')
  t.is(node?.status?.['state'], 's59')
  t.deepEqual(node?.manifests.map((m) => m.file), ['f0.mp4', 'f1.mp4', 'f2.mp4', 'f3.mp4'])
  const cmds = again.view.snapshot().commands
  t.deepEqual(cmds.map((c) => c.commandId), ['c1'])
  const cmd = cmds[0]
  t.true(cmd?.acks['CAM_L']?.ok)
})

test('invalid blocks from a peer are skipped and counted, valid ones still arrive', async (t) => {
  const [da, dEvil] = [await tmpDir(t), await tmpDir(t)]
  const a = await openLog(t, { dataDir: da, cameraId: 'CAM_L' })
  const invalid: string[] = []
  a.log.on('invalid', (e) => invalid.push(e.code))
  const evil = new Corestore(dEvil)
  t.teardown(() => evil.close())
  const core = evil.get({ name: 'x' })
  await core.ready()
  await core.append([
    Buffer.from('garbage'),
    Buffer.from(JSON.stringify({ v: 1, cameraId: 'EVIL', base: 0, event: { type: 'selfdestruct', at: 1 } })),
    encodeBlock({ v: 1, cameraId: 'CAM_R', base: 0, event: status(3, 'CAM_R', 'idle') })
  ])
  const sa = new NoiseSecretStream(true)
  const sb = new NoiseSecretStream(false)
  sa.rawStream.pipe(sb.rawStream).pipe(sa.rawStream)
  sa.on('error', () => {})
  sb.on('error', () => {})
  t.teardown(() => { sa.destroy(); sb.destroy() })
  evil.replicate(sa)
  a.log.attach(sb, { publicKey: 'evil', cameraId: null })
  t.true(await a.log.addPeerCore({ key: core.key.toString('hex'), cameraId: 'CAM_R' }))
  await waitFor('valid block after the bad ones', () => a.view.node('CAM_R')?.status?.['state'] === 'idle')
  t.deepEqual(invalid, ['BLOCK_NOT_JSON', 'BLOCK_INVALID'])
  t.is(a.log.stats().invalidBlocks, 2)
  t.is(a.view.node('EVIL'), undefined)
})

test('a corrupt known-cores.json is set aside with a warning and rebuilt; the log still opens with its own history', async (t) => {
  const dir = await tmpDir(t)
  const first = await openLog(t, { dataDir: dir, cameraId: 'CAM_L' })
  await first.log.append(status(1, 'CAM_L', 'recording'))
  await first.log.close()
  const file = join(dir, 'store', 'known-cores.json')
  await writeFile(file, '{"v":1,"cores":[{"key":')
  const warnings: Array<{ code?: string; setAside?: string }> = []
  const logger = { warn: (obj: object) => warnings.push(obj), debug() {} }
  const again = await openLog(t, { dataDir: dir, cameraId: 'CAM_L', logger })
  t.is(again.view.node('CAM_L')?.status?.['state'], 'recording', 'own history replayed')
  const warning = warnings.find((w) => w.code === 'KNOWN_CORES_CORRUPT')
  t.truthy(warning, 'warned with a code')
  t.is(await readFile(warning!.setAside!, 'utf8'), '{"v":1,"cores":[{"key":', 'the corrupt file is kept aside, not deleted')
  t.deepEqual(again.log.peerCores(), [])
  const peer = { key: 'ab'.repeat(32), cameraId: 'CAM_C' }
  t.true(await again.log.addPeerCore(peer))
  t.deepEqual(JSON.parse(await readFile(file, 'utf8')).cores, [peer], 'rebuilt from what peers announce')
})

test('a failed open releases the RocksDB lock, so the next try opens the same store', async (t) => {
  const dir = await tmpDir(t)
  // A directory where the file should be: reading it fails (EISDIR) after the corestore opened.
  const file = join(dir, 'store', 'known-cores.json')
  await mkdir(file, { recursive: true })
  const failed = new RigLog({ dataDir: dir, cameraId: 'CAM_L', autoHeartbeat: false })
  const err = await t.throwsAsync(failed.ready())
  t.is((err as NodeJS.ErrnoException).code, 'EISDIR')
  await rm(file, { recursive: true })
  const retry = await openLog(t, { dataDir: dir, cameraId: 'CAM_L' })
  t.is(await retry.log.append(status(1, 'CAM_L', 'idle')), 0, 'the retry holds the lock and writes')
})

test('a status that cannot be appended is a warning with a code and a status-failed event, deferred or not', async (t) => {
  const dir = await tmpDir(t)
  const warnings: Array<{ code?: string }> = []
  const logger = { warn: (obj: object) => warnings.push(obj), debug() {} }
  let now = 1000
  const { log } = await openLog(t, { dataDir: dir, cameraId: 'CAM_L', statusMinIntervalMs: 100, logger, clock: () => now })
  const failures: Error[] = []
  log.on('status-failed', (err) => failures.push(err))
  t.is(await log.appendStatus({ state: 'idle' }), 'appended')
  // A value JSON cannot encode makes the append itself fail, the way a failing disk would.
  t.is(await log.appendStatus({ state: 'recording', bytes: 2n }), 'deferred')
  await waitFor('the deferred append failed', () => failures.length === 1, 2000)
  now += 1000
  await t.throwsAsync(log.appendStatus({ state: 'stopping', bytes: 3n }))
  t.is(failures.length, 2, 'the immediate append failed and said so too')
  t.deepEqual(warnings.map((w) => w.code), ['STATUS_APPEND_FAILED', 'STATUS_APPEND_FAILED'])
})
