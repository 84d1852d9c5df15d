// Minimal ambient types for the Holepunch modules store/ uses. They ship as CommonJS without
// types; only what store/ calls is declared, so a wrong call fails at compile time instead of
// silently typing as `any`.

declare module 'hypercore' {
  import { EventEmitter } from 'node:events'

  export interface GetOptions {
    /** false: answer only from local storage (null if absent) instead of asking peers. */
    wait?: boolean
    /** ms to wait for a peer to deliver the block; 0 waits forever. */
    timeout?: number
    /** Collects the request so clearRequests() can cancel it. */
    activeRequests?: unknown[]
  }

  export interface Download {
    done(): Promise<void>
    destroy(): void
  }

  /** One replication peer of a core. */
  export interface Peer {
    /** How many blocks from the start the peer holds without a gap. */
    readonly remoteContiguousLength: number
  }

  export default class Hypercore extends EventEmitter {
    readonly key: Buffer
    readonly peers: Peer[]
    readonly discoveryKey: Buffer
    readonly length: number
    readonly writable: boolean
    readonly opened: boolean
    readonly closed: boolean
    ready(): Promise<void>
    close(): Promise<void>
    append(block: Buffer | Buffer[]): Promise<{ length: number; byteLength: number }>
    get(index: number, opts?: GetOptions): Promise<Buffer | null>
    has(start: number, end?: number): Promise<boolean>
    /** Cancels the requests collected in `activeRequests` (their get() rejects). */
    clearRequests(activeRequests: unknown[], error?: Error): void
    clear(start: number, end?: number): Promise<unknown>
    download(range?: { start?: number; end?: number; linear?: boolean }): Download
    update(opts?: { wait?: boolean }): Promise<boolean>
  }
}

declare module 'corestore' {
  import type { Duplex } from 'node:stream'
  import type Hypercore from 'hypercore'

  export default class Corestore {
    constructor(storage: string, opts?: Record<string, unknown>)
    ready(): Promise<void>
    close(): Promise<void>
    get(opts: { name: string } | { key: Buffer | string }): Hypercore
    replicate(stream: Duplex): Duplex
  }
}

declare module 'hyperdht' {
  import { EventEmitter } from 'node:events'

  export interface KeyPair {
    publicKey: Buffer
    secretKey: Buffer
  }

  export interface HostPort {
    host: string
    port: number
  }

  export interface HyperDHTOptions {
    host?: string
    port?: number
    bootstrap?: HostPort[]
    ephemeral?: boolean
    firewalled?: boolean
    /** false: fail when `port` is taken instead of silently binding another one. */
    anyPort?: boolean
    /**
     * dht-rpc's per-address request timeouts (adaptive-timeout): without it every request
     * to a silent address waits a fixed 1 s before its retry.
     */
    adaptiveTimeout?: { fallback?: number[]; min?: number; max?: number; jitter?: number }
  }

  export interface ConnectOptions {
    relayAddresses?: HostPort[] | null
    [option: string]: unknown
  }

  export default class HyperDHT extends EventEmitter {
    constructor(opts?: HyperDHTOptions)
    static keyPair(seed?: Buffer): KeyPair
    readonly host: string | null
    readonly port: number
    readonly destroyed: boolean
    ready(): Promise<void>
    /** Binds the UDP sockets only (does not wait for bootstrap). */
    bind(): Promise<void>
    /** Adds a node to the routing table (dht-rpc), e.g. a rig member found on the LAN. */
    addNode(node: { host: string; port: number }): void
    /**
     * Dials a server by public key (hyperswarm calls this). relayAddresses: DHT nodes to send
     * the handshake through first; a server's own DHT node answers for it.
     */
    connect(publicKey: Buffer, opts?: ConnectOptions): unknown
    address(): { host: string; port: number }
    destroy(opts?: { force?: boolean }): Promise<void>
  }
}

declare module 'hyperswarm' {
  import { EventEmitter } from 'node:events'
  import type { Duplex } from 'node:stream'
  import type HyperDHT from 'hyperdht'
  import type { KeyPair } from 'hyperdht'

  /** A Noise-encrypted stream (hyperdht's SecretStream). */
  export interface SwarmConnection extends Duplex {
    readonly remotePublicKey: Buffer
    readonly publicKey: Buffer
    readonly isInitiator: boolean
  }

  export interface PeerInfo {
    readonly publicKey: Buffer
    readonly explicit: boolean
    readonly attempts: number
    readonly queued: boolean
    readonly banned: boolean
  }

  export interface PeerDiscovery {
    flushed(): Promise<void>
    refresh(opts?: { client?: boolean; server?: boolean }): Promise<void>
    destroy(): Promise<void>
  }

  export interface HyperswarmOptions {
    dht: HyperDHT
    keyPair: KeyPair
    firewall?: (remotePublicKey: Buffer, payload: unknown) => boolean
    backoffs?: number[]
    jitter?: number
  }

  export default class Hyperswarm extends EventEmitter {
    constructor(opts: HyperswarmOptions)
    readonly keyPair: KeyPair
    readonly dht: HyperDHT
    readonly connections: Set<SwarmConnection>
    readonly peers: Map<string, PeerInfo>
    listen(): Promise<void>
    join(topic: Buffer, opts?: { server?: boolean; client?: boolean }): PeerDiscovery
    joinPeer(publicKey: Buffer): void
    leavePeer(publicKey: Buffer): void
    flush(): Promise<boolean>
    /** Destroys every topic discovery (and its refresh timer). */
    clear(): Promise<unknown>
    destroy(opts?: { force?: boolean }): Promise<void>
    on(event: 'connection', listener: (conn: SwarmConnection, info: PeerInfo) => void): this
    on(event: string, listener: (...args: unknown[]) => void): this
  }
}

declare module 'protomux' {
  import type { Duplex } from 'node:stream'

  /** compact-encoding's codec shape: protomux calls these on each message. */
  export interface Encoding<T> {
    preencode(state: EncodingState, value: T): void
    encode(state: EncodingState, value: T): void
    decode(state: EncodingState): T
  }

  export interface EncodingState {
    start: number
    end: number
    buffer: Buffer
  }

  export interface Message<T> {
    send(value: T): boolean
  }

  export interface Channel {
    readonly opened: boolean
    readonly closed: boolean
    readonly messages: Message<unknown>[]
    open(handshake?: unknown): void
    close(): void
  }

  export interface ChannelOptions {
    protocol: string
    id?: Buffer | null
    unique?: boolean
    messages: Array<{ encoding: Encoding<unknown>; onmessage: (value: unknown) => void }>
    onopen?: () => void
    onclose?: (isRemote: boolean) => void
  }

  export default class Protomux {
    static from(stream: Duplex): Protomux
    createChannel(opts: ChannelOptions): Channel | null
  }
}
