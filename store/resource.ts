// One lifecycle for the store's resources, the Holepunch way: ready() opens once (concurrent
// callers share the same promise), close() closes once and waits for an open in flight.
// ready-resource does not call _close() after a failed _open(), so each _open() releases what it
// had opened before it throws (a leaked corestore keeps its RocksDB lock, and every supervised
// retry then fails with "File descriptor could not be locked").
import ReadyResource from 'ready-resource'

type EventMap<E> = { [K in keyof E]: unknown[] }

/** ReadyResource with typed events (ReadyResource itself is a plain EventEmitter). */
export class TypedResource<E extends EventMap<E>> extends ReadyResource {
  override on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    return super.on(event, listener)
  }

  override once<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    return super.once(event, listener)
  }

  override off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    return super.off(event, listener)
  }

  override emit<K extends keyof E & string>(event: K, ...args: E[K]): boolean
  override emit(event: 'ready' | 'close'): boolean
  override emit(event: string, ...args: unknown[]): boolean {
    return super.emit(event, ...args)
  }
}

export { ReadyResource }
