import type { ExecutionContext } from 'ava'
import { mkdtemp, rm } from 'node:fs/promises'
import { createSocket } from 'node:dgram'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import NoiseSecretStream from '@hyperswarm/secret-stream'
import type { RigLog } from '../../store/log.js'

/** A temp dir removed at teardown. */
export async function tmpDir(t: ExecutionContext, prefix = 'rig-store-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** Free UDP ports on 127.0.0.1 (bound then released; the DHT binds them right after). */
export async function freeUdpPorts(n: number): Promise<number[]> {
  const sockets = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createSocket>>((resolve, reject) => {
      const s = createSocket('udp4')
      s.once('error', reject)
      s.bind(0, '127.0.0.1', () => resolve(s))
    }))
  )
  const ports = sockets.map((s) => s.address().port)
  await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))))
  return ports
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 20_000, everyMs = 5): Promise<number> {
  const started = performance.now()
  while (!cond()) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
  return performance.now() - started
}

/** Replicates two logs over an in-process encrypted pipe; returns a function that cuts it. */
export function link(a: RigLog, b: RigLog): () => void {
  const sa = new NoiseSecretStream(true)
  const sb = new NoiseSecretStream(false)
  sa.rawStream.pipe(sb.rawStream).pipe(sa.rawStream)
  sa.on('error', () => {})
  sb.on('error', () => {})
  a.attach(sa, { publicKey: 'test', cameraId: b.cameraId })
  b.attach(sb, { publicKey: 'test', cameraId: a.cameraId })
  return () => {
    sa.destroy()
    sb.destroy()
  }
}
