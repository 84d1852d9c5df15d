import test from 'ava'
import { createSocket } from 'node:dgram'
import { LanBeacon, broadcastAddresses, type BeaconInfo } from '../../store/beacon.js'
import { freeUdpPort, waitFor } from '../helpers/net.js'

const SECRET = 'beacon-test-secret-0123456789'

async function pair(t: any, secretB = SECRET) {
  const [pa, pb] = [await freeUdpPort(), await freeUdpPort()]
  const a = new LanBeacon({ rigSecret: SECRET, cameraId: 'CAM_L', dhtPort: 40001, httpPort: 8081, port: pa, bindHost: '127.0.0.1', targets: [`127.0.0.1:${pb}`], intervalMs: 100 })
  const b = new LanBeacon({ rigSecret: secretB, cameraId: 'CAM_R', dhtPort: 40003, httpPort: 8083, port: pb, bindHost: '127.0.0.1', targets: [`127.0.0.1:${pa}`], intervalMs: 100 })
  t.teardown(async () => { await a.close(); await b.close() })
  return { a, b, pa, pb }
}

test('two members hear each other with their current address and ports', async (t) => {
  const { a, b } = await pair(t)
  const heardByA: BeaconInfo[] = []
  const heardByB: BeaconInfo[] = []
  a.on('peer', (p) => heardByA.push(p))
  b.on('peer', (p) => heardByB.push(p))
  await Promise.all([a.open(), b.open()])
  await waitFor(async () => heardByA.length > 0 && heardByB.length > 0, 3000)
  t.deepEqual(heardByA[0], { cameraId: 'CAM_R', host: '127.0.0.1', dhtPort: 40003, httpPort: 8083 })
  t.deepEqual(heardByB[0], { cameraId: 'CAM_L', host: '127.0.0.1', dhtPort: 40001, httpPort: 8081 })
})

test('a beacon signed with another secret is ignored and reported', async (t) => {
  const { a, b } = await pair(t, 'some-other-rig-secret-000000')
  const heard: BeaconInfo[] = []
  const invalid: string[] = []
  a.on('peer', (p) => heard.push(p))
  a.on('invalid', (why) => invalid.push(why))
  await Promise.all([a.open(), b.open()])
  await waitFor(async () => invalid.length > 0, 3000)
  t.deepEqual(heard, [])
  t.regex(invalid[0]!, /bad signature/)
})

test('garbage, tampered and replayed datagrams are rejected', async (t) => {
  const { a, pa } = await pair(t)
  const invalid: string[] = []
  const heard: BeaconInfo[] = []
  a.on('invalid', (why) => invalid.push(why))
  a.on('peer', (p) => heard.push(p))
  await a.open()
  const old = new LanBeacon({ rigSecret: SECRET, cameraId: 'CAM_C', dhtPort: 1, httpPort: 2, port: 1, clock: () => Date.now() - 3_600_000 })
  const good = JSON.parse(new LanBeacon({ rigSecret: SECRET, cameraId: 'CAM_C', dhtPort: 1, httpPort: 2, port: 1 }).packet().toString())
  const sock = createSocket('udp4')
  t.teardown(() => sock.close())
  const send = (b: Buffer | string) => new Promise<void>((r) => sock.send(b, pa, '127.0.0.1', () => r()))
  await send('not json')
  await send(JSON.stringify({ v: 1 }))
  await send(JSON.stringify({ ...good, d: 9999 })) // address tampered, signature kept
  await send(old.packet())
  await waitFor(async () => invalid.length >= 4, 3000)
  t.deepEqual(invalid.slice(0, 4).map((w) => w.split(' ')[0]), ['not', 'malformed', 'bad', 'stale'])
  t.deepEqual(heard, [])
})

test('broadcast addresses are derived from the interfaces (never loopback)', (t) => {
  for (const b of broadcastAddresses()) {
    t.regex(b, /^\d+\.\d+\.\d+\.\d+$/)
    t.false(b.startsWith('127.'))
  }
})
