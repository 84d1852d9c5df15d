// PeerNames: the rig's peers' host names (cam-c.local over mDNS, as in the example configs)
// kept resolved to IPv4 addresses. UDP sends need an IP, and an HTTP relay that resolves a
// name itself on every request may wait seconds when mDNS is down.
//
// The system resolver (getaddrinfo) runs on libuv's thread pool, which the recording's file
// writes share, and a .local name without mDNS can take seconds to fail: so at most one
// lookup per name is in flight, and a name that failed is tried again only after retryAfterMs.
import { lookup } from 'node:dns/promises'
import { isIPv4 } from 'node:net'
import type { StoreLogger } from './logger.js'

export type Resolve = (host: string) => Promise<string>

export const systemResolve: Resolve = async (host) => (await lookup(host, { family: 4 })).address

export interface PeerNamesOptions {
  resolve?: Resolve
  clock?: () => number
  logger?: StoreLogger
  /** A name that failed to resolve is looked up again after this long (ms). */
  retryAfterMs?: number
}

export class PeerNames {
  /** host name -> its IPv4 address, as last resolved. */
  private readonly resolved = new Map<string, string>()
  private readonly resolving = new Map<string, Promise<void>>()
  private readonly failedAt = new Map<string, number>()
  private readonly resolve: Resolve
  private readonly clock: () => number
  private readonly retryAfterMs: number

  constructor(private readonly opts: PeerNamesOptions = {}) {
    this.resolve = opts.resolve ?? systemResolve
    this.clock = opts.clock ?? Date.now
    this.retryAfterMs = opts.retryAfterMs ?? 30_000
  }

  /** The host as an IPv4 address: itself when it is one, else its last resolution, else null. */
  ip(host: string): string | null {
    return isIPv4(host) ? host : (this.resolved.get(host) ?? null)
  }

  /** Looks the names up again (an mDNS name may move); settles when those lookups have. */
  refresh(hosts: Iterable<string>): Promise<unknown> {
    const now = this.clock()
    const names = new Set([...hosts].filter((h) => !isIPv4(h)))
    return Promise.allSettled([...names].map((host) => {
      const pending = this.resolving.get(host)
      if (pending) return pending
      if (now - (this.failedAt.get(host) ?? -Infinity) < this.retryAfterMs) return Promise.resolve()
      const p = this.resolve(host).then(
        (ip) => {
          if (isIPv4(ip)) this.resolved.set(host, ip)
          this.failedAt.delete(host)
        },
        (err: Error) => {
          this.failedAt.set(host, this.clock())
          this.opts.logger?.debug({ err, host }, 'peer host name did not resolve')
        }
      ).finally(() => this.resolving.delete(host))
      this.resolving.set(host, p)
      return p
    }))
  }
}
