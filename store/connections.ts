import type { Duplex } from 'node:stream'

/**
 * Ends replication streams before their store closes: replication that is mid-verify when the
 * store closes ends in an unhandled rejection inside hypercore ("RocksDB session is closed").
 * Each stream gets up to graceMs to close, then a short settle lets hypercore's last callbacks run.
 */
export async function endConnections(conns: Set<Duplex>, graceMs = 1000, settleMs = 50): Promise<void> {
  await Promise.all([...conns].map((c) => new Promise<void>((resolve) => {
    if (c.destroyed) return resolve()
    const t = setTimeout(resolve, graceMs)
    c.once('close', () => { clearTimeout(t); resolve() })
    c.destroy()
  })))
  conns.clear()
  await new Promise((resolve) => setTimeout(resolve, settleMs))
}
