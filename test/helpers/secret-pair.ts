// Real encrypted connections for the clock channel: two @hyperswarm/secret-stream streams over
// a real TCP connection on 127.0.0.1 (the Noise handshake and framing are the production ones;
// only the transport is TCP rather than the DHT's UDX, both loopback).
import { createServer, connect, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import NoiseSecretStream from '@hyperswarm/secret-stream'

export interface StreamPair {
  a: NoiseSecretStream
  b: NoiseSecretStream
  /** Ends both streams and the sockets under them. */
  destroy(): void
}

function carry (secret: NoiseSecretStream, socket: Socket): void {
  const raw: Duplex = secret.rawStream
  raw.pipe(socket).pipe(raw)
  socket.on('error', () => {})
  secret.on('error', () => {})
  secret.on('close', () => socket.destroy())
  socket.on('close', () => secret.destroy())
}

export async function secretStreamPair (): Promise<StreamPair> {
  const server = createServer()
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  const client = connect(port, '127.0.0.1')
  client.setNoDelay(true)
  const sock = await accepted
  sock.setNoDelay(true)
  server.close()
  const a = new NoiseSecretStream(true)
  const b = new NoiseSecretStream(false)
  carry(a, client)
  carry(b, sock)
  await Promise.all([a, b].map((s) => new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve())
    s.once('close', () => reject(new Error('secret stream closed before its handshake')))
  })))
  return {
    a,
    b,
    destroy () {
      a.destroy()
      b.destroy()
    }
  }
}
