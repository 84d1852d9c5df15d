// Real sockets: three nodes, each its own UDP DHT node on 127.0.0.1 plus a Hyperswarm, in one
// process. Times are logged (t.log) because they are the numbers the rig's UX depends on.
import test, { type ExecutionContext } from 'ava'
import HyperDHT from 'hyperdht'
import Hyperswarm from 'hyperswarm'
import { RigStore, type ClockSync } from '../../store/rig-store.js'
import type { ClockEvent } from '../../store/clock-attach.js'
import { createWallClock, skewedClock } from '../../store/clock-source.js'
import { MeshError, RigMesh } from '../../store/mesh.js'
import { nodeKeyPair } from '../../store/identity.js'
import { freeUdpPorts, tmpDir, waitFor } from './helpers.js'

const SECRET = 'rig-secret-for-tests'
const CAMS = ['CAM_L', 'CAM_C', 'CAM_R'] as const
const HOST = '127.0.0.1'

interface Rig {
  ports: number[]
  dirs: string[]
  nodes: RigStore[]
  make(i: number, opts?: { network?: boolean; secret?: string; clockSync?: ClockSync }): RigStore
}

async function rig(t: ExecutionContext): Promise<Rig> {
  const ports = await freeUdpPorts(CAMS.length)
  const dirs = await Promise.all(CAMS.map(() => tmpDir(t)))
  const r: Rig = {
    ports,
    dirs,
    nodes: [],
    make(i, opts = {}) {
      const node = new RigStore({
        network: opts.network ?? true,
        staleAfterMs: 5000,
        ...(opts.clockSync ? { clockSync: opts.clockSync } : {}),
        log: { dataDir: dirs[i] as string, cameraId: CAMS[i] as string, heartbeatMs: 1000, readTimeoutMs: 2000 },
        mesh: {
          rigSecret: opts.secret ?? SECRET,
          members: CAMS,
          host: HOST,
          port: ports[i] as number,
          peers: ports.filter((_, j) => j !== i).map((port) => ({ host: HOST, port })),
          refreshMs: 2000,
          backoffs: [200, 500, 1000, 2000]
        }
      })
      t.teardown(() => node.close())
      return node
    }
  }
  return r
}

const fullMesh = (nodes: RigStore[]) => () => nodes.every((n) => n.mesh.connected().length === nodes.length - 1)
const allSee = (nodes: RigStore[], pred: (n: RigStore) => boolean) => () => nodes.every(pred)
const allReachable = (nodes: RigStore[]) =>
  allSee(nodes, (n) => CAMS.every((c) => n.view.node(c)?.reachable === true))

async function startAll(r: Rig): Promise<{ nodes: RigStore[]; meshMs: number }> {
  const started = performance.now()
  const nodes = CAMS.map((_, i) => r.make(i))
  await Promise.all(nodes.map((n) => n.ready()))
  await waitFor('full mesh', fullMesh(nodes), 30_000)
  return { nodes, meshMs: performance.now() - started }
}

test('three nodes form a full mesh, converge, and an append reaches the others fast', async (t) => {
  const r = await rig(t)
  const { nodes, meshMs } = await startAll(r)
  t.log(`time to full mesh (3 nodes started together, hyperdht 6.34.0): ${meshMs.toFixed(0)} ms`)
  t.true(meshMs < 15_000)
  for (const [i, n] of nodes.entries()) {
    t.deepEqual(n.mesh.connected().map((p) => p.cameraId).sort(), CAMS.filter((_, j) => j !== i).slice().sort())
  }

  await Promise.all(nodes.map((n, i) => n.log.appendStatus({ cameraId: CAMS[i], state: 'idle' })))
  const convergeMs = await waitFor('all views have every status', allSee(nodes, (n) =>
    CAMS.every((c) => n.view.node(c)?.status?.['state'] === 'idle')))
  t.log(`views converged ${convergeMs.toFixed(0)} ms after the status appends`)
  await waitFor('everyone reachable everywhere', allReachable(nodes), 10_000)

  const [a, b, c] = nodes as [RigStore, RigStore, RigStore]
  const latencies: number[] = []
  for (let i = 0; i < 20; i++) {
    const file = `S1_CAM_L_${i}.mp4`
    const sent = performance.now()
    await a.log.append({ type: 'manifest', at: Date.now(), manifest: { sessionId: 'S1', cameraId: 'CAM_L', file } })
    await waitFor(`manifest ${i} on B and C`, () =>
      [b, c].every((n) => n.view.node('CAM_L')?.manifests.some((m) => m.file === file)), 5000, 1)
    latencies.push(performance.now() - sent)
  }
  latencies.sort((x, y) => x - y)
  t.log(`append→view on both peers over 20 appends: median ${latencies[10]?.toFixed(1)} ms, max ${latencies[19]?.toFixed(1)} ms`)
  t.true((latencies[10] ?? Infinity) < 500)
})

test('a node with the wrong rig secret is refused and the refusal is visible', async (t) => {
  const r = await rig(t)
  const { nodes } = await startAll(r)
  const [a] = nodes as [RigStore]
  await waitFor('everyone reachable', allReachable(nodes), 10_000)
  // An intruder that knows CAM_L's public key and address, but not the secret.
  const [port] = await freeUdpPorts(1)
  const dht = new HyperDHT({ host: HOST, port, bootstrap: r.ports.map((p) => ({ host: HOST, port: p })), ephemeral: false, firewalled: false })
  const intruderKeys = nodeKeyPair('wrong-secret', 'CAM_L')
  const intruder = new Hyperswarm({ dht, keyPair: intruderKeys })
  t.teardown(() => intruder.destroy())
  let intruderConnections = 0
  intruder.on('connection', (conn) => {
    intruderConnections++
    conn.on('error', () => {})
  })
  intruder.joinPeer(a.mesh.keyPair.publicKey)
  await waitFor('refusal recorded', () => a.mesh.status().refusals.count > 0, 20_000)
  const { refusals } = a.mesh.status()
  t.is(refusals.lastKey, intruderKeys.publicKey.toString('hex'))
  t.true(typeof refusals.lastAt === 'number')
  t.is(intruderConnections, 0)
  t.false(a.mesh.connected().some((p) => p.publicKey === intruderKeys.publicKey.toString('hex')))
  t.is(a.view.snapshot().nodes.length, 3, 'the intruder never reached the view')

  // A RigMesh built from the wrong secret (same DHT, same cameraIds) finds nobody: its topic
  // and its idea of the members' keys are both different.
  const [p2] = await freeUdpPorts(1)
  const wrong = new RigMesh({
    rigSecret: 'wrong-secret', cameraId: 'CAM_R', members: CAMS, host: HOST, port: p2 as number,
    peers: r.ports.map((p) => ({ host: HOST, port: p })),
    onConnection: () => t.fail('no connection expected')
  })
  t.teardown(() => wrong.close())
  await wrong.ready()
  await wrong.whenListening()
  wrong.refresh()
  // Its lookups of its own topic and dials of its own idea of the members have all settled.
  await wrong.flush()
  t.is(wrong.connected().length, 0)
  t.true(nodes.every((n) => n.mesh.connected().length === 2), 'the rig itself is undisturbed')
})

test('a taken port fails ready() with a code instead of moving to another port', async (t) => {
  const r = await rig(t)
  const first = r.make(0)
  await first.ready()
  const mesh = new RigMesh({
    rigSecret: SECRET, cameraId: 'CAM_C', members: CAMS, host: HOST, port: r.ports[0] as number, peers: [],
    onConnection: () => {}
  })
  t.teardown(() => mesh.close())
  const err = await t.throwsAsync(mesh.ready())
  t.true(err instanceof MeshError)
  t.is((err as MeshError).code, 'MESH_PORT_IN_USE')
})

test('restart: the view rebuilds from disk before any network, then catches up with nothing lost', async (t) => {
  const r = await rig(t)
  const { nodes } = await startAll(r)
  const [a, b, c] = nodes as [RigStore, RigStore, RigStore]
  await Promise.all(nodes.map((n, i) => n.log.appendStatus({ cameraId: CAMS[i], state: 'recording' })))
  await a.log.append({ type: 'manifest', at: Date.now(), manifest: { sessionId: 'S1', cameraId: 'CAM_L', file: 'before.mp4' } })
  await waitFor('C has everything', () =>
    c.view.node('CAM_L')?.manifests.length === 1 && CAMS.every((id) => c.view.node(id)?.status?.['state'] === 'recording'))
  await c.close()

  // While C is down the others keep writing.
  await a.log.append({ type: 'manifest', at: Date.now(), manifest: { sessionId: 'S1', cameraId: 'CAM_L', file: 'during.mp4' } })
  await b.log.appendStatus({ cameraId: 'CAM_C', state: 'stopping' })

  // Offline reopen: everything C knew is there at once, without a socket.
  const offline = r.make(2, { network: false })
  await offline.ready()
  t.deepEqual(offline.view.node('CAM_L')?.manifests.map((m) => m.file), ['before.mp4'])
  t.true(CAMS.every((id) => offline.view.node(id)?.status?.['state'] === 'recording'))
  t.false(offline.view.node('CAM_L')?.reachable, 'no connection, so not reachable')
  await offline.close()

  // Back on the network: reconnects on its own and gets what it missed.
  const started = performance.now()
  const back = r.make(2)
  await back.ready()
  await waitFor('C reconnected to both', () => back.mesh.connected().length === 2, 30_000)
  const reconnectMs = performance.now() - started
  await waitFor('C caught up', () =>
    back.view.node('CAM_L')?.manifests.length === 2 && back.view.node('CAM_C')?.status?.['state'] === 'stopping')
  t.log(`restarted node reconnected in ${reconnectMs.toFixed(0)} ms and caught up in ${(performance.now() - started).toFixed(0)} ms`)
  await waitFor('A and B see C again', () => [a, b].every((n) => n.mesh.connected().length === 2), 30_000)
  t.deepEqual(back.view.node('CAM_L')?.manifests.map((m) => m.file).sort(), ['before.mp4', 'during.mp4'])
  t.is(back.view.node('CAM_C')?.status?.['state'], 'stopping')
})

test('lost links reconnect without operator action and converge with nothing lost', async (t) => {
  const r = await rig(t)
  const { nodes } = await startAll(r)
  const [a, b, c] = nodes as [RigStore, RigStore, RigStore]
  await waitFor('everyone reachable', allReachable(nodes), 10_000)
  const disconnects: string[] = []
  a.mesh.on('disconnect', (p) => disconnects.push(p.cameraId ?? '?'))

  // Cut every connection of A, the way a Wi-Fi drop does, and write while it is cut.
  const swarm = (a.mesh as unknown as { swarm: Hyperswarm }).swarm
  const cutAt = performance.now()
  for (const conn of swarm.connections) conn.destroy()
  const written: string[] = []
  for (let i = 0; i < 5; i++) {
    const file = `gap-${i}.mp4`
    written.push(file)
    await a.log.append({ type: 'manifest', at: Date.now(), manifest: { sessionId: 'S2', cameraId: 'CAM_L', file } })
  }
  await waitFor('A reconnected', fullMesh(nodes), 30_000)
  const reconnectMs = performance.now() - cutAt
  await waitFor('B and C have every manifest', () =>
    [b, c].every((n) => written.every((f) => n.view.node('CAM_L')?.manifests.some((m) => m.file === f))))
  await waitFor('reachable again', allReachable(nodes), 10_000)
  t.log(`reconnected ${reconnectMs.toFixed(0)} ms after all of A's links were cut`)
  t.true(disconnects.length >= 2)
})

test.serial('a member whose address is known is dialled at its own DHT node first (no lookup); one known only as a bootstrap address is found through the DHT', async (t) => {
  const ports = await freeUdpPorts(2)
  const dials: Array<{ key: string; relayAddresses: unknown }> = []
  const proto = HyperDHT.prototype as unknown as { connect(this: HyperDHT, key: Buffer, opts?: { relayAddresses?: unknown }): unknown }
  const original = proto.connect
  proto.connect = function (key, opts = {}) {
    dials.push({ key: key.toString('hex'), relayAddresses: opts.relayAddresses ?? null })
    return original.call(this, key, opts)
  }
  t.teardown(() => { proto.connect = original })
  // A secret of its own: the other tests' nodes (same process) have other keys, so their dials
  // are not counted here.
  const secret = `${SECRET}-direct-dial`
  const make = (i: number, withIds: boolean) => {
    const m = new RigMesh({
      rigSecret: secret, cameraId: CAMS[i] as string, members: CAMS, host: HOST, port: ports[i] as number,
      peers: [{ host: HOST, port: ports[1 - i] as number, ...(withIds ? { cameraId: CAMS[1 - i] as string } : {}) }],
      onConnection() {}
    })
    t.teardown(() => m.close())
    return m
  }
  const a = make(0, true)
  const b = make(1, false)
  await a.ready()
  await b.ready()
  await waitFor('connected', () => a.connected().length === 1 && b.connected().length === 1, 10_000)
  const keyC = nodeKeyPair(secret, 'CAM_C').publicKey.toString('hex')
  const keyL = nodeKeyPair(secret, 'CAM_L').publicKey.toString('hex')
  const aDials = dials.filter((d) => d.key === keyC)
  t.true(aDials.length > 0, 'A dialled C')
  for (const d of aDials) t.deepEqual((d.relayAddresses as unknown[])[0], { host: HOST, port: ports[1] }, 'at C\'s own DHT node, first')
  // B has L's address only as a bootstrap node, not as L's: its first dial of L finds L
  // through the DHT (no relay given), and still connects.
  t.deepEqual(dials.find((x) => x.key === keyL)?.relayAddresses ?? null, null)
})

test.serial('a missing member is dialled every redialMs, not just on hyperswarm\'s backoff (up to 10 s); when it comes up it connects', async (t) => {
  const ports = await freeUdpPorts(2)
  const secret = `${SECRET}-late-member`
  const keyC = nodeKeyPair(secret, 'CAM_C').publicKey.toString('hex')
  let dialsOfC = 0
  const proto = HyperDHT.prototype as unknown as { connect(this: HyperDHT, key: Buffer, opts?: object): unknown }
  const original = proto.connect
  proto.connect = function (key, opts = {}) {
    if (key.toString('hex') === keyC) dialsOfC++
    return original.call(this, key, opts)
  }
  t.teardown(() => { proto.connect = original })
  const make = (i: number, peers: Array<{ host: string; port: number; cameraId?: string }>) => {
    const m = new RigMesh({
      rigSecret: secret, cameraId: CAMS[i] as string, members: CAMS, host: HOST, port: ports[i] as number, peers,
      refreshMs: 120_000, // no topic refresh during the test
      redialMs: 500, // hyperswarm's own backoffs stay the production ones (0.5, 2, 5, 10 s)
      onConnection() {}
    })
    t.teardown(() => m.close())
    return m
  }
  const a = make(0, [{ host: HOST, port: ports[1] as number, cameraId: 'CAM_C' }])
  await a.ready()
  // Counting starts after the first two dials (at ~0.5 s): hyperswarm alone would dial again at
  // 2, 5 and 10 s, so two more at most in the next 9 s; redialling every 500 ms makes four
  // (a failed dial takes ~1.5 s here) well within them.
  await waitFor('first dials of C', () => dialsOfC >= 2, 9000)
  const before = dialsOfC
  await waitFor('four more dials of the missing C', () => dialsOfC - before >= 4, 9000, 20)
  t.true(dialsOfC - before >= 4, `${dialsOfC - before} dials of the missing C`)
  const c = make(1, [])
  const upAt = Date.now()
  await c.ready()
  await waitFor('A and C connected', () => a.connected().some((p) => p.cameraId === 'CAM_C'), 6000)
  t.log(`connected ${Date.now() - upAt} ms after C came up; ${dialsOfC} dials of C in all`)
})

test.serial('a member named by host name (cam-c.local on a field LAN) is dialled at the address the name resolves to; UDP needs an IP', async (t) => {
  const ports = await freeUdpPorts(2)
  const secret = `${SECRET}-host-names`
  const keyC = nodeKeyPair(secret, 'CAM_C').publicKey.toString('hex')
  const dials: unknown[] = []
  const proto = HyperDHT.prototype as unknown as { connect(this: HyperDHT, key: Buffer, opts?: { relayAddresses?: unknown }): unknown }
  const original = proto.connect
  proto.connect = function (key, opts = {}) {
    if (key.toString('hex') === keyC) dials.push(opts.relayAddresses ?? null)
    return original.call(this, key, opts)
  }
  t.teardown(() => { proto.connect = original })
  const asked: string[] = []
  const make = (i: number, peers: Array<{ host: string; port: number; cameraId?: string }>, resolve?: (h: string) => Promise<string>) => {
    const m = new RigMesh({
      rigSecret: secret, cameraId: CAMS[i] as string, members: CAMS, host: HOST, port: ports[i] as number, peers,
      ...(resolve ? { resolve } : {}), onConnection() {}
    })
    t.teardown(() => m.close())
    return m
  }
  // The system resolver, for real: "localhost" stands in for an mDNS name.
  const a = make(0, [{ host: 'localhost', port: ports[1] as number, cameraId: 'CAM_C' }])
  const c = make(1, [{ host: 'cam-l.local', port: ports[0] as number, cameraId: 'CAM_L' }], async (h) => { asked.push(h); return HOST })
  await a.ready()
  await c.ready()
  await waitFor('connected', () => a.connected().length === 1 && c.connected().length === 1, 10_000)
  t.true(asked.includes('cam-l.local'), 'the name was resolved through the resolver given')
  t.is(c.ipOf('cam-l.local'), HOST, 'and is kept for HTTP relays to that peer')
  t.is(a.ipOf('localhost'), '127.0.0.1')
  t.is(a.ipOf('10.0.0.7'), '10.0.0.7')
  t.is(a.ipOf('never-seen.local'), 'never-seen.local', 'an unknown name is left to the caller')
  t.true(dials.length > 0)
  for (const d of dials) t.deepEqual((d as unknown[])[0], { host: '127.0.0.1', port: ports[1] }, 'dialled at the resolved IP')
})

test('every member connection carries a clock channel: samples name the peer, a reconnect brings a new burst', async (t) => {
  const r = await rig(t)
  const wall = createWallClock()
  const events: ClockEvent[] = []
  const a = r.make(0, { clockSync: { now: wall.now, send: (e) => events.push(e), tuning: { burstIntervalMs: 60_000 } } })
  // CAM_C's clock runs 1234.5 ms ahead of CAM_L's.
  const peerClock = skewedClock(wall.now, 1234.5)
  const b = r.make(1, { clockSync: { now: peerClock, send: () => {} } })
  await Promise.all([a.ready(), b.ready()])
  const samples = () => events.filter((e): e is Extract<ClockEvent, { type: 'sample' }> => e.type === 'sample')
  await waitFor('a burst of clock samples from CAM_C', () => samples().length >= 8, 30_000)
  t.is(events[0]?.type, 'connected')
  t.true(events.every((e) => e.peer === 'CAM_C'))
  const best = samples().reduce((m, s) => (s.sample.rttMs < m.sample.rttMs ? s : m))
  t.true(Math.abs(best.sample.offsetMs - 1234.5) < 1, `measured ${best.sample.offsetMs} ms`)
  // The link drops (CAM_C restarts): disconnected, then a fresh burst on the new connection.
  await b.close()
  await waitFor('disconnected', () => events.some((e) => e.type === 'disconnected'), 30_000)
  const before = samples().length
  const b2 = r.make(1, { clockSync: { now: peerClock, send: () => {} } })
  await b2.ready()
  await waitFor('a new burst after the reconnect', () => samples().length >= before + 8, 30_000)
  t.is(events.filter((e) => e.type === 'connected').length, 2)
})
