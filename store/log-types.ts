// The RigLog's options, errors and stats, apart from its workings.
import type { StoreLogger } from './logger.js'

export interface RigLogOptions {
  dataDir: string
  cameraId: string
  clock?: () => number
  logger?: StoreLogger
  /** Name of the own core inside the corestore. */
  coreName?: string
  /** A heartbeat is appended only when nothing else was appended for this long. */
  heartbeatMs?: number
  /** Run the heartbeat timer (default true); off for tests that drive heartbeat() by hand. */
  autoHeartbeat?: boolean
  /** At most one status block per this interval; changes in between are coalesced. */
  statusMinIntervalMs?: number
  /** Compact once this many blocks were appended since the last base. */
  compactEvery?: number
  /** Commands, acks and confirms older than this are not restated by a compaction. */
  retentionMs?: number
  /** How long a replica waits for one block before re-checking the tip. */
  readTimeoutMs?: number
}

export type LogErrorCode = 'LOG_NOT_OPEN' | 'LOG_CLOSED' | 'EVENT_INVALID'

export class RigLogError extends Error {
  constructor(
    readonly code: LogErrorCode,
    message: string
  ) {
    super(message)
    this.name = 'RigLogError'
  }
}

export interface InvalidBlock {
  key: string
  index: number
  code: string
  message: string
}

export interface RigLogStats {
  key: string
  length: number
  base: number
  invalidBlocks: number
  invalidAnnouncements: number
  replicas: Array<{ key: string; cameraId: string; length: number; next: number; base: number }>
}
